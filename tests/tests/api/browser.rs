//! The web app in a real browser: `tests/browser/run.mjs` drives Debian's
//! Chromium with Playwright through the steps in `tests/browser/steps/`
//! against a server with the demo catalogue, checks the pages with axe-core
//! and fails on any page error, CSP violation or script run from data.
//! `tests/browser/install.sh` installs Chromium and the npm packages on
//! first use. `CADENZA_SCREENSHOTS=<dir>` keeps the screenshots (a path
//! relative to the repository's root).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use cadenza_api::auth::Role;
use serde_json::Value;
use tokio::process::Command;

use crate::helpers::*;

/// The whole walk, Chromium's start included; run.mjs stops itself after
/// 240 s, this is the backstop.
const RUN_LIMIT: Duration = Duration::from_secs(300);

#[tokio::test]
async fn the_web_app_story_passes_in_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("browser");
    let install = Command::new("bash")
        .arg(dir.join("install.sh"))
        .status()
        .await
        .expect("bash is needed to install the browser tests");
    assert!(
        install.success(),
        "tests/browser/install.sh failed (it installs Debian's chromium and npm packages)"
    );

    // The store's artwork is what a person sees first: the demo's is drawn
    // in the background as the server starts.
    let app = spawn_app_with(|settings| settings.catalogue_artwork = true).await;
    // The story attaches a master to the album it buys, which takes an ADMIN.
    let admin = app.account_with_role(Role::Admin).await;
    let mut node = Command::new("node");
    node.arg("run.mjs")
        .arg(&app.address)
        .env("CADENZA_TEST_ADMIN_EMAIL", admin)
        .env("CADENZA_TEST_ADMIN_PASSWORD", PASSWORD)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a run that overstays is killed with
        // the Chromium it started.
        .process_group(0)
        .kill_on_drop(true);
    if let Some(shots) = std::env::var_os("CADENZA_SCREENSHOTS") {
        // Relative to the repository, not to this crate or to tests/browser.
        node.env("CADENZA_SCREENSHOTS", root.join("..").join(shots));
    }
    let child = node.spawn().expect("node is needed for the browser tests");
    let group = child.id();
    let output = match tokio::time::timeout(RUN_LIMIT, child.wait_with_output()).await {
        Ok(output) => output.unwrap(),
        Err(_) => {
            if let Some(group) = group {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{group}")])
                    .status();
            }
            panic!("the browser run took more than {RUN_LIMIT:?}; node and Chromium were killed")
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    let summary: Value = serde_json::from_str(&stdout).unwrap_or_default();
    assert!(
        output.status.success() && summary["ok"] == true,
        "the browser run failed ({}):\n{log}\n{stdout}",
        output.status
    );
    let steps = summary["steps"].as_array().map_or(0, Vec::len);
    assert!(steps > 0, "no step ran:\n{log}\n{stdout}");
    let checked = summary["axe"].as_array().map_or(0, Vec::len);
    assert!(checked > 0, "axe-core checked no page:\n{log}\n{stdout}");
}

/// Installs Chromium and the npm packages of `tests/browser` (once a run).
async fn install_browser() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser");
    let install = Command::new("bash")
        .arg(dir.join("install.sh"))
        .status()
        .await
        .expect("bash is needed to install the browser tests");
    assert!(install.success(), "tests/browser/install.sh failed");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_storefront_on_a_listed_origin_calls_the_api_in_chromium_and_others_are_blocked() {
    use crate::audio::wav;
    let dir = install_browser().await;
    crate::clients::clients_dir(); // graphql-ws's browser build
    let (listed, unlisted) = (free_port(), free_port());
    let app = spawn_app_with(|settings| {
        settings.http.cors_origins =
            vec![
                cadenza_api::settings::Origin::parse(&format!("http://127.0.0.1:{listed}"))
                    .unwrap(),
            ]
    })
    .await;
    let email = "storefront@example.com";
    let body = app.register(email, PASSWORD, "Shopper").await;
    let token = token_of(&body, "register");
    let me = Auth::Bearer(token.clone());
    let audio = wav(2000, &[("TITLE", "Across")]);
    let size = audio.len();
    let item = app.upload(&me, "across.wav", audio).await;
    let id = data(&item)["uploadTrack"]["id"].clone();
    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { node(id: $id) { ... on LockerItem { streamUrl } } }",
            serde_json::json!({ "id": id }),
        )
        .await;
    let stream = format!(
        "{}{}",
        app.address,
        data(&body)["node"]["streamUrl"].as_str().unwrap()
    );
    let output = Command::new("node")
        .arg("cors.mjs")
        .args([
            &app.address,
            &token,
            &stream,
            &listed.to_string(),
            &unlisted.to_string(),
        ])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("cors.mjs finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    eprintln!("storefront in chromium: {seen}");
    let listed = &seen["listed"];
    assert_eq!(listed["fetch"], email, "{seen}");
    assert_eq!(listed["ws"], "storefront", "{seen}");
    assert_eq!(
        listed["stream"],
        format!("206 100 bytes 0-99/{size}").as_str(),
        "{seen}"
    );
    assert_eq!(listed["audio"], "playing", "{seen}");
    let unlisted = &seen["unlisted"];
    for what in ["fetch", "ws", "stream", "audio"] {
        assert!(
            unlisted[what].as_str().unwrap_or("").starts_with("blocked"),
            "{what} from an unlisted origin: {seen}"
        );
    }
}
