//! Files other readers read and Cadenza's upload reader used to read a
//! little differently, from mutagen's test data (Python's mutagen 1.47.0,
//! `tests/data/`). What each file holds is what mutagen's own tests say
//! (`tests/test_*.py`).
//!
//! Mutagen's files may not be committed here, so the sdist is fetched at
//! test time with `pip download` into `$CARGO_TARGET_DIR/mutagen` (or
//! `target/mutagen`), checked against its PyPI hash and kept there. Without
//! network (or pip, or tar) each test prints why and passes without
//! checking anything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cadenza_api::services::media::ingest::{read_audio_guarded, AudioFacts};
use sha2::{Digest, Sha256};

const SDIST: &str = "mutagen-1.47.0.tar.gz";
/// The sdist's sha256, as PyPI lists it.
const SDIST_SHA256: &str = "719fadef0a978c31b4cf3c956261b3c58b6948b32023078a2117b1de09f0fc99";
const FILES: &[&str] = &[
    "106-short-picture-block-size.flac",
    "id3v1v2-combined.mp3",
    "bad-TYER-frame.mp3",
    "empty.aac",
    "empty.oggflac",
    "silence-44-s-mpeg25.mp3",
];

fn cache_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("mutagen")
}

/// The folder holding mutagen's test data, fetched once for every test;
/// `None`, said why, when it cannot be had.
fn data() -> Option<&'static Path> {
    static DATA: OnceLock<Option<PathBuf>> = OnceLock::new();
    DATA.get_or_init(|| match fetch() {
        Ok(dir) => Some(dir),
        Err(why) => {
            // Straight to stderr: the test harness swallows `eprintln!` of
            // a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: mutagen's test data could not be had ({why}); nothing checked"
            );
            None
        }
    })
    .as_deref()
}

fn fetch() -> Result<PathBuf, String> {
    let cache = cache_dir();
    let data = cache.join("mutagen-1.47.0/tests/data");
    if FILES.iter().all(|name| data.join(name).is_file()) {
        return Ok(data);
    }
    std::fs::create_dir_all(&cache).map_err(|err| format!("{}: {err}", cache.display()))?;
    let sdist = cache.join(SDIST);
    if !sdist.is_file() {
        let downloaded = ["pip", "pip3"].iter().any(|pip| {
            Command::new(pip)
                .args(["download", "mutagen==1.47.0", "--no-binary", ":all:"])
                .args(["--no-deps", "--quiet", "-d"])
                .arg(&cache)
                .status()
                .is_ok_and(|status| status.success())
        });
        if !downloaded || !sdist.is_file() {
            return Err("`pip download mutagen==1.47.0` failed: no network or no pip".into());
        }
    }
    let bytes = std::fs::read(&sdist).map_err(|err| err.to_string())?;
    let hash = hex::encode(Sha256::digest(&bytes));
    if hash != SDIST_SHA256 {
        let _ = std::fs::remove_file(&sdist);
        return Err(format!("{SDIST} has sha256 {hash}, not PyPI's"));
    }
    let members = FILES
        .iter()
        .map(|name| format!("mutagen-1.47.0/tests/data/{name}"));
    let extracted = Command::new("tar")
        .arg("-xzf")
        .arg(&sdist)
        .arg("-C")
        .arg(&cache)
        .args(members)
        .status()
        .is_ok_and(|status| status.success());
    if !extracted {
        return Err(format!("tar could not extract {SDIST}"));
    }
    Ok(data)
}

/// What the reader makes of one of mutagen's files; `None` when the data
/// could not be had.
fn read(name: &str) -> Option<AudioFacts> {
    let path = data()?.join(name);
    let file = std::fs::File::open(&path).unwrap();
    let facts = read_audio_guarded(file).unwrap_or_else(|err| panic!("{name} refused: {err:?}"));
    eprintln!("{name}: {facts:?}");
    Some(facts)
}

/// Within a millisecond or two of mutagen's length (lofty rounds to whole
/// milliseconds, sometimes down).
fn assert_lasts(facts: &AudioFacts, mutagen_seconds: f64, name: &str) {
    assert_lasts_within(facts, mutagen_seconds, 2, name);
}

fn assert_lasts_within(facts: &AudioFacts, mutagen_seconds: f64, off_ms: i32, name: &str) {
    let expected = (mutagen_seconds * 1000.0).round() as i32;
    assert!(
        (facts.duration_ms - expected).abs() <= off_ms,
        "{name}: {} ms, mutagen says {expected} ms",
        facts.duration_ms
    );
}

/// Its PICTURE block says it is 0 bytes long and the picture follows
/// anyway; mutagen (and libFLAC, by accident) read the picture for what it
/// is and go on after it (mutagen's `test_too_short_read_picture`).
#[test]
fn a_flac_picture_block_shorter_than_its_picture_costs_nothing() {
    let name = "106-short-picture-block-size.flac";
    let Some(facts) = read(name) else { return };
    assert_eq!(facts.format, "FLAC");
    assert_lasts(&facts, 3.684716553287982, name);
    assert_eq!(facts.sample_rate_hz, Some(44_100));
    assert_eq!(facts.tags, Default::default(), "{name} has no tags");
}

/// ID3v2 has title, artist, track and year but no album; ID3v1 has the
/// album (mutagen's `test_load_v1_v2`): ID3v2 first, ID3v1 fills the rest.
#[test]
fn an_id3v1_tag_fills_what_the_id3v2_tag_lacks() {
    let name = "id3v1v2-combined.mp3";
    let Some(facts) = read(name) else { return };
    assert_eq!(facts.format, "MP3");
    // Without a Xing header both lengths are estimates from the bitrate:
    // mutagen's spans the file from the first frame to its end (tags
    // included), lofty's the frames; they differ by a few milliseconds.
    assert_lasts_within(&facts, 0.15115, 10, name);
    let tags = &facts.tags;
    assert_eq!(tags.title.as_deref(), Some("cosmic american"));
    assert_eq!(tags.artist.as_deref(), Some("Anais Mitchell"));
    assert_eq!(tags.album.as_deref(), Some("Hymns for the Exiled"));
    assert_eq!(tags.track_number, Some(3));
    // The ID3v2.4 tag's year is a TYER frame, which 2.4 has no more: lofty
    // and mutagen both pass it over, and the ID3v1 year fills in.
    assert_eq!(tags.year, Some(1337));
}

/// Its ID3v2 tag holds a title and a TYER frame that is no year; the
/// artist and album are in its ID3v1 tag (mutagen's `test_bad_tyer`).
#[test]
fn a_bad_year_frame_costs_the_year_only() {
    let name = "bad-TYER-frame.mp3";
    let Some(facts) = read(name) else { return };
    assert_eq!(facts.format, "MP3");
    // Estimates from the bitrate, as in `id3v1v2-combined.mp3`.
    assert_lasts_within(&facts, 0.943625, 10, name);
    let tags = &facts.tags;
    assert_eq!(
        tags.title.as_deref(),
        Some("This track has an invalid TYER frame, that used to be able to break Mutagen")
    );
    assert_eq!(tags.artist.as_deref(), Some("From 1.01 To 1.02"));
    assert_eq!(tags.album.as_deref(), Some("Splitted by Mp3Splt v. 2.1"));
    assert_eq!(tags.year, None);
}

/// Mutagen's `TADTS.test_length`: 3.70 s.
#[test]
fn an_adts_aac_lasts_what_its_frames_say() {
    let name = "empty.aac";
    let Some(facts) = read(name) else { return };
    assert_eq!(facts.format, "AAC");
    assert_lasts(&facts, 3.699109658293332, name);
    assert_eq!(facts.sample_rate_hz, Some(44_100));
    assert_eq!(facts.channels, Some(2));
}

/// Mutagen's `TOggFLAC.test_length`: 3.7 s.
#[test]
fn an_ogg_flac_lasts_what_its_streaminfo_says() {
    let name = "empty.oggflac";
    let Some(facts) = read(name) else { return };
    assert_eq!((facts.format, facts.mime_type), ("FLAC", "audio/ogg"));
    assert_lasts(&facts, 3.684716553287982, name);
    assert_eq!(facts.sample_rate_hz, Some(44_100));
    assert_eq!(facts.tags, Default::default(), "{name} has no tags");
}

/// Mutagen's `TMP3.test_length` for `mp3_4`: 3.68475 s, MPEG 2.5 layer III.
#[test]
fn an_mpeg_2_5_file_lasts_what_its_frames_say() {
    let name = "silence-44-s-mpeg25.mp3";
    let Some(facts) = read(name) else { return };
    assert_eq!(facts.format, "MP3");
    assert_lasts(&facts, 3.68475, name);
    assert_eq!(facts.channels, Some(2));
}
