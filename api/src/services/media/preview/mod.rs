//! Cutting a preview (a stretch of a master, 30 seconds) out of an audio
//! file without decoding it, so it costs a couple of reads and no CPU.
//!
//! - WAV and AIFF (PCM): cut by bytes, exactly: the start and the length
//!   are whole sample frames, and the header is written anew for the cut.
//! - MP3 and AAC in ADTS: the start is found by the byte ratio (where the
//!   point falls in the audio bytes, exact for a constant bitrate and close
//!   for a variable one), then both ends move to frame boundaries, walking
//!   the frames by their headers; the cut is whole frames, which every
//!   decoder plays from any frame. Tags (ID3v2, a Xing header) are left
//!   out: they describe the whole file.
//! - FLAC: the start is found by the byte ratio among the frames, then
//!   whole frames are walked, each header checked by its CRC-8 and each
//!   frame's end proven by its CRC-16 where the next header begins; the
//!   cut gets "fLaC" and a STREAMINFO counting its samples (MD5 unknown).
//! - Other formats (FLAC in Ogg, Ogg Vorbis, Opus, MP4/M4A/ALAC) are not cut:
//!   their frames hang off headers and indexes a cut would have to
//!   rewrite, so they have no preview (`Track.previewUrl` is null) rather
//!   than a file that plays wrong in some players.
//!
//! Each cut is planned from the file's first bytes (`HEAD_BYTES`), then the
//! audio bytes are read as one range.

/// How much of the file's start a plan reads (headers, tags).
pub const HEAD_BYTES: u64 = 256 * 1024;

/// A frame-walking plan reads this much past its estimate, to find the
/// frame boundary there.
pub const FRAME_SLACK: u64 = 16 * 1024;

mod flac;
pub use flac::{flac_block, flac_cut, flac_layout, flac_renumber, FlacLayout};

/// The formats a preview can be cut from, by `track.master_format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cuttable {
    Wav,
    Aiff,
    Mp3,
    Adts,
    /// Native FLAC (not FLAC in Ogg).
    Flac,
}

impl Cuttable {
    /// By the master's format and MIME type (FLAC in Ogg is not cut).
    pub fn of_master(format: &str, mime_type: Option<&str>) -> Option<Self> {
        match format {
            "WAV" => Some(Self::Wav),
            "AIFF" => Some(Self::Aiff),
            "MP3" => Some(Self::Mp3),
            "AAC" => Some(Self::Adts),
            "FLAC" if mime_type != Some("audio/ogg") => Some(Self::Flac),
            _ => None,
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Wav => "audio/wav",
            Self::Aiff => "audio/aiff",
            Self::Mp3 => "audio/mpeg",
            Self::Adts => "audio/aac",
            Self::Flac => "audio/flac",
        }
    }
}

/// What to send: `head` (a new header, possibly empty), then `length`
/// bytes of the file from `start`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub head: Vec<u8>,
    pub start: u64,
    pub length: u64,
}

/// Where the preview starts, in milliseconds: `chosen` (the feed's) or a
/// third in, and never so late that less than `length_ms` is left when
/// the track is longer than that.
pub fn start_ms(duration_ms: u64, chosen: Option<u64>, length_ms: u64) -> u64 {
    let wanted = chosen.unwrap_or(duration_ms / 3);
    wanted.min(duration_ms.saturating_sub(length_ms))
}

/// A WAV of `length_ms` from `from_ms`, exact to the sample frame.
pub fn plan_wav(head: &[u8], file_len: u64, from_ms: u64, length_ms: u64) -> Option<Plan> {
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12usize;
    let mut fmt: Option<&[u8]> = None;
    loop {
        let id = head.get(at..at + 4)?;
        let size = u32::from_le_bytes(head.get(at + 4..at + 8)?.try_into().ok()?);
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some(head.get(body..body + usize::try_from(size).ok()?)?);
        } else if id == b"data" {
            let fmt = fmt?;
            let byte_rate = u64::from(u32::from_le_bytes(fmt.get(8..12)?.try_into().ok()?));
            let block_align = u64::from(u16::from_le_bytes(fmt.get(12..14)?.try_into().ok()?));
            if byte_rate == 0 || block_align == 0 {
                return None;
            }
            let data_start = body as u64;
            // A streaming writer may leave the size unknown (0 or all ones).
            let stated = u64::from(size);
            let data_len = if stated == 0 || stated == u64::from(u32::MAX) {
                file_len.saturating_sub(data_start)
            } else {
                stated.min(file_len.saturating_sub(data_start))
            };
            let whole = |bytes: u64| bytes - bytes % block_align;
            let offset = whole(from_ms * byte_rate / 1000).min(whole(data_len));
            let length = whole(length_ms * byte_rate / 1000).min(whole(data_len - offset));
            let mut out = Vec::with_capacity(44 + fmt.len());
            let riff_len = 4 + 8 + fmt.len() as u64 + fmt.len() as u64 % 2 + 8 + length;
            out.extend_from_slice(b"RIFF");
            out.extend_from_slice(&u32::try_from(riff_len).ok()?.to_le_bytes());
            out.extend_from_slice(b"WAVE");
            out.extend_from_slice(b"fmt ");
            out.extend_from_slice(&u32::try_from(fmt.len()).ok()?.to_le_bytes());
            out.extend_from_slice(fmt);
            if fmt.len() % 2 == 1 {
                out.push(0);
            }
            out.extend_from_slice(b"data");
            out.extend_from_slice(&u32::try_from(length).ok()?.to_le_bytes());
            return Some(Plan {
                head: out,
                start: data_start + offset,
                length,
            });
        }
        at = body + usize::try_from(size).ok()? + (size as usize % 2);
    }
}

/// An AIFF (not AIFF-C) of `length_ms` from `from_ms`, exact to the
/// sample frame.
pub fn plan_aiff(head: &[u8], file_len: u64, from_ms: u64, length_ms: u64) -> Option<Plan> {
    if head.get(0..4)? != b"FORM" || head.get(8..12)? != b"AIFF" {
        return None;
    }
    let mut at = 12usize;
    let mut comm: Option<(u16, u16, f64, &[u8])> = None;
    loop {
        let id = head.get(at..at + 4)?;
        let size = u32::from_be_bytes(head.get(at + 4..at + 8)?.try_into().ok()?);
        let body = at + 8;
        if id == b"COMM" {
            let channels = u16::from_be_bytes(head.get(body..body + 2)?.try_into().ok()?);
            let bits = u16::from_be_bytes(head.get(body + 6..body + 8)?.try_into().ok()?);
            let raw_rate = head.get(body + 8..body + 18)?;
            comm = Some((channels, bits, extended(raw_rate)?, raw_rate));
        } else if id == b"SSND" {
            let (channels, bits, rate, raw_rate) = comm?;
            let offset = u64::from(u32::from_be_bytes(
                head.get(body..body + 4)?.try_into().ok()?,
            ));
            let frame_bytes = u64::from(channels) * u64::from(bits.div_ceil(8));
            // A NaN rate (a damaged header) is refused with the zero one.
            if frame_bytes == 0 || rate.is_nan() || rate < 1.0 {
                return None;
            }
            let data_start = body as u64 + 8 + offset;
            let data_len = (u64::from(size).saturating_sub(8 + offset))
                .min(file_len.saturating_sub(data_start));
            let frames_total = data_len / frame_bytes;
            let frame_at = |ms: u64| (ms as f64 * rate / 1000.0).floor() as u64;
            let first = frame_at(from_ms).min(frames_total);
            let frames = frame_at(length_ms).min(frames_total - first);
            let length = frames * frame_bytes;
            let mut out = Vec::with_capacity(54);
            out.extend_from_slice(b"FORM");
            out.extend_from_slice(&u32::try_from(4 + 26 + 16 + length).ok()?.to_be_bytes());
            out.extend_from_slice(b"AIFF");
            out.extend_from_slice(b"COMM");
            out.extend_from_slice(&18u32.to_be_bytes());
            out.extend_from_slice(&channels.to_be_bytes());
            out.extend_from_slice(&u32::try_from(frames).ok()?.to_be_bytes());
            out.extend_from_slice(&bits.to_be_bytes());
            // The sample rate as it was written (80-bit extended).
            out.extend_from_slice(raw_rate);
            out.extend_from_slice(b"SSND");
            out.extend_from_slice(&u32::try_from(8 + length).ok()?.to_be_bytes());
            out.extend_from_slice(&0u32.to_be_bytes());
            out.extend_from_slice(&0u32.to_be_bytes());
            return Some(Plan {
                head: out,
                start: data_start + first * frame_bytes,
                length,
            });
        }
        at = body + usize::try_from(size).ok()? + (size as usize % 2);
    }
}

/// An IEEE 754 80-bit extended float (AIFF's sample rate).
fn extended(bytes: &[u8]) -> Option<f64> {
    let exponent = i32::from(u16::from_be_bytes(bytes.get(0..2)?.try_into().ok()?) & 0x7FFF);
    let mantissa = u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?);
    if exponent == 0 && mantissa == 0 {
        return Some(0.0);
    }
    Some(mantissa as f64 * 2f64.powi(exponent - 16383 - 63))
}

/// Where the frames start (past a leading ID3v2 tag), for the byte ratio.
pub fn audio_start(head: &[u8]) -> u64 {
    if head.len() >= 10 && &head[0..3] == b"ID3" {
        let size = head[6..10]
            .iter()
            .fold(0u64, |size, byte| (size << 7) | u64::from(byte & 0x7F));
        let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
        10 + size + footer
    } else {
        0
    }
}

/// The byte range to read for a frame cut: from where `from_ms` falls in
/// the audio bytes (by ratio) to where `from_ms + length_ms` does, and
/// `FRAME_SLACK` more to find the frame boundaries in.
pub fn frame_window(
    audio_start: u64,
    file_len: u64,
    duration_ms: u64,
    from_ms: u64,
    length_ms: u64,
) -> Option<(u64, u64)> {
    if duration_ms == 0 || file_len <= audio_start {
        return None;
    }
    let audio = file_len - audio_start;
    let at = |ms: u64| {
        audio_start
            + (u128::from(audio) * u128::from(ms.min(duration_ms)) / u128::from(duration_ms)) as u64
    };
    let start = at(from_ms);
    let end = (at(from_ms + length_ms) + FRAME_SLACK).min(file_len);
    Some((start, end - start))
}

/// Whole frames of `window` (bytes read from the estimated start): from
/// the first frame whose header is followed by another frame's, for as
/// many frames as make `length_ms`. Returns the bytes' range in `window`.
pub fn frame_cut(kind: Cuttable, window: &[u8], length_ms: u64) -> Option<(usize, usize)> {
    let frame = |at: usize| match kind {
        Cuttable::Mp3 => mpeg_frame(window.get(at..)?),
        Cuttable::Adts => adts_frame(window.get(at..)?),
        Cuttable::Wav | Cuttable::Aiff | Cuttable::Flac => None,
    };
    // A sync pattern can occur inside audio data: a frame counts only when
    // the next one starts right after it.
    let first = (0..window.len().min(FRAME_SLACK as usize))
        .find(|&at| frame(at).is_some_and(|(len, _)| frame(at + len).is_some()))?;
    let mut at = first;
    let mut played_us = 0u64;
    while played_us < length_ms * 1000 {
        let Some((len, duration_us)) = frame(at) else {
            break;
        };
        if at + len > window.len() {
            break;
        }
        at += len;
        played_us += duration_us;
    }
    (at > first).then_some((first, at))
}

/// An MPEG audio frame (layer III; MPEG 1, 2 or 2.5) at the start of
/// `bytes`: its length in bytes and its duration in microseconds.
fn mpeg_frame(bytes: &[u8]) -> Option<(usize, u64)> {
    const MPEG1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const MPEG2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let [0xFF, b1, b2, ..] = *bytes else {
        return None;
    };
    if b1 & 0xE0 != 0xE0 || (b1 >> 1) & 0x3 != 0b01 {
        return None;
    }
    let version = (b1 >> 3) & 0x3;
    let (rates, mpeg1) = match version {
        0b11 => ([44_100u32, 48_000, 32_000], true),
        0b10 => ([22_050, 24_000, 16_000], false),
        0b00 => ([11_025, 12_000, 8_000], false),
        _ => return None,
    };
    let bitrate_index = usize::from(b2 >> 4);
    let rate = *rates.get(usize::from((b2 >> 2) & 0x3))?;
    if bitrate_index == 0 || bitrate_index == 15 {
        return None;
    }
    let kbps = if mpeg1 {
        MPEG1[bitrate_index]
    } else {
        MPEG2[bitrate_index]
    };
    let padding = u32::from((b2 >> 1) & 0x1);
    let samples = if mpeg1 { 1152 } else { 576 };
    let len = samples / 8 * kbps * 1000 / rate + padding;
    let duration_us = u64::from(samples) * 1_000_000 / u64::from(rate);
    Some((usize::try_from(len).ok()?, duration_us))
}

/// An ADTS frame at the start of `bytes`: its length and duration.
fn adts_frame(bytes: &[u8]) -> Option<(usize, u64)> {
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025,
        8_000, 7_350,
    ];
    let header = bytes.get(0..7)?;
    if header[0] != 0xFF || header[1] & 0xF6 != 0xF0 {
        return None;
    }
    let rate = *RATES.get(usize::from((header[2] >> 2) & 0xF))?;
    let len = (usize::from(header[3] & 0x3) << 11)
        | (usize::from(header[4]) << 3)
        | usize::from(header[5] >> 5);
    let blocks = u64::from(header[6] & 0x3) + 1;
    if len < 7 {
        return None;
    }
    Some((len, blocks * 1024 * 1_000_000 / u64::from(rate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(rate: u32, channels: u16, seconds: u32) -> Vec<u8> {
        let block = 2 * u32::from(channels);
        let data_len = rate * block * seconds;
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * block).to_le_bytes());
        out.extend_from_slice(&(block as u16).to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend((0..data_len).map(|i| (i % 251) as u8));
        out
    }

    #[test]
    fn a_wav_preview_is_exactly_thirty_seconds_of_whole_frames_from_its_start() {
        let file = wav(8_000, 2, 90);
        let plan = plan_wav(&file, file.len() as u64, 30_000, 30_000).unwrap();
        assert_eq!(plan.length, 8_000 * 4 * 30);
        assert_eq!(plan.start, 44 + 8_000 * 4 * 30);
        assert_eq!(&plan.head[40..44], &(8_000u32 * 4 * 30).to_le_bytes());
        assert_eq!(plan.head.len(), 44);
        // Near the end: what is left.
        let late = plan_wav(&file, file.len() as u64, 80_000, 30_000).unwrap();
        assert_eq!(late.length, 8_000 * 4 * 10);
    }

    #[test]
    fn the_start_is_a_third_in_or_the_feeds_and_leaves_thirty_seconds() {
        assert_eq!(start_ms(180_000, None, 30_000), 60_000);
        assert_eq!(start_ms(180_000, Some(10_000), 30_000), 10_000);
        assert_eq!(start_ms(180_000, Some(170_000), 30_000), 150_000);
        assert_eq!(start_ms(20_000, None, 30_000), 0);
    }

    #[test]
    fn mp3_frames_are_walked_to_whole_frames() {
        // 128 kbps, 44.1 kHz, no padding: 417 bytes a frame, 26.1 ms.
        let mut frame = vec![0u8; 417];
        frame[0..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        let mut window = vec![0x12, 0x34, 0x56];
        for _ in 0..100 {
            window.extend_from_slice(&frame);
        }
        let (from, to) = frame_cut(Cuttable::Mp3, &window, 1_000).unwrap();
        assert_eq!(from, 3);
        assert_eq!((to - from) % 417, 0);
        // 39 frames is 1018 ms: the first count past a second.
        assert_eq!((to - from) / 417, 39);
    }
}
