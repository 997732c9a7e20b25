use serde_json::{json, Value};

use crate::audio::{aiff, wav};
use crate::helpers::*;

fn item(body: &Value) -> &Value {
    &data(body)["uploadTrack"]
}

const TAGS: &[(&str, &str)] = &[
    ("INAM", "Harbour Lights"),
    ("IART", "The Test Tones"),
    ("IPRD", "Sine Waves"),
    ("IGNR", "Ambient"),
    ("ICRD", "2019"),
    ("ITRK", "3"),
];

async fn usage(app: &TestApp, auth: &Auth) -> Value {
    let body = app.locker_usage(auth).await;
    data(&body)["viewer"]["locker"]["usage"].clone()
}

#[tokio::test]
async fn an_upload_is_stored_unchanged_and_its_tags_read() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let bytes = wav(1500, TAGS);
    let body = app
        .upload(&listener, "ignored-name.wav", bytes.clone())
        .await;
    let item = item(&body);
    assert_eq!(item["title"], "Harbour Lights");
    assert_eq!(item["artist"], "The Test Tones");
    assert_eq!(item["album"], "Sine Waves");
    assert_eq!(item["genre"], "Ambient");
    assert_eq!(item["year"], 2019);
    assert_eq!(item["trackNumber"], 3);
    assert_eq!(item["format"], "WAV");
    assert_eq!(item["mimeType"], "audio/wav");
    assert_eq!(item["sampleRateHz"], 8000);
    assert_eq!(item["channels"], 1);
    assert_eq!(item["source"], "UPLOAD");
    let duration = item["durationMs"].as_i64().unwrap();
    assert!((1470..=1530).contains(&duration), "duration {duration}");
    assert_eq!(item["sizeBytes"].as_u64().unwrap() as usize, bytes.len());
    assert_eq!(item["contentHash"], sha256_hex(&bytes));

    let usage = usage(&app, &listener).await;
    assert_eq!(usage["itemCount"], 1);
    assert_eq!(usage["usedBytes"].as_u64().unwrap() as usize, bytes.len());

    // The stream gives back exactly the uploaded bytes.
    let url = format!("{}{}", app.address, item["streamUrl"].as_str().unwrap());
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn an_untagged_file_is_named_after_its_file_and_the_format_comes_from_the_content() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let body = app
        .upload(&listener, "some/dir/My First Song.mp3", aiff(800))
        .await;
    let item = item(&body);
    assert_eq!(item["title"], "My First Song");
    assert_eq!(item["artist"], "Unknown Artist");
    assert_eq!(item["album"], "Unknown Album");
    assert_eq!(
        item["format"], "AIFF",
        "the .mp3 name does not decide the format"
    );
    assert_eq!(item["mimeType"], "audio/aiff");
    let duration = item["durationMs"].as_i64().unwrap();
    assert!((784..=816).contains(&duration), "duration {duration}");
}

#[tokio::test]
async fn the_same_bytes_twice_give_the_same_item_but_never_across_users() {
    let app = spawn_app().await;
    let first = app.customer().await;
    let second = app.customer().await;
    let bytes = wav(500, TAGS);
    let a = app.upload(&first, "a.wav", bytes.clone()).await;
    let again = app.upload(&first, "renamed.wav", bytes.clone()).await;
    assert_eq!(item(&a)["id"], item(&again)["id"]);
    assert_eq!(usage(&app, &first).await["itemCount"], 1);
    assert_eq!(app.stored_blobs().len(), 1);

    let theirs = app.upload(&second, "a.wav", bytes).await;
    assert_ne!(
        item(&theirs)["id"],
        item(&a)["id"],
        "no deduplication across users"
    );
    assert_eq!(app.stored_blobs().len(), 2);
}

#[tokio::test]
async fn what_is_not_audio_is_refused_and_nothing_is_left_behind() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let mut random_riff = b"RIFF\x24\x00\x00\x00WAVE".to_vec();
    random_riff.extend((0..2000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let whole = wav(1000, &[]);
    let truncated_header = whole[..30].to_vec();
    let mut flac_magic = b"fLaC".to_vec();
    flac_magic.extend(std::iter::repeat_n(7u8, 300));
    for (name, bytes) in [
        ("empty.mp3", Vec::new()),
        ("notes.txt", b"These are my lyrics, not a song.".to_vec()),
        ("noise.wav", random_riff),
        ("cut.wav", truncated_header),
        ("fake.flac", flac_magic),
        ("silence.wav", wav(0, &[])),
    ] {
        let body = app.upload(&listener, name, bytes).await;
        assert_eq!(
            error_code(&body),
            "UNSUPPORTED_MEDIA_TYPE",
            "{name}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains("Error"),
            "{name}: {message}"
        );
    }
    assert_eq!(usage(&app, &listener).await["itemCount"], 0);
    assert_eq!(usage(&app, &listener).await["usedBytes"], 0);
    assert!(app.stored_blobs().is_empty(), "{:?}", app.stored_blobs());
}

#[tokio::test]
async fn uploads_past_the_quota_or_the_size_limit_are_refused() {
    let app = spawn_app_with(|settings| {
        settings.locker.quota_bytes = 40_000;
        settings.locker.max_upload_bytes = 100_000;
    })
    .await;
    let listener = app.customer().await;
    let small = wav(1000, &[]); // 16 kB
    data(&app.upload(&listener, "one.wav", small).await);
    let another = wav(1200, &[]); // 19 kB
    data(&app.upload(&listener, "two.wav", another).await);
    let third = wav(600, &[]); // 9.6 kB: over 40,000
    let body = app.upload(&listener, "three.wav", third).await;
    assert_eq!(error_code(&body), "QUOTA_EXCEEDED");
    assert_eq!(usage(&app, &listener).await["itemCount"], 2);
    assert_eq!(app.stored_blobs().len(), 2);

    let someone_else = app.customer().await;
    let huge = wav(8000, &[]); // 128 kB, past the 100 kB upload limit
    let body = app.upload(&someone_else, "huge.wav", huge).await;
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
    assert_eq!(usage(&app, &someone_else).await["itemCount"], 0);
    assert_eq!(app.stored_blobs().len(), 2);
}

#[tokio::test]
async fn streams_answer_ranges_as_players_send_them() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let bytes = wav(2000, TAGS);
    let body = app.upload(&listener, "range.wav", bytes.clone()).await;
    let url = format!(
        "{}{}",
        app.address,
        item(&body)["streamUrl"].as_str().unwrap()
    );
    let etag = format!("\"{}\"", item(&body)["contentHash"].as_str().unwrap());
    let len = bytes.len();
    for (range, start, end) in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len - 1),
        ("bytes=-500", len - 500, len - 1),
        ("bytes=1000-999999", 1000, len - 1),
    ] {
        let response = app
            .client
            .get(&url)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {start}-{end}/{len}")
        );
        assert_eq!(
            response.headers()["content-length"],
            (end - start + 1).to_string()
        );
        assert_eq!(
            response.bytes().await.unwrap().to_vec(),
            bytes[start..=end].to_vec(),
            "{range}"
        );
    }
    let response = app
        .client
        .get(&url)
        .header("range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 416);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes */{len}")
    );

    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], len.to_string());
    assert_eq!(head.headers()["etag"], etag.as_str());

    let cached = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    let current = app
        .client
        .get(&url)
        .header("if-range", &etag)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), 206);
    let stale = app
        .client
        .get(&url)
        .header("if-range", "\"something-else\"")
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200, "a stale If-Range gets the whole file");
    assert_eq!(stale.bytes().await.unwrap().len(), len);

    // With a bearer token instead of a signature.
    let item_id = item(&body)["id"].as_str().unwrap();
    let Auth::Bearer(token) = &listener else {
        unreachable!()
    };
    let response = app
        .client
        .get(format!("{}/stream/{item_id}", app.address))
        .bearer_auth(token)
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(response.bytes().await.unwrap().to_vec(), b"RIFF".to_vec());
}

#[tokio::test]
async fn nobody_else_reaches_a_locker() {
    let app = spawn_app().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let body = app.upload(&owner, "mine.wav", wav(700, TAGS)).await;
    let id = item(&body)["id"].clone();
    let stream_url = item(&body)["streamUrl"].as_str().unwrap().to_owned();

    for auth in [&other, &Auth::Anonymous] {
        let node = app.node(auth, &id).await;
        assert!(data(&node)["node"].is_null());
        let update = app
            .update_locker_item(auth, &id, json!({ "title": "Stolen" }))
            .await;
        let delete = app.delete_locker_item(auth, &id).await;
        let expected = if matches!(auth, Auth::Anonymous) {
            "UNAUTHENTICATED"
        } else {
            "NOT_FOUND"
        };
        assert_eq!(error_code(&update), expected);
        assert_eq!(error_code(&delete), expected);
        let upload = app.upload(auth, "x.wav", wav(300, &[])).await;
        if matches!(auth, Auth::Anonymous) {
            assert_eq!(error_code(&upload), "UNAUTHENTICATED");
        }
    }
    // Every view of their locker, in one document.
    let theirs = app
        .gql_as(&other, "{ viewer { locker { items { totalCount } artists { totalCount } albums { totalCount } } } }", json!({}))
        .await;
    assert_eq!(
        data(&theirs)["viewer"]["locker"]["items"]["totalCount"],
        1,
        "only their own upload"
    );

    // Someone else's bearer token, a tampered signature, a swapped owner.
    let item_id = id.as_str().unwrap();
    let Auth::Bearer(token) = &other else {
        unreachable!()
    };
    let response = app
        .client
        .get(format!("{}/stream/{item_id}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let tampered = stream_url.replace("sig=", "sig=00");
    let swapped = {
        let (before, after) = stream_url.split_once("u=").unwrap();
        let (owner, rest) = after.split_once('&').unwrap();
        let someone_else: i64 = owner.parse::<i64>().unwrap() + 1;
        format!("{before}u={someone_else}&{rest}")
    };
    let expired = {
        let (before, after) = stream_url.split_once("exp=").unwrap();
        let rest = after.split_once('&').unwrap().1;
        format!("{before}exp=1000&{rest}")
    };
    for url in [tampered, swapped, expired, format!("/stream/{item_id}")] {
        let response = app
            .client
            .get(format!("{}{url}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{url}");
    }
    // The owner's item is untouched.
    let mine = app.locker_item(&owner, &id).await;
    assert_eq!(data(&mine)["item"]["title"], "Harbour Lights");
}

#[tokio::test]
async fn editing_changes_metadata_never_the_bytes_and_deleting_removes_everything() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let bytes = wav(900, TAGS);
    let body = app.upload(&listener, "edit.wav", bytes.clone()).await;
    let id = item(&body)["id"].clone();
    let hash = item(&body)["contentHash"].clone();
    let edited = app
        .update_locker_item(
            &listener,
            &id,
            json!({ "title": "Renamed", "genre": "", "trackNumber": 7, "excludeFromTasteProfile": true }),
        )
        .await;
    let edited = &data(&edited)["updateLockerItem"];
    assert_eq!(edited["title"], "Renamed");
    assert!(edited["genre"].is_null());
    assert_eq!(edited["trackNumber"], 7);
    assert_eq!(edited["excludedFromTasteProfile"], true);
    assert_eq!(edited["contentHash"], hash);
    let url = format!("{}{}", app.address, edited["streamUrl"].as_str().unwrap());
    assert_eq!(
        app.client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        bytes
    );

    for input in [
        json!({ "title": "  " }),
        json!({ "trackNumber": -1 }),
        json!({ "year": 99999 }),
    ] {
        let body = app.update_locker_item(&listener, &id, input.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}");
    }

    let deleted = app.delete_locker_item(&listener, &id).await;
    assert_eq!(data(&deleted)["deleteLockerItem"], id);
    assert!(app.stored_blobs().is_empty());
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(usage(&app, &listener).await["itemCount"], 0);
    let again = app.delete_locker_item(&listener, &id).await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn the_locker_browses_by_artist_and_album() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let tracks = [
        ("Blue", "Joni", "Court", "2"),
        ("Carey", "Joni", "Court", "1"),
        ("River", "Joni", "Blue", "1"),
        ("Alone", "Aphex", "Drukqs", "4"),
    ];
    for (index, (title, artist, album, number)) in tracks.iter().enumerate() {
        let tags = [
            ("INAM", *title),
            ("IART", *artist),
            ("IPRD", *album),
            ("ITRK", *number),
            ("IGNR", "Folk"),
        ];
        data(
            &app.upload(&listener, "t.wav", wav(300 + index as u32 * 10, &tags))
                .await,
        );
    }
    let body = app
        .gql_as(
            &listener,
            "{ viewer { locker {
                artists { totalCount nodes { name albumCount trackCount } }
                albums(artist: \"joni\") { totalCount nodes { title artist trackCount items { title trackNumber } } }
                byTitle: items(sort: TITLE) { nodes { title } }
                byArtist: items(sort: ARTIST_ALBUM) { nodes { title } }
                court: items(filter: { album: \"court\" }) { totalCount }
                uploads: items(filter: { source: UPLOAD, genre: \"FOLK\" }) { totalCount }
                purchases: items(filter: { source: PURCHASE }) { totalCount } } } }",
            json!({}),
        )
        .await;
    let locker = &data(&body)["viewer"]["locker"];
    assert_eq!(
        locker["artists"]["nodes"],
        json!([{ "name": "Aphex", "albumCount": 1, "trackCount": 1 }, { "name": "Joni", "albumCount": 2, "trackCount": 3 }])
    );
    assert_eq!(locker["albums"]["totalCount"], 2);
    assert_eq!(locker["albums"]["nodes"][1]["title"], "Court");
    assert_eq!(
        locker["albums"]["nodes"][1]["items"],
        json!([{ "title": "Carey", "trackNumber": 1 }, { "title": "Blue", "trackNumber": 2 }])
    );
    let titles = |key: &str| -> Vec<String> {
        locker[key]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles("byTitle"), ["Alone", "Blue", "Carey", "River"]);
    assert_eq!(titles("byArtist"), ["Alone", "River", "Carey", "Blue"]);
    assert_eq!(locker["court"]["totalCount"], 2);
    assert_eq!(locker["uploads"]["totalCount"], 4);
    assert_eq!(locker["purchases"]["totalCount"], 0);
}

#[tokio::test]
async fn every_required_format_uploads_and_streams_back_unchanged() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audio");
    for (file, format, mime) in [
        ("mp3", "MP3", "audio/mpeg"),
        ("flac", "FLAC", "audio/flac"),
        ("ogg", "OGG", "audio/ogg"),
        ("opus", "OPUS", "audio/ogg"),
        ("aac.m4a", "M4A", "audio/mp4"),
        ("alac.m4a", "M4A", "audio/mp4"),
        ("wav", "WAV", "audio/wav"),
        ("aiff", "AIFF", "audio/aiff"),
    ] {
        for variant in ["tagged", "plain"] {
            let name = format!("{variant}.{file}");
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            // A misleading name: the content decides.
            let body = app
                .upload(&listener, &format!("{variant} {file}.txt"), bytes.clone())
                .await;
            let item = item(&body);
            assert_eq!(item["format"], format, "{name}");
            assert_eq!(item["mimeType"], mime, "{name}");
            if variant == "tagged" {
                assert_eq!(item["title"], "Fixture Song", "{name}");
                assert_eq!(item["artist"], "Fixture Band", "{name}");
                assert_eq!(item["album"], "Fixture Album", "{name}");
                assert_eq!(item["trackNumber"], 4, "{name}");
                assert_eq!(item["year"], 2021, "{name}");
            } else {
                assert_eq!(item["title"], format!("{variant} {file}"), "{name}");
                assert_eq!(item["artist"], "Unknown Artist", "{name}");
            }
            assert!(item["sampleRateHz"].as_i64().unwrap() > 0, "{name}");
            let url = format!("{}{}", app.address, item["streamUrl"].as_str().unwrap());
            let streamed = app
                .client
                .get(&url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(streamed.to_vec() == bytes, "{name} came back changed");
        }
    }
    for broken in ["broken.truncated.flac", "broken.header-only.wav"] {
        let bytes = std::fs::read(dir.join(broken)).unwrap();
        let body = app.upload(&listener, broken, bytes).await;
        assert_eq!(error_code(&body), "UNSUPPORTED_MEDIA_TYPE", "{broken}");
    }
}

#[tokio::test]
async fn files_with_damaged_tags_upload_with_the_tags_that_can_be_read() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audio/tolerated");
    // The picture's own length overstates its data; the year frame has an
    // unknown text encoding; a second artist frame follows the first.
    for (name, format, year) in [
        ("tagged.bad-picture.flac", "FLAC", json!(2021)),
        ("tagged.bad-year.mp3", "MP3", Value::Null),
        ("tagged.two-artists.mp3", "MP3", json!(2021)),
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let body = app.upload(&listener, name, bytes.clone()).await;
        let item = item(&body);
        assert_eq!(item["format"], format, "{name}");
        assert_eq!(item["title"], "Fixture Song", "{name}");
        assert_eq!(item["artist"], "Fixture Band", "{name}");
        assert_eq!(item["album"], "Fixture Album", "{name}");
        assert_eq!(item["trackNumber"], 4, "{name}");
        assert_eq!(item["year"], year, "{name}");
        assert!(item["durationMs"].as_i64().unwrap() >= 1500, "{name}");
        let url = format!("{}{}", app.address, item["streamUrl"].as_str().unwrap());
        let streamed = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(streamed.to_vec() == bytes, "{name} came back changed");
    }
    assert_eq!(usage(&app, &listener).await["itemCount"], 3);
}

#[tokio::test]
async fn catalogue_writers_attach_master_audio_through_the_same_pipeline() {
    let app = spawn_app().await;
    let body = app
        .products(Some(1), json!({ "kind": "TRACK" }), None)
        .await;
    let track = data(&body)["products"]["nodes"][0]["track"].clone();
    assert_eq!(track["hasMasterAudio"], false);
    let track_id = track["id"].clone();
    let admin = app.admin().await;
    let customer = app.customer().await;
    let master = wav(400, &[]);

    assert_eq!(
        error_code(
            &app.attach_master(&Auth::Anonymous, &track_id, master.clone())
                .await
        ),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(
            &app.attach_master(&customer, &track_id, master.clone())
                .await
        ),
        "FORBIDDEN"
    );
    let not_audio = app
        .attach_master(&admin, &track_id, b"just text".to_vec())
        .await;
    assert_eq!(error_code(&not_audio), "UNSUPPORTED_MEDIA_TYPE");
    let nowhere = app
        .attach_master(&admin, &json!(base64_track(999_999)), master.clone())
        .await;
    assert_eq!(error_code(&nowhere), "NOT_FOUND");
    assert!(app.stored_blobs().is_empty(), "refusals store nothing");

    let attached = app.attach_master(&admin, &track_id, master).await;
    assert_eq!(data(&attached)["attachTrackAudio"]["hasMasterAudio"], true);
    // Anonymous callers see it at once, cached responses notwithstanding.
    let again = app
        .products(Some(1), json!({ "kind": "TRACK" }), None)
        .await;
    assert_eq!(
        data(&again)["products"]["nodes"][0]["track"]["hasMasterAudio"],
        true
    );
    assert_eq!(app.stored_blobs().len(), 1);

    // A partner's key with CATALOGUE_WRITE may replace it; the old one goes.
    let key = app
        .create_api_key(&admin, "label", &["CATALOGUE_WRITE"])
        .await;
    let secret = data(&key)["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let replaced = app
        .attach_master(&Auth::ApiKey(secret), &track_id, wav(500, &[]))
        .await;
    assert_eq!(data(&replaced)["attachTrackAudio"]["hasMasterAudio"], true);
    assert_eq!(app.stored_blobs().len(), 1);
}

fn base64_track(id: i32) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Track:{id}"))
}

#[tokio::test]
async fn concurrent_uploads_all_land() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let uploads = (0..12u32).map(|i| {
        let app = &app;
        let listener = &listener;
        async move {
            let title = format!("Parallel {i}");
            app.upload(listener, "p.wav", wav(300 + i, &[("INAM", title.as_str())]))
                .await
        }
    });
    let results = futures_util::future::join_all(uploads).await;
    for body in &results {
        data(body);
    }
    assert_eq!(usage(&app, &listener).await["itemCount"], 12);
}

#[tokio::test]
async fn uploads_are_matched_to_the_catalogue_by_artist_and_title_as_people_write_them() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let track_named = |artist: &'static str, title: &'static str| {
        let app = &app;
        async move {
            let body = app.artists(Some(100), None, None).await;
            let artists = data(&body)["artists"]["nodes"].as_array().unwrap().clone();
            let id = artists.iter().find(|a| a["name"] == artist).unwrap()["id"].clone();
            let body = app.artist_page(&id).await;
            let album = data(&body)["artist"]["albums"]["nodes"][0].clone();
            let track = album["tracks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["title"] == title)
                .unwrap()
                .clone();
            (track, album)
        }
    };
    let (yeah, confessions) = track_named("Usher", "Yeah!").await;
    let duration = yeah["durationMs"].as_u64().unwrap() as u32;
    let tags = [
        ("INAM", "YEAH (feat. Lil Jon & Ludacris)"),
        ("IART", "usher"),
    ];
    let body = app
        .upload(
            &listener,
            "yeah.wav",
            crate::audio::wav_at(1000, duration + 1500, &tags),
        )
        .await;
    let matched = item(&body);
    assert_eq!(matched["catalogueTrack"]["id"], yeah["id"], "{matched}");
    let skus: Vec<&str> = matched["buyOptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        skus,
        [
            yeah["product"]["sku"].as_str().unwrap(),
            confessions["product"]["sku"].as_str().unwrap()
        ]
    );

    let (crazy, _) = track_named("Beyoncé", "Crazy in Love").await;
    let duration = crazy["durationMs"].as_u64().unwrap() as u32;
    let tags = [("INAM", "Crazy In Love"), ("IART", "Beyonce")];
    let body = app
        .upload(
            &listener,
            "crazy.wav",
            crate::audio::wav_at(1000, duration - 2000, &tags),
        )
        .await;
    assert_eq!(
        item(&body)["catalogueTrack"]["id"],
        crazy["id"],
        "accents and case do not matter"
    );

    // Too long to be the same recording, or another artist's song of that name.
    let tags = [("INAM", "Crazy in Love"), ("IART", "Beyoncé")];
    let body = app
        .upload(
            &listener,
            "long.wav",
            crate::audio::wav_at(1000, duration + 10_000, &tags),
        )
        .await;
    assert!(item(&body)["catalogueTrack"].is_null());
    assert_eq!(item(&body)["buyOptions"], json!([]));
    let tags = [("INAM", "Crazy in Love"), ("IART", "Someone Else")];
    let body = app
        .upload(
            &listener,
            "cover.wav",
            crate::audio::wav_at(1000, duration + 100, &tags),
        )
        .await;
    assert!(item(&body)["catalogueTrack"].is_null());
}

#[tokio::test]
async fn a_removal_through_one_replica_ends_streams_on_another() {
    let app = spawn_app().await;
    let other = spawn_replica_of(&app).await;
    let listener = app.customer().await;
    let body = app.upload(&listener, "replicas.wav", wav(1000, TAGS)).await;
    let path = item(&body)["streamUrl"].as_str().unwrap().to_owned();
    let id = item(&body)["id"].clone();
    // The other replica has served (and remembered) the item.
    for _ in 0..2 {
        let response = app
            .client
            .get(format!("{}{path}", other.address))
            .header("range", "bytes=0-9")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206);
    }
    let deleted = app.delete_locker_item(&listener, &id).await;
    assert_eq!(data(&deleted)["deleteLockerItem"], id);
    for address in [&app.address, &other.address] {
        let response = app
            .client
            .get(format!("{address}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{address}");
    }
}

#[tokio::test]
async fn tracks_stored_before_title_keys_are_keyed_at_migration_and_matched() {
    use sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    let db = app.database().await;
    // As a database from before migration 6 had them.
    db.execute_unprepared("UPDATE tracks SET title_key = NULL")
        .await
        .unwrap();
    let listener = app.customer().await;
    let tags = [("INAM", "Yeah!"), ("IART", "Usher")];
    let catalogue = SearchArgs {
        scope: Some("CATALOGUE"),
        first: Some(5),
        ..SearchArgs::default()
    };
    let body = app.search(&Auth::Anonymous, "yeah usher", catalogue).await;
    let track = data(&body)["search"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["item"].clone())
        .find(|node| node["__typename"] == "Track")
        .expect("the demo catalogue has Yeah!");
    let duration = track["durationMs"].as_u64().unwrap() as u32;
    let upload = |name: &'static str| {
        let app = &app;
        let listener = &listener;
        async move {
            let body = app
                .upload(listener, name, crate::audio::wav_at(1000, duration, &tags))
                .await;
            item(&body)["catalogueTrack"]["id"].clone()
        }
    };
    assert_eq!(upload("before.wav").await, Value::Null, "no key, no match");

    cadenza_api::startup::migrate(&db).await.unwrap();
    let keyless: Vec<sea_orm::QueryResult> = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM tracks WHERE title_key IS NULL",
        ))
        .await
        .unwrap();
    assert!(keyless.is_empty());
    // A different file (another duration's worth of bytes) of the same song.
    let body = app
        .upload(
            &listener,
            "after.wav",
            crate::audio::wav_at(1000, duration + 500, &tags),
        )
        .await;
    assert_eq!(item(&body)["catalogueTrack"]["id"], track["id"], "{body}");
}

/// The statements one request costs, the fewest of three tries (background
/// work, such as the search index following the uploads, counts in the
/// same metric now and then).
async fn statements_of(app: &TestApp, auth: &Auth, query: &str, variables: Value) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = app.sql_statements().await;
        data(&app.gql_as(auth, query, variables.clone()).await);
        fewest = fewest.min(app.sql_statements().await - before);
    }
    fewest
}

#[tokio::test]
async fn personal_pages_cost_the_same_statements_whatever_the_listener_holds() {
    const LOCKER_PAGE: &str = "{ viewer { locker { items(first: 50) { totalCount nodes {
        id title artist album trackNumber durationMs format streamUrl } } } } }";
    const ALBUM_PAGE: &str = "query($id: ID!) { album(id: $id) { title
        product { sku ownedByViewer price { formatted } }
        tracks { title product { sku ownedByViewer price { formatted } } } } }";
    const RECOMMENDATIONS: &str = "{ viewer { recommendations(first: 10) {
        score reason product { title price { formatted } } } } }";
    let app = spawn_app().await;
    let listener = app.customer().await;
    let upload = |n: usize| {
        let (app, listener) = (&app, &listener);
        async move {
            let title = format!("Song {n}");
            let tags = [
                ("INAM", title.as_str()),
                ("IART", "Band"),
                ("IPRD", "Record"),
            ];
            data(&app.upload(listener, "s.wav", wav(300, &tags)).await);
        }
    };
    for n in 0..2 {
        upload(n).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let few = statements_of(&app, &listener, LOCKER_PAGE, json!({})).await;
    for n in 2..40 {
        upload(n).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let many = statements_of(&app, &listener, LOCKER_PAGE, json!({})).await;
    // The listener's items, and their count (the session is checked
    // without a statement): no statement per item.
    assert!(
        few <= 3 && many == few,
        "a locker page took {few} statements with 2 items and {many} with 40"
    );

    // An album page signed in, ownership on its product and each track's.
    let body = app
        .gql(
            "{ albums(first: 100) { nodes { id tracks { id } } } }",
            json!({}),
        )
        .await;
    let albums = data(&body)["albums"]["nodes"].as_array().unwrap().clone();
    let by_length = |a: &&Value| a["tracks"].as_array().unwrap().len();
    let shortest = albums.iter().min_by_key(by_length).unwrap();
    let longest = albums.iter().max_by_key(by_length).unwrap();
    let mut counts = Vec::new();
    for album in [shortest, longest] {
        counts.push(statements_of(&app, &listener, ALBUM_PAGE, json!({ "id": album["id"] })).await);
    }
    // Album, tracks, their products, and ownership twice (the album's
    // product is a level above its tracks' products; 6 when the two levels
    // happen to meet in one batch), each the products with whether the
    // viewer bought them and the viewer's tracks of those albums: at most 8
    // whatever the album's length. A statement per track would be 13 more
    // on the longest.
    assert!(
        counts.iter().all(|n| *n <= 8),
        "album pages took {counts:?} statements"
    );

    let recommended = statements_of(&app, &listener, RECOMMENDATIONS, json!({})).await;
    assert!(
        recommended <= 12,
        "recommendations took {recommended} statements"
    );
}
