use std::fmt::Write;

use cadenza_api::auth::Role;
use serde_json::{json, Value};

use crate::helpers::*;

const EXAMPLE: &str = r#"{"type":"artist","id":"ar-usher-2","name":"Usher Raymond","genres":["R&B"]}
{"type":"album","id":"al-confessions-2","artist":"ar-usher-2","title":"Confessions (Special Edition)","year":2004,"genre":"R&B","coverUrl":"https://example.com/c.jpg"}
{"type":"track","id":"tr-yeah-2","album":"al-confessions-2","title":"Yeah! (feat. Lil Jon)","trackNumber":1,"discNumber":1,"durationMs":250000,"isrc":"US-AR1-04-00001"}
{"type":"product","sku":"CONF2-ALB-MP3","kind":"ALBUM","ref":"al-confessions-2","priceMinor":999,"currency":"USD","audioFormat":"MP3 320"}
{"type":"product","sku":"YEAH2-TRK-MP3","kind":"TRACK","ref":"tr-yeah-2","priceMinor":129,"currency":"EUR","audioFormat":"MP3 320"}
"#;

fn report(body: &Value) -> &Value {
    &data(body)["importCatalogue"]
}

async fn album_by_title(app: &TestApp, title: &str) -> Value {
    let body = app.albums(Some(100), Some("R&B")).await;
    let Some(album) = data(&body)["albums"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|album| album["title"] == title)
        .cloned()
    else {
        return Value::Null;
    };
    let body = app.album_page(&album["id"]).await;
    data(&body)["album"].clone()
}

#[tokio::test]
async fn the_feed_example_imports_and_reimporting_updates_without_duplicates() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app.import_feed(&admin, EXAMPLE).await;
    assert_eq!(
        *report(&body),
        json!({ "artistsUpserted": 1, "albumsUpserted": 1, "tracksUpserted": 1, "productsUpserted": 2, "rejected": [] })
    );
    let album = album_by_title(&app, "Confessions (Special Edition)").await;
    assert_eq!(album["artist"]["name"], "Usher Raymond");
    assert_eq!(album["artist"]["genres"], json!(["R&B"]));
    // The feed's picture is fetched by the artwork job (off in tests, see
    // artwork.rs) and served from Cadenza: its URL elsewhere is never handed out.
    assert_eq!(album["coverUrl"], Value::Null);
    assert_eq!(album["product"]["price"]["formatted"], "$9.99");
    let track = &album["tracks"][0];
    assert_eq!(
        track["isrc"], "USAR10400001",
        "ISRCs are stored without hyphens"
    );
    assert_eq!(track["product"]["price"]["formatted"], "€1.29");

    // The same feed again, with a changed price and title: updated in place.
    let changed = EXAMPLE
        .replace("\"priceMinor\":999", "\"priceMinor\":1099")
        .replace("Confessions (Special Edition)", "Confessions (Expanded)");
    let before = app.catalogue_counts().await;
    data(&app.import_feed(&admin, changed).await);
    let after = app.catalogue_counts().await;
    assert_eq!(before, after, "nothing was duplicated");
    assert!(album_by_title(&app, "Confessions (Special Edition)")
        .await
        .is_null());
    let album = album_by_title(&app, "Confessions (Expanded)").await;
    assert_eq!(album["product"]["price"]["amountMinor"], 1099);
}

#[tokio::test]
async fn bad_lines_are_rejected_with_their_number_and_the_rest_imports() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let feed = [
        r#"{"type":"artist","id":"ar-ok","name":"Good Artist","genres":["Folk"]}"#, // 1
        r#"this is not json"#,                                                      // 2
        r#"{"type":"label","id":"x"}"#,                                             // 3
        r#"{"type":"artist","name":"No Id"}"#,                                      // 4
        r#"{"type":"album","id":"al-x","artist":"ar-unknown","title":"Orphan"}"#,   // 5
        r#"{"type":"album","id":"al-ok","artist":"ar-ok","title":"Good Album","year":"1999"}"#, // 6
        r#"{"type":"album","id":"al-ok","artist":"ar-ok","title":"Good Album","year":1999,"genre":"Folk"}"#, // 7
        r#"{"type":"track","id":"tr-ok","album":"al-ok","title":"Good Song"}"#, // 8
        r#"{"type":"track","id":"tr-ok","album":"al-ok","title":"Good Song","durationMs":-5}"#, // 9
        r#"{"type":"track","id":"tr-ok","album":"al-ok","title":"Good Song","durationMs":200000,"isrc":"nope"}"#, // 10
        r#"{"type":"track","id":"tr-ok","album":"al-ok","title":"Good Song","durationMs":200000}"#, // 11
        r#"{"type":"product","sku":"P1","kind":"SINGLE","ref":"tr-ok","priceMinor":99,"currency":"USD"}"#, // 12
        r#"{"type":"product","sku":"P1","kind":"TRACK","ref":"tr-ok","priceMinor":-1,"currency":"USD"}"#, // 13
        r#"{"type":"product","sku":"P1","kind":"TRACK","ref":"tr-ok","priceMinor":99,"currency":"DOLLARS"}"#, // 14
        r#"{"type":"product","sku":"P1","kind":"ALBUM","ref":"tr-ok","priceMinor":99,"currency":"USD"}"#, // 15
        r#"{"type":"product","sku":"P1","kind":"TRACK","ref":"tr-ok","priceMinor":99,"currency":"USD"}"#, // 16
        r#"[1,2,3]"#,                                                // 17
        "",                                                          // 18: blank, skipped
        r#"{"type":"artist","id":"ar-ok-2","name":"","genres":[]}"#, // 19
        r#"{"type":"artist","id":"ar-ok-3","name":"Genres Wrong","genres":"Folk"}"#, // 20
        r#"{"type":"album","id":"al-ok-2","artist":"ar-ok","title":"Bad Cover","coverUrl":"javascript:alert(1)"}"#, // 21
    ]
    .join("\n");
    let body = app.import_feed(&admin, feed).await;
    let report = report(&body);
    assert_eq!(report["artistsUpserted"], 1);
    assert_eq!(report["albumsUpserted"], 1);
    assert_eq!(report["tracksUpserted"], 1);
    assert_eq!(report["productsUpserted"], 1);
    let rejected: Vec<(i64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let lines: Vec<i64> = rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(
        lines,
        vec![2, 3, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15, 17, 19, 20, 21],
        "{rejected:#?}"
    );
    let message = |line: i64| rejected.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    assert!(message(2).contains("not valid JSON"), "{}", message(2));
    assert!(message(3).contains("unknown type `label`"));
    assert!(message(4).contains("`id`"));
    assert!(message(5).contains("unknown artist `ar-unknown`"));
    assert!(
        message(6).contains("`year` must be a whole number"),
        "{}",
        message(6)
    );
    assert!(message(8).contains("`durationMs`"));
    assert!(message(10).contains("ISRC"));
    assert!(message(12).contains("TRACK or ALBUM"));
    assert!(message(13).contains("`priceMinor`"));
    assert!(message(14).contains("ISO 4217"));
    assert!(message(15).contains("unknown album `tr-ok`"));
    assert!(message(21).contains("`coverUrl`"));

    // The tracks are compared whole, so the document is the test's own.
    let album = app
        .gql("{ albums(first: 40, genre: \"Folk\") { nodes { title tracks { title product { sku } } } } }", json!({}))
        .await;
    let good = data(&album)["albums"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Good Album")
        .cloned()
        .unwrap();
    assert_eq!(
        good["tracks"],
        json!([{ "title": "Good Song", "product": { "sku": "P1" } }])
    );
}

#[tokio::test]
async fn only_admins_and_catalogue_writers_import() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let partner = app.user_with_role(Role::Partner).await;
    let feed = r#"{"type":"artist","id":"ar-sneaky","name":"Sneaky"}"#;
    for (auth, code) in [
        (Auth::Anonymous, "UNAUTHENTICATED"),
        (customer, "FORBIDDEN"),
        (partner, "FORBIDDEN"),
        (Auth::ApiKey("cdz_not-a-real-key".into()), "UNAUTHENTICATED"),
    ] {
        let body = app.import_feed(&auth, feed).await;
        assert_eq!(error_code(&body), code, "{auth:?}");
    }
    let db_check = app.artists(Some(100), None, None).await;
    assert!(
        !db_check.to_string().contains("Sneaky"),
        "nothing was imported"
    );
}

#[tokio::test]
async fn a_large_feed_imports_in_one_call() {
    let app = spawn_empty_app(false).await;
    let admin = app.admin().await;
    // 100 artists, 1,000 albums, 10,000 tracks and 11,000 products: 22,100 lines.
    let mut feed = String::new();
    for a in 0..100 {
        writeln!(
            feed,
            r#"{{"type":"artist","id":"ar{a}","name":"Artist {a}","genres":["G{}"]}}"#,
            a % 10
        )
        .unwrap();
        for b in 0..10 {
            writeln!(feed, r#"{{"type":"album","id":"al{a}-{b}","artist":"ar{a}","title":"Album {a}-{b}","year":2000}}"#).unwrap();
            writeln!(feed, r#"{{"type":"product","sku":"al{a}-{b}","kind":"ALBUM","ref":"al{a}-{b}","priceMinor":999,"currency":"USD"}}"#).unwrap();
            for t in 0..10 {
                writeln!(feed, r#"{{"type":"track","id":"tr{a}-{b}-{t}","album":"al{a}-{b}","title":"Song {t}","durationMs":180000,"trackNumber":{}}}"#, t + 1).unwrap();
                writeln!(feed, r#"{{"type":"product","sku":"tr{a}-{b}-{t}","kind":"TRACK","ref":"tr{a}-{b}-{t}","priceMinor":99,"currency":"USD"}}"#).unwrap();
            }
        }
    }
    let body = app.import_feed(&admin, feed).await;
    assert_eq!(
        *report(&body),
        json!({ "artistsUpserted": 100, "albumsUpserted": 1000, "tracksUpserted": 10000, "productsUpserted": 11000, "rejected": [] })
    );
    let counts = app.catalogue_counts().await;
    assert_eq!(
        *data(&counts),
        json!({ "artists": { "totalCount": 100 }, "albums": { "totalCount": 1000 }, "products": { "totalCount": 11000 } })
    );
}

#[tokio::test]
async fn a_sku_longer_than_the_store_keeps_is_one_rejected_line() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let long_sku = "S".repeat(101);
    let feed = format!(
        "{{\"type\":\"product\",\"sku\":\"{long_sku}\",\"kind\":\"ALBUM\",\"ref\":\"demo-al-usher-1\",\"priceMinor\":100,\"currency\":\"USD\"}}\n{{\"type\":\"artist\",\"id\":\"ar-next\",\"name\":\"Next\"}}\n"
    );
    let body = app.import_feed(&admin, feed).await;
    let report = report(&body);
    assert_eq!(report["artistsUpserted"], 1);
    assert_eq!(report["rejected"][0]["line"], 1);
    assert!(report["rejected"][0]["message"]
        .as_str()
        .unwrap()
        .contains("`sku`"));
}

#[tokio::test]
async fn an_overlong_line_is_rejected_without_sinking_the_feed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let long_name = "x".repeat(70 * 1024);
    let feed = format!(
        "{{\"type\":\"artist\",\"id\":\"ar-long\",\"name\":\"{long_name}\"}}\n{{\"type\":\"artist\",\"id\":\"ar-after\",\"name\":\"After\"}}\n\u{0}\u{ff}\n"
    );
    let mut bytes = feed.into_bytes();
    // Line 3: invalid UTF-8.
    let len = bytes.len();
    bytes[len - 2] = 0xff;
    let body = app.import_feed(&admin, bytes).await;
    let report = report(&body);
    assert_eq!(report["artistsUpserted"], 1);
    assert_eq!(report["rejected"][0]["line"], 1);
    assert!(report["rejected"][0]["message"]
        .as_str()
        .unwrap()
        .contains("longer than"));
    assert_eq!(report["rejected"][1]["line"], 3);
    assert!(report["rejected"][1]["message"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
}
