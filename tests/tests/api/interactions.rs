use entities::interaction;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};

use crate::helpers::*;

struct Targets {
    artist: Value,
    album: Value,
    product: Value,
}

async fn targets(app: &TestApp) -> Targets {
    let body = app.artists(Some(1), None, None).await;
    let artist = data(&body)["artists"]["nodes"][0]["id"].clone();
    let body = app.albums(Some(1), None).await;
    let album = data(&body)["albums"]["nodes"][0]["id"].clone();
    let body = app.products(Some(1), json!(null), None).await;
    let product = data(&body)["products"]["nodes"][0]["id"].clone();
    Targets {
        artist,
        album,
        product,
    }
}

fn recorded(body: &Value) -> bool {
    data(body)["recordInteraction"].as_bool().unwrap()
}

async fn stored(app: &TestApp) -> Vec<interaction::Model> {
    let db = app.database().await;
    interaction::Entity::find()
        .order_by_asc(interaction::Column::Id)
        .all(&db)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_kind_of_interaction_is_stored_with_its_target() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let t = targets(&app).await;
    for input in [
        json!({ "kind": "VIEW_ARTIST", "targetId": t.artist }),
        json!({ "kind": "VIEW_ALBUM", "targetId": t.album }),
        json!({ "kind": "VIEW_PRODUCT", "targetId": t.product }),
        json!({ "kind": "CLICK_RECOMMENDATION", "targetId": t.product }),
        json!({ "kind": "BROWSE_GENRE", "genre": " R&B " }),
        json!({ "kind": "SEARCH", "query": "usher" }),
    ] {
        let body = app.record_interaction(&me, input.clone()).await;
        assert!(recorded(&body), "{input}: {body}");
    }
    let rows = stored(&app).await;
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "VIEW_ARTIST",
            "VIEW_ALBUM",
            "VIEW_PRODUCT",
            "CLICK_RECOMMENDATION",
            "BROWSE_GENRE",
            "SEARCH"
        ]
    );
    assert!(rows[0].artist_id.is_some() && rows[1].album_id.is_some());
    assert!(rows[2].product_id.is_some() && rows[2].product_id == rows[3].product_id);
    assert_eq!(rows[4].genre.as_deref(), Some("R&B"));
    assert_eq!(rows[5].query.as_deref(), Some("usher"));

    // Cleared with the plays, and counted.
    let body = app.clear_listening_history(&me).await;
    assert_eq!(data(&body)["clearListeningHistory"], 6);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn with_history_off_or_in_a_private_session_no_interaction_is_stored() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let search = json!({ "kind": "SEARCH", "query": "usher" });
    app.update_privacy_settings(&me, json!({ "recordListeningHistory": false }))
        .await;
    assert!(!recorded(
        &app.record_interaction(&me, search.clone()).await
    ));
    app.update_privacy_settings(&me, json!({ "recordListeningHistory": true }))
        .await;
    app.start_private_session(&me, 10).await;
    assert!(!recorded(
        &app.record_interaction(&me, search.clone()).await
    ));
    assert!(stored(&app).await.is_empty());
    app.start_private_session(&me, 0).await;
    assert!(recorded(&app.record_interaction(&me, search).await));
    assert_eq!(stored(&app).await.len(), 1);
}

#[tokio::test]
async fn an_interaction_missing_its_target_or_naming_nothing_is_refused() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let t = targets(&app).await;
    for (input, code) in [
        (json!({ "kind": "VIEW_ARTIST" }), "BAD_USER_INPUT"),
        (json!({ "kind": "BROWSE_GENRE" }), "BAD_USER_INPUT"),
        (
            json!({ "kind": "SEARCH", "query": "   " }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "kind": "SEARCH", "query": "x".repeat(201) }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "kind": "VIEW_ARTIST", "targetId": "not an id" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "kind": "VIEW_ARTIST", "targetId": t.album }),
            "NOT_FOUND",
        ),
        (
            json!({ "kind": "VIEW_PRODUCT", "targetId": t.artist }),
            "NOT_FOUND",
        ),
        // Artist 999999, which does not exist.
        (
            json!({ "kind": "VIEW_ARTIST", "targetId": "QXJ0aXN0Ojk5OTk5OQ" }),
            "NOT_FOUND",
        ),
    ] {
        let body = app.record_interaction(&me, input.clone()).await;
        assert_eq!(error_code(&body), code, "{input}: {body}");
    }
    let anonymous = app
        .record_interaction(&Auth::Anonymous, json!({ "kind": "SEARCH", "query": "a" }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert!(stored(&app).await.is_empty());
}
