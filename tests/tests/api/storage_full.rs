//! A full disk, said plainly: blobs and the search index on a 40 MB tmpfs
//! the test mounts (skipped, saying why, where mounting is not allowed).
//! Uploads past the space left get an error a client can show, distinct
//! from a bug, and 507; readiness says the storage is full; nothing is
//! half-stored; once space is freed uploads work again and the search
//! index catches up by itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cadenza_api::settings::StorageLocation;
use reqwest::header::ACCEPT;
use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Result<Self, String> {
        let dir = tempfile::TempDir::new().map_err(|err| err.to_string())?;
        let output = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|err| err.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn stored_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("blobs"))
}

async fn upload_as_phone(app: &TestApp, auth: &Auth, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let operations = json!({
        "query": "mutation($file: Upload!) { uploadTrack(file: $file) { id title } }",
        "variables": { "file": null },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(auth.token())
        .header(ACCEPT, "application/graphql-response+json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_full_disk_is_said_plainly_and_nothing_is_half_stored() {
    let disk = match SmallDisk::mount(40) {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: this machine does not let the test mount a tmpfs ({why})");
            return;
        }
    };
    let root = disk.path().to_path_buf();
    let app = spawn_app_with(|settings| {
        settings.storage = StorageLocation::Local(root.join("blobs"));
        settings.search_dir = root.join("search");
        settings.locker.max_upload_bytes = 16 * 1024 * 1024;
    })
    .await;
    let me = app.customer().await;

    // Six-megabyte files until the disk refuses one.
    let mut stored = Vec::new();
    let mut refusal = None;
    for n in 0..12 {
        let title = format!("Filler {n}");
        let bytes = wav(390_000, &[("INAM", &title)]);
        let (status, body) = upload_as_phone(&app, &me, &format!("{n}.wav"), bytes).await;
        if body["errors"].is_null() {
            stored.push(data(&body)["uploadTrack"]["id"].clone());
        } else {
            refusal = Some((status, body));
            break;
        }
    }
    let (status, body) = refusal.expect("the 40 MB disk filled up");
    assert!(!stored.is_empty(), "some uploads fit first");
    assert_eq!(status, 507, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "QUOTA_EXCEEDED", "{body}");
    assert_eq!(
        error["extensions"]["reason"], "SERVER_STORAGE_FULL",
        "{body}"
    );
    assert_eq!(
        error["message"],
        "the server is out of storage; try again later"
    );

    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    let storage = ready["storage"].as_str().unwrap();
    assert!(
        storage.starts_with("full") || storage.starts_with("low"),
        "readiness says how full: {ready}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("cadenza_storage_free_bytes "), "{metrics}");

    // Nothing half-stored: every item has its blob, and no blob is left
    // without an item.
    let usage = app
        .gql_as(
            &me,
            "{ viewer { locker { items(first: 50) { totalCount } } } }",
            json!({}),
        )
        .await;
    let items = data(&usage)["viewer"]["locker"]["items"]["totalCount"]
        .as_u64()
        .unwrap();
    assert_eq!(items as usize, stored.len());
    assert_eq!(stored_files(&root).len(), stored.len(), "one blob per item");

    // Space freed: uploads work again, and search finds them.
    for id in &stored[..2.min(stored.len())] {
        data(&app.delete_locker_item(&me, id).await);
    }
    let (status, body) = upload_as_phone(
        &app,
        &me,
        "again.wav",
        wav(2_000, &[("INAM", "Room Again")]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let found = eventually(Duration::from_secs(20), || async {
        let hits = app.search(&me, "Room Again", SearchArgs::default()).await;
        (data(&hits)["search"]["totalCount"].as_u64().unwrap_or(0) > 0).then_some(())
    })
    .await;
    assert!(
        found.is_some(),
        "the search index caught up once space returned"
    );
}
