//! The length of an MP3 whose LAME tag says how many samples the encoder
//! added: its delay before the audio and its padding after it. Lofty counts
//! them as audio; mutagen (and a gapless player) leave them out. They are a
//! few hundredths of a second at 44.1 kHz but a tenth or more at MPEG 2.5's
//! low rates (mutagen's `silence-44-s-mpeg25.mp3`: 3.68 s, 3.84 s in lofty).

use std::io::{self, Read, Seek, SeekFrom};

/// How far past the ID3v2 tag the first frame may start.
const MAX_JUNK: u64 = 64 * 1024;

/// The length in milliseconds the first frame's Xing (or Info) header and
/// LAME tag give: its frames' samples without the encoder's delay and
/// padding. `None` without a Xing header counting frames or a LAME tag.
pub fn gapless_duration_ms<R: Read + Seek>(reader: &mut R) -> io::Result<Option<u64>> {
    let tag_len = super::id3v2::leading_tag_len(reader)?;
    reader.seek(SeekFrom::Start(tag_len))?;
    let mut window = Vec::new();
    reader.take(MAX_JUNK).read_to_end(&mut window)?;
    let Some(frame) = window
        .windows(4)
        .position(|bytes| frame_header(bytes).is_some())
        .and_then(|at| window.get(at..))
    else {
        return Ok(None);
    };
    Ok(frame_header(frame).and_then(|header| lame_length(frame, header)))
}

struct Header {
    sample_rate: u64,
    samples_per_frame: u64,
    /// Where the Xing header starts, after the frame header and side info.
    xing_at: usize,
}

/// A layer III frame header (the only layer LAME writes its tag in).
fn frame_header(bytes: &[u8]) -> Option<Header> {
    let [0xFF, b1, b2, b3, ..] = *bytes else {
        return None;
    };
    if b1 & 0xE0 != 0xE0 || (b1 >> 1) & 0x3 != 0b01 || b2 >> 4 == 0xF || b2 >> 4 == 0 {
        return None;
    }
    let (rates, mpeg1) = match (b1 >> 3) & 0x3 {
        0b11 => ([44_100, 48_000, 32_000], true),
        0b10 => ([22_050, 24_000, 16_000], false),
        0b00 => ([11_025, 12_000, 8_000], false),
        _ => return None,
    };
    let sample_rate = *rates.get(usize::from((b2 >> 2) & 0x3))?;
    let mono = b3 >> 6 == 0b11;
    let side_info = match (mpeg1, mono) {
        (true, false) => 32,
        (true, true) | (false, false) => 17,
        (false, true) => 9,
    };
    Some(Header {
        sample_rate,
        samples_per_frame: if mpeg1 { 1152 } else { 576 },
        xing_at: 4 + side_info,
    })
}

/// Mutagen's length: frames times samples per frame, less the LAME tag's
/// delay and padding.
fn lame_length(frame: &[u8], header: Header) -> Option<u64> {
    let xing = frame.get(header.xing_at..)?;
    if !(xing.starts_with(b"Xing") || xing.starts_with(b"Info")) {
        return None;
    }
    let flags = u32::from_be_bytes(xing.get(4..8)?.try_into().ok()?);
    if flags & 0x1 == 0 {
        return None;
    }
    let frames = u64::from(u32::from_be_bytes(xing.get(8..12)?.try_into().ok()?));
    // The byte count, the table of contents and the quality, when present.
    let lame_at = 12
        + if flags & 0x2 != 0 { 4 } else { 0 }
        + if flags & 0x4 != 0 { 100 } else { 0 }
        + if flags & 0x8 != 0 { 4 } else { 0 };
    let lame = xing.get(lame_at..lame_at + 24)?;
    // LAME wrote delay and padding from 3.90 on; "LAME3.88" is a name only.
    let version = std::str::from_utf8(lame.get(4..8)?).ok()?;
    let (major, minor) = version.split_once('.')?;
    let version: (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
    if !lame.starts_with(b"LAME") || version < (3, 90) {
        return None;
    }
    let [d0, d1, d2] = [lame[21], lame[22], lame[23]];
    let delay = (u64::from(d0) << 4) | u64::from(d1 >> 4);
    let padding = (u64::from(d1 & 0x0F) << 8) | u64::from(d2);
    let samples = (frames * header.samples_per_frame).checked_sub(delay + padding)?;
    Some(samples * 1000 / header.sample_rate)
}
