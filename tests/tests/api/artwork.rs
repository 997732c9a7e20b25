//! Catalogue artwork: fetched by the server from the feed's picture URLs
//! (a background job with a deadline and a size limit, trying a failure
//! again later), kept in blob storage and served from Cadenza's own origin
//! as JPEG thumbnails; the demo catalogue's is drawn, not fetched.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use entities::album;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::*;

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A partner's picture host: `/cover.png` a picture, `/flaky.png` a 500
/// until `healed`, then the picture; `/huge.png` says it is 9 MB;
/// `/notes.txt` is no picture.
async fn picture_host(healed: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let picture = png(800, 800);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let picture = picture.clone();
            let healed = healed.clone();
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).to_string();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, kind, body): (&str, &str, Vec<u8>) = match path.as_str() {
                    "/cover.png" => ("200 OK", "image/png", picture),
                    "/flaky.png" if healed.load(Ordering::SeqCst) => {
                        ("200 OK", "image/png", picture)
                    }
                    "/flaky.png" => ("500 Internal Server Error", "text/plain", b"down".to_vec()),
                    "/notes.txt" => ("200 OK", "text/plain", b"no picture here".to_vec()),
                    "/huge.png" => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 9000000\r\nconnection: close\r\n\r\n";
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(&vec![0; 64 * 1024]).await;
                        return;
                    }
                    _ => ("404 Not Found", "text/plain", b"no".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    address
}

fn feed(host: &str) -> String {
    let mut lines =
        vec![json!({"type": "artist", "id": "ar-art", "name": "Art Fetcher", "genres": ["Jazz"]})];
    for (id, path) in [
        ("al-ok", "/cover.png"),
        ("al-flaky", "/flaky.png"),
        ("al-huge", "/huge.png"),
        ("al-text", "/notes.txt"),
    ] {
        lines.push(
            json!({"type": "album", "id": id, "artist": "ar-art", "title": id, "year": 2020,
            "genre": "Jazz", "coverUrl": format!("{host}{path}")}),
        );
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

async fn cover_urls(app: &TestApp) -> Value {
    let body = app
        .gql(
            "{ albums(first: 10) { nodes { title coverUrl small: coverUrl(size: 64) } } }",
            json!({}),
        )
        .await;
    let mut by_title = serde_json::Map::new();
    for album in data(&body)["albums"]["nodes"].as_array().unwrap() {
        by_title.insert(album["title"].as_str().unwrap().to_owned(), album.clone());
    }
    Value::Object(by_title)
}

async fn wait_for(app: &TestApp, title: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let albums = cover_urls(app).await;
        if albums[title]["coverUrl"].is_string() {
            return albums;
        }
        assert!(
            Instant::now() < deadline,
            "no artwork for {title}: {albums}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn artwork_is_fetched_from_the_feed_kept_and_served_from_our_origin_and_failures_are_retried_later(
) {
    let healed = Arc::new(AtomicBool::new(false));
    let host = picture_host(healed.clone()).await;
    // The picture host is on this machine: allowed here, as a deployment
    // whose partners serve pictures on its own network would.
    let app = spawn_empty_app_with(false, |settings| {
        settings.catalogue_artwork = true;
        settings.artwork_private_hosts = true;
    })
    .await;
    let admin = app.admin().await;
    let body = app.import_feed(&admin, feed(&host)).await;
    assert_eq!(
        data(&body)["importCatalogue"]["rejected"],
        json!([]),
        "{body}"
    );

    let albums = wait_for(&app, "al-ok").await;
    let url = albums["al-ok"]["coverUrl"].as_str().unwrap();
    assert!(
        url.starts_with("/artwork/") && url.contains("size=300"),
        "{url}"
    );
    assert!(albums["al-ok"]["small"]
        .as_str()
        .unwrap()
        .contains("size=64"));

    // Served by Cadenza, as a JPEG thumbnail of the fetched picture.
    let response = app.get(url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let picture = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((picture.width(), picture.height()), (300, 300));
    let again = app
        .client
        .get(format!("{}{url}", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // A size there are no thumbnails of is refused, in GraphQL and over HTTP.
    let bad = app
        .gql(
            "{ albums(first: 1) { nodes { coverUrl(size: 65) } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert_eq!(
        app.get(&url.replace("size=300", "size=65")).await.status(),
        404
    );

    // The failures: a 500, a picture over the size limit, text. None is
    // served, each is tried again later (not at every round).
    let db = app.database().await;
    for title in ["al-flaky", "al-huge", "al-text"] {
        assert_eq!(albums[title]["coverUrl"], Value::Null, "{title}: {albums}");
        let row = album::Entity::find()
            .filter(album::Column::Title.eq(title))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.artwork_key, None, "{title}");
        assert!(row.artwork_attempts >= 1, "{title}: {row:?}");
        let retry_in = row.artwork_retry_at.unwrap() - chrono::Utc::now();
        assert!(
            retry_in > chrono::Duration::seconds(30),
            "{title}: retried after a minute, not at once ({retry_in})"
        );
    }

    // The host recovers; when the retry is due, the picture is fetched.
    healed.store(true, Ordering::SeqCst);
    let flaky = album::Entity::find()
        .filter(album::Column::Title.eq("al-flaky"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut due: album::ActiveModel = flaky.into();
    due.artwork_retry_at = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    due.update(&db).await.unwrap();
    let albums = wait_for(&app, "al-flaky").await;
    let response = app
        .get(albums["al-flaky"]["coverUrl"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 200);
    let row = album::Entity::find()
        .filter(album::Column::Title.eq("al-flaky"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.artwork_attempts, 0);
}

#[tokio::test]
async fn a_feed_cannot_point_the_fetcher_at_the_servers_own_network() {
    // A host on this machine that notes any connection at all.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = Arc::new(AtomicBool::new(false));
    let noted = reached.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            noted.store(true, Ordering::SeqCst);
        }
    });
    let app = spawn_empty_app_with(false, |settings| settings.catalogue_artwork = true).await;
    let admin = app.admin().await;
    let mut lines =
        vec![json!({"type": "artist", "id": "ar-art", "name": "Art Fetcher", "genres": ["Jazz"]})];
    let urls = [
        ("al-literal", format!("http://127.0.0.1:{port}/cover.png")),
        ("al-name", format!("http://localhost:{port}/cover.png")),
        (
            "al-mapped",
            format!("http://[::ffff:127.0.0.1]:{port}/cover.png"),
        ),
        (
            "al-metadata",
            "http://169.254.169.254/latest/meta-data".to_owned(),
        ),
    ];
    for (id, url) in &urls {
        lines.push(
            json!({"type": "album", "id": id, "artist": "ar-art", "title": id,
            "year": 2020, "genre": "Jazz", "coverUrl": url}),
        );
    }
    let feed: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let body = app.import_feed(&admin, feed).await;
    assert_eq!(
        data(&body)["importCatalogue"]["rejected"],
        json!([]),
        "{body}"
    );

    // Each is tried, refused and put off; none is connected to.
    let db = app.database().await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let rows = album::Entity::find().all(&db).await.unwrap();
        if rows.len() == urls.len() && rows.iter().all(|row| row.artwork_attempts >= 1) {
            assert!(rows.iter().all(|row| row.artwork_key.is_none()), "{rows:?}");
            break;
        }
        assert!(Instant::now() < deadline, "not all tried: {rows:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        !reached.load(Ordering::SeqCst),
        "the fetcher connected to 127.0.0.1"
    );
    let albums = cover_urls(&app).await;
    for (id, _) in &urls {
        assert_eq!(albums[*id]["coverUrl"], Value::Null, "{id}: {albums}");
    }
}

#[tokio::test]
async fn the_demo_catalogue_ships_drawn_artwork_distinct_per_album_without_the_network() {
    let app = spawn_empty_app_with(true, |settings| settings.catalogue_artwork = true).await;
    // Two curated albums: drawn from their titles (their URLs are on a
    // reserved host that never resolves).
    let mut pictures = Vec::new();
    for title in ["Confessions", "Dangerously in Love"] {
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = loop {
            let body = app
                .gql(
                    "query($q: String!) { search(query: $q, scope: CATALOGUE, first: 5) { edges { node { item { ... on Album { title coverUrl } } } } } }",
                    json!({ "q": title }),
                )
                .await;
            let found = data(&body)["search"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|edge| edge["node"]["item"]["title"] == title)
                .map(|edge| edge["node"]["item"]["coverUrl"].clone());
            if let Some(Value::String(url)) = found {
                break url;
            }
            assert!(Instant::now() < deadline, "no drawn artwork for {title}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let response = app.get(&url.replace("size=300", "size=600")).await;
        assert_eq!(response.status(), 200, "{url}");
        let bytes = response.bytes().await.unwrap();
        let picture = image::load_from_memory(&bytes).unwrap();
        assert_eq!((picture.width(), picture.height()), (600, 600));
        pictures.push(bytes);
    }
    assert_ne!(pictures[0], pictures[1], "each album has its own artwork");
}
