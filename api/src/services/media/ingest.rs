//! Reading an uploaded file: what it is (decided by its content, never its
//! name or the client's content type), its tags and its audio properties.
//!
//! This is a pure function over bytes on disk, so it is also what the fuzz
//! target drives.

use std::io::{BufReader, Read, Seek};

use lofty::config::{ParseOptions, ParsingMode};
use lofty::error::FileParseError;
use lofty::file::{FileType, TaggedFile};
use lofty::prelude::*;
use lofty::probe::Probe;
use lofty::properties::FileProperties;
use lofty::tag::{Tag, TagType};

use super::{adts, flac, id3v2, mpeg, oggflac};
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
    /// Unsynchronised lyrics (ID3v2 `USLT`, Vorbis `LYRICS` or
    /// `UNSYNCEDLYRICS`, MP4 `©lyr`, ...), as `lyrics` cleans them.
    pub lyrics: Option<String>,
}

impl Tags {
    /// Takes from `other` what this lacks. A file may hold several tags
    /// (an MP3 an ID3v2 and an ID3v1 tag); other readers (mutagen, TagLib,
    /// ffmpeg) show the main one's fields first and fill what it lacks from
    /// the others, and so does Cadenza.
    fn fill_from(&mut self, other: Tags) {
        macro_rules! fill {
            ($($field:ident),*) => { $(self.$field = self.$field.take().or(other.$field);)* };
        }
        fill!(
            title,
            artist,
            album,
            album_artist,
            genre,
            track_number,
            disc_number,
            year,
            isrc,
            lyrics
        );
    }
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
/// `NotAudio`; damaged tags cost those tags, not the file.
pub fn read_audio(reader: impl Read + Seek) -> Result<AudioFacts, NotAudio> {
    let mut reader = BufReader::new(reader);
    // Before lofty's probe, which takes an Ogg stream it does not know for
    // MPEG frames preceded by junk.
    if let Some(ogg) = oggflac::read(&mut reader) {
        return Ok(ogg_flac_facts(ogg));
    }
    reader
        .rewind()
        .map_err(|_| NotAudio("the file could not be read".into()))?;
    let file_type = Probe::new(&mut reader)
        .guess_file_type()
        .map_err(|_| NotAudio("the file could not be read".into()))?
        .file_type();
    let Some(file_type) = file_type else {
        return Err(NotAudio(
            "this is not an audio file Cadenza can read (MP3, FLAC, Ogg Vorbis, Opus, M4A, WAV or AIFF)"
                .into(),
        ));
    };
    let (format, mime_type) = describe(file_type);
    let (properties, tags) = read_with_salvage(&mut reader, file_type)
        .or_else(|err| read_repaired(&mut reader, file_type).ok_or(err))
        .map_err(|err| {
            NotAudio(format!(
                "the file looks like {format} but is damaged or incomplete ({err})"
            ))
        })?;
    let mut duration_ms = properties.duration().as_millis();
    let closer = match file_type {
        FileType::Aac => adts::duration_ms(&mut reader),
        FileType::Mpeg => mpeg::gapless_duration_ms(&mut reader),
        _ => Ok(None),
    };
    if let Ok(Some(ms)) = closer {
        duration_ms = u128::from(ms);
    }
    let duration_ms = i32::try_from(duration_ms).unwrap_or(i32::MAX);
    if duration_ms == 0 {
        return Err(NotAudio(format!("the {format} file holds no audio")));
    }
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

fn ogg_flac_facts(ogg: oggflac::OggFlac) -> AudioFacts {
    AudioFacts {
        format: "FLAC",
        mime_type: "audio/ogg",
        duration_ms: i32::try_from(ogg.duration_ms).unwrap_or(i32::MAX),
        bitrate_kbps: i32::try_from(ogg.overall_kbps)
            .ok()
            .filter(|kbps| *kbps > 0),
        sample_rate_hz: i32::try_from(ogg.sample_rate_hz).ok(),
        channels: Some(i32::from(ogg.channels)),
        tags: read_tags(&ogg.tag),
    }
}

fn read_with_salvage<R: Read + Seek>(
    reader: &mut R,
    file_type: FileType,
) -> Result<(FileProperties, Tags), FileParseError> {
    match read_as(reader, file_type, strict_enough()) {
        Ok(file) => Ok((file.properties().clone(), tags_of(&file, reader))),
        Err(err) => salvage(reader, file_type).ok_or(err),
    }
}

/// A FLAC file lofty refused for a PICTURE block shorter than its picture
/// is read again with the block's size put right, as libFLAC and mutagen
/// read it (`flac`).
fn read_repaired<R: Read + Seek>(
    reader: &mut R,
    file_type: FileType,
) -> Option<(FileProperties, Tags)> {
    if file_type != FileType::Flac {
        return None;
    }
    let patches = flac::short_picture_blocks(reader).ok()?;
    if patches.is_empty() {
        return None;
    }
    let mut patched = flac::Patched::new(reader, patches).ok()?;
    read_with_salvage(&mut patched, file_type).ok()
}

/// Lofty's default mode: it skips an ID3v2 frame whose header is unreadable
/// and works around common slips (a zero-length frame, a date with spaces),
/// but fails the whole file on a frame it cannot decode.
fn strict_enough() -> ParseOptions {
    ParseOptions::new().parsing_mode(ParsingMode::BestAttempt)
}

/// Reads the whole file with lofty, from its start. Pictures are not read
/// here (an upload's cover is read apart, in `cover`), so a damaged picture
/// cannot cost the file.
fn read_as<R: Read + Seek>(
    reader: &mut R,
    file_type: FileType,
    mut options: ParseOptions,
) -> Result<TaggedFile, FileParseError> {
    reader.rewind()?;
    Probe::with_file_type(reader, file_type)
        .options(options.read_cover_art(false))
        .read()
}

/// Lofty gives up on a whole file for one tag frame it cannot decode (an
/// ID3v2 date or text frame with an unknown text encoding, a Vorbis comment
/// longer than its block). Such a file is kept if its audio reads with the
/// tags skipped, in the same mode as before, so damaged audio is still
/// refused. Its tags are then read again in lofty's relaxed mode, which
/// drops a date frame it cannot decode where the default mode fails, so
/// only that tag is lost; a text frame it cannot decode still fails it,
/// and then the file keeps no tags.
fn salvage<R: Read + Seek>(reader: &mut R, file_type: FileType) -> Option<(FileProperties, Tags)> {
    let audio = read_as(reader, file_type, strict_enough().read_tags(false)).ok()?;
    let lenient = ParseOptions::new()
        .parsing_mode(ParsingMode::Relaxed)
        .read_properties(false);
    let tags = read_as(reader, file_type, lenient)
        .map(|file| tags_of(&file, reader))
        .unwrap_or_default();
    Some((audio.properties().clone(), tags))
}

fn tags_of<R: Read + Seek>(file: &TaggedFile, reader: &mut R) -> Tags {
    let Some(tag) = file.primary_tag().or_else(|| file.first_tag()) else {
        return Tags::default();
    };
    let mut tags = read_tags(tag);
    if tag.tag_type() == TagType::Id3v2 {
        if let Some(first) = first_of_repeated_artists(reader, tag) {
            tags.artist = Some(first);
        }
    }
    for other in file.tags() {
        if other.tag_type() != tag.tag_type() {
            tags.fill_from(read_tags(other));
        }
    }
    tags
}

/// Lofty keeps the last of repeated ID3v2 frames (the last non-empty one);
/// other readers (ffmpeg, TagLib, mutagen) show the first, and so does
/// Cadenza for the artist. Only when the ID3v2 tag opening the file has
/// several TPE1 frames and lofty's artist is the one this walk expects: a
/// tag it cannot walk (unsynchronised, compressed, or not at the start)
/// leaves lofty's artist alone.
fn first_of_repeated_artists<R: Read + Seek>(reader: &mut R, tag: &Tag) -> Option<String> {
    let frames = id3v2::artist_frames(reader).ok()?;
    if frames.len() < 2 {
        return None;
    }
    // An ID3v2.4 frame may hold several values apart by NULs; lofty's
    // artist is the first value of the frame it kept.
    let first_value = |frame: &String| frame.split('\0').next().unwrap_or_default().to_owned();
    let kept = frames
        .iter()
        .rev()
        .find(|frame| !frame.is_empty())
        .or(frames.last())?;
    if first_value(kept) != *tag.artist()? {
        return None;
    }
    frames
        .iter()
        .find_map(|frame| clean(Some(&first_value(frame))))
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
        lyrics: lyrics(
            tag.get_string(ItemKey::UnsyncLyrics)
                .or_else(|| tag.get_string(ItemKey::Lyrics)),
        ),
    }
}

/// The most lyrics kept, in bytes of UTF-8.
pub const MAX_LYRICS_BYTES: usize = 64 * 1024;

/// Lyrics as kept: lines end in `\n`, no other control character but
/// tabs (no NULs: PostgreSQL refuses them in text), trimmed, at most
/// `MAX_LYRICS_BYTES` (cut at a character's boundary); `None` when nothing
/// is left.
fn lyrics(value: Option<&str>) -> Option<String> {
    let value = value?.replace("\r\n", "\n").replace('\r', "\n");
    let mut kept = String::with_capacity(value.len().min(MAX_LYRICS_BYTES));
    for c in value
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
    {
        if kept.len() + c.len_utf8() > MAX_LYRICS_BYTES {
            break;
        }
        kept.push(c);
    }
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_owned())
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

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/audio")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
    }

    fn accepted(bytes: Vec<u8>) -> AudioFacts {
        read_audio(Cursor::new(bytes)).unwrap_or_else(|NotAudio(why)| panic!("refused: {why}"))
    }

    /// What every tagged fixture's audio is: 1.5 s of a mono tone at
    /// 44.1 kHz (MP3 adds the encoder's padding).
    fn assert_the_tone(facts: &AudioFacts, format: &str) {
        assert_eq!(facts.format, format);
        assert!(
            (1500..=1541).contains(&facts.duration_ms),
            "{} ms",
            facts.duration_ms
        );
        assert_eq!(facts.sample_rate_hz, Some(44_100));
        assert_eq!(facts.channels, Some(1));
        assert!(facts.bitrate_kbps.is_some_and(|kbps| kbps > 0));
    }

    /// The tags `make-audio.sh` gives every tagged fixture.
    fn fixture_tags() -> Tags {
        Tags {
            title: Some("Fixture Song".into()),
            artist: Some("Fixture Band".into()),
            album: Some("Fixture Album".into()),
            album_artist: Some("Fixture Band".into()),
            genre: Some("Test".into()),
            track_number: Some(4),
            disc_number: Some(1),
            year: Some(2021),
            isrc: None,
            lyrics: None,
        }
    }

    fn position(bytes: &[u8], needle: &[u8]) -> usize {
        bytes
            .windows(needle.len())
            .position(|window| window == needle)
            .unwrap()
    }

    #[test]
    fn a_year_frame_with_an_unknown_text_encoding_costs_the_year_only() {
        let facts = accepted(fixture("tolerated/tagged.bad-year.mp3"));
        assert_the_tone(&facts, "MP3");
        let expected = Tags {
            year: None,
            ..fixture_tags()
        };
        assert_eq!(facts.tags, expected);
    }

    #[test]
    fn a_picture_claiming_more_data_than_its_block_holds_costs_nothing() {
        let facts = accepted(fixture("tolerated/tagged.bad-picture.flac"));
        assert_the_tone(&facts, "FLAC");
        assert_eq!(facts.tags, fixture_tags());
    }

    #[test]
    fn of_two_artists_the_first_is_taken() {
        for (name, format) in [
            ("tolerated/tagged.two-artists.mp3", "MP3"),
            ("tolerated/tagged.two-artists.flac", "FLAC"),
        ] {
            let facts = accepted(fixture(name));
            assert_the_tone(&facts, format);
            assert_eq!(facts.tags, fixture_tags(), "{name}");
        }
    }

    #[test]
    fn of_artist_frames_the_first_with_a_value_is_taken() {
        let two = fixture("tolerated/tagged.two-artists.mp3");
        // Lofty keeps "Second Band" over the empty frame after it.
        let facts = accepted(id3v2::with_text_frame(two, b"TPE1", b"TPE1", ""));
        assert_eq!(facts.tags.artist.as_deref(), Some("Fixture Band"));
        let one = fixture("tagged.mp3");
        let with_empty_first = id3v2::with_text_frame(one, b"TIT2", b"TPE1", "");
        let facts = accepted(with_empty_first);
        assert_eq!(facts.tags.artist.as_deref(), Some("Fixture Band"));
    }

    #[test]
    fn of_two_artist_frames_in_an_id3v2_4_tag_the_first_is_taken() {
        let mut bytes = fixture("tolerated/tagged.two-artists.mp3");
        // Every frame is shorter than 128 bytes, so its size reads the same
        // as a 2.4 synchsafe one.
        bytes[3] = 4;
        let facts = accepted(bytes);
        assert_eq!(facts.tags.artist.as_deref(), Some("Fixture Band"));
        assert_eq!(facts.tags.title.as_deref(), Some("Fixture Song"));
    }

    #[test]
    fn an_id3v2_text_frame_no_mode_decodes_costs_the_tags_not_the_file() {
        let mut bytes = fixture("tagged.mp3");
        let artist = position(&bytes, b"TPE1");
        bytes[artist + 10] = 9;
        let facts = accepted(bytes);
        assert_the_tone(&facts, "MP3");
        assert_eq!(facts.tags, Tags::default());
    }

    #[test]
    fn a_vorbis_comment_longer_than_its_block_costs_the_tags_not_the_file() {
        let mut bytes = fixture("tagged.flac");
        // fLaC, then STREAMINFO (4 + 34 bytes), then VORBIS_COMMENT.
        assert_eq!(bytes[42] & 0x7F, 4);
        let vendor =
            usize::try_from(u32::from_le_bytes(bytes[46..50].try_into().unwrap())).unwrap();
        let first_comment = 50 + vendor + 4;
        bytes[first_comment..first_comment + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let facts = accepted(bytes);
        assert_the_tone(&facts, "FLAC");
        assert_eq!(facts.tags, Tags::default());
    }

    #[test]
    fn a_picture_block_longer_than_it_is_breaks_the_stream_and_is_refused() {
        // Neither libFLAC nor ffmpeg reads past it either.
        let refused = read_audio(Cursor::new(fixture("broken.picture-overrun.flac")));
        assert!(refused.is_err());
    }

    #[test]
    fn lyrics_keep_their_lines_and_lose_nuls_and_what_passes_the_cap() {
        assert_eq!(
            lyrics(Some("  One\r\nTwo\0\rThree\t!\n\n")).as_deref(),
            Some("One\nTwo\nThree\t!")
        );
        assert_eq!(lyrics(Some(" \0 \n")), None);
        assert_eq!(lyrics(None), None);
        let long = "é".repeat(MAX_LYRICS_BYTES);
        let kept = lyrics(Some(&long)).unwrap();
        assert_eq!(kept.len(), MAX_LYRICS_BYTES);
        assert!(kept.chars().all(|c| c == 'é'));
    }

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
