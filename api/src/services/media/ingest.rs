//! Reading an uploaded file: what it is (decided by its content, never its
//! name or the client's content type), its tags and its audio properties.
//!
//! This is a pure function over bytes on disk, so it is also what the fuzz
//! target drives.

use std::io::{BufReader, Read, Seek};

use lofty::config::ParseOptions;
use lofty::file::FileType;
use lofty::prelude::*;
use lofty::probe::Probe;

use crate::domain::Isrc;
use crate::error::ApiError;

/// What an audio file says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioFacts {
    /// MP3, FLAC, OGG, OPUS, M4A, WAV, AIFF, ...
    pub format: &'static str,
    pub mime_type: &'static str,
    pub duration_ms: i32,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub channels: Option<i32>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub year: Option<i32>,
    pub isrc: Option<Isrc>,
}

/// Why a file is not accepted, in words a person understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAudio(pub String);

impl From<NotAudio> for ApiError {
    fn from(NotAudio(why): NotAudio) -> Self {
        ApiError::UnsupportedMediaType(why)
    }
}

/// Reads the file's format, properties and tags. Anything that is not audio
/// Cadenza can read (empty, not audio, damaged so no stream can be read) is
/// `NotAudio`.
pub fn read_audio(reader: impl Read + Seek) -> Result<AudioFacts, NotAudio> {
    let probe = Probe::new(BufReader::new(reader))
        .options(ParseOptions::new().read_cover_art(false))
        .guess_file_type()
        .map_err(|_| NotAudio("the file could not be read".into()))?;
    let Some(file_type) = probe.file_type() else {
        return Err(NotAudio(
            "this is not an audio file Cadenza can read (MP3, FLAC, Ogg Vorbis, Opus, M4A, WAV or AIFF)"
                .into(),
        ));
    };
    let (format, mime_type) = describe(file_type);
    let tagged = probe.read().map_err(|err| {
        NotAudio(format!(
            "the file looks like {format} but is damaged or incomplete ({err})"
        ))
    })?;
    let properties = tagged.properties();
    let duration_ms = i32::try_from(properties.duration().as_millis()).unwrap_or(i32::MAX);
    if duration_ms == 0 {
        return Err(NotAudio(format!("the {format} file holds no audio")));
    }
    let tag = tagged.primary_tag().or_else(|| tagged.first_tag());
    let tags = tag.map(read_tags).unwrap_or_default();
    Ok(AudioFacts {
        format,
        mime_type,
        duration_ms,
        bitrate_kbps: properties
            .audio_bitrate()
            .or_else(|| properties.overall_bitrate())
            .filter(|kbps| *kbps > 0)
            .and_then(|kbps| i32::try_from(kbps).ok()),
        sample_rate_hz: properties
            .sample_rate()
            .and_then(|hz| i32::try_from(hz).ok()),
        channels: properties.channels().map(i32::from),
        tags,
    })
}

/// `read_audio`, with a panic inside the tag reader (a bug of the parser on
/// hostile input) turned into a refusal instead of a failed request.
pub fn read_audio_guarded(reader: impl Read + Seek) -> Result<AudioFacts, NotAudio> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_audio(reader))).unwrap_or_else(
        |_| {
            tracing::warn!("the audio parser panicked on an upload; refused as damaged");
            Err(NotAudio("the file is damaged and could not be read".into()))
        },
    )
}

fn describe(file_type: FileType) -> (&'static str, &'static str) {
    match file_type {
        FileType::Mpeg => ("MP3", "audio/mpeg"),
        FileType::Flac => ("FLAC", "audio/flac"),
        FileType::Vorbis => ("OGG", "audio/ogg"),
        FileType::Opus => ("OPUS", "audio/ogg"),
        FileType::Mp4 => ("M4A", "audio/mp4"),
        FileType::Wav => ("WAV", "audio/wav"),
        FileType::Aiff => ("AIFF", "audio/aiff"),
        FileType::Aac => ("AAC", "audio/aac"),
        FileType::Ape => ("APE", "audio/x-ape"),
        FileType::Mpc => ("MPC", "audio/x-musepack"),
        FileType::Speex => ("SPEEX", "audio/ogg"),
        FileType::WavPack => ("WAVPACK", "audio/x-wavpack"),
        _ => ("AUDIO", "application/octet-stream"),
    }
}

fn read_tags(tag: &lofty::tag::Tag) -> Tags {
    let text = |value: Option<std::borrow::Cow<'_, str>>| clean(value.as_deref());
    Tags {
        title: text(tag.title()),
        artist: text(tag.artist()),
        album: text(tag.album()),
        album_artist: clean(tag.get_string(ItemKey::AlbumArtist)),
        genre: text(tag.genre()).map(|genre| genre.chars().take(100).collect()),
        track_number: tag
            .track()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n > 0),
        disc_number: tag
            .disk()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n > 0),
        year: tag
            .date()
            .map(|date| i32::from(date.year))
            .filter(|y| *y > 0),
        isrc: tag.get_string(ItemKey::Isrc).and_then(Isrc::parse),
    }
}

/// Trimmed, without control characters, at most 500 characters; `None` when
/// nothing is left.
fn clean(value: Option<&str>) -> Option<String> {
    let cleaned: String = value?
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// The title of an untagged file: its name without path or extension.
pub fn title_from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    clean(Some(stem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn titles_come_from_the_file_name_without_path_or_extension() {
        assert_eq!(
            title_from_file_name("Music/Song One.mp3").as_deref(),
            Some("Song One")
        );
        assert_eq!(
            title_from_file_name("C:\\x\\track.final.flac").as_deref(),
            Some("track.final")
        );
        assert_eq!(title_from_file_name(".hidden").as_deref(), Some(".hidden"));
        assert_eq!(title_from_file_name("").as_deref(), None);
    }

    #[test]
    fn what_is_not_audio_is_refused() {
        for bytes in [
            &b""[..],
            b"hello world, not audio",
            &[0u8; 4096],
            b"RIFF\x00\x00\x00\x00WAVE",
            b"fLaC\x00",
        ] {
            assert!(
                read_audio(Cursor::new(bytes.to_vec())).is_err(),
                "{bytes:?}"
            );
        }
    }
}
