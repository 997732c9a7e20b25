use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::*;

fn settings(body: &Value, field: &str) -> Value {
    let settings = match field {
        "viewer" => data(body)["viewer"]["privacy"].clone(),
        operation => data(body)[operation].clone(),
    };
    assert!(settings.is_object(), "{body}");
    settings
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_setting_is_on_until_the_listener_turns_it_off() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let privacy = settings(&app.privacy(&me).await, "viewer");
    assert_eq!(privacy["recordListeningHistory"], true);
    assert_eq!(privacy["personalizedRecommendations"], true);
    assert_eq!(privacy["contributeToAggregates"], true);
    assert_eq!(privacy["privateSessionUntil"], Value::Null);
    assert_eq!(privacy["history"], json!([]));
}

#[tokio::test]
async fn each_change_is_logged_with_its_time_and_only_what_changed() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let before = Utc::now();
    let body = app
        .update_privacy_settings(
            &me,
            json!({ "recordListeningHistory": false, "personalizedRecommendations": true }),
        )
        .await;
    let updated = settings(&body, "updatePrivacySettings");
    assert_eq!(updated["recordListeningHistory"], false);
    assert_eq!(updated["personalizedRecommendations"], true);
    assert_eq!(updated["contributeToAggregates"], true);
    let history = updated["history"].as_array().unwrap();
    assert_eq!(
        history.len(),
        1,
        "an unchanged setting is no change: {body}"
    );
    assert_eq!(history[0]["setting"], "RECORD_LISTENING_HISTORY");
    assert_eq!(history[0]["enabled"], false);
    let changed_at = time(&history[0]["changedAt"]);
    assert!(changed_at >= before - Duration::seconds(1) && changed_at <= Utc::now());

    let body = app
        .update_privacy_settings(&me, json!({ "contributeToAggregates": false }))
        .await;
    let body2 = app
        .update_privacy_settings(&me, json!({ "recordListeningHistory": true }))
        .await;
    settings(&body, "updatePrivacySettings");
    settings(&body2, "updatePrivacySettings");

    let privacy = settings(&app.privacy(&me).await, "viewer");
    assert_eq!(privacy["recordListeningHistory"], true);
    assert_eq!(privacy["contributeToAggregates"], false);
    let log: Vec<(String, bool)> = privacy["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["setting"].as_str().unwrap().to_owned(),
                c["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        log,
        [
            ("RECORD_LISTENING_HISTORY".to_owned(), true),
            ("CONTRIBUTE_TO_AGGREGATES".to_owned(), false),
            ("RECORD_LISTENING_HISTORY".to_owned(), false),
        ],
        "newest first"
    );
}

#[tokio::test]
async fn settings_are_the_viewers_own_and_need_a_sign_in() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let body = app
        .update_privacy_settings(&other, json!({ "recordListeningHistory": false }))
        .await;
    settings(&body, "updatePrivacySettings");
    app.start_private_session(&other, 60).await;

    let mine = settings(&app.privacy(&me).await, "viewer");
    assert_eq!(mine["recordListeningHistory"], true);
    assert_eq!(mine["privateSessionUntil"], Value::Null);
    assert_eq!(mine["history"], json!([]));

    let anonymous = app
        .update_privacy_settings(&Auth::Anonymous, json!({ "recordListeningHistory": false }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let anonymous = app.start_private_session(&Auth::Anonymous, 5).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_private_session_runs_for_its_minutes_and_zero_ends_it() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let before = Utc::now();
    let body = app.start_private_session(&me, 30).await;
    let started = settings(&body, "startPrivateSession");
    let until = time(&started["privateSessionUntil"]);
    assert!(until >= before + Duration::minutes(30) - Duration::seconds(1));
    assert!(until <= Utc::now() + Duration::minutes(30));
    assert_eq!(started["history"][0]["setting"], "PRIVATE_SESSION");
    assert_eq!(started["history"][0]["enabled"], true);
    assert_eq!(time(&started["history"][0]["until"]), until);
    // The other settings stay as they were.
    assert_eq!(started["recordListeningHistory"], true);

    let body = app.start_private_session(&me, 0).await;
    let ended = settings(&body, "startPrivateSession");
    assert_eq!(ended["privateSessionUntil"], Value::Null);
    assert_eq!(ended["history"][0]["setting"], "PRIVATE_SESSION");
    assert_eq!(ended["history"][0]["enabled"], false);
    assert_eq!(ended["history"][0]["until"], Value::Null);
    assert_eq!(ended["history"].as_array().unwrap().len(), 2);

    let body = app.start_private_session(&me, 1440).await;
    assert!(settings(&body, "startPrivateSession")["privateSessionUntil"].is_string());
}

#[tokio::test]
async fn a_private_session_of_a_bad_length_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let me = app.customer().await;
    for minutes in [-1, 1441, 100_000] {
        let body = app.start_private_session(&me, minutes).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{minutes}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("1440"), "{message}");
    }
    let privacy = settings(&app.privacy(&me).await, "viewer");
    assert_eq!(privacy["privateSessionUntil"], Value::Null);
    assert_eq!(privacy["history"], json!([]));
}

#[tokio::test]
async fn a_private_session_ends_on_time() {
    let app = spawn_app().await;
    let me = app.customer().await;
    settings(
        &app.start_private_session(&me, 5).await,
        "startPrivateSession",
    );
    // Five minutes later: the stored end moved into the past.
    let db = app.database().await;
    let rows = entities::privacy_settings::Entity::find()
        .filter(entities::privacy_settings::Column::PrivateSessionUntil.is_not_null())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let mut row: entities::privacy_settings::ActiveModel = rows[0].clone().into();
    row.private_session_until = sea_orm::Set(Some(Utc::now() - Duration::seconds(1)));
    sea_orm::ActiveModelTrait::update(row, &db).await.unwrap();

    let privacy = settings(&app.privacy(&me).await, "viewer");
    assert_eq!(privacy["privateSessionUntil"], Value::Null);
}

#[tokio::test]
async fn a_change_shows_on_the_next_request_on_every_replica() {
    let app = spawn_app().await;
    let replica = spawn_replica_of(&app).await;
    let me = app.customer().await;
    for replica_or_not in [&app, &replica] {
        let privacy = settings(&replica_or_not.privacy(&me).await, "viewer");
        assert_eq!(privacy["personalizedRecommendations"], true);
    }
    let body = app
        .update_privacy_settings(&me, json!({ "personalizedRecommendations": false }))
        .await;
    settings(&body, "updatePrivacySettings");
    for replica_or_not in [&app, &replica] {
        let privacy = settings(&replica_or_not.privacy(&me).await, "viewer");
        assert_eq!(privacy["personalizedRecommendations"], false);
    }
    let body = replica.start_private_session(&me, 10).await;
    settings(&body, "startPrivateSession");
    let privacy = settings(&app.privacy(&me).await, "viewer");
    assert!(privacy["privateSessionUntil"].is_string());
}
