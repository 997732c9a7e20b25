//! FLAC in an Ogg stream ("Ogg FLAC"), which lofty does not know: its
//! probe sees an Ogg stream that is neither Vorbis, Opus nor Speex, looks
//! on for MPEG frames after junk and finds one by chance (mutagen's
//! `empty.oggflac`, 3.68 s, read as an 84 ms MP3). Mutagen, TagLib and
//! ffmpeg read it; so does Cadenza, from the two packets that open the
//! stream: the FLAC mapping's first packet (with STREAMINFO) and the
//! VORBIS_COMMENT block that must follow it.

use std::io::{Read, Seek, SeekFrom};

use lofty::ogg::tag::VorbisComments;
use lofty::tag::Tag;
use ogg_pager::Packets;

/// What the stream's opening packets say.
pub struct OggFlac {
    pub duration_ms: u64,
    pub sample_rate_hz: u32,
    pub channels: u8,
    pub overall_kbps: u32,
    /// Empty when the comment block cannot be read: that costs the tags,
    /// not the file.
    pub tag: Tag,
}

/// The mapping's first packet: 0x7F "FLAC", its version and header count,
/// then "fLaC" and the STREAMINFO block (4 + 34 bytes).
const FIRST_PACKET: usize = 13 + 4 + 34;

/// `None` when the file is no Ogg FLAC stream, or its STREAMINFO says no
/// sample rate or no length.
pub fn read<R: Read + Seek>(reader: &mut R) -> Option<OggFlac> {
    // An Ogg page whose first packet starts with the FLAC mapping's mark.
    let mut start = [0u8; 33];
    reader.rewind().ok()?;
    reader.read_exact(&mut start).ok()?;
    if &start[..4] != b"OggS" || &start[28..] != b"\x7FFLAC" {
        return None;
    }
    let file_len = reader.seek(SeekFrom::End(0)).ok()?;
    reader.rewind().ok()?;
    let (packets, _) = Packets::read_count(reader, 2).ok()?;
    let first = packets.get(0)?;
    if first.len() < FIRST_PACKET || &first[..5] != b"\x7FFLAC" || &first[9..13] != b"fLaC" {
        return None;
    }
    let info = &first[17..FIRST_PACKET];
    // After the block sizes (2 + 2) and frame sizes (3 + 3): 20 bits of
    // sample rate, 3 of channels - 1, 5 of bits per sample - 1 and 36 of
    // samples.
    let packed = u64::from_be_bytes(info[10..18].try_into().ok()?);
    let sample_rate = u32::try_from(packed >> 44).ok()?;
    let channels = u8::try_from(((packed >> 41) & 0x7) + 1).ok()?;
    let samples = packed & 0xF_FFFF_FFFF;
    if sample_rate == 0 || samples == 0 {
        return None;
    }
    let duration_ms = samples * 1000 / u64::from(sample_rate);
    let overall_kbps = match duration_ms {
        0 => 0,
        ms => u32::try_from(file_len * 8 / ms).unwrap_or(u32::MAX),
    };
    let tag = packets
        .get(1)
        .and_then(comments)
        .map(Tag::from)
        .unwrap_or_else(|| Tag::new(lofty::tag::TagType::VorbisComments));
    Some(OggFlac {
        duration_ms,
        sample_rate_hz: sample_rate,
        channels,
        overall_kbps,
        tag,
    })
}

/// A VORBIS_COMMENT metadata block (type 4): a vendor string, then
/// `KEY=value` comments, each after its little-endian length.
fn comments(block: &[u8]) -> Option<VorbisComments> {
    let (&[kind, ..], mut rest) = (block, block.get(4..)?) else {
        return None;
    };
    if kind & 0x7F != 4 {
        return None;
    }
    let next = |rest: &mut &[u8]| -> Option<String> {
        let len = usize::try_from(u32::from_le_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
        let text = rest.get(4..4 + len)?;
        *rest = &rest[4 + len..];
        Some(String::from_utf8_lossy(text).into_owned())
    };
    let mut tag = VorbisComments::default();
    tag.set_vendor(next(&mut rest)?);
    let count = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
    rest = &rest[4..];
    for _ in 0..count {
        let Some(comment) = next(&mut rest) else {
            break;
        };
        if let Some((key, value)) = comment.split_once('=') {
            tag.push(key.to_owned(), value.to_owned());
        }
    }
    Some(tag)
}
