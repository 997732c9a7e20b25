//! The search index survives `kill -9` in the middle of indexing, a damaged
//! index directory, and is rebuilt by `cadenza reindex`: the real binary, run
//! as an operator runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TRACKS: usize = 12_000;

struct Server {
    child: Child,
    url: String,
}

fn command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadenza"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CADENZA_DATA_DIR", data_dir)
        .env("CADENZA_SEED_DEMO", "false")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// SQLite in the data dir, or with `CADENZA_TEST_DATABASE=postgres` a new
/// PostgreSQL database, as the rest of the suite does.
async fn database_url() -> Option<String> {
    use sea_orm::ConnectionTrait;
    if std::env::var("CADENZA_TEST_DATABASE").as_deref() != Ok("postgres") {
        return None;
    }
    let server = std::env::var("CADENZA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    let name = format!("cadenza_recovery_{}", std::process::id());
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    Some(format!("{server}/{name}"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
    let port = free_port();
    let mut child = command(data_dir, database_url)
        .arg("serve")
        .env("CADENZA_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(response) = client.get(format!("{url}/healthz")).send().await {
            if response.status().is_success() {
                return Server { child, url };
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    panic!("the server did not start");
}

/// A server is killed when dropped, so a failing test leaves none behind.
impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: no shutdown hook, no final commit.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn kill_9(self) {
        drop(self);
    }

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn count(&self, q: &str) -> i64 {
        let body = self
            .gql(
                None,
                "query($q: String!) { search(query: $q, first: 0) { totalCount } }",
                json!({ "q": q }),
            )
            .await;
        body["data"]["search"]["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("{body}"))
    }

    async fn metric(&self, name: &str) -> i64 {
        let text = reqwest::get(format!("{}/metrics", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
            .unwrap()
    }
}

fn feed() -> String {
    let mut lines = vec![
        json!({"type": "artist", "id": "crash-ar", "name": "Crash Test Ensemble", "genres": ["Rock"]})
            .to_string(),
    ];
    for album in 0..TRACKS / 100 {
        lines.push(
            json!({"type": "album", "id": format!("crash-al-{album}"), "artist": "crash-ar",
                   "title": format!("Volume {album}"), "year": 2020, "genre": "Rock"})
            .to_string(),
        );
        for track in 0..100 {
            lines.push(
                json!({"type": "track", "id": format!("crash-t-{album}-{track}"),
                       "album": format!("crash-al-{album}"),
                       "title": format!("Kaboomerang {album} {track}"),
                       "trackNumber": track + 1, "durationMs": 180_000})
                .to_string(),
            );
        }
    }
    lines.join("\n")
}

async fn import(server: &Server, token: &str, feed: String) {
    let form = reqwest::multipart::Form::new()
        .text(
            "operations",
            json!({
                "query": "mutation($file: Upload!) { importCatalogue(file: $file) { tracksUpserted } }",
                "variables": { "file": null }
            })
            .to_string(),
        )
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(feed.into_bytes()).file_name("feed.jsonl"),
        );
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["importCatalogue"]["tracksUpserted"], TRACKS as i64,
        "{body}"
    );
}

#[tokio::test]
async fn the_index_survives_kill_9_damage_and_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    let url = database_url().await;
    let db = url.as_deref();
    let created = command(data_dir, db)
        .args([
            "create-user",
            "--email",
            "ops@example.com",
            "--password",
            "correct horse battery",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");

    let server = start(data_dir, db).await;
    let login = server
        .gql(
            None,
            "mutation { login(email: \"ops@example.com\", password: \"correct horse battery\") { accessToken } }",
            json!({}),
        )
        .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    import(&server, &token, feed()).await;
    // The import committed; the follower is now indexing its changes in
    // chunks of 5,000, committing after each. Kill it just after its first
    // commit, with the rest of the feed still to index.
    let started = Instant::now();
    let mut applied_before_kill = 0;
    while applied_before_kill == 0 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        applied_before_kill = server.metric("cadenza_search_applied_seq").await;
    }
    server.kill_9();

    // Restarted, it catches up from its last commit before it listens.
    let server = start(data_dir, db).await;
    let expected = TRACKS as i64;
    assert_eq!(server.count("kaboomerang").await, expected);
    let applied = server.metric("cadenza_search_applied_seq").await;
    eprintln!("killed at feed position {applied_before_kill}; caught up to {applied}");
    assert!(applied >= applied_before_kill);
    let documents = server.metric("cadenza_search_documents").await;
    // The artist, its albums and its tracks; no duplicates from replaying.
    assert_eq!(documents, 1 + (TRACKS / 100) as i64 + expected);
    server.kill_9();

    // A damaged index is rebuilt at start-up.
    let search_dir = data_dir.join("search");
    std::fs::write(search_dir.join("meta.json"), b"{ damaged").unwrap();
    let server = start(data_dir, db).await;
    assert_eq!(server.count("kaboomerang").await, expected);
    assert_eq!(server.count("crash test ensemble").await, documents);

    // `reindex` refuses while the server holds the index...
    let busy = command(data_dir, db).arg("reindex").output().unwrap();
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("stop it first"),
        "{busy:?}"
    );
    server.kill_9();

    // ...and rebuilds it from the database once it is stopped, even from
    // nothing.
    std::fs::remove_dir_all(&search_dir).unwrap();
    let rebuilt = command(data_dir, db).arg("reindex").output().unwrap();
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    let stderr = String::from_utf8_lossy(&rebuilt.stderr);
    assert!(
        stderr.contains(&format!("{documents} documents")),
        "{stderr}"
    );
    let server = start(data_dir, db).await;
    assert_eq!(server.count("kaboomerang").await, expected);
    server.kill_9();
}
