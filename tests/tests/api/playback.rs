//! Playback across devices: the latest state per listener, read back and
//! pushed to their other devices, on one server or across replicas.

use cadenza_api::settings::Secret;
use std::time::Duration;

use entities::playback_state;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

async fn an_upload(app: &TestApp, auth: &Auth, title: &str) -> Value {
    let body = app
        .upload(auth, "p.wav", wav(3000, &[("INAM", title)]))
        .await;
    data(&body)["uploadTrack"]["id"].clone()
}

fn state(body: &Value, operation: &str) -> Value {
    let mut state = data(body)[operation].clone();
    assert!(state["updatedAt"].is_string(), "{body}");
    state.as_object_mut().unwrap().remove("updatedAt");
    state
}

#[tokio::test]
async fn a_pause_on_the_phone_shows_on_the_laptop() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let song = an_upload(&app, &me, "Where I Stopped").await;
    assert_eq!(
        data(&app.playback(&me).await)["viewer"]["playback"],
        Value::Null
    );

    let mut laptop = app.playback_events(&me).await;
    let body = app
        .update_playback(&me, "phone", Some(&song), 1500, false)
        .await;
    let expected = json!({
        "deviceId": "phone",
        "positionMs": 1500,
        "playing": false,
        "item": { "__typename": "LockerItem", "id": song, "title": "Where I Stopped" },
    });
    assert_eq!(state(&body, "updatePlayback"), expected);

    let pushed = next_message(&mut laptop, Duration::from_secs(10))
        .await
        .expect("the laptop hears of it");
    let mut pushed = pushed["payload"]["data"]["playback"].clone();
    pushed.as_object_mut().unwrap().remove("updatedAt");
    assert_eq!(pushed, expected);

    // Read afresh, as a device that was not listening would.
    let read = app.playback(&me).await;
    let mut read = data(&read)["viewer"]["playback"].clone();
    read.as_object_mut().unwrap().remove("updatedAt");
    assert_eq!(read, expected);

    // The laptop resumes; only the latest state is kept.
    data(
        &app.update_playback(&me, "laptop", Some(&song), 1500, true)
            .await,
    );
    let read = app.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["deviceId"], "laptop");
    assert_eq!(data(&read)["viewer"]["playback"]["playing"], true);
    let db = app.database().await;
    assert_eq!(playback_state::Entity::find().count(&db).await.unwrap(), 1);

    // Removing the item leaves the position with nothing loaded.
    data(&app.delete_locker_item(&me, &song).await);
    let read = app.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["item"], Value::Null);
}

#[tokio::test]
async fn a_device_that_stops_reporting_while_playing_reads_as_paused() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let me = app.customer().await;
    let song = an_upload(&app, &me, "Killed Tab").await;
    data(
        &app.update_playback(&me, "laptop", Some(&song), 2000, true)
            .await,
    );
    // Fresh: playing.
    let read = app.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["playing"], true, "{read}");

    // The laptop's browser is killed: no pause is ever sent. Once its last
    // report is older than the staleness rule (20 s), it reads as paused,
    // where it last was.
    let db = app.database().await;
    let row = playback_state::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut aged: playback_state::ActiveModel = row.clone().into();
    aged.updated_at = Set(row.updated_at - chrono::Duration::seconds(19));
    aged.update(&db).await.unwrap();
    let read = app.playback(&me).await;
    assert_eq!(
        data(&read)["viewer"]["playback"]["playing"],
        true,
        "19 s without a report is still playing: {read}"
    );
    let mut aged: playback_state::ActiveModel = row.clone().into();
    aged.updated_at = Set(row.updated_at - chrono::Duration::seconds(21));
    aged.update(&db).await.unwrap();
    let read = app.playback(&me).await;
    let state = &data(&read)["viewer"]["playback"];
    assert_eq!(state["playing"], false, "21 s without a report: {read}");
    assert_eq!(state["positionMs"], 2000, "{read}");
    assert_eq!(state["deviceId"], "laptop", "{read}");
    // Nothing was written: the rule is applied as the state is read.
    let stored = playback_state::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.playing);
}

#[tokio::test]
async fn resume_here_is_heard_by_the_device_that_was_playing() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let song = an_upload(&app, &me, "Handed Over").await;
    data(
        &app.update_playback(&me, "laptop", Some(&song), 4800, true)
            .await,
    );
    let mut laptop = app.playback_events(&me).await;
    // The phone takes over from the laptop's live position: the laptop
    // hears, on its playback subscription, that another device now plays
    // (the web app then pauses itself without reporting).
    data(
        &app.update_playback(&me, "phone", Some(&song), 5300, true)
            .await,
    );
    let pushed = next_message(&mut laptop, Duration::from_secs(10))
        .await
        .expect("the laptop hears the phone take over");
    let pushed = &pushed["payload"]["data"]["playback"];
    assert_eq!(pushed["deviceId"], "phone", "{pushed}");
    assert_eq!(pushed["playing"], true, "{pushed}");
    assert_eq!(pushed["positionMs"], 5300, "{pushed}");
    let read = app.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["deviceId"], "phone");
}

#[tokio::test]
async fn someone_elses_playback_is_neither_set_nor_heard() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mine = an_upload(&app, &me, "Mine").await;
    let mut theirs = app.playback_events(&other).await;

    let body = app
        .update_playback(&other, "phone", Some(&mine), 0, true)
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    data(
        &app.update_playback(&me, "phone", Some(&mine), 10, true)
            .await,
    );
    assert_eq!(
        next_message(&mut theirs, Duration::from_millis(500)).await,
        None
    );
    assert_eq!(
        data(&app.playback(&other).await)["viewer"]["playback"],
        Value::Null
    );
    let body = app
        .update_playback(&Auth::Anonymous, "phone", None, 0, false)
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn playback_input_is_checked_and_a_refusal_changes_nothing() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let song = an_upload(&app, &me, "Checked").await;
    data(
        &app.update_playback(&me, "phone", Some(&song), 100, true)
            .await,
    );
    let playlist =
        data(&app.create_playlist(&me, "Not an item", []).await)["createPlaylist"]["id"].clone();
    let long_device = "d".repeat(201);
    for (device, item, position, code) in [
        ("phone", Some(&playlist), 0, "NOT_FOUND"),
        ("phone", Some(&json!("not an id")), 0, "BAD_USER_INPUT"),
        ("phone", Some(&song), -1, "BAD_USER_INPUT"),
        // 3 s long: ten minutes past its end is the most.
        ("phone", Some(&song), 3000 + 600_000 + 1, "BAD_USER_INPUT"),
        ("phone", None, 5, "BAD_USER_INPUT"),
        ("  ", Some(&song), 0, "BAD_USER_INPUT"),
        (long_device.as_str(), Some(&song), 0, "BAD_USER_INPUT"),
    ] {
        let body = app
            .update_playback(&me, device, item, position, false)
            .await;
        assert_eq!(
            error_code(&body),
            code,
            "{device} {item:?} {position}: {body}"
        );
    }
    let read = app.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["positionMs"], 100);
    assert_eq!(data(&read)["viewer"]["playback"]["playing"], true);

    // Nothing loaded: position 0, and never playing.
    let body = app.update_playback(&me, "phone", None, 0, true).await;
    assert_eq!(data(&body)["updatePlayback"]["playing"], false);
    assert_eq!(data(&body)["updatePlayback"]["item"], Value::Null);
}

#[tokio::test]
async fn replicas_share_playback_through_redis() {
    // Two servers on one database and one Redis, as behind a load balancer.
    let first =
        spawn_app_with(|settings| settings.redis.url = Some(Secret::new(redis_url_for_replicas())))
            .await;
    let second = spawn_replica_of(&first).await;
    let me = first.customer().await;
    let song = an_upload(&first, &me, "Across").await;
    let mut on_first = first.playback_events(&me).await;

    data(
        &second
            .update_playback(&me, "tablet", Some(&song), 2000, false)
            .await,
    );
    let heard = next_message(&mut on_first, Duration::from_secs(10))
        .await
        .expect("the update made on the other replica");
    assert_eq!(heard["payload"]["data"]["playback"]["deviceId"], "tablet");
    assert_eq!(heard["payload"]["data"]["playback"]["positionMs"], 2000);
    let read = first.playback(&me).await;
    assert_eq!(data(&read)["viewer"]["playback"]["deviceId"], "tablet");
}
