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

    let app = spawn_app().await;
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
