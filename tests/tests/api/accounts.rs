use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn register_signs_in_and_the_viewer_is_the_new_account() {
    let app = spawn_app().await;
    let body = app
        .register("  New.Listener@Example.COM ", PASSWORD, "New Listener")
        .await;
    let payload = &data(&body)["register"];
    assert_eq!(
        payload["user"]["email"], "new.listener@example.com",
        "emails are normalised"
    );
    assert_eq!(payload["user"]["role"], "CUSTOMER");
    assert!(payload["refreshToken"].as_str().unwrap().len() >= 32);

    let token = Auth::Bearer(token_of(&body, "register"));
    let viewer = app.viewer(&token).await;
    assert_eq!(
        data(&viewer)["viewer"]["user"]["email"],
        "new.listener@example.com"
    );
    assert_eq!(data(&viewer)["viewer"]["user"]["id"], payload["user"]["id"]);

    let node = app
        .gql_as(
            &token,
            "query($id: ID!) { node(id: $id) { id ... on User { email } } }",
            json!({ "id": payload["user"]["id"] }),
        )
        .await;
    assert_eq!(data(&node)["node"]["email"], "new.listener@example.com");
    let anonymous_node = app.node(&Auth::Anonymous, &payload["user"]["id"]).await;
    assert!(
        data(&anonymous_node)["node"].is_null(),
        "accounts are private"
    );
}

#[tokio::test]
async fn registration_rejects_bad_input_and_writes_nothing() {
    let app = spawn_app().await;
    for (email, password, name, code) in [
        ("short@example.com", "nine char", "Shorty", "BAD_USER_INPUT"),
        ("not-an-email", PASSWORD, "Nobody", "BAD_USER_INPUT"),
        ("blank@example.com", PASSWORD, "   ", "BAD_USER_INPUT"),
        (
            "long@example.com",
            PASSWORD,
            &"x".repeat(101),
            "BAD_USER_INPUT",
        ),
    ] {
        let body = app.register(email, password, name).await;
        assert_eq!(error_code(&body), code, "{email} {password} {name}: {body}");
        assert!(body["data"].is_null());
        let login = app.login(email, password).await;
        assert_eq!(
            error_code(&login),
            "UNAUTHENTICATED",
            "no account was made for {email}"
        );
    }
    let exactly_ten = app.register("ten@example.com", "0123456789", "Ten").await;
    data(&exactly_ten);
}

#[tokio::test]
async fn a_taken_email_is_a_conflict_whatever_its_case() {
    let app = spawn_app().await;
    data(&app.register("dup@example.com", PASSWORD, "First").await);
    let again = app
        .register("DUP@example.com", "another password", "Second")
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    // The first account's password still works; the second never existed.
    data(&app.login("dup@example.com", PASSWORD).await);
    assert_eq!(
        error_code(&app.login("dup@example.com", "another password").await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn login_checks_the_password_and_says_nothing_about_which_part_was_wrong() {
    let app = spawn_app().await;
    data(&app.register("login@example.com", PASSWORD, "Login").await);
    let good = app.login("LOGIN@example.com", PASSWORD).await;
    assert_eq!(data(&good)["login"]["user"]["email"], "login@example.com");

    let wrong_password = app.login("login@example.com", "not the password").await;
    let unknown_email = app.login("nobody@example.com", PASSWORD).await;
    assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(error_code(&unknown_email), "UNAUTHENTICATED");
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_email["errors"][0]["message"]
    );
}

#[tokio::test]
async fn the_viewer_is_null_without_valid_credentials() {
    let app = spawn_app().await;
    let body = app.register("forger@example.com", PASSWORD, "Forger").await;
    let token = token_of(&body, "register");

    let anonymous = app.viewer(&Auth::Anonymous).await;
    assert!(data(&anonymous)["viewer"].is_null());

    // Tampered payload: claim another subject and admin, keep the signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    let forged_claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);

    // alg=none with the same claims.
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);

    // A well-signed token that expired: sign with the server's own key.
    let secret = cadenza_api::auth::load_or_create_secret(None, &app.settings.data_dir).unwrap();
    let mut expired_claims =
        serde_json::from_slice::<serde_json::Value>(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap())
            .unwrap();
    expired_claims["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    let expired = sign_hs256(&secret, &expired_claims);
    // A well-signed token for another audience.
    let mut other_audience = expired_claims.clone();
    other_audience["exp"] = json!(chrono::Utc::now().timestamp() + 600);
    other_audience["aud"] = json!("someone-else");
    let wrong_audience = sign_hs256(&secret, &other_audience);
    // The control: a fresh token signed the same way is accepted.
    let mut fresh = other_audience.clone();
    fresh["aud"] = json!("cadenza-api");
    let control = sign_hs256(&secret, &fresh);

    for bad in [
        forged,
        unsigned,
        expired,
        wrong_audience,
        "garbage".to_owned(),
    ] {
        let body = app.viewer(&Auth::Bearer(bad.clone())).await;
        assert!(data(&body)["viewer"].is_null(), "accepted {bad}");
    }
    let body = app.viewer(&Auth::Bearer(control)).await;
    assert_eq!(data(&body)["viewer"]["user"]["email"], "forger@example.com");
}

/// HS256 by hand, so the test does not trust the code under test to sign.
pub fn sign_hs256(secret: &[u8], claims: &serde_json::Value) -> String {
    use hmac::{Hmac, Mac};
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family() {
    let app = spawn_app().await;
    let body = app.register("rotate@example.com", PASSWORD, "Rotate").await;
    let first = data(&body)["register"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let rotated = app.refresh(&first).await;
    let second = data(&rotated)["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    let access = Auth::Bearer(token_of(&rotated, "refreshToken"));
    let viewer = app.viewer(&access).await;
    assert_eq!(
        data(&viewer)["viewer"]["user"]["email"],
        "rotate@example.com"
    );

    // Reusing the first token fails and revokes the family, so the second
    // (which was still good) stops working too.
    assert_eq!(error_code(&app.refresh(&first).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.refresh(&second).await), "UNAUTHENTICATED");

    // Another session of the same user is a different family and lives on.
    let other = app.login("rotate@example.com", PASSWORD).await;
    let other_refresh = data(&other)["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    data(&app.refresh(&other_refresh).await);

    assert_eq!(
        error_code(&app.refresh("not-a-token").await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let body = app.register("logout@example.com", PASSWORD, "Logout").await;
    let refresh = data(&body)["register"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(data(&app.logout(&refresh).await)["logout"], true);
    assert_eq!(
        data(&app.logout(&refresh).await)["logout"],
        false,
        "already ended"
    );
    assert_eq!(error_code(&app.refresh(&refresh).await), "UNAUTHENTICATED");
    assert_eq!(data(&app.logout("never-issued").await)["logout"], false);
}

#[tokio::test]
async fn guessing_a_password_is_rate_limited_per_account() {
    let app = spawn_app().await;
    data(
        &app.register("guessed@example.com", PASSWORD, "Guessed")
            .await,
    );
    data(
        &app.register("bystander@example.com", PASSWORD, "Bystander")
            .await,
    );
    for attempt in 0..19 {
        let body = app
            .login("guessed@example.com", &format!("guess number {attempt}"))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    data(&app.login("Guessed@Example.com", PASSWORD).await);
    // The 21st attempt in the window is refused, even with the right password.
    let body = app.login("guessed@example.com", PASSWORD).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("try again"));
    // Other accounts are unaffected.
    data(&app.login("bystander@example.com", PASSWORD).await);
}
