use entities::play;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::audio::{wav, wav_at};
use crate::helpers::*;

async fn upload_titled(app: &TestApp, auth: &Auth, title: &str) -> Value {
    let body = app
        .upload(
            auth,
            "t.wav",
            wav(1000 + title.len() as u32, &[("INAM", title)]),
        )
        .await;
    data(&body)["uploadTrack"].clone()
}

fn recorded(body: &Value) -> bool {
    data(body)["recordPlay"].as_bool().unwrap()
}

fn titles(body: &Value) -> Vec<String> {
    data(body)["viewer"]["recentlyPlayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["item"]["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn stored_plays(app: &TestApp) -> Vec<play::Model> {
    let db = app.database().await;
    play::Entity::find()
        .order_by_asc(play::Column::Id)
        .all(&db)
        .await
        .unwrap()
}

#[tokio::test]
async fn plays_are_stored_and_read_back_newest_first() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let a = upload_titled(&app, &me, "A").await;
    let b = upload_titled(&app, &me, "Bb").await;
    for (item, ms) in [(&a, 500), (&b, 900), (&a, 0)] {
        assert!(recorded(&app.record_play(&me, &item["id"], ms, None).await));
    }
    let body = app.recently_played(&me, Some(10)).await;
    assert_eq!(titles(&body), ["A", "Bb", "A"]);
    let newest = &data(&body)["viewer"]["recentlyPlayed"][0];
    assert_eq!(newest["msPlayed"], 0);
    assert_eq!(newest["completed"], true);
    assert_eq!(newest["item"]["__typename"], "LockerItem");
    assert_eq!(newest["item"]["id"], a["id"]);
    assert_eq!(
        titles(&app.recently_played(&me, Some(2)).await),
        ["A", "Bb"]
    );

    let other = app.customer().await;
    assert_eq!(
        titles(&app.recently_played(&other, None).await),
        Vec::<String>::new()
    );
    let anonymous = app.record_play(&Auth::Anonymous, &a["id"], 1, None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn with_history_off_or_in_a_private_session_nothing_is_stored() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let a = upload_titled(&app, &me, "A").await;

    app.update_privacy_settings(&me, json!({ "recordListeningHistory": false }))
        .await;
    assert!(!recorded(&app.record_play(&me, &a["id"], 10, None).await));
    assert!(stored_plays(&app).await.is_empty(), "not even a counter");
    app.update_privacy_settings(&me, json!({ "recordListeningHistory": true }))
        .await;
    assert!(recorded(&app.record_play(&me, &a["id"], 10, None).await));

    app.start_private_session(&me, 30).await;
    assert!(!recorded(&app.record_play(&me, &a["id"], 20, None).await));
    assert_eq!(stored_plays(&app).await.len(), 1);
    app.start_private_session(&me, 0).await;
    assert!(recorded(&app.record_play(&me, &a["id"], 30, None).await));
    let ms: Vec<i32> = stored_plays(&app)
        .await
        .iter()
        .map(|p| p.ms_played)
        .collect();
    assert_eq!(ms, [10, 30]);

    // Another listener's settings are theirs alone.
    let other = app.customer().await;
    let theirs = upload_titled(&app, &other, "T").await;
    app.update_privacy_settings(&me, json!({ "recordListeningHistory": false }))
        .await;
    assert!(recorded(
        &app.record_play(&other, &theirs["id"], 1, None).await
    ));
}

#[tokio::test]
async fn ms_played_must_lie_within_the_item_and_ten_minutes() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let a = upload_titled(&app, &me, "A").await;
    let most = a["durationMs"].as_i64().unwrap() + 600_000;
    for ms in [-1, most + 1, i64::from(i32::MAX)] {
        let body = app.record_play(&me, &a["id"], ms, None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{ms}: {body}");
    }
    assert!(stored_plays(&app).await.is_empty());
    assert!(recorded(&app.record_play(&me, &a["id"], most, None).await));
}

#[tokio::test]
async fn only_the_viewers_own_items_and_playlists_are_played() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mine = upload_titled(&app, &me, "Mine").await;
    let theirs = upload_titled(&app, &other, "Theirs").await;
    let body = app.record_play(&me, &theirs["id"], 1, None).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let their_playlist = app.create_playlist(&other, "Theirs", [&theirs["id"]]).await;
    let their_playlist = data(&their_playlist)["createPlaylist"]["id"].clone();
    let body = app.record_play(&me, &their_playlist, 1, None).await;
    assert_eq!(
        error_code(&body),
        "NOT_FOUND",
        "a playlist is not a playable item"
    );
    let body = app
        .record_play(&me, &mine["id"], 1, their_playlist.as_str())
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app.record_play(&me, &json!("not an id"), 1, None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(stored_plays(&app).await.is_empty());
}

#[tokio::test]
async fn plays_of_excluded_items_and_playlists_stay_in_history_but_never_feed_statistics() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let kept = upload_titled(&app, &me, "Kept").await;
    let hidden = upload_titled(&app, &me, "Hidden").await;
    let body = app
        .update_locker_item(
            &me,
            &hidden["id"],
            json!({ "excludeFromTasteProfile": true }),
        )
        .await;
    data(&body);
    let playlist = app.create_playlist(&me, "Lullabies", [&kept["id"]]).await;
    let playlist = data(&playlist)["createPlaylist"]["id"].clone();
    let body = app
        .update_playlist(&me, &playlist, json!({ "excludeFromTasteProfile": true }))
        .await;
    data(&body);
    let open = app.create_playlist(&me, "Open", [&kept["id"]]).await;
    let open = data(&open)["createPlaylist"]["id"].clone();

    assert!(recorded(
        &app.record_play(&me, &kept["id"], 1, Some("search")).await
    ));
    assert!(recorded(
        &app.record_play(&me, &hidden["id"], 2, None).await
    ));
    assert!(recorded(
        &app.record_play(&me, &kept["id"], 3, playlist.as_str())
            .await
    ));
    assert!(recorded(
        &app.record_play(&me, &kept["id"], 4, open.as_str()).await
    ));

    let history = app.recently_played(&me, None).await;
    assert_eq!(titles(&history), ["Kept", "Kept", "Hidden", "Kept"]);
    let excluded: Vec<(i32, bool)> = stored_plays(&app)
        .await
        .iter()
        .map(|p| (p.ms_played, p.excluded))
        .collect();
    assert_eq!(excluded, [(1, false), (2, true), (3, true), (4, false)]);
}

#[tokio::test]
async fn a_play_of_a_matched_locker_item_counts_as_its_catalogue_track() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let body = app.artists(Some(100), None, None).await;
    let artists = data(&body)["artists"]["nodes"].as_array().unwrap().clone();
    let usher = artists.iter().find(|a| a["name"] == "Usher").unwrap()["id"].clone();
    let body = app.artist_page(&usher).await;
    let yeah = data(&body)["artist"]["albums"]["nodes"][0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "Yeah!")
        .unwrap()
        .clone();
    let duration = yeah["durationMs"].as_u64().unwrap() as u32;
    let body = app
        .upload(
            &me,
            "yeah.wav",
            wav_at(1000, duration, &[("INAM", "Yeah!"), ("IART", "Usher")]),
        )
        .await;
    let item = data(&body)["uploadTrack"].clone();
    assert_eq!(item["catalogueTrack"]["id"], yeah["id"], "{item}");
    let unmatched = upload_titled(&app, &me, "Nothing like it").await;

    assert!(recorded(
        &app.record_play(&me, &item["id"], 1000, None).await
    ));
    assert!(recorded(
        &app.record_play(&me, &unmatched["id"], 1000, None).await
    ));
    let db = app.database().await;
    let matched_track = entities::locker_item::Entity::find()
        .filter(entities::locker_item::Column::Title.eq("Yeah!"))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .catalogue_track_id;
    assert!(matched_track.is_some());
    let plays = stored_plays(&app).await;
    assert_eq!(plays[0].stats_track_id, matched_track);
    assert!(plays[0].locker_item_id.is_some());
    assert_eq!(plays[1].stats_track_id, None);
}

#[tokio::test]
async fn clearing_the_history_removes_the_viewers_plays_and_says_how_many() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let a = upload_titled(&app, &me, "A").await;
    let t = upload_titled(&app, &other, "T").await;
    for ms in 0..3 {
        assert!(recorded(&app.record_play(&me, &a["id"], ms, None).await));
    }
    assert!(recorded(&app.record_play(&other, &t["id"], 1, None).await));
    let body = app.clear_listening_history(&me).await;
    assert_eq!(data(&body)["clearListeningHistory"], 3);
    assert!(titles(&app.recently_played(&me, None).await).is_empty());
    assert_eq!(titles(&app.recently_played(&other, None).await), ["T"]);
    let body = app.clear_listening_history(&me).await;
    assert_eq!(data(&body)["clearListeningHistory"], 0);
}

#[tokio::test]
async fn every_play_of_a_burst_that_answered_true_is_stored() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let a = upload_titled(&app, &me, "A").await;
    let plays = (0..60).map(|ms| {
        let (app, me, id) = (&app, &me, a["id"].clone());
        async move { app.record_play(me, &id, ms, None).await }
    });
    let answers = futures_util::future::join_all(plays).await;
    assert!(answers.iter().all(recorded));
    let db = app.database().await;
    let count = play::Entity::find()
        .filter(play::Column::LockerItemId.is_not_null())
        .count(&db)
        .await
        .unwrap();
    assert_eq!(count, 60);
}
