//! `exportMyData`: one document of everything stored about the viewer,
//! downloaded once through a signed URL, and valid against
//! `docs/export.schema.json` (checked with the reference Python validator
//! in a virtualenv under the target dir, tests/export/requirements.txt).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use cadenza_api::domain::{EntityId, GlobalId, TrackId, UserId};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

const REQUIREMENTS: &str = include_str!("../../export/requirements.txt");

/// The Python with `jsonschema`, made once for all the tests of this run
/// (which ask for it at once). Each test asks before it starts its server:
/// installing blocks the test's runtime, which must not happen while its
/// client holds connections the server may close meanwhile.
fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| python_venv("export", REQUIREMENTS, "the export tests"))
}

/// Validates `document` against the repository's export schema with the
/// `jsonschema` package; panics with its errors when it is not valid.
async fn assert_valid(document: &[u8]) {
    let document = document.to_vec();
    tokio::task::spawn_blocking(move || validate(&document))
        .await
        .unwrap();
}

fn validate(document: &[u8]) {
    let python = python();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python)
        .arg(root.join("export/validate.py"))
        .arg(root.join("../docs/export.schema.json"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(document).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the export does not match docs/export.schema.json:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The `exportMyData` answer, asserting it has no errors.
async fn export(app: &TestApp, auth: &Auth) -> Value {
    let body = app.export_my_data(auth).await;
    data(&body)["exportMyData"].clone()
}

/// Downloads an export (with no credentials), checks its headers and its
/// schema, and returns the document and its text.
async fn download(app: &TestApp, export: &Value) -> (Value, String) {
    let response = app
        .download_export(&Auth::Anonymous, export["url"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"cadenza-export-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, export["sizeBytes"].as_i64().unwrap());
    assert_valid(&bytes).await;
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

/// The row id of a user's global ID.
fn user_row(id: &Value) -> i32 {
    GlobalId::decode_as::<UserId>(id.as_str().unwrap())
        .unwrap()
        .unwrap()
        .0
}

/// A timestamp of the API or the document, whichever way it spells UTC.
fn instant(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap_or_else(|_| panic!("not a timestamp: {value}"))
}

async fn viewer_id(app: &TestApp, auth: &Auth) -> Value {
    data(&app.viewer(auth).await)["viewer"]["user"]["id"].clone()
}

fn the<'a>(list: &'a Value, field: &str, value: &Value) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|entry| &entry[field] == value)
        .unwrap_or_else(|| panic!("no {field} = {value} in {list}"))
}

#[tokio::test]
async fn an_export_holds_everything_stored_about_the_viewer_and_nothing_else() {
    python();
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let track = data(
        &app.gql(
            "query($id: ID!) { product(id: $id) { track { id } } }",
            json!({ "id": app.product_id("ST-T1").await }),
        )
        .await,
    )["product"]["track"]["id"]
        .clone();
    let master = wav(700, &[("INAM", "Export Master")]);
    data(&app.attach_master(&admin, &track, master.clone()).await);

    // The viewer: registered (a session), made an admin so they can make
    // an API key, signed in again (a second session) and refreshed once.
    let email = format!("exporter-{:08x}@example.com", rand::random::<u32>());
    let registered = app.register(&email, PASSWORD, "Ex Porter").await;
    let user_id = data(&registered)["register"]["user"]["id"].clone();
    let db = app.database().await;
    db.execute_unprepared(&format!(
        "UPDATE users SET role = 'admin' WHERE id = {}",
        user_row(&user_id)
    ))
    .await
    .unwrap();
    let signed_in = app.login(&email, PASSWORD).await;
    let first_refresh = data(&signed_in)["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refreshed = app.refresh(&first_refresh).await;
    let second_refresh = data(&refreshed)["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = Auth::Bearer(token_of(&refreshed, "refreshToken"));

    // Everything a listener can leave behind.
    let audio = wav(900, &[("INAM", "Exported Tune"), ("IART", "Export Band")]);
    let uploaded = app.upload(&me, "mine.wav", audio.clone()).await;
    let item = data(&uploaded)["uploadTrack"].clone();
    data(
        &app.update_privacy_settings(&me, json!({ "contributeToAggregates": false }))
            .await,
    );
    data(
        &app.star(&me, &[&item["id"], &item["albumId"], &item["artistId"]])
            .await,
    );
    data(&app.rate_locker_item(&me, &item["id"], 5).await);
    let playlist = app.create_playlist(&me, "Export Mix", [&item["id"]]).await;
    let playlist = data(&playlist)["createPlaylist"].clone();
    data(&app.record_play(&me, &item["id"], 1234, None).await);
    data(
        &app.record_interaction(&me, json!({ "kind": "SEARCH", "query": "export query" }))
            .await,
    );
    data(
        &app.update_playback(&me, "desk", Some(&item["id"]), 4321, false)
            .await,
    );
    let kept = app.product_id("ST-T1").await;
    data(&app.add_to_cart(&me, &kept).await);
    let kept_order = data(&app.checkout(&me, "export-one").await)["checkout"].clone();
    let refunded = app.product_id("EU-T1").await;
    data(&app.add_to_cart(&me, &refunded).await);
    let refunded_order = data(&app.checkout(&me, "export-two").await)["checkout"].clone();
    data(&app.refund_order(&admin, &refunded_order["id"]).await);
    let in_cart = app.product_id("ST-T2").await;
    data(&app.add_to_cart(&me, &in_cart).await);
    data(
        &app.write_review(&me, &kept, 4, Some("Export review words"))
            .await,
    );
    let key = app
        .create_api_key(&me, "export key", &["CATALOGUE_READ"])
        .await;
    let key = data(&key)["createApiKey"].clone();

    // Someone else, busy too.
    let other_email = format!("bystander-{:08x}@example.com", rand::random::<u32>());
    let other = Auth::Bearer(token_of(
        &app.register(&other_email, PASSWORD, "By Stander").await,
        "register",
    ));
    let theirs = app
        .upload(&other, "theirs.wav", wav(800, &[("INAM", "Not Yours")]))
        .await;
    let theirs = data(&theirs)["uploadTrack"].clone();
    data(&app.record_play(&other, &theirs["id"], 999, None).await);
    data(
        &app.create_playlist(&other, "Bystander Mix", [&theirs["id"]])
            .await,
    );
    data(
        &app.write_review(&other, &in_cart, 2, Some("Bystander words"))
            .await,
    );

    let exported = export(&app, &me).await;
    let (doc, text) = download(&app, &exported).await;
    assert_eq!(doc["formatVersion"], 2);
    assert_eq!(instant(&doc["expiresAt"]), instant(&exported["expiresAt"]));

    let profile = &doc["profile"];
    assert_eq!(profile["id"], user_id);
    assert_eq!(profile["email"], email.as_str());
    assert_eq!(profile["displayName"], "Ex Porter");
    assert_eq!(profile["role"], "ADMIN");
    assert_eq!(
        instant(&profile["createdAt"]),
        instant(&data(&registered)["register"]["user"]["createdAt"])
    );
    assert_eq!(doc["privacySettings"]["contributeToAggregates"], false);
    assert_eq!(doc["privacySettings"]["recordListeningHistory"], true);
    assert_eq!(doc["consentLog"].as_array().unwrap().len(), 1);
    assert_eq!(doc["consentLog"][0]["setting"], "CONTRIBUTE_TO_AGGREGATES");
    assert_eq!(doc["consentLog"][0]["enabled"], false);

    // The locker: the upload and the purchase, each streaming its bytes.
    let locker = &doc["locker"];
    assert_eq!(locker.as_array().unwrap().len(), 2, "{locker}");
    let upload = the(locker, "id", &item["id"]);
    assert_eq!(upload["source"], "UPLOAD");
    assert_eq!(upload["title"], "Exported Tune");
    assert_eq!(upload["artist"], "Export Band");
    assert_eq!(upload["format"], "WAV");
    assert_eq!(upload["contentHash"], sha256_hex(&audio));
    assert_eq!(upload["sizeBytes"], audio.len());
    assert_eq!(upload["lockerAlbumId"], item["albumId"]);
    assert_eq!(upload["lockerArtistId"], item["artistId"]);
    assert_eq!(upload["lockerAlbumArtistId"], item["artistId"]);
    assert!(upload["starredAt"].is_string(), "{upload}");
    assert_eq!(upload["rating"], 5);
    assert_eq!(upload["lyrics"], Value::Null);
    let stars = doc["lockerStars"].as_array().unwrap();
    let starred: Vec<(&Value, &Value)> = stars.iter().map(|s| (&s["kind"], &s["id"])).collect();
    assert_eq!(
        starred,
        [
            (&json!("LOCKER_ALBUM"), &item["albumId"]),
            (&json!("LOCKER_ARTIST"), &item["artistId"]),
        ]
    );
    let purchase = the(locker, "source", &json!("PURCHASE"));
    assert_eq!(purchase["catalogueTrackId"], track);
    assert_eq!(purchase["contentHash"], sha256_hex(&master));
    for (entry, bytes) in [(upload, &audio), (purchase, &master)] {
        let url = entry["streamUrl"].as_str().unwrap();
        let expires: i64 = url.split("exp=").nth(1).unwrap()[..10].parse().unwrap();
        assert_eq!(
            expires,
            instant(&exported["expiresAt"]).timestamp(),
            "the stream lives as the export"
        );
        let streamed = app.get(url).await;
        assert_eq!(streamed.status(), 200);
        assert_eq!(&streamed.bytes().await.unwrap().to_vec(), bytes);
    }

    assert_eq!(doc["playlists"].as_array().unwrap().len(), 1);
    assert_eq!(doc["playlists"][0]["id"], playlist["id"]);
    assert_eq!(doc["playlists"][0]["name"], "Export Mix");
    assert_eq!(
        doc["playlists"][0]["entries"][0]["lockerItemId"],
        item["id"]
    );
    assert_eq!(doc["playlists"][0]["entries"][0]["position"], 0);

    assert_eq!(doc["plays"].as_array().unwrap().len(), 1);
    assert_eq!(doc["plays"][0]["lockerItemId"], item["id"]);
    assert_eq!(doc["plays"][0]["msPlayed"], 1234);
    assert_eq!(doc["plays"][0]["deviceId"], "phone");
    let interactions = doc["interactions"].as_array().unwrap();
    let kinds: Vec<&Value> = interactions.iter().map(|i| &i["kind"]).collect();
    assert_eq!(
        kinds,
        [
            "STAR_LOCKER_ITEM",
            "STAR_LOCKER_ALBUM",
            "STAR_LOCKER_ARTIST",
            "SEARCH"
        ],
        "{interactions:?}"
    );
    assert_eq!(interactions[0]["lockerItemId"], item["id"]);
    assert_eq!(interactions[1]["lockerAlbumId"], item["albumId"]);
    assert_eq!(interactions[2]["lockerArtistId"], item["artistId"]);
    assert_eq!(interactions[3]["query"], "export query");
    assert_eq!(doc["playback"]["deviceId"], "desk");
    assert_eq!(doc["playback"]["lockerItemId"], item["id"]);
    assert_eq!(doc["playback"]["positionMs"], 4321);

    assert_eq!(doc["cart"].as_array().unwrap().len(), 1);
    assert_eq!(doc["cart"][0]["productId"], in_cart);
    let orders = &doc["orders"];
    assert_eq!(orders.as_array().unwrap().len(), 2);
    let first = the(orders, "id", &kept_order["id"]);
    assert_eq!(first["number"], kept_order["number"]);
    assert_eq!(first["status"], "FULFILLED");
    assert_eq!(
        first["lines"],
        json!([{ "productId": kept, "price": { "amountMinor": 129, "currency": "USD" } }])
    );
    assert_eq!(first["refund"], Value::Null);
    let second = the(orders, "id", &refunded_order["id"]);
    assert_eq!(second["status"], "REFUNDED");
    assert_eq!(
        second["refund"]["amount"],
        json!({ "amountMinor": 119, "currency": "EUR" })
    );
    assert_eq!(doc["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(doc["reviews"][0]["productId"], kept);
    assert_eq!(doc["reviews"][0]["rating"], 4);
    assert_eq!(doc["reviews"][0]["body"], "Export review words");
    assert_eq!(doc["reviews"][0]["verifiedPurchase"], true);
    assert_eq!(doc["apiKeys"].as_array().unwrap().len(), 1);
    let exported_key = &doc["apiKeys"][0];
    assert_eq!(exported_key["id"], key["id"]);
    assert_eq!(exported_key["name"], "export key");
    assert_eq!(exported_key["scopes"], json!(["CATALOGUE_READ"]));
    assert_eq!(
        instant(&exported_key["createdAt"]),
        instant(&key["createdAt"])
    );
    assert_eq!(exported_key["revokedAt"], Value::Null);
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(
        sessions.len(),
        2,
        "registering and signing in: {sessions:?}"
    );
    assert_eq!(sessions[0]["lastUsedAt"], Value::Null);
    assert!(sessions[1]["lastUsedAt"].is_string(), "{sessions:?}");

    // No secret, and nothing of the other listener's.
    let hash = entities::user::Entity::find_by_id(user_row(&user_id))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    for secret in [
        hash.as_str(),
        PASSWORD,
        key["secret"].as_str().unwrap(),
        &first_refresh,
        &second_refresh,
        "$argon2",
    ] {
        assert!(!text.contains(secret), "the export holds a secret");
    }
    for theirs in [
        other_email.as_str(),
        "By Stander",
        "Not Yours",
        "Bystander Mix",
        "Bystander words",
        theirs["id"].as_str().unwrap(),
    ] {
        assert!(!text.contains(theirs), "{theirs} is someone else's");
    }
    db.close().await.unwrap();
}

#[tokio::test]
async fn more_plays_than_a_page_are_all_exported_in_order() {
    python();
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mine = user_row(&viewer_id(&app, &me).await);
    let theirs = user_row(&viewer_id(&app, &other).await);
    let db = app.database().await;
    let track = entities::track::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .expect("the demo catalogue has tracks")
        .id;
    // 2,500 plays of the viewer's, each followed by one of someone else's,
    // so every page of the viewer's skips rows of another user.
    let played_at = chrono::Utc::now();
    let mut expected = Vec::new();
    for batch in 0..5 {
        let mut rows = Vec::new();
        for n in 0..500 {
            let ms = batch * 500 + n;
            for user in [mine, theirs] {
                rows.push(entities::play::ActiveModel {
                    user_id: Set(user),
                    track_id: Set(Some(track)),
                    stats_track_id: Set(Some(track)),
                    ms_played: Set(ms),
                    completed: Set(false),
                    excluded: Set(false),
                    played_at: Set(played_at),
                    ..Default::default()
                });
            }
            expected.push(ms);
        }
        entities::play::Entity::insert_many(rows)
            .exec(&db)
            .await
            .unwrap();
    }
    db.close().await.unwrap();

    let (doc, _) = download(&app, &export(&app, &me).await).await;
    let plays = doc["plays"].as_array().unwrap();
    let played: Vec<i32> = plays
        .iter()
        .map(|play| play["msPlayed"].as_i64().unwrap() as i32)
        .collect();
    assert_eq!(played, expected);
    let track_id = json!(TrackId(track).global().encode());
    assert!(plays.iter().all(|play| play["trackId"] == track_id));
    let mut play_ids: Vec<i32> = plays
        .iter()
        .map(|play| GlobalId::decode(play["id"].as_str().unwrap()).unwrap().id)
        .collect();
    let in_order = play_ids.windows(2).all(|pair| pair[0] < pair[1]);
    assert!(in_order, "plays are exported oldest first");
    play_ids.dedup();
    assert_eq!(play_ids.len(), 2_500);
}

#[tokio::test]
async fn an_export_url_works_once_and_only_as_signed() {
    python();
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mine = export(&app, &me).await;
    let theirs = export(&app, &other).await;
    let url = mine["url"].as_str().unwrap().to_owned();
    let (path, query) = url.split_once('?').unwrap();
    let (_, their_query) = theirs["url"].as_str().unwrap().split_once('?').unwrap();
    let their_path = theirs["url"].as_str().unwrap().split('?').next().unwrap();
    let sig = query.split("sig=").nth(1).unwrap();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    let exp: i64 = query.split("exp=").nth(1).unwrap()[..10].parse().unwrap();
    let refused = [
        url.replace(sig, &flipped),
        format!("{path}?exp={}&sig={sig}", exp + 60),
        // Another export's id under this signature, and the other way round.
        format!("{their_path}?{query}"),
        format!("{path}?{their_query}"),
        format!("/exports/999999?{query}"),
        format!("/exports/not-an-id?{query}"),
        path.to_owned(),
    ];
    for bad in &refused {
        let response = app.download_export(&Auth::Anonymous, bad).await;
        assert_eq!(response.status(), 404, "{bad}");
        assert_eq!(response.text().await.unwrap(), "not found");
    }
    // Someone else's token, an unknown token or an API key along with the
    // right URL: 404, and the URL still works for its owner.
    let key = data(
        &app.create_api_key(&app.admin().await, "reader", &["CATALOGUE_READ"])
            .await,
    )["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for stranger in [
        other.clone(),
        Auth::Bearer("nonsense".into()),
        Auth::ApiKey(key),
    ] {
        let response = app.download_export(&stranger, &url).await;
        assert_eq!(response.status(), 404, "{stranger:?}");
    }
    let response = app.download_export(&me, &url).await;
    assert_eq!(response.status(), 200);
    assert_valid(&response.bytes().await.unwrap()).await;
    // Once only; the other export is untouched by all of the above.
    let again = app.download_export(&me, &url).await;
    assert_eq!(again.status(), 404);
    let (doc, _) = download(&app, &theirs).await;
    assert_eq!(doc["profile"]["id"], viewer_id(&app, &other).await);
    // Downloaded exports leave nothing in storage.
    let stored = || {
        app.stored_blobs()
            .into_iter()
            .filter(|path| path.to_string_lossy().contains("/exports/"))
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stored() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored(), 0);
}

#[tokio::test]
async fn an_expired_export_is_404_and_swept_away() {
    let app = spawn_app_with(|settings| settings.privacy.export_ttl_secs = 1).await;
    let me = app.customer().await;
    let exported = export(&app, &me).await;
    let stored = || {
        app.stored_blobs()
            .into_iter()
            .filter(|path| path.to_string_lossy().contains("/exports/"))
            .count()
    };
    assert_eq!(stored(), 1, "the document is in storage");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let response = app
        .download_export(&Auth::Anonymous, exported["url"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 404);
    // The sweep (every second at this TTL) removes the object and its row.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stored() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored(), 0);
    let db = app.database().await;
    let rows = entities::data_export::Entity::find()
        .all(&db)
        .await
        .unwrap();
    assert!(rows.is_empty(), "{rows:?}");
    db.close().await.unwrap();
}

#[tokio::test]
async fn exporting_needs_a_signed_in_user_and_is_limited_to_one_a_minute() {
    let app = spawn_app_with(|settings| settings.rate_limits.exports_per_minute = 1).await;
    let body = app.export_my_data(&Auth::Anonymous).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(body["data"], Value::Null);

    let me = app.customer().await;
    export(&app, &me).await;
    let body = app.export_my_data(&me).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let retry = body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((1..=60).contains(&retry), "{body}");
    // Someone else is not held back by it.
    let other = app.customer().await;
    export(&app, &other).await;
    // Nothing was written for the refused one.
    let db = app.database().await;
    let rows = entities::data_export::Entity::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    db.close().await.unwrap();
}
