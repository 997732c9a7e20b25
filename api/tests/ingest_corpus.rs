//! Replays the fuzz corpus and the audio fixtures through the upload reader:
//! every input is accepted or refused, none panics; the fixtures are read as
//! what they are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use cadenza_api::services::media::ingest::{read_audio, read_audio_guarded};

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Every input is accepted or refused; a panic inside the tag parser (lofty
/// has one: see the `seed-crash-*` inputs) never escapes the guard uploads
/// go through.
#[test]
fn the_fuzz_corpus_never_panics_an_upload() {
    let corpus = files("../fuzz/corpus/ingest");
    assert!(corpus.len() >= 10, "the corpus is missing");
    for path in corpus {
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| read_audio_guarded(std::io::Cursor::new(bytes)));
        assert!(
            outcome.is_ok(),
            "{} panicked the upload path",
            path.display()
        );
    }
}

/// Found by `cargo fuzz run ingest`: lofty 0.25.5 overflows a multiplication
/// reading this Opus header (ogg/opus/properties.rs:150). With overflow
/// checks (debug builds, these tests) that is a panic, which the guard turns
/// into a refusal; release builds wrap instead.
#[test]
fn the_opus_overflow_lofty_panics_on_is_refused() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus/ingest/seed-crash-opus-duration-overflow.opus"),
    )
    .unwrap();
    if cfg!(debug_assertions) {
        assert!(read_audio_guarded(std::io::Cursor::new(bytes)).is_err());
    } else {
        let _ = read_audio_guarded(std::io::Cursor::new(bytes));
    }
}

#[test]
fn every_fixture_is_read_as_its_format() {
    for path in files("../tests/fixtures/audio") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let outcome = read_audio(std::fs::File::open(&path).unwrap());
        if name.starts_with("broken.") {
            assert!(outcome.is_err(), "{name} was accepted");
            continue;
        }
        let facts = outcome.unwrap_or_else(|err| panic!("{name}: {err:?}"));
        let expected = match name.split_once('.').unwrap().1 {
            "mp3" => "MP3",
            "flac" => "FLAC",
            "ogg" => "OGG",
            "opus" => "OPUS",
            "aac.m4a" | "alac.m4a" => "M4A",
            "wav" => "WAV",
            "aiff" => "AIFF",
            other => panic!("unexpected fixture {other}"),
        };
        assert_eq!(facts.format, expected, "{name}");
        // Within 2 % of the duration the file's headers give (as ffprobe
        // reads them): 1.5 s of tone, plus the encoder's padding in MP3 and
        // Opus.
        let headers_ms = match expected {
            "MP3" => 1541,
            "OPUS" => 1507,
            _ => 1500,
        };
        let off = (facts.duration_ms - headers_ms).abs();
        assert!(
            off * 50 <= headers_ms,
            "{name}: {} ms, headers say {headers_ms}",
            facts.duration_ms
        );
        assert_eq!(facts.channels, Some(1), "{name}");
        if name.starts_with("tagged.") {
            assert_eq!(facts.tags.title.as_deref(), Some("Fixture Song"), "{name}");
            assert_eq!(facts.tags.artist.as_deref(), Some("Fixture Band"), "{name}");
            assert_eq!(facts.tags.album.as_deref(), Some("Fixture Album"), "{name}");
            assert_eq!(facts.tags.track_number, Some(4), "{name}");
            assert_eq!(facts.tags.year, Some(2021), "{name}");
        } else {
            assert_eq!(facts.tags.title, None, "{name}");
        }
    }
}
