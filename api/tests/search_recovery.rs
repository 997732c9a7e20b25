//! The search index survives `kill -9` in the middle of indexing, a damaged
//! index directory, and is rebuilt by `cadenza reindex`: the real binary, run
//! as an operator runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{cadenza, Server, Store};
use serde_json::{json, Value};

const TRACKS: usize = 12_000;

/// What the index holds for `q`.
async fn count(server: &Server, q: &str) -> i64 {
    let body = server
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

async fn metric(server: &Server, name: &str) -> i64 {
    let text = reqwest::get(format!("{}/metrics", server.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap()
}

async fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
    Server::start(data_dir, database_url, &[("CADENZA_SEED_DEMO", "false")]).await
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
        .post(format!("{}/graphql", server.address))
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
    let store = Store::new().await;
    let data_dir = store.dir.path();
    let url = store.url();
    let db = url.as_deref();
    let created = cadenza(data_dir, db)
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
        applied_before_kill = metric(&server, "cadenza_search_applied_seq").await;
    }
    server.kill();

    // Restarted, it catches up from its last commit before it listens.
    let server = start(data_dir, db).await;
    let expected = TRACKS as i64;
    assert_eq!(count(&server, "kaboomerang").await, expected);
    let applied = metric(&server, "cadenza_search_applied_seq").await;
    eprintln!("killed at feed position {applied_before_kill}; caught up to {applied}");
    assert!(applied >= applied_before_kill);
    let documents = metric(&server, "cadenza_search_documents").await;
    // The artist, its albums and its tracks; no duplicates from replaying.
    assert_eq!(documents, 1 + (TRACKS / 100) as i64 + expected);
    server.kill();

    // A damaged index is rebuilt at start-up.
    let search_dir = data_dir.join("search");
    std::fs::write(search_dir.join("meta.json"), b"{ damaged").unwrap();
    let server = start(data_dir, db).await;
    assert_eq!(count(&server, "kaboomerang").await, expected);
    assert_eq!(count(&server, "crash test ensemble").await, documents);

    // `reindex` refuses while the server holds the index...
    let busy = cadenza(data_dir, db).arg("reindex").output().unwrap();
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("stop it first"),
        "{busy:?}"
    );
    server.kill();

    // ...and rebuilds it from the database once it is stopped, even from
    // nothing.
    std::fs::remove_dir_all(&search_dir).unwrap();
    let rebuilt = cadenza(data_dir, db).arg("reindex").output().unwrap();
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    let stderr = String::from_utf8_lossy(&rebuilt.stderr);
    assert!(
        stderr.contains(&format!("{documents} documents")),
        "{stderr}"
    );
    let server = start(data_dir, db).await;
    assert_eq!(count(&server, "kaboomerang").await, expected);
    server.kill();
    store.drop_database().await;
}
