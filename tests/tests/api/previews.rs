//! Previews: 30 seconds of a catalogue track's master, for anyone, by a
//! signed URL; WAV and AIFF cut exactly with a header of their own, MP3 on
//! frame boundaries; from the feed's `previewStartMs` or a third in;
//! formats that are not cut have no preview.

use serde_json::{json, Value};

use crate::audio::{aiff, wav};
use crate::helpers::*;

const FEED: &str = r#"{"type":"artist","id":"ar-pv","name":"Preview Artist","genres":["Jazz"]}
{"type":"album","id":"al-pv","artist":"ar-pv","title":"Previews","year":2024,"genre":"Jazz"}
{"type":"track","id":"tr-wav","album":"al-pv","title":"Wave","trackNumber":1,"durationMs":90000,"previewStartMs":10000}
{"type":"track","id":"tr-aiff","album":"al-pv","title":"Aiff","trackNumber":2,"durationMs":90000}
{"type":"track","id":"tr-mp3","album":"al-pv","title":"Frames","trackNumber":3,"durationMs":90000}
{"type":"track","id":"tr-flac","album":"al-pv","title":"Lossless","trackNumber":4,"durationMs":2000}
{"type":"track","id":"tr-none","album":"al-pv","title":"Coming","trackNumber":5,"durationMs":90000}
{"type":"product","sku":"PV-ALB","kind":"ALBUM","ref":"al-pv","priceMinor":900,"currency":"USD","audioFormat":"WAV"}
"#;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/audio")
            .join(name),
    )
    .unwrap()
}

/// 90 seconds of MP3: the fixture's frames (past its ID3v2 tag, without an
/// ID3v1 tag) over and over; any run of whole frames is a valid MP3.
fn long_mp3() -> Vec<u8> {
    let file = fixture("tagged.mp3");
    let start = if &file[0..3] == b"ID3" {
        let size = file[6..10]
            .iter()
            .fold(0usize, |s, b| (s << 7) | usize::from(b & 0x7F));
        10 + size
    } else {
        0
    };
    let mut frames = file[start..].to_vec();
    if frames.len() > 128 && &frames[frames.len() - 128..frames.len() - 125] == b"TAG" {
        frames.truncate(frames.len() - 128);
    }
    let mut out = Vec::new();
    while out.len() < 90 * 16_000 {
        out.extend_from_slice(&frames);
    }
    out
}

async fn tracks(app: &TestApp) -> Value {
    let body = app
        .gql(
            "{ albums(first: 20) { nodes { title tracks { id title hasMasterAudio previewUrl } } } }",
            json!({}),
        )
        .await;
    let album = data(&body)["albums"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|album| album["title"] == "Previews")
        .cloned()
        .unwrap();
    let mut by_title = serde_json::Map::new();
    for track in album["tracks"].as_array().unwrap() {
        by_title.insert(track["title"].as_str().unwrap().to_owned(), track.clone());
    }
    Value::Object(by_title)
}

/// Walks MPEG frames; their count and total length in microseconds.
fn mpeg_frames(bytes: &[u8]) -> (usize, u64) {
    const MPEG1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const MPEG2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let (mut at, mut count, mut us) = (0, 0, 0);
    while at + 4 <= bytes.len() {
        let (b1, b2) = (bytes[at + 1], bytes[at + 2]);
        assert!(
            bytes[at] == 0xFF && b1 & 0xE0 == 0xE0,
            "a frame header at {at}"
        );
        let mpeg1 = (b1 >> 3) & 0x3 == 0b11;
        let rates = match (b1 >> 3) & 0x3 {
            0b11 => [44_100, 48_000, 32_000],
            0b10 => [22_050, 24_000, 16_000],
            _ => [11_025, 12_000, 8_000],
        };
        let rate = rates[usize::from((b2 >> 2) & 0x3)];
        let kbps = if mpeg1 {
            MPEG1[usize::from(b2 >> 4)]
        } else {
            MPEG2[usize::from(b2 >> 4)]
        };
        let samples = if mpeg1 { 1152 } else { 576 };
        at += (samples / 8 * kbps * 1000 / rate + u32::from((b2 >> 1) & 1)) as usize;
        count += 1;
        us += u64::from(samples) * 1_000_000 / u64::from(rate);
    }
    assert_eq!(at, bytes.len(), "the cut ends on a frame boundary");
    (count, us)
}

#[tokio::test]
async fn anyone_hears_thirty_seconds_of_the_master_cut_exactly_or_on_frame_boundaries() {
    let app = spawn_empty_app(false).await;
    let admin = app.admin().await;
    let body = app.import_feed(&admin, FEED).await;
    assert_eq!(
        data(&body)["importCatalogue"]["rejected"],
        json!([]),
        "{body}"
    );
    let before = tracks(&app).await;
    assert_eq!(
        before["Coming"]["previewUrl"],
        Value::Null,
        "no master, no preview"
    );

    let wav_master = wav(90_000, &[]);
    let aiff_master = aiff(90_000);
    let mp3_master = long_mp3();
    for (title, bytes) in [
        ("Wave", wav_master.clone()),
        ("Aiff", aiff_master.clone()),
        ("Frames", mp3_master.clone()),
        ("Lossless", fixture("tagged.flac")),
    ] {
        let attached = app.attach_master(&admin, &before[title]["id"], bytes).await;
        assert_eq!(
            data(&attached)["attachTrackAudio"]["hasMasterAudio"],
            true,
            "{attached}"
        );
    }
    let after = tracks(&app).await;

    // FLAC: whole frames (each proven by its checksum) under a STREAMINFO
    // that counts them. The master is 1.5 s: all of it, from its first frame.
    let flac_master = fixture("tagged.flac");
    let response = app
        .get(after["Lossless"]["previewUrl"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/flac");
    let preview = response.bytes().await.unwrap();
    assert_eq!(&preview[0..4], b"fLaC");
    assert_eq!(&preview[4..8], &[0x80, 0, 0, 34], "STREAMINFO only");
    let total = (u64::from(preview[21] & 0x0F) << 32)
        | u64::from(u32::from_be_bytes(preview[22..26].try_into().unwrap()));
    assert_eq!(total, 66_150, "1.5 s at 44.1 kHz");
    let frames = flac_frames_start(&flac_master);
    assert_eq!(
        &preview[42..],
        &flac_master[frames..],
        "the master's own frames"
    );

    // WAV: from the feed's 10 s, exactly 30 s (8 kHz mono 16-bit: 16,000 bytes a second).
    let url = after["Wave"]["previewUrl"].as_str().unwrap();
    assert!(url.starts_with("/preview/"), "{url}");
    let response = app.get(url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let preview = response.bytes().await.unwrap();
    assert_eq!(&preview[0..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes(preview[4..8].try_into().unwrap()) as usize,
        preview.len() - 8
    );
    assert_eq!(&preview[36..40], b"data");
    assert_eq!(
        u32::from_le_bytes(preview[40..44].try_into().unwrap()),
        30 * 16_000
    );
    assert_eq!(preview.len(), 44 + 30 * 16_000);
    let master_data = wav_master.windows(4).position(|w| w == b"data").unwrap() + 8;
    let from = master_data + 10 * 16_000;
    assert_eq!(
        &preview[44..],
        &wav_master[from..from + 30 * 16_000],
        "the master's own samples, from 10 s"
    );

    // AIFF: a third in (30 s of 90), exactly 30 s, its header rewritten.
    let response = app.get(after["Aiff"]["previewUrl"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/aiff");
    let preview = response.bytes().await.unwrap();
    assert_eq!(&preview[0..4], b"FORM");
    assert_eq!(&preview[8..12], b"AIFF");
    assert_eq!(
        u32::from_be_bytes(preview[22..26].try_into().unwrap()),
        30 * 8_000,
        "sample frames"
    );
    assert_eq!(preview.len(), 54 + 30 * 16_000);
    let master_ssnd = aiff_master.windows(4).position(|w| w == b"SSND").unwrap() + 16;
    let from = master_ssnd + 30 * 16_000;
    assert_eq!(&preview[54..], &aiff_master[from..from + 30 * 16_000]);

    // MP3: whole frames, 30 s and less than one frame more, from about a third in.
    let response = app
        .get(after["Frames"]["previewUrl"].as_str().unwrap())
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    let preview = response.bytes().await.unwrap();
    let (frames, us) = mpeg_frames(&preview);
    assert!(frames > 0);
    assert!(
        (30_000_000..30_000_000 + 30_000).contains(&us),
        "{us} us in {frames} frames"
    );
    // (The master repeats itself, so look for the run near where a third in falls.)
    let third = mp3_master.len() / 3;
    let near = (third - 20_000..third + 20_000)
        .find(|&at| mp3_master[at..].starts_with(&preview))
        .is_some();
    assert!(
        near,
        "the master's bytes from about a third in ({third} of {})",
        mp3_master.len()
    );

    // Only URLs the API signed.
    let tampered = url.replace("sig=", "sig=00");
    assert_eq!(app.get(&tampered).await.status(), 404);
    assert_eq!(app.get(url.split('?').next().unwrap()).await.status(), 404);
}

#[tokio::test]
async fn a_preview_start_outside_the_track_is_refused_with_its_line() {
    let app = spawn_empty_app(false).await;
    let admin = app.admin().await;
    let feed = r#"{"type":"artist","id":"ar-x","name":"X","genres":["Jazz"]}
{"type":"album","id":"al-x","artist":"ar-x","title":"X","year":2024,"genre":"Jazz"}
{"type":"track","id":"tr-x","album":"al-x","title":"X","trackNumber":1,"durationMs":20000,"previewStartMs":20000}
"#;
    let body = app.import_feed(&admin, feed).await;
    let rejected = &data(&body)["importCatalogue"]["rejected"];
    assert_eq!(rejected[0]["line"], 3, "{body}");
    assert!(
        rejected[0]["message"]
            .as_str()
            .unwrap()
            .contains("previewStartMs"),
        "{body}"
    );
}

#[tokio::test]
async fn the_demo_catalogue_ships_audio_to_preview_and_to_buy() {
    let app = spawn_app_with(|settings| settings.demo_audio = true).await;
    let product = app.product_id("demo-al-usher-1-t01-trk").await;
    let query = "query($id: ID!) { product(id: $id) { title track { durationMs hasMasterAudio previewUrl } } }";
    // Made in the background, a few seconds after the server starts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let track = loop {
        let body = app.gql(query, json!({ "id": product })).await;
        let track = data(&body)["product"]["track"].clone();
        if track["previewUrl"].is_string() {
            break track;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no demo audio: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert_eq!(track["hasMasterAudio"], true);

    // 30 seconds of an 8-bit 11,025 Hz WAV, and not silence.
    let response = app.get(track["previewUrl"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let preview = response.bytes().await.unwrap();
    assert_eq!(preview.len(), 44 + 30 * 11_025);
    let loudest = preview[44..]
        .iter()
        .map(|s| (i32::from(*s) - 128).abs())
        .max();
    assert!(loudest.unwrap() > 40, "{loudest:?}");

    // Bought, it streams the whole master, as long as the track says.
    let listener = app.customer().await;
    data(&app.add_to_cart(&listener, &product).await);
    data(&app.checkout(&listener, "demo-buy").await);
    let bought = app.purchases(&listener).await;
    let item = data(&bought)["viewer"]["locker"]["items"]["nodes"][0].clone();
    assert_eq!(item["streamable"], true, "{bought}");
    let whole = app.get(item["streamUrl"].as_str().unwrap()).await;
    assert_eq!(whole.status(), 200);
    let duration_ms = track["durationMs"].as_u64().unwrap();
    assert_eq!(
        whole.bytes().await.unwrap().len() as u64,
        44 + 11_025 * duration_ms / 1000
    );
}

/// Where a FLAC file's frames start: past "fLaC" and its metadata blocks.
fn flac_frames_start(file: &[u8]) -> usize {
    let mut at = 4;
    loop {
        let header = &file[at..at + 4];
        at += 4 + u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
        if header[0] & 0x80 != 0 {
            return at;
        }
    }
}
