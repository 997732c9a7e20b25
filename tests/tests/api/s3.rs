//! Locker storage in an S3-compatible bucket: moto's S3 server stands in for
//! S3. On first use it is installed from PyPI into a virtualenv under the
//! target dir (tests/s3/requirements.txt); it needs `python3`.

use cadenza_api::settings::Secret;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use cadenza_api::settings::{S3Location, StorageLocation};
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::ObjectStore;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::sync::OnceCell;

use crate::audio::{wav, wav_at};
use crate::helpers::*;

const REQUIREMENTS: &str = include_str!("../../s3/requirements.txt");

/// The moto server this test binary shares, started once.
async fn moto() -> &'static str {
    static ENDPOINT: OnceCell<String> = OnceCell::const_new();
    ENDPOINT
        .get_or_init(|| async {
            let python = tokio::task::spawn_blocking(install_moto).await.unwrap();
            let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("s3/moto_server.py");
            let mut child = tokio::process::Command::new(python)
                .arg(script)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(false)
                .spawn()
                .expect("moto's server starts");
            let stdout = child.stdout.take().unwrap();
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
                .await
                .expect("moto's server reports its port within a minute")
                .unwrap()
                .expect("moto's server prints its port");
            let port = line.strip_prefix("PORT ").expect("PORT <n>");
            // It stops by itself when this process exits.
            std::mem::forget(child);
            format!("http://127.0.0.1:{port}")
        })
        .await
}

/// A virtualenv with moto, made once per target dir; the Python in it.
fn install_moto() -> PathBuf {
    python_venv("s3", REQUIREMENTS, "the S3 storage tests")
}

/// A new bucket of its own for a test.
async fn new_bucket(endpoint: &str) -> String {
    let bucket = format!("cadenza-{}", rand::random::<u32>());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    bucket
}

fn location(endpoint: &str, bucket: &str) -> S3Location {
    S3Location {
        bucket: bucket.to_owned(),
        prefix: "lockers/eu".into(),
        endpoint: Some(endpoint.to_owned()),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some(Secret::new("testing")),
    }
}

/// Every key in the bucket, with its size.
async fn objects(endpoint: &str, bucket: &str) -> Vec<(String, u64)> {
    let store: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap(),
    );
    let mut found: Vec<(String, u64)> = store
        .list(None)
        .map_ok(|meta| (meta.location.to_string(), meta.size))
        .try_collect()
        .await
        .unwrap();
    found.sort();
    found
}

async fn app_on_s3(endpoint: &str, bucket: &str) -> TestApp {
    let location = location(endpoint, bucket);
    spawn_app_with(move |settings| {
        settings.storage = StorageLocation::S3(location);
        settings.locker.max_upload_bytes = 32 * 1024 * 1024;
    })
    .await
}

async fn get_range(app: &TestApp, path: &str, range: Option<&str>) -> (u16, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn uploads_live_in_the_bucket_and_stream_back_unchanged() {
    let endpoint = moto().await;
    let bucket = new_bucket(endpoint).await;
    let app = app_on_s3(endpoint, &bucket).await;
    let listener = app.customer().await;

    // A small file goes up in one request, a large one in 8 MiB parts.
    let small = wav(1500, &[("INAM", "Small Hours"), ("IART", "Bucket Band")]);
    let large = wav_at(
        48_000,
        100_000,
        &[("INAM", "Long Haul"), ("IART", "Bucket Band")],
    );
    assert!(large.len() > 9 * 1024 * 1024);
    let mut items = Vec::new();
    for (name, bytes) in [("small.wav", &small), ("large.wav", &large)] {
        let body = app.upload(&listener, name, bytes.clone()).await;
        let item = data(&body)["uploadTrack"].clone();
        assert_eq!(item["sizeBytes"], json!(bytes.len()), "{body}");
        assert_eq!(item["contentHash"], sha256_hex(bytes));
        items.push(item);
    }
    let stored = objects(endpoint, &bucket).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (key, _) in &stored {
        assert!(key.starts_with("lockers/eu/blobs/"), "{key}");
    }
    let mut sizes: Vec<u64> = stored.iter().map(|(_, size)| *size).collect();
    sizes.sort();
    assert_eq!(sizes, vec![small.len() as u64, large.len() as u64]);

    // Whole, and in each form of range players send.
    let url = items[1]["streamUrl"].as_str().unwrap();
    let (status, whole) = get_range(&app, url, None).await;
    assert_eq!(status, 200);
    assert!(whole == large, "the stream is the uploaded bytes");
    let n = large.len();
    for (range, expected) in [
        ("bytes=0-99", &large[..100]),
        ("bytes=8388600-8388700", &large[8_388_600..=8_388_700]),
        ("bytes=9000000-", &large[9_000_000..]),
        ("bytes=-1000", &large[n - 1000..]),
    ] {
        let (status, got) = get_range(&app, url, Some(range)).await;
        assert_eq!(status, 206, "{range}");
        assert!(got == expected, "{range}: {} bytes", got.len());
    }
    let (status, _) = get_range(&app, url, Some(&format!("bytes={n}-"))).await;
    assert_eq!(status, 416);
    let head = app
        .client
        .head(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], n.to_string().as_str());

    // The same bytes again: the same item, no second object.
    let again = app.upload(&listener, "again.wav", small.clone()).await;
    assert_eq!(data(&again)["uploadTrack"]["id"], items[0]["id"]);
    assert_eq!(objects(endpoint, &bucket).await.len(), 2);

    // A refusal stores nothing.
    let refused = app
        .upload(&listener, "fake.mp3", b"ID3 not really audio".to_vec())
        .await;
    assert_eq!(error_code(&refused), "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(objects(endpoint, &bucket).await.len(), 2);

    // Deleting an item deletes its object.
    let deleted = app.delete_locker_item(&listener, &items[1]["id"]).await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    let left = objects(endpoint, &bucket).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].1, small.len() as u64);
    let (status, _) = get_range(&app, url, None).await;
    assert_eq!(status, 404);

    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["storage"], "ok", "{ready}");
}

#[tokio::test]
async fn a_deleted_account_leaves_no_object_in_the_bucket_and_nothing_in_the_data_dir() {
    let endpoint = moto().await;
    let bucket = new_bucket(endpoint).await;
    let app = app_on_s3(endpoint, &bucket).await;
    let neighbour = app.customer().await;
    app.upload(&neighbour, "theirs.wav", wav(700, &[("INAM", "Next Door")]))
        .await;
    let theirs = objects(endpoint, &bucket).await;
    assert_eq!(theirs.len(), 1);

    let someone = crate::erasure::a_listener_who_used_everything(&app).await;
    // Their upload, its cover and a thumbnail of it, and the export they
    // never downloaded.
    assert_eq!(objects(endpoint, &bucket).await.len(), 5);
    let deleted = app.delete_account(&someone.auth, PASSWORD).await;
    assert_eq!(data(&deleted)["deleteAccount"], json!(true), "{deleted}");

    assert_eq!(
        objects(endpoint, &bucket).await,
        theirs,
        "only the neighbour's object is left"
    );
    for needle in &someone.strings {
        let found = crate::erasure::holding(&app.settings.data_dir, needle.as_bytes());
        assert!(found.is_empty(), "{needle:?} is still in {found:?}");
    }
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "the storage still answers"
    );
}

#[tokio::test]
async fn a_missing_bucket_makes_the_server_unready_and_uploads_fail_cleanly() {
    let endpoint = moto().await;
    let app = app_on_s3(endpoint, "cadenza-no-such-bucket").await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["storage"], "unreachable", "{ready}");

    let listener = app.customer().await;
    let body = app
        .upload(&listener, "song.wav", wav(1000, &[("INAM", "Nowhere")]))
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    let body = app.locker_usage(&listener).await;
    let usage = &data(&body)["viewer"]["locker"]["usage"];
    assert_eq!(usage["itemCount"], 0);
    assert_eq!(usage["usedBytes"], 0);
}
