//! The server's logs carry ids only: a whole scenario against the real
//! binary at `RUST_LOG=debug` (register, sign in, refresh, upload with
//! unique tags, search, play, buy, export, an API key, delete), and none of the listener's details, their
//! music's tags, their password or any token or key is in what it wrote.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{an_album, cadenza, random_wav, Server, Store};
use serde_json::{json, Value};

fn marker(prefix: &str) -> String {
    format!("{prefix}{:010x}", rand::random::<u64>() & 0xff_ffff_ffff)
}

fn token(body: &Value, operation: &str, field: &str) -> String {
    body["data"][operation][field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

#[tokio::test]
async fn a_whole_scenario_at_debug_leaves_no_personal_data_in_the_logs() {
    let store = Store::new().await;
    let url = store.url();
    let admin_email = format!("{}@example.com", marker("admin"));
    let admin_password = marker("AdminPass");
    let mut create = cadenza(store.dir.path(), url.as_deref());
    create
        .args(["create-user", "--role", "admin", "--email", &admin_email])
        .args(["--password", &admin_password]);
    assert!(create.status().unwrap().success());

    let server = Server::start(store.dir.path(), url.as_deref(), &[("RUST_LOG", "debug")]).await;
    let email = format!("{}@example.com", marker("listener"));
    let password = marker("Secret");
    let display_name = marker("Display");
    let (title, artist, album) = (marker("Title"), marker("Artist"), marker("Album"));

    let registered = server
        .gql(
            None,
            "mutation($e: String!, $p: String!, $n: String!) { register(input: {email: $e, password: $p, displayName: $n}) { accessToken refreshToken } }",
            json!({ "e": email, "p": password, "n": display_name }),
        )
        .await;
    let first_token = token(&registered, "register", "accessToken");
    let refresh = token(&registered, "register", "refreshToken");
    let refreshed = server
        .gql(
            None,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
            json!({ "t": refresh }),
        )
        .await;
    let second_refresh = token(&refreshed, "refreshToken", "refreshToken");
    let signed_in = server
        .gql(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            json!({ "e": email, "p": password }),
        )
        .await;
    let access = token(&signed_in, "login", "accessToken");
    // A wrong password is logged as a refusal, not as what was typed.
    let wrong_password = marker("Wrong");
    server
        .gql(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            json!({ "e": email, "p": wrong_password }),
        )
        .await;

    server
        .upload(
            &access,
            random_wav(&[("INAM", &title), ("IART", &artist), ("IPRD", &album)]),
        )
        .await;
    // Searched for, once the index has it (it follows the database).
    let mut found = Value::Null;
    for _ in 0..200 {
        found = server
            .gql(
                Some(&access),
                "query($q: String!) { search(query: $q, scope: LOCKER) { totalCount edges { node { item { ... on LockerItem { id } } } } } }",
                json!({ "q": title }),
            )
            .await;
        if found["data"]["search"]["totalCount"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found["data"]["search"]["totalCount"], 1, "{found}");
    let item = found["data"]["search"]["edges"][0]["node"]["item"]["id"].clone();
    let played = server
        .gql(
            Some(&access),
            "mutation($i: ID!) { recordPlay(input: {itemId: $i, msPlayed: 200, completed: true}) }",
            json!({ "i": item }),
        )
        .await;
    assert_eq!(played["data"]["recordPlay"], true, "{played}");
    let (product, _) = an_album(&server).await;
    server
        .gql(
            Some(&access),
            "mutation($id: ID!) { addToCart(productId: $id) { itemCount } }",
            json!({ "id": product }),
        )
        .await;
    let bought = server
        .gql(
            Some(&access),
            "mutation { checkout(idempotencyKey: \"log-test\") { status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bought["data"]["checkout"]["status"], "FULFILLED",
        "{bought}"
    );

    let admin = server
        .gql(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            json!({ "e": admin_email, "p": admin_password }),
        )
        .await;
    let admin = token(&admin, "login", "accessToken");
    let key = server
        .gql(
            Some(&admin),
            "mutation { createApiKey(name: \"affiliate\", scopes: [CATALOGUE_READ]) { secret } }",
            json!({}),
        )
        .await;
    let secret = token(&key, "createApiKey", "secret");
    let read = server
        .client
        .post(format!("{}/graphql", server.address))
        .header("x-api-key", &secret)
        .json(&json!({ "query": "{ products(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert!(read.status().is_success());

    let export = server
        .gql(
            Some(&access),
            "mutation { exportMyData { url } }",
            json!({}),
        )
        .await;
    let export_url = token(&export, "exportMyData", "url");
    let document = server
        .client
        .get(format!("{}{export_url}", server.address))
        .send()
        .await
        .unwrap();
    assert!(document.status().is_success());
    let document = document.text().await.unwrap();
    assert!(document.contains(&title), "the export holds the tags");

    let deleted = server
        .gql(
            Some(&access),
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": password }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");

    // One request followed by its id: the caller's, echoed back, on every
    // line the request wrote (its SQL statements and its access line).
    let request_id = marker("trace-");
    let traced = server
        .client
        .post(format!("{}/graphql", server.address))
        .header("X-Request-Id", &request_id)
        .json(&json!({ "query": "{ products(first: 2) { nodes { title } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(traced.headers()["x-request-id"], request_id.as_str());
    // A request without one gets one.
    let untraced = server
        .client
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(untraced.headers()["x-request-id"].len(), 32);
    server.kill();

    let log = std::fs::read_to_string(store.dir.path().join("server.log")).unwrap();
    // The log is there and verbose: the scenario's own events are in it.
    for expected in [
        "upload stored",
        "order paid and fulfilled",
        "account erased",
    ] {
        assert!(log.contains(expected), "the log has no {expected:?}");
    }
    let traced: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(&format!("request_id={request_id}")))
        .collect();
    assert!(
        traced.iter().any(|line| line.contains("sql"))
            && traced.iter().any(|line| line.contains(" request ")),
        "the request's SQL and access lines carry its id: {traced:#?}"
    );
    let upload = log
        .lines()
        .find(|line| line.contains("upload stored"))
        .unwrap();
    assert!(
        upload.contains("request_id="),
        "a service's line carries its request's id: {upload}"
    );
    for (what, secret) in [
        ("email", email.as_str()),
        ("password", password.as_str()),
        ("wrong password", wrong_password.as_str()),
        ("display name", display_name.as_str()),
        ("title", title.as_str()),
        ("artist", artist.as_str()),
        ("album", album.as_str()),
        ("access token", access.as_str()),
        ("first access token", first_token.as_str()),
        ("refresh token", refresh.as_str()),
        ("rotated refresh token", second_refresh.as_str()),
        ("admin email", admin_email.as_str()),
        ("admin password", admin_password.as_str()),
        ("admin token", admin.as_str()),
        ("API key secret", secret.as_str()),
        ("export URL", export_url.as_str()),
    ] {
        let lower = secret.to_lowercase();
        let line = log
            .lines()
            .find(|line| line.contains(secret) || line.to_lowercase().contains(&lower));
        assert!(line.is_none(), "the {what} is in the log: {line:?}");
    }
    store.drop_database().await;
}
