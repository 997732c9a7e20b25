//! Real Subsonic client libraries against `/rest`: py-opensonic (PyPI,
//! form POSTs, typed JSON) and the npm `subsonic-api` (GET and POST), each
//! with a player key as `apiKey` and as the token password, through a
//! whole player session (`tests/subsonic/client.py`,
//! `tests/clients/subsonic.mjs`).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{json, Value};

use super::library::library;
use super::player_key;
use crate::clients::node;
use crate::helpers::{data, python_venv, sha256_hex, spawn_app, PASSWORD};

const REQUIREMENTS: &str = include_str!("../../../subsonic/requirements.txt");

fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| python_venv("subsonic", REQUIREMENTS, "the Subsonic client tests"))
}

/// Waits until the search index has the library's songs (it follows
/// uploads within moments).
async fn settled(app: &crate::helpers::TestApp, lib: &super::library::Library) {
    let (_, key) = player_key(app, &lib.auth, "settle").await;
    let player = super::Player { app, key };
    player.await_indexed("All I Want").await;
}

/// What both libraries must have seen of the same library.
fn check_session(seen: &Value) {
    let extensions = json!([
        "apiKeyAuthentication",
        "formPost",
        "indexBasedQueue",
        "songLyrics"
    ]);
    assert_eq!(seen["extensions"], extensions, "{seen:#}");
    assert_eq!(
        seen["artists"],
        json!(["Joni Mitchell", "The Miles Davis Quintet"])
    );
    assert_eq!(seen["album"], "Blue");
    assert_eq!(seen["directory"], json!(["All I Want", "My Old Man"]));
    assert_eq!(seen["genres"], json!(["Folk", "Jazz"]));
    assert_eq!(seen["synced"], 3);
    assert_eq!(seen["found"][0], "All I Want");
    assert_eq!(seen["lists"]["alphabeticalByName"], 2);
    assert_eq!(seen["lists"]["starred"], 0);
}

#[tokio::test]
async fn py_opensonic_plays_a_whole_session() {
    let app = spawn_app().await;
    let auth = app.customer().await;
    let lib = library(&app, auth).await;
    settled(&app, &lib).await;
    let (_, key) = player_key(&app, &lib.auth, "py-opensonic").await;
    let body = app.viewer(&lib.auth).await;
    let email = data(&body)["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    // py-opensonic takes the host and the port apart.
    let (host, port) = app.address.rsplit_once(':').unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("subsonic/client.py");
    let python = python().clone();
    let args = [
        script.to_str().unwrap().to_owned(),
        host.to_owned(),
        port.to_owned(),
        email.clone(),
        key,
        PASSWORD.to_owned(),
    ];
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(python).args(&args).output(),
    )
    .await
    .expect("py-opensonic's session finishes within two minutes")
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "client.py failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let song_sha256 = sha256_hex(&lib.songs[0].1);
    for session in ["via_key", "via_token"] {
        let session = &seen[session];
        check_session(session);
        assert_eq!(session["stream_sha256"], song_sha256.as_str());
        assert_eq!(session["download_sha256"], song_sha256.as_str());
        assert_eq!(session["cover_type"], "image/jpeg");
        assert_eq!(session["lyrics_lines"], 2);
        assert_eq!(
            session["playlist"],
            json!({ "name": "Renamed by py-opensonic", "songs": 1 })
        );
        assert_eq!(session["now_playing"], json!(["All I Want"]));
        assert_eq!(
            session["starred"],
            json!({ "songs": 1, "albums": 1, "rating": 3 })
        );
        assert_eq!(
            session["queue"],
            json!({ "entries": 2, "current": true, "position": 500 })
        );
        assert_eq!(session["queue_by_index"], 1);
    }
    assert_eq!(seen["legacy_ping"], true);
    assert_eq!(seen["token_user"], email.as_str());
}

#[tokio::test]
async fn the_npm_subsonic_api_plays_a_whole_session() {
    let app = spawn_app().await;
    let auth = app.customer().await;
    let lib = library(&app, auth).await;
    settled(&app, &lib).await;
    let (_, key) = player_key(&app, &lib.auth, "subsonic-api").await;
    let body = app.viewer(&lib.auth).await;
    let email = data(&body)["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = node(
        "subsonic.mjs",
        &[&app.address, &email, &key],
        Duration::from_secs(120),
    )
    .await;
    let song_sha256 = sha256_hex(&lib.songs[0].1);
    for session in ["viaKey", "viaToken"] {
        let session = &seen[session];
        check_session(session);
        assert_eq!(session["streamSha256"], song_sha256.as_str(), "{session:#}");
        assert_eq!(session["downloadSha256"], song_sha256.as_str());
        assert_eq!(session["coverType"], "image/jpeg");
        assert_eq!(session["lyricsLines"], 2);
        assert_eq!(session["playlist"]["name"], "Renamed by a player");
        assert_eq!(session["playlist"]["songCount"], 1);
        assert_eq!(session["nowPlaying"], json!(["All I Want"]));
        assert_eq!(
            session["starred"],
            json!({ "songs": 1, "albums": 1, "rating": 5 })
        );
        assert_eq!(
            session["queue"],
            json!({ "entries": 2, "current": true, "position": 1000 })
        );
    }
    assert_eq!(seen["token"], email.as_str());
}
