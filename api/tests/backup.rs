//! `cadenza backup` and `cadenza restore`, run as an operator runs them,
//! beside the real server: a backup taken while listeners upload, play and
//! make playlists restores whole; a backup killed halfway leaves nothing a
//! restore would take; an account erased after a backup stays erased in
//! its restore; bad input is refused with a message and leaves nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{cadenza, files_under, random_wav, Server, Store, PASSWORD};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn run(data_dir: &Path, args: &[&str]) -> Output {
    cadenza(data_dir, None).args(args).output().unwrap()
}

/// `cadenza restore --from from --to to` with `extra` arguments.
fn restore_into(data_dir: &Path, from: &Path, to: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "restore",
        "--from",
        from.to_str().unwrap(),
        "--to",
        to.to_str().unwrap(),
    ];
    args.extend(extra);
    run(data_dir, &args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn start(data_dir: &Path) -> Server {
    std::fs::create_dir_all(data_dir).unwrap();
    Server::start(
        data_dir,
        None,
        &[
            ("CADENZA_SEED_DEMO", "false"),
            ("CADENZA_RATE_USER_MUTATIONS", "1000000"),
            ("CADENZA_RATE_REGISTRATIONS", "1000000"),
        ],
    )
    .await
}

/// Rows of every table of the SQLite database at `file`.
async fn row_counts(file: &Path) -> BTreeMap<String, u64> {
    let db = Database::connect(format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let backend = db.get_database_backend();
    let mut counts = BTreeMap::new();
    for row in db
        .query_all(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await
        .unwrap()
    {
        let name: String = row.try_get("", "name").unwrap();
        let count = db
            .query_one(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{name}\""),
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = count.try_get("", "n").unwrap();
        counts.insert(name, n as u64);
    }
    db.close().await.unwrap();
    counts
}

/// The newest snapshot's manifest in the backup `dir`.
fn manifest(dir: &Path) -> (PathBuf, Value) {
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("manifest.json").is_file())
        .collect();
    snapshots.sort();
    let newest = snapshots.pop().expect("a complete snapshot");
    let text = std::fs::read_to_string(newest.join("manifest.json")).unwrap();
    (newest, serde_json::from_str(&text).unwrap())
}

/// A listener who uploads, plays and files into a playlist until `stop`.
async fn listen(server: Arc<Server>, email: String, stop: Arc<AtomicBool>) -> usize {
    let token = server.register(&email).await;
    let playlist = server
        .gql(
            Some(&token),
            "mutation { createPlaylist(input: {name: \"Mix\"}) { id } }",
            json!({}),
        )
        .await;
    let playlist = playlist["data"]["createPlaylist"]["id"].clone();
    let mut uploads = 0;
    while !stop.load(Ordering::Relaxed) || uploads < 2 {
        let title = format!("{email} song {uploads}");
        server
            .upload(&token, random_wav(&[("INAM", &title), ("IART", "Band")]))
            .await;
        uploads += 1;
        let items = server
            .gql(
                Some(&token),
                "{ viewer { locker { items(first: 1) { nodes { id } } } } }",
                json!({}),
            )
            .await;
        let item = items["data"]["viewer"]["locker"]["items"]["nodes"][0]["id"].clone();
        for (mutation, variables) in [
            (
                "mutation($i: ID!, $p: ID!) { addToPlaylist(playlistId: $p, itemIds: [$i]) { id } }",
                json!({ "i": item, "p": playlist }),
            ),
            (
                "mutation($i: ID!) { recordPlay(input: {itemId: $i, msPlayed: 30000, completed: true}) }",
                json!({ "i": item }),
            ),
        ] {
            let body = server.gql(Some(&token), mutation, variables).await;
            assert!(body.get("errors").is_none(), "{body}");
        }
    }
    uploads
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_whole() {
    let store = Store::new().await;
    let data = store.dir.path().join("data");
    if cadenza_tests::on_postgres() {
        let url = store.url().unwrap();
        let output = cadenza(&data, Some(&url))
            .args(["backup", "--to"])
            .arg(store.dir.path().join("backup"))
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("pg_dump"),
            "PostgreSQL is pointed to its own tools: {}",
            stderr(&output)
        );
        store.drop_database().await;
        return;
    }
    let backup = store.dir.path().join("backup");
    let server = Arc::new(start(&data).await);
    let stop = Arc::new(AtomicBool::new(false));
    let listeners: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(listen(
                server.clone(),
                format!("listener{n}@example.com"),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let taken = {
        let (data, backup) = (data.clone(), backup.clone());
        tokio::task::spawn_blocking(move || {
            cadenza(&data, None)
                .arg("backup")
                .arg("--to")
                .arg(&backup)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    stop.store(true, Ordering::Relaxed);
    for listener in listeners {
        assert!(listener.await.unwrap() >= 2);
    }
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(stderr(&taken).contains("complete"), "{}", stderr(&taken));

    let restored = store.dir.path().join("restored");
    let output = restore_into(&data, &backup, &restored, &[]);
    assert!(output.status.success(), "{}", stderr(&output));

    // Every row the manifest counts, every file it lists and no other.
    let (_, manifest) = manifest(&backup);
    let counted: BTreeMap<String, u64> = serde_json::from_value(manifest["rows"].clone()).unwrap();
    assert!(counted["locker_items"] >= 8, "{counted:?}");
    assert_eq!(row_counts(&restored.join("cadenza.sqlite3")).await, counted);
    let listed: BTreeSet<PathBuf> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| restored.join("blobs").join(file["key"].as_str().unwrap()))
        .collect();
    let present: BTreeSet<PathBuf> = files_under(&restored.join("blobs")).into_iter().collect();
    assert_eq!(present, listed, "no blob missing or extra");
    assert!(!restored.join("search").exists(), "the index is rebuilt");

    // The restored server serves it: every item streams its own bytes.
    let server = Arc::try_unwrap(server).ok().unwrap();
    server.kill();
    let restored_server = start(&restored).await;
    let mut items_seen = 0;
    for n in 0..8 {
        let token = restored_server
            .login(&format!("listener{n}@example.com"))
            .await;
        let body = restored_server
            .gql(
                Some(&token),
                "{ viewer { locker { items(first: 100) { totalCount nodes { contentHash streamUrl } } } playlists(first: 5) { nodes { itemCount } } } }",
                json!({}),
            )
            .await;
        let items = &body["data"]["viewer"]["locker"]["items"];
        assert!(items["totalCount"].as_u64().unwrap() <= 100, "{body}");
        for item in items["nodes"].as_array().unwrap() {
            let url = format!(
                "{}{}",
                restored_server.address,
                item["streamUrl"].as_str().unwrap()
            );
            let bytes = restored_server
                .client
                .get(url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(sha256(&bytes), item["contentHash"].as_str().unwrap());
            items_seen += 1;
        }
        let playlists = &body["data"]["viewer"]["playlists"]["nodes"];
        assert_eq!(playlists.as_array().unwrap().len(), 1, "{body}");
    }
    assert_eq!(items_seen as u64, counted["locker_items"]);
    restored_server.kill();
}

#[tokio::test]
async fn a_backup_killed_halfway_leaves_nothing_a_restore_would_take() {
    if cadenza_tests::on_postgres() {
        return;
    }
    let store = Store::new().await;
    let data = store.dir.path().join("data");
    let backup = store.dir.path().join("backup");
    let server = start(&data).await;
    let token = server.register("big@example.com").await;
    for n in 0..24 {
        let samples: Vec<i16> = (0..400_000).map(|_| rand::random::<i16>()).collect();
        let title = format!("Long {n}");
        let file = cadenza_tests::audio::wav_of(44_100, &samples, &[("INAM", &title)]);
        server.upload(&token, file).await;
    }
    let mut child = cadenza(&data, None)
        .arg("backup")
        .arg("--to")
        .arg(&backup)
        .spawn()
        .unwrap();
    // Killed as soon as it has started writing.
    let started = cadenza_tests::eventually(Duration::from_secs(20), || {
        let snapshots = backup.join("snapshots");
        async move {
            std::fs::read_dir(&snapshots)
                .ok()?
                .filter_map(Result::ok)
                .any(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
                .then_some(())
        }
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(started.is_some(), "the backup started");

    let restored = store.dir.path().join("restored");
    let refused = restore_into(&data, &backup, &restored, &[]);
    if !refused.status.success() {
        assert!(
            stderr(&refused).contains("no complete snapshot"),
            "{}",
            stderr(&refused)
        );
        assert!(!restored.exists(), "nothing half-restored");
    } else {
        // The kill came after the snapshot was complete: it must be whole.
        std::fs::remove_dir_all(&restored).unwrap();
    }

    let again = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    let snapshots: Vec<String> = std::fs::read_dir(backup.join("snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        snapshots.iter().all(|name| !name.ends_with(".partial")),
        "the cut-short snapshot is cleared: {snapshots:?}"
    );
    let output = restore_into(&data, &backup, &restored, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, manifest) = manifest(&backup);
    assert_eq!(manifest["files"].as_array().unwrap().len(), 24);
    server.kill();
}

#[tokio::test]
async fn an_account_erased_after_the_backup_stays_erased_in_its_restore() {
    if cadenza_tests::on_postgres() {
        return;
    }
    let store = Store::new().await;
    let data = store.dir.path().join("data");
    let backup = store.dir.path().join("backup");
    let server = start(&data).await;
    let marker = format!("Gone{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
    let erased_email = format!("{}@example.com", marker.to_lowercase());
    let erased = server.register(&erased_email).await;
    let file = random_wav(&[("INAM", &marker), ("IART", &marker)]);
    let run_of_bytes = file[2_000..2_064].to_vec();
    server.upload(&erased, file).await;
    let kept = server.register("kept@example.com").await;
    server
        .upload(&kept, random_wav(&[("INAM", "Kept song")]))
        .await;

    let output = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (first_snapshot, _) = manifest(&backup);
    let deleted = server
        .gql(
            Some(&erased),
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");
    // An account made and erased after the backup: its number is in no
    // snapshot, and must not be given to anyone after a restore.
    let late = server.register("late@example.com").await;
    let deleted = server
        .gql(
            Some(&late),
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");
    server.kill();
    let ledgered = std::fs::read_to_string(data.join("erasure-ledger")).unwrap();
    let highest_erased: i64 = ledgered
        .lines()
        .filter_map(|line| line.split(' ').next()?.parse().ok())
        .max()
        .unwrap();

    // With the server's own ledger; and, the data dir lost, with the
    // ledger a later backup carried into the backup directory.
    let later = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(later.status.success(), "{}", stderr(&later));
    let name = first_snapshot.file_name().unwrap().to_str().unwrap();
    let ledger = data.join("erasure-ledger");
    for (label, extra) in [
        ("with --ledger", vec!["--ledger", ledger.to_str().unwrap()]),
        ("with the backup's ledger", vec![]),
    ] {
        let restored = store.dir.path().join(format!("restored-{}", extra.len()));
        let mut args = vec!["--snapshot", name];
        args.extend(extra);
        let output = restore_into(&data, &backup, &restored, &args);
        assert!(output.status.success(), "{label}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("erased again"),
            "{}",
            stderr(&output)
        );
        for needle in [
            marker.as_bytes(),
            erased_email.as_bytes(),
            &run_of_bytes[..],
        ] {
            let lower = needle.to_ascii_lowercase();
            let holding: Vec<PathBuf> = files_under(&restored)
                .into_iter()
                .filter(|path| {
                    let bytes = std::fs::read(path).unwrap_or_default();
                    [needle, &lower[..]]
                        .iter()
                        .any(|n| bytes.windows(n.len()).any(|w| w == *n))
                })
                .collect();
            assert!(holding.is_empty(), "{label}: found in {holding:?}");
        }
        let restored_server = start(&restored).await;
        let login = restored_server
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": erased_email, "p": PASSWORD }),
            )
            .await;
        assert!(login["errors"].is_array(), "{label}: {login}");
        restored_server.login("kept@example.com").await;
        restored_server.register("newcomer@example.com").await;
        restored_server.kill();
        let db = Database::connect(format!(
            "sqlite://{}?mode=ro",
            restored.join("cadenza.sqlite3").display()
        ))
        .await
        .unwrap();
        let row = db
            .query_one(Statement::from_string(
                db.get_database_backend(),
                "SELECT id FROM users WHERE email = 'newcomer@example.com'",
            ))
            .await
            .unwrap()
            .unwrap();
        let newcomer: i32 = row.try_get_by_index(0).unwrap();
        db.close().await.unwrap();
        assert!(
            i64::from(newcomer) > highest_erased,
            "{label}: a new account ({newcomer}) never gets an erased account's number ({highest_erased})"
        );
    }

    // A database brought back by other means (a dump): `replay-erasures`
    // erases the ledger's accounts again, and skips those not there.
    let dumped = store.dir.path().join("dumped");
    std::fs::create_dir_all(&dumped).unwrap();
    std::fs::copy(
        first_snapshot.join("cadenza.sqlite3"),
        dumped.join("cadenza.sqlite3"),
    )
    .unwrap();
    let replayed = run(
        &dumped,
        &["replay-erasures", "--ledger", ledger.to_str().unwrap()],
    );
    assert!(replayed.status.success(), "{}", stderr(&replayed));
    assert!(
        stderr(&replayed).contains("1 of the 2 accounts"),
        "{}",
        stderr(&replayed)
    );
    let users = row_counts(&dumped.join("cadenza.sqlite3")).await["users"];
    assert_eq!(users, 1, "only the kept account is left");
    let again = run(
        &dumped,
        &["replay-erasures", "--ledger", ledger.to_str().unwrap()],
    );
    assert!(
        stderr(&again).contains("0 of the 2 accounts"),
        "{}",
        stderr(&again)
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_leaves_nothing() {
    if cadenza_tests::on_postgres() {
        return;
    }
    let store = Store::new().await;
    let root = store.dir.path();
    let data = root.join("data");
    let backup = root.join("backup");
    let server = start(&data).await;
    let token = server.register("bad@example.com").await;
    server.upload(&token, random_wav(&[])).await;
    server.kill();
    let output = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let target = root.join("target");
    let restore = |from: &Path| restore_into(&data, from, &target, &[]);
    let refused = |output: Output, expected: &str| {
        assert!(!output.status.success());
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(!target.exists(), "nothing restored");
        let staged: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("restoring"))
            .collect();
        assert!(staged.is_empty(), "nothing staged is left: {staged:?}");
    };

    refused(restore(&root.join("nowhere")), "does not exist");
    let foreign = root.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "hello").unwrap();
    refused(restore(&foreign), "not a Cadenza backup");
    let output = run(&data, &["backup", "--to", foreign.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("neither empty nor a Cadenza backup"),
        "{}",
        stderr(&output)
    );

    // A second backup into a directory another one holds.
    let held = std::fs::File::open(backup.join("CADENZA-BACKUP")).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let output = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("another backup"),
        "{}",
        stderr(&output)
    );
    drop(held);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "a backup is its owner's alone");

    // A non-empty target.
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("mine"), "keep me").unwrap();
    let output = restore(&backup);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(target.join("mine")).unwrap(),
        "keep me"
    );
    std::fs::remove_dir_all(&target).unwrap();

    // A manifest from a newer format.
    let (snapshot, manifest_value) = manifest(&backup);
    let manifest_file = snapshot.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_file).unwrap();
    let mut newer = manifest_value.clone();
    newer["format"] = json!(99);
    std::fs::write(&manifest_file, newer.to_string()).unwrap();
    refused(restore(&backup), "newer Cadenza");
    std::fs::write(&manifest_file, "{\"format\": 1, \"data").unwrap();
    refused(restore(&backup), "damaged");
    std::fs::write(&manifest_file, &original).unwrap();

    // A manifest that names a file outside the data dir.
    let mut forged = manifest_value.clone();
    forged["files"][0]["key"] = json!("../../escaped");
    std::fs::write(&manifest_file, forged.to_string()).unwrap();
    refused(restore(&backup), "outside the data dir");
    assert!(!root.join("escaped").exists());
    std::fs::write(&manifest_file, &original).unwrap();

    // A tampered blob.
    let key = manifest_value["files"][0]["key"].as_str().unwrap();
    let blob = backup.join("blobs").join(key);
    let mut bytes = std::fs::read(&blob).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    refused(restore(&backup), "does not match");
}
