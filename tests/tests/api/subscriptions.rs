use cadenza_api::settings::Secret;
use std::time::Duration;

use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

fn event(message: &Value) -> &Value {
    assert_eq!(message["type"], "next", "{message}");
    &message["payload"]["data"]["lockerEvents"]
}

#[tokio::test]
async fn a_listener_hears_their_own_locker_change_from_any_device() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mut mine = app.locker_events(&me).await;
    let mut theirs = app.locker_events(&other).await;

    let body = app
        .upload(&me, "a.wav", wav(300, &[("INAM", "First")]))
        .await;
    let id = data(&body)["uploadTrack"]["id"].clone();
    let added = next_message(&mut mine, Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(
        *event(&added),
        json!({ "change": "ADDED", "itemId": id, "item": { "title": "First" } })
    );

    data(
        &app.update_locker_item(&me, &id, json!({ "title": "Second" }))
            .await,
    );
    let updated = next_message(&mut mine, Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(
        *event(&updated),
        json!({ "change": "UPDATED", "itemId": id, "item": { "title": "Second" } })
    );

    data(&app.delete_locker_item(&me, &id).await);
    let removed = next_message(&mut mine, Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(
        *event(&removed),
        json!({ "change": "REMOVED", "itemId": id, "item": null })
    );

    // Someone else heard none of it.
    assert_eq!(
        next_message(&mut theirs, Duration::from_millis(500)).await,
        None
    );
}

#[tokio::test]
async fn subscribing_needs_credentials() {
    let app = spawn_app().await;
    let mut socket = app.locker_events(&Auth::Anonymous).await;
    let message = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["data"].is_null());
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn replicas_deliver_each_others_events_through_redis() {
    // Two servers on one database and one Redis namespace, as behind a load
    // balancer; the Redis on 127.0.0.1 serves both.
    let first =
        spawn_app_with(|settings| settings.redis.url = Some(Secret::new(redis_url_for_replicas())))
            .await;
    let second = spawn_replica_of(&first).await;
    let me = first.customer().await;
    let mut on_first = first.locker_events(&me).await;

    let body = second
        .upload(&me, "b.wav", wav(300, &[("INAM", "Elsewhere")]))
        .await;
    let id = data(&body)["uploadTrack"]["id"].clone();
    let heard = next_message(&mut on_first, Duration::from_secs(10))
        .await
        .expect("an event from the other replica");
    assert_eq!(
        *event(&heard),
        json!({ "change": "ADDED", "itemId": id, "item": { "title": "Elsewhere" } })
    );
}

#[tokio::test]
async fn a_subscription_ends_when_its_token_expires() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let app = spawn_app().await;
    let body = app
        .register("expiring@example.com", PASSWORD, "Expiring")
        .await;
    let token = token_of(&body, "register");
    let claims_part = token.split('.').nth(1).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims_part).unwrap()).unwrap();
    claims["exp"] = json!(chrono::Utc::now().timestamp() + 2);
    let secret = cadenza_api::auth::load_or_create_secret(None, &app.settings.data_dir).unwrap();
    let short_lived = crate::accounts::sign_hs256(&secret, &claims);

    let mut socket = app.locker_events(&Auth::Bearer(short_lived.clone())).await;
    // The server closes the connection once the token has expired, with
    // graphql-ws's Forbidden: its client connects again with a new token
    // (a 1xxx code would make it give up).
    assert_eq!(
        close_code_within(&mut socket, Duration::from_secs(30)).await,
        Some(Some(4403))
    );
    // The expired token is refused at once at `connection_init`, the same way.
    let mut socket = connect_socket(
        &app,
        json!({ "Authorization": format!("Bearer {short_lived}") }),
    )
    .await;
    assert_eq!(
        close_code_within(&mut socket, Duration::from_secs(10)).await,
        Some(Some(4403))
    );
    data(
        &app.upload(&Auth::Bearer(token), "late.wav", wav(300, &[]))
            .await,
    );
}

#[tokio::test]
async fn changes_are_not_taken_over_the_socket() {
    // Mutations go over HTTP, where each is counted against its caller's
    // rate limit; the socket would be a way round it.
    let app = spawn_app().await;
    let me = app.customer().await;
    let mut socket = app
        .subscribe(
            &me,
            "mutation { createPlaylist(input: {name: \"Sneaky\"}) { id } }",
        )
        .await;
    let message = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "BAD_USER_INPUT",
        "{message}"
    );
    let playlists = app.viewer_playlists(&me).await;
    assert_eq!(data(&playlists)["viewer"]["playlists"]["totalCount"], 0);
}

#[tokio::test]
async fn a_bad_token_at_connection_init_is_refused_at_once() {
    let app = spawn_app().await;
    let me = app.customer().await;
    for payload in [
        json!({ "Authorization": "Bearer not-a-token" }),
        json!({ "authorization": format!("Basic {}", me.token()) }),
        json!({ "Authorization": 42 }),
    ] {
        let mut socket = connect_socket(&app, payload.clone()).await;
        assert_eq!(
            close_code_within(&mut socket, Duration::from_secs(10)).await,
            Some(Some(4403)),
            "{payload}"
        );
    }
    // The scheme and the name in any case; no credentials is anonymous.
    for payload in [
        json!({ "authorization": format!("bearer {}", me.token()) }),
        json!({ "AUTHORIZATION": format!("BEARER {}", me.token()) }),
        json!({}),
    ] {
        let mut socket = connect_socket(&app, payload.clone()).await;
        let ack = next_message(&mut socket, Duration::from_secs(10)).await;
        assert_eq!(ack.unwrap()["type"], "connection_ack", "{payload}");
    }
}

#[tokio::test]
async fn a_close_the_client_starts_is_answered_with_its_code() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app().await;
    let me = app.customer().await;
    for code in [1000u16, 4499] {
        let mut socket = app.locker_events(&me).await;
        socket
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: "done".into(),
            })))
            .await
            .unwrap();
        assert_eq!(
            close_code_within(&mut socket, Duration::from_secs(10)).await,
            Some(Some(code)),
            "graphql-ws reads a close without a code as 1005 and backs off"
        );
    }
}
