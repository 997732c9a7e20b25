//! Real GraphQL clients and tools against the server: graphql-ws, a caching
//! proxy (nginx), GraphQL Code Generator's trusted documents and Apollo's
//! federation gateway. `tests/clients/install.sh` installs them on first use
//! (npm packages pinned in `tests/clients/package-lock.json`, and Debian's
//! nginx); `.ci/run` runs it first.

mod federation;
mod graphql_ws;
mod proxy;
mod trusted;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// `tests/clients`, with its packages installed.
pub fn clients_dir() -> PathBuf {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients");
    INSTALLED.get_or_init(|| {
        let status = std::process::Command::new("bash")
            .arg(dir.join("install.sh"))
            .status()
            .expect("bash runs tests/clients/install.sh");
        assert!(
            status.success(),
            "tests/clients/install.sh failed (it installs npm packages and Debian's nginx)"
        );
    });
    dir
}

/// Runs `node <script> <args>` in `tests/clients` and reads the one JSON
/// line it prints last. A script that runs past `limit` is killed.
pub async fn node(script: &str, args: &[&str], limit: Duration) -> Value {
    let dir = clients_dir();
    let child = tokio::process::Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (Node.js is needed for the client tests)");
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} ran longer than {limit:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} {args:?} failed: {stderr}\n{stdout}"
    );
    let last = stdout.lines().rev().find(|line| !line.trim().is_empty());
    serde_json::from_str(last.unwrap_or("null"))
        .unwrap_or_else(|err| panic!("{script} printed no JSON ({err}): {stdout}\n{stderr}"))
}
