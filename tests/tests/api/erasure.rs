//! `deleteAccount`: a listener who used everything deletes their account,
//! and nothing of it stays readable anywhere in the data dir (database,
//! write-ahead log, blobs, search index); orders stay for accounting,
//! linked to no one; every token, refresh token, signed URL and open
//! subscription of theirs stops at once. Also the audit log and retention.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::{json, Value};

use crate::audio::{apic, id3v2_frames, noise_png, text_frame, uslt, wav, with_id3_chunk};
use crate::helpers::{
    backend, closed_within, data, error_code, eventually, files_under, spawn_app, spawn_app_with,
    spawn_replica_of, token_of, Auth, Backend, SearchArgs, TestApp, PASSWORD,
};

/// A string no other test and no seed data contains.
fn marker(prefix: &str) -> String {
    format!("{prefix}{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// A WAV tagged through ID3v2 whose samples and embedded cover are random:
/// bytes found nowhere else. Also a run of each.
fn unique_wav(title: &str, artist: &str, album: &str, lyrics: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut file = wav(500, &[]);
    // RIFF header (12) + fmt chunk (24) + data chunk header (8).
    let data = 44..44 + 4_000;
    for byte in &mut file[data.clone()] {
        *byte = rand::random();
    }
    let run = file[data.start + 1_000..data.start + 1_064].to_vec();
    let picture = noise_png(40, 40);
    let picture_run = picture[picture.len() / 2..picture.len() / 2 + 64].to_vec();
    let tag = id3v2_frames(&[
        ("TIT2", text_frame(title)),
        ("TPE1", text_frame(artist)),
        ("TALB", text_frame(album)),
        ("APIC", apic("image/png", 3, &picture)),
        ("USLT", uslt("eng", lyrics)),
    ]);
    (with_id3_chunk(file, &tag), run, picture_run)
}

/// The files under `dir` holding `needle` (as it is, or lower-cased as
/// the search index keeps words).
pub(crate) fn holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let lower = needle.to_ascii_lowercase();
    files_under(dir)
        .into_iter()
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap_or_default();
            [needle, &lower[..]]
                .iter()
                .any(|needle| bytes.windows(needle.len()).any(|window| window == *needle))
        })
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.database().await;
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.unwrap();
    n
}

/// Everything a listener can leave behind, marked so it can be found.
pub(crate) struct Footprint {
    pub auth: Auth,
    refresh_token: String,
    email: String,
    user_id: Value,
    pub strings: Vec<String>,
    pub audio_run: Vec<u8>,
    /// Of the picture embedded in the upload, kept as its cover.
    picture_run: Vec<u8>,
    stream_url: String,
    cover_url: String,
}

/// Registers a listener and uses every feature with unique strings.
pub(crate) async fn a_listener_who_used_everything(app: &TestApp) -> Footprint {
    let email = format!("{}@example.com", marker("mail"));
    let display_name = marker("Name");
    let body = app.register(&email, PASSWORD, &display_name).await;
    let auth = Auth::Bearer(token_of(&body, "register"));
    let refresh_token = body["data"]["register"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let user_id = body["data"]["register"]["user"]["id"].clone();

    let (title, artist, album) = (marker("Title"), marker("Artist"), marker("Album"));
    let lyrics = marker("Lyrics");
    let (file, audio_run, picture_run) = unique_wav(&title, &artist, &album, &lyrics);
    let item = app.upload(&auth, "mine.wav", file).await;
    let item = data(&item)["uploadTrack"].clone();
    assert_eq!(item["title"], json!(title), "{item}");
    assert_eq!(item["lyrics"], json!(lyrics), "{item}");
    let item_id = item["id"].clone();
    let stream_url = item["streamUrl"].as_str().unwrap().to_owned();
    // Its cover, once seen, has a thumbnail stored too.
    let cover_url = item["coverUrl"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&cover_url).await.status(), 200);
    let starred = app
        .star(&auth, &[&item_id, &item["albumId"], &item["artistId"]])
        .await;
    assert!(starred["errors"].is_null(), "{starred}");
    let genre = marker("Genre");
    let edited = app
        .update_locker_item(&auth, &item_id, json!({ "genre": genre }))
        .await;
    assert_eq!(data(&edited)["updateLockerItem"]["genre"], json!(genre));

    let playlist_name = marker("Playlist");
    let playlist = app.create_playlist(&auth, &playlist_name, [&item_id]).await;
    assert!(playlist["errors"].is_null(), "{playlist}");
    let played = app.record_play(&auth, &item_id, 300, Some("album")).await;
    assert_eq!(data(&played)["recordPlay"], json!(true));
    let query = marker("Query");
    let searched = app
        .record_interaction(&auth, json!({ "kind": "SEARCH", "query": query }))
        .await;
    assert_eq!(
        data(&searched)["recordInteraction"],
        json!(true),
        "{searched}"
    );
    let device = marker("Device");
    let playback = app
        .update_playback(&auth, &device, Some(&item_id), 120, true)
        .await;
    assert!(playback["errors"].is_null(), "{playback}");
    // Searched for, once the index has it (it follows the database).
    let found = eventually(Duration::from_secs(10), || async {
        let found = app.search(&auth, &title, SearchArgs::default()).await;
        (data(&found)["search"]["totalCount"] == json!(1)).then_some(found)
    })
    .await;
    assert!(found.is_some(), "the index has the upload");

    app.store_feed().await;
    let album_product = app.product_id("ST-ALB").await;
    app.add_to_cart(&auth, &album_product).await;
    let key = marker("Key");
    let order = app.checkout(&auth, &key).await;
    assert_eq!(
        data(&order)["checkout"]["status"],
        json!("FULFILLED"),
        "{order}"
    );
    let review = marker("Review");
    let written = app
        .write_review(&auth, &album_product, 5, Some(&review))
        .await;
    assert!(written["errors"].is_null(), "{written}");
    // Left in the cart, not bought.
    app.add_to_cart(&auth, &app.product_id("EU-T1").await).await;

    let changed = app
        .update_privacy_settings(&auth, json!({ "contributeToAggregates": false }))
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    app.start_private_session(&auth, 0).await;
    // An export made and never downloaded: its document holds all of the above.
    let export = app.export_my_data(&auth).await;
    assert!(export["errors"].is_null(), "{export}");

    Footprint {
        auth,
        refresh_token,
        email: email.clone(),
        user_id,
        strings: vec![
            email,
            display_name,
            title,
            artist,
            album,
            lyrics,
            genre,
            playlist_name,
            query,
            device,
            key,
            review,
        ],
        audio_run,
        picture_run,
        stream_url,
        cover_url,
    }
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_readable_in_the_data_dir() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let someone = a_listener_who_used_everything(&app).await;
    let dir = app.settings.data_dir.clone();

    // The search proves it: before, the data dir holds them.
    assert!(
        !holding(&dir, &someone.audio_run).is_empty(),
        "the upload's bytes are stored"
    );
    let covers = dir.join("blobs/covers");
    assert_eq!(
        holding(&covers, &someone.picture_run).len(),
        1,
        "the cover is stored"
    );
    assert_eq!(files_under(&covers).len(), 2, "the cover and a thumbnail");
    let sales_before = app
        .sales_report(&admin, "2000-01-01", "2099-12-31", None, None)
        .await;
    assert!(
        !holding(&app.settings.search_dir, someone.strings[2].as_bytes()).is_empty(),
        "the index stores the title"
    );
    if backend() == Backend::Sqlite {
        // (In the database file or its write-ahead log.)
        assert!(!holding(&dir, someone.strings[0].as_bytes()).is_empty());
    }
    let mut devices = app.locker_events(&someone.auth).await;
    assert_eq!(app.get(&someone.stream_url).await.status(), 200);

    let wrong = app.delete_account(&someone.auth, "not my password").await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED", "{wrong}");
    assert_eq!(
        data(&app.viewer(&someone.auth).await)["viewer"]["user"]["email"],
        json!(someone.email),
        "a wrong password removes nothing"
    );

    let deleted = app.delete_account(&someone.auth, PASSWORD).await;
    assert_eq!(data(&deleted)["deleteAccount"], json!(true), "{deleted}");

    // Everything of theirs stops at once.
    assert!(
        closed_within(&mut devices, Duration::from_secs(5)).await,
        "the open subscription ends"
    );
    let viewer = app.viewer(&someone.auth).await;
    assert!(data(&viewer)["viewer"].is_null(), "{viewer}");
    assert_eq!(
        error_code(&app.refresh(&someone.refresh_token).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.login(&someone.email, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(app.get(&someone.stream_url).await.status(), 404);
    assert_eq!(app.get(&someone.cover_url).await.status(), 404);

    // The order stays for accounting, linked to no one; partners' figures
    // are unchanged.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM orders WHERE user_id IS NULL AND idempotency_key LIKE 'erased-%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.sales_report(&admin, "2000-01-01", "2099-12-31", None, None)
            .await,
        sales_before
    );
    for table in [
        "locker_items",
        "locker_stars",
        "locker_lyrics",
        "playlists",
        "plays",
        "interactions",
        "playback_states",
        "cart_lines",
        "reviews",
        "entitlements",
        "refresh_tokens",
        "privacy_settings",
        "consent_changes",
        "player_keys",
    ] {
        let user_column = "user_id";
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE {user_column} IS NOT NULL AND {user_column} NOT IN (SELECT id FROM users)")
            )
            .await,
            0,
            "{table} keeps nothing of the erased account"
        );
    }
    // The erasure itself is on record for ADMIN, by number only.
    let log = app.audit_log(&admin, Some(&someone.user_id), 10).await;
    let actions: Vec<&Value> = data(&log)["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["action"])
        .collect();
    assert_eq!(actions, vec![&json!("ACCOUNT_DELETED")], "{log}");

    // And nothing of it is readable on disk.
    for needle in &someone.strings {
        let found = holding(&dir, needle.as_bytes());
        assert!(found.is_empty(), "{needle:?} is still in {found:?}");
    }
    let found = holding(&dir, &someone.audio_run);
    assert!(
        found.is_empty(),
        "the upload's bytes are still in {found:?}"
    );
    let found = holding(&dir, &someone.picture_run);
    assert!(found.is_empty(), "the cover is still in {found:?}");
    let left = files_under(&covers);
    assert!(left.is_empty(), "thumbnails are left: {left:?}");
}

#[tokio::test]
async fn deleting_needs_the_password_and_counts_like_signing_in() {
    let app = spawn_app_with(|settings| settings.rate_limits.logins_per_15_minutes = 3).await;
    let auth = app.customer().await;
    let anonymous = app.delete_account(&Auth::Anonymous, PASSWORD).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    for _ in 0..2 {
        let wrong = app.delete_account(&auth, "guess").await;
        assert_eq!(error_code(&wrong), "UNAUTHENTICATED", "{wrong}");
    }
    let limited = app.delete_account(&auth, PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    assert!(!data(&app.viewer(&auth).await)["viewer"].is_null());
}

#[tokio::test]
async fn a_payment_being_settled_holds_the_deletion_back() {
    let app = spawn_app_with(|settings| {
        settings.store.payments = cadenza_api::settings::PaymentMode::Hang;
        settings.store.payment_deadline_ms = 300;
    })
    .await;
    app.store_feed().await;
    let auth = app.customer().await;
    app.add_to_cart(&auth, &app.product_id("ST-T1").await).await;
    let unresolved = app.checkout(&auth, "k-1").await;
    assert_eq!(error_code(&unresolved), "INTERNAL", "{unresolved}");

    let refused = app.delete_account(&auth, PASSWORD).await;
    assert_eq!(error_code(&refused), "CONFLICT", "{refused}");
    assert!(!data(&app.viewer(&auth).await)["viewer"].is_null());
}

#[tokio::test]
async fn a_deletion_ends_the_accounts_sessions_on_every_replica() {
    let app = spawn_app().await;
    let other = spawn_replica_of(&app).await;
    let auth = app.customer().await;
    let mut on_other = other.locker_events(&auth).await;
    assert!(!data(&other.viewer(&auth).await)["viewer"].is_null());

    let deleted = app.delete_account(&auth, PASSWORD).await;
    assert_eq!(data(&deleted)["deleteAccount"], json!(true), "{deleted}");
    // Through Redis at once; without it, from the table within seconds.
    assert!(closed_within(&mut on_other, Duration::from_secs(10)).await);
    assert!(data(&other.viewer(&auth).await)["viewer"].is_null());
}

#[tokio::test]
async fn the_audit_log_is_the_listeners_own_and_admins() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let auth = app.customer().await;
    let stranger = app.customer().await;
    let me = data(&app.viewer(&auth).await)["viewer"]["user"]["id"].clone();

    app.update_privacy_settings(&auth, json!({ "recordListeningHistory": false }))
        .await;
    app.start_private_session(&auth, 30).await;
    app.start_private_session(&auth, 0).await;
    app.clear_listening_history(&auth).await;

    let mine = app.my_audit(&auth, 10).await;
    let entries = data(&mine)["viewer"]["privacy"]["audit"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let actions: Vec<&str> = entries
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "HISTORY_CLEARED",
            "PRIVATE_SESSION_ENDED",
            "PRIVATE_SESSION_STARTED",
            "SETTING_CHANGED"
        ],
        "{mine}"
    );
    assert_eq!(
        entries[3]["detail"],
        json!("record_listening_history=false")
    );
    assert_eq!(entries[2]["detail"], json!("minutes=30"));
    assert!(entries
        .iter()
        .all(|entry| entry["subjectId"] == me && entry["actorId"] == me));

    // Nobody else's entries, and no one but ADMIN reads the whole log.
    let theirs = app.my_audit(&stranger, 10).await;
    assert_eq!(
        data(&theirs)["viewer"]["privacy"]["audit"]["totalCount"],
        json!(0)
    );
    assert_eq!(
        error_code(&app.audit_log(&stranger, Some(&me), 10).await),
        "FORBIDDEN"
    );

    // ADMIN reads them, and the reading is itself on the listener's record.
    let read = app.audit_log(&admin, Some(&me), 10).await;
    assert_eq!(data(&read)["auditLog"]["totalCount"], json!(4), "{read}");
    let after = app.my_audit(&auth, 1).await;
    let latest = &data(&after)["viewer"]["privacy"]["audit"]["nodes"][0];
    assert_eq!(latest["action"], json!("ADMIN_READ"));
    assert_ne!(latest["actorId"], me);
}

#[tokio::test]
async fn plays_past_the_retention_period_are_deleted() {
    let app = spawn_app().await;
    let auth = app.customer().await;
    let (file, _, _) = unique_wav("Kept a year", "Someone", "Something", "Words");
    let item = app.upload(&auth, "kept.wav", file).await;
    let item_id = data(&item)["uploadTrack"]["id"].clone();
    for _ in 0..3 {
        app.record_play(&auth, &item_id, 100, None).await;
    }
    app.update_privacy_settings(&auth, json!({ "personalizedRecommendations": false }))
        .await;
    // Two plays and the consent entry made long ago.
    let db = app.database().await;
    let plays = entities::play::Entity::find()
        .order_by_asc(entities::play::Column::Id)
        .limit(2)
        .all(&db)
        .await
        .unwrap();
    for play in plays {
        let played_at = play.played_at - chrono::Duration::days(400);
        let mut old: entities::play::ActiveModel = play.into();
        old.played_at = Set(played_at);
        old.update(&db).await.unwrap();
    }
    for change in entities::consent_change::Entity::find()
        .all(&db)
        .await
        .unwrap()
    {
        let changed_at = change.changed_at - chrono::Duration::days(800);
        let mut old: entities::consent_change::ActiveModel = change.into();
        old.changed_at = Set(changed_at);
        old.update(&db).await.unwrap();
    }
    db.close().await.unwrap();

    // Every replica runs the job as it starts (and hourly).
    let _replica = spawn_replica_of(&app).await;
    let pruned = eventually(Duration::from_secs(10), || async {
        let played = app.recently_played(&auth, Some(10)).await;
        let kept = data(&played)["viewer"]["recentlyPlayed"]
            .as_array()
            .unwrap()
            .len();
        let privacy = app.privacy(&auth).await;
        let history = data(&privacy)["viewer"]["privacy"]["history"].clone();
        (kept == 1 && history == json!([])).then_some(())
    })
    .await;
    assert!(
        pruned.is_some(),
        "the two plays and the consent entry past their period are gone"
    );
}
