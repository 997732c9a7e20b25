//! Rate limits: mutations per user and per API key, sign-up, sign-in and
//! token refresh per client address, each refusal saying when to retry.

use serde_json::{json, Value};

use crate::helpers::*;

fn retry_after(body: &Value) -> u64 {
    body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfterSeconds in {body}"))
}

#[tokio::test]
async fn a_user_making_too_many_changes_is_told_when_to_try_again() {
    let app = spawn_app_with(|settings| settings.rate_limits.user_mutations_per_minute = 3).await;
    let listener = app.customer().await;
    let other = app.customer().await;
    for n in 0..3 {
        data(
            &app.create_playlist(&listener, &format!("Mix {n}"), [])
                .await,
        );
    }
    let refused = app.create_playlist(&listener, "One too many", []).await;
    assert_eq!(error_code(&refused), "RATE_LIMITED");
    let wait = retry_after(&refused);
    assert!((1..=60).contains(&wait), "retry after {wait} s");
    assert!(refused["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("try again in"));
    // Nothing of the refused mutation was done.
    let playlists = app.viewer_playlists(&listener).await;
    assert_eq!(
        data(&playlists)["viewer"]["playlists"]["totalCount"],
        3,
        "{playlists}"
    );

    // Over HTTP the refusal is a 429 with Retry-After for clients that
    // read GraphQL responses, and reads go on.
    let Auth::Bearer(token) = &listener else {
        unreachable!()
    };
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(token)
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": "mutation { createPlaylist(input: {name: \"x\"}) { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let header: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&header));
    data(&app.viewer(&listener).await);

    // Another listener has their own allowance.
    data(&app.create_playlist(&other, "Theirs", []).await);
}

#[tokio::test]
async fn an_api_key_has_its_own_allowance_for_changes() {
    let app = spawn_app_with(|settings| settings.rate_limits.key_mutations_per_minute = 1).await;
    let admin = app.admin().await;
    let created = app
        .create_api_key(&admin, "Label feed", &["CATALOGUE_WRITE"])
        .await;
    let secret = data(&created)["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = Auth::ApiKey(secret);
    let feed = "{\"type\":\"artist\",\"id\":\"rl-artist\",\"name\":\"Rate Limited Band\"}\n";
    data(&app.import_feed(&key, feed).await);
    let refused = app.import_feed(&key, feed).await;
    assert_eq!(error_code(&refused), "RATE_LIMITED");
    assert!(retry_after(&refused) <= 60);
    // Reads are not counted.
    let read = app
        .gql_as(&key, "{ artists(first: 1) { totalCount } }", json!({}))
        .await;
    data(&read);
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_aliases_count_each() {
    let app = spawn_app_with(|settings| settings.rate_limits.registrations_per_hour = 3).await;
    data(&app.register("first@example.com", PASSWORD, "First").await);
    // Two more in one request, by aliases: the allowance is spent.
    let body = app
        .gql(
            "mutation($p: String!) {
                a: register(input: {email: \"second@example.com\", password: $p, displayName: \"A\"}) { accessToken }
                b: register(input: {email: \"third@example.com\", password: $p, displayName: \"B\"}) { accessToken }
            }",
            json!({ "p": PASSWORD }),
        )
        .await;
    data(&body);
    let refused = app.register("fourth@example.com", PASSWORD, "Fourth").await;
    assert_eq!(error_code(&refused), "RATE_LIMITED");
    let wait = retry_after(&refused);
    assert!(wait > 60 && wait <= 3600, "retry after {wait} s");
    // The refused account was not made.
    assert_eq!(
        error_code(&app.login("fourth@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn sign_ins_and_refreshes_are_limited_per_address() {
    let app = spawn_app_with(|settings| {
        settings.rate_limits.logins_per_15_minutes = 2;
        settings.rate_limits.refreshes_per_minute = 1;
    })
    .await;
    let registered = app.register("often@example.com", PASSWORD, "Often").await;
    let refresh = data(&registered)["register"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    data(&app.login("often@example.com", PASSWORD).await);
    data(&app.login("often@example.com", PASSWORD).await);
    let refused = app.login("often@example.com", PASSWORD).await;
    assert_eq!(error_code(&refused), "RATE_LIMITED");
    assert!(retry_after(&refused) <= 15 * 60);

    data(&app.refresh(&refresh).await);
    assert_eq!(error_code(&app.refresh(&refresh).await), "RATE_LIMITED");
}

#[tokio::test]
async fn behind_a_proxy_the_configured_header_names_the_client() {
    let app = spawn_app_with(|settings| {
        settings.rate_limits.registrations_per_hour = 1;
        settings.http.client_ip_header = Some("X-Real-IP".into());
    })
    .await;
    let register = |email: &'static str, address: &'static str| {
        let query = json!({
            "query": "mutation($e: String!, $p: String!) { register(input: {email: $e, password: $p, displayName: \"P\"}) { accessToken } }",
            "variables": { "e": email, "p": PASSWORD },
        });
        let request = app
            .client
            .post(app.graphql_url())
            .header("X-Real-IP", address)
            .json(&query);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    data(&register("one@example.com", "203.0.113.1").await);
    data(&register("two@example.com", "203.0.113.2").await);
    let refused = register("three@example.com", "203.0.113.1").await;
    assert_eq!(error_code(&refused), "RATE_LIMITED");

    // A client's own line of the header comes before the one the proxy
    // adds, and is not believed.
    let forged = app
        .client
        .post(app.graphql_url())
        .header("X-Real-IP", "198.51.100.77")
        .header("X-Real-IP", "203.0.113.2")
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { register(input: {email: $e, password: $p, displayName: \"P\"}) { accessToken } }",
            "variables": { "e": "four@example.com", "p": PASSWORD },
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(error_code(&forged), "RATE_LIMITED", "{forged}");
}
