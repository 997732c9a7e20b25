//! Cover art: the picture embedded in an upload becomes the item's (and its
//! album's) `coverUrl`, a signed URL of a JPEG thumbnail made on first
//! request and read back after; the owner's alone, gone with the item.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::audio::{id3v2, noise_png, wav, with_id3_chunk};
use crate::helpers::*;

const FRONT: u8 = 3;
const OTHER: u8 = 0;

/// A WAV tagged through ID3v2 with `title`, album "Covers", `track` and
/// the pictures given.
fn pictured(title: &str, track: &str, pictures: &[(&str, u8, &[u8])]) -> Vec<u8> {
    let tag = id3v2(
        &[
            ("TIT2", title),
            ("TPE1", "Painters"),
            ("TALB", "Covers"),
            ("TRCK", track),
        ],
        pictures,
    );
    with_id3_chunk(wav(400, &[]), &tag)
}

fn uploaded(body: &Value) -> &Value {
    &data(body)["uploadTrack"]
}

fn cover_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.settings.data_dir.join("blobs/covers"))
}

fn thumbnails(app: &TestApp) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = cover_files(app)
        .into_iter()
        .filter(|path| path.to_string_lossy().ends_with(".jpg"))
        .collect();
    found.sort();
    found
}

async fn cover_url(app: &TestApp, auth: &Auth, id: &Value, size: i32) -> Value {
    app.gql_as(
        auth,
        "query($id: ID!, $size: Int!) { node(id: $id) { ... on LockerItem { coverUrl(size: $size) } } }",
        json!({ "id": id, "size": size }),
    )
    .await
}

/// The size of a JPEG a cover URL answers, and its ETag.
async fn fetch_jpeg(app: &TestApp, path: &str) -> ((u32, u32), String) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["cache-control"], "private, max-age=3600");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let bytes = response.bytes().await.unwrap();
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    ((image.width(), image.height()), etag)
}

#[tokio::test]
async fn an_embedded_picture_is_served_as_thumbnails_made_once() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    // An "other" picture first, the front cover second: the front one wins.
    let (other, front) = (noise_png(50, 50), noise_png(800, 400));
    let file = pictured(
        "Painted",
        "2",
        &[("image/png", OTHER, &other), ("image/png", FRONT, &front)],
    );
    let body = app.upload(&listener, "p.wav", file).await;
    let item = uploaded(&body);
    assert_eq!(item["title"], "Painted", "{body}");
    let id = item["id"].clone();
    let path = item["coverUrl"].as_str().expect("a cover URL").to_owned();
    assert!(path.starts_with("/covers/"), "{path}");
    assert!(path.contains("size=300"), "{path}");
    // The picture is kept as it came, and no thumbnail is made yet.
    let originals = cover_files(&app);
    assert_eq!(originals.len(), 1, "{originals:?}");
    assert_eq!(std::fs::read(&originals[0]).unwrap(), front);
    assert!(thumbnails(&app).is_empty());

    let (size, etag) = fetch_jpeg(&app, &path).await;
    assert_eq!(size, (300, 150), "fits 300 x 300, aspect ratio kept");
    assert_eq!(thumbnails(&app).len(), 1, "the thumbnail is stored");

    // A validator the client holds is answered without a body.
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);

    // The second request reads the stored thumbnail: it is served even once
    // the picture it was made from is unreadable, while a size not made yet
    // cannot be.
    std::fs::write(&originals[0], b"no longer a picture").unwrap();
    let (again, etag_again) = fetch_jpeg(&app, &path).await;
    assert_eq!((again, etag_again), (size, etag));
    let small = data(&cover_url(&app, &listener, &id, 64).await)["node"]["coverUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get(&small).await.status(), 404);
    std::fs::write(&originals[0], &front).unwrap();
    assert_eq!(fetch_jpeg(&app, &small).await.0, (64, 32));
    let large = data(&cover_url(&app, &listener, &id, 600).await)["node"]["coverUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch_jpeg(&app, &large).await.0, (600, 300));
    assert_eq!(thumbnails(&app).len(), 3);

    for size in [0, 65, 299, 1200, -1] {
        let body = cover_url(&app, &listener, &id, size).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{size}: {body}");
    }
}

#[tokio::test]
async fn an_album_shows_the_cover_of_its_first_item_that_has_one() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let bare = app
        .upload(&listener, "a.wav", pictured("Opening", "1", &[]))
        .await;
    assert!(uploaded(&bare)["coverUrl"].is_null(), "{bare}");
    let picture = noise_png(120, 240);
    let second = app
        .upload(
            &listener,
            "b.wav",
            pictured("Second", "2", &[("image/png", FRONT, &picture)]),
        )
        .await;
    let second_id = uploaded(&second)["id"].as_str().unwrap().to_owned();
    let third = noise_png(30, 30);
    app.upload(
        &listener,
        "c.wav",
        pictured("Third", "3", &[("image/png", FRONT, &third)]),
    )
    .await;
    let body = app
        .gql_as(
            &listener,
            "{ viewer { locker { albums { nodes { title coverUrl small: coverUrl(size: 64) items { title coverUrl } } } } } }",
            json!({}),
        )
        .await;
    let album = &data(&body)["viewer"]["locker"]["albums"]["nodes"][0];
    assert_eq!(album["title"], "Covers");
    assert!(album["items"][0]["coverUrl"].is_null());
    let url = album["coverUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/covers/{second_id}?size=300&")),
        "{url}"
    );
    assert_eq!(fetch_jpeg(&app, url).await.0, (120, 240), "not enlarged");
    let small = album["small"].as_str().unwrap();
    assert_eq!(fetch_jpeg(&app, small).await.0, (32, 64));

    let none = app
        .gql_as(
            &listener,
            "{ viewer { locker { albums { nodes { coverUrl(size: 7) } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&none), "BAD_USER_INPUT", "{none}");
}

#[tokio::test]
async fn a_missing_or_unreadable_picture_costs_the_cover_not_the_upload() {
    // Room for a file carrying a picture over the 8 MiB covers may have.
    let app = spawn_app_with(|settings| settings.locker.max_upload_bytes = 16 * 1024 * 1024).await;
    let listener = app.customer().await;
    let mut cut = noise_png(64, 64);
    cut.truncate(cut.len() / 2);
    let oversized: Vec<u8> = {
        // A valid PNG header in front of more than 8 MiB.
        let mut bytes = noise_png(8, 8);
        bytes.resize(8 * 1024 * 1024 + 10, 0);
        bytes
    };
    for (name, pictures) in [
        ("none", vec![]),
        (
            "garbage",
            vec![("image/jpeg", FRONT, &b"this is not a JPEG at all"[..])],
        ),
        ("cut", vec![("image/png", FRONT, &cut[..])]),
        ("empty", vec![("image/png", FRONT, &b""[..])]),
        ("oversized", vec![("image/png", FRONT, &oversized[..])]),
    ] {
        let body = app
            .upload(&listener, "x.wav", pictured(name, "1", &pictures))
            .await;
        let item = uploaded(&body);
        assert_eq!(item["title"], name, "{name}: {body}");
        assert!(item["coverUrl"].is_null(), "{name}: {body}");
    }
    assert!(cover_files(&app).is_empty(), "{:?}", cover_files(&app));
    let body = app
        .gql_as(
            &listener,
            "{ viewer { locker { albums { nodes { coverUrl } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&body)["viewer"]["locker"]["albums"]["nodes"],
        json!([{ "coverUrl": null }])
    );
}

#[tokio::test]
async fn a_cover_is_the_owners_alone_and_goes_with_the_item() {
    let app = spawn_app().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let picture = noise_png(100, 100);
    let body = app
        .upload(
            &owner,
            "mine.wav",
            pictured("Mine", "1", &[("image/png", FRONT, &picture)]),
        )
        .await;
    let id = uploaded(&body)["id"].clone();
    let path = uploaded(&body)["coverUrl"].as_str().unwrap().to_owned();
    assert_eq!(fetch_jpeg(&app, &path).await.0, (100, 100));

    // Their own upload of the same file is theirs: another cover, another blob.
    let theirs = app
        .upload(
            &other,
            "same.wav",
            pictured("Mine", "1", &[("image/png", FRONT, &picture)]),
        )
        .await;
    let their_path = uploaded(&theirs)["coverUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        cover_files(&app).len(),
        2 + 1,
        "two pictures and one thumbnail"
    );

    let query = |path: &str, key: &str| -> String {
        path.split(['?', '&'])
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap()
    };
    let (user, sig) = (query(&path, "u"), query(&path, "sig"));
    let their_user = query(&their_path, "u");
    let mut flipped = sig.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    for forged in [
        path.replace(&sig, &flipped),
        path.replace(&format!("u={user}"), &format!("u={their_user}")),
        path.replace("size=300", "size=600"),
        path.replace("size=300", "size=301"),
        path.replace("exp=", "exp=1"),
        path.split('?').next().unwrap().to_owned(),
        format!("{}?size=300", path.split('?').next().unwrap()),
    ] {
        let response = app.get(&forged).await;
        assert_eq!(response.status(), 404, "{forged}");
        assert_eq!(response.text().await.unwrap(), "not found");
    }
    // Nor does the other user's node show it.
    assert!(data(&cover_url(&app, &other, &id, 300).await)["node"].is_null());

    let deleted = app.delete_locker_item(&owner, &id).await;
    assert_eq!(data(&deleted)["deleteLockerItem"], id);
    assert_eq!(app.get(&path).await.status(), 404);
    assert_eq!(
        cover_files(&app).len(),
        1,
        "only the other user's picture stays"
    );
    assert_eq!(fetch_jpeg(&app, &their_path).await.0, (100, 100));
}
