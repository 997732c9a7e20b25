//! FLAC previews: whole frames, each header proven by its CRC-8 and each
//! frame's end by its CRC-16 where the next header begins, renumbered from
//! 0 with both checksums made anew, under a STREAMINFO that counts them.

use super::{audio_start, FRAME_SLACK};

/// A FLAC file's STREAMINFO (34 bytes) and where its frames start, found
/// by walking the metadata blocks; `read` gives the bytes at an offset
/// (the file's start is at hand, later blocks past a large picture are
/// read as needed).
pub struct FlacLayout {
    pub streaminfo: [u8; 34],
    pub frames_start: u64,
}

impl FlacLayout {
    pub fn sample_rate(&self) -> u32 {
        let s = &self.streaminfo;
        (u32::from(s[10]) << 12) | (u32::from(s[11]) << 4) | (u32::from(s[12]) >> 4)
    }

    /// The header of a FLAC file holding `samples` samples of these
    /// frames: "fLaC" and a STREAMINFO that says so, its MD5 unknown.
    pub fn head_for(&self, samples: u64) -> Vec<u8> {
        let mut info = self.streaminfo;
        // Total samples: the low 4 bits of byte 13 and bytes 14..18.
        let samples = samples.min((1 << 36) - 1);
        info[13] = (info[13] & 0xF0) | ((samples >> 32) as u8 & 0x0F);
        info[14..18].copy_from_slice(&(samples as u32).to_be_bytes());
        info[18..34].fill(0);
        let mut out = Vec::with_capacity(42);
        out.extend_from_slice(b"fLaC");
        // The last (only) metadata block: STREAMINFO, 34 bytes.
        out.extend_from_slice(&[0x80, 0, 0, 34]);
        out.extend_from_slice(&info);
        out
    }
}

/// The layout of a FLAC file whose metadata is all in `head` (its first
/// bytes); `None` when it is not FLAC or its metadata runs past `head`.
pub fn flac_layout(head: &[u8]) -> Option<FlacLayout> {
    let start = usize::try_from(audio_start(head)).ok()?;
    if head.get(start..start + 4)? != b"fLaC" {
        return None;
    }
    let mut at = start + 4;
    let mut streaminfo = None;
    loop {
        let (last, kind, length) = flac_block(head.get(at..)?)?;
        if kind == 0 {
            streaminfo = Some(head.get(at + 4..at + 4 + 34)?.try_into().ok()?);
        }
        at += 4 + usize::try_from(length).ok()?;
        if last {
            break;
        }
    }
    Some(FlacLayout {
        streaminfo: streaminfo?,
        frames_start: at as u64,
    })
}

/// The next metadata block header at `at`: (is last, type, length).
pub fn flac_block(header: &[u8]) -> Option<(bool, u8, u64)> {
    let [kind, a, b, c] = *header.get(0..4)? else {
        return None;
    };
    Some((
        kind & 0x80 != 0,
        kind & 0x7F,
        u64::from(u32::from_be_bytes([0, a, b, c])),
    ))
}

/// Whole FLAC frames of `window` (bytes read from the estimated start):
/// from the first frame whose header is valid (its CRC-8) and whose end is
/// proven by its CRC-16 at the next frame's header, for as many frames as
/// make `length_ms`. The bytes' range in `window` and the samples in it.
pub fn flac_cut(window: &[u8], sample_rate: u32, length_ms: u64) -> Option<(usize, usize, u64)> {
    if sample_rate == 0 {
        return None;
    }
    let first = (0..window.len().min(FRAME_SLACK as usize))
        .find(|&at| flac_frame_end(window, at).is_some())?;
    let wanted = length_ms * u64::from(sample_rate) / 1000;
    let (mut at, mut samples) = (first, 0u64);
    while samples < wanted {
        let Some((end, frame_samples)) = flac_frame_end(window, at) else {
            break;
        };
        at = end;
        samples += frame_samples;
    }
    (at > first).then_some((first, at, samples))
}

/// The frames of a cut (whole frames, as `flac_cut` found them) numbered
/// from the cut's start, each header's CRC-8 and frame's CRC-16 made
/// anew: a player times a FLAC stream by its frames' numbers, and would
/// otherwise start a preview's clock where the cut began in the track.
pub fn flac_renumber(frames: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(frames.len() + 64);
    let (mut at, mut index, mut sample) = (0usize, 0u64, 0u64);
    while at < frames.len() {
        let (end, samples) = flac_frame_end(frames, at)?;
        let (header_len, _) = flac_frame_header(&frames[at..])?;
        let frame = &frames[at..end];
        let extra = match frame[4].leading_ones() {
            0 => 0,
            n => n as usize - 1,
        };
        // Fixed-size blocks are numbered by frame, variable ones by sample.
        let number = if frame[1] & 0x01 == 0 { index } else { sample };
        let start = out.len();
        out.extend_from_slice(&frame[..4]);
        utf8_number(number, &mut out);
        out.extend_from_slice(&frame[5 + extra..header_len - 1]);
        let crc = crc8(&out[start..]);
        out.push(crc);
        out.extend_from_slice(&frame[header_len..frame.len() - 2]);
        let crc = crc16(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
        at = end;
        index += 1;
        sample += samples;
    }
    Some(out)
}

/// FLAC's UTF-8-like coding of a frame or sample number (up to 36 bits).
fn utf8_number(n: u64, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
        return;
    }
    let continuation = match n {
        0..0x800 => 1,
        0x800..0x1_0000 => 2,
        0x1_0000..0x20_0000 => 3,
        0x20_0000..0x400_0000 => 4,
        0x400_0000..0x8000_0000 => 5,
        _ => 6,
    };
    let lead_mark = !(0xFFu8 >> (continuation + 1));
    // The lead byte's own bits: none in the 7-byte form (0xFE).
    let payload = 0xFFu8.checked_shr(continuation + 2).unwrap_or(0);
    out.push(lead_mark | ((n >> (6 * continuation)) as u8 & payload));
    for shift in (0..continuation).rev() {
        out.push(0x80 | ((n >> (6 * shift)) & 0x3F) as u8);
    }
}

/// Where the frame at `at` ends (the next frame's header, or the end of
/// `window` for the file's last frame, its CRC-16 matching) and its
/// samples; `None` when no frame starts at `at` or its end is not in
/// `window`.
fn flac_frame_end(window: &[u8], at: usize) -> Option<(usize, u64)> {
    let (header_len, samples) = flac_frame_header(window.get(at..)?)?;
    let mut next = at + header_len + 2;
    while next + 2 <= window.len() {
        if window[next] == 0xFF && window[next + 1] & 0xFE == 0xF8 {
            let stated = u16::from_be_bytes([window[next - 2], window[next - 1]]);
            if flac_frame_header(&window[next..]).is_some()
                && crc16(&window[at..next - 2]) == stated
            {
                return Some((next, samples));
            }
        }
        next += 1;
    }
    // The file's last frame: its checksum ends the window.
    let end = window.len();
    (end >= at + header_len + 2
        && crc16(&window[at..end - 2]) == u16::from_be_bytes([window[end - 2], window[end - 1]]))
    .then_some((end, samples))
}

/// A FLAC frame header at the start of `bytes` (its CRC-8 checked): its
/// length and the samples (per channel) of its frame.
fn flac_frame_header(bytes: &[u8]) -> Option<(usize, u64)> {
    let [0xFF, sync, sizes, layout, number, ..] = *bytes else {
        return None;
    };
    if sync & 0xFE != 0xF8 || layout & 0x01 != 0 || layout >> 4 > 10 {
        return None;
    }
    let (block_code, rate_code) = (sizes >> 4, sizes & 0x0F);
    if block_code == 0 || rate_code == 0x0F || (layout >> 1) & 0x07 == 0x03 {
        return None;
    }
    // The frame or sample number, UTF-8 coded: 1 to 7 bytes.
    let extra = match number.leading_ones() {
        0 => 0,
        n @ 2..=7 => n as usize - 1,
        _ => return None,
    };
    let mut at = 5 + extra;
    if bytes.get(5..at)?.iter().any(|b| b & 0xC0 != 0x80) {
        return None;
    }
    let samples = match block_code {
        1 => 192,
        2..=5 => 576 << (block_code - 2),
        6 => {
            at += 1;
            u64::from(*bytes.get(at - 1)?) + 1
        }
        7 => {
            at += 2;
            u64::from(u16::from_be_bytes([
                *bytes.get(at - 2)?,
                *bytes.get(at - 1)?,
            ])) + 1
        }
        _ => 256 << (block_code - 8),
    };
    match rate_code {
        12 => at += 1,
        13 | 14 => at += 2,
        _ => {}
    }
    let stated = *bytes.get(at)?;
    (crc8(bytes.get(..at)?) == stated).then_some((at + 1, samples))
}

/// FLAC's CRC-8 (polynomial 0x07) of a frame header.
fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, byte| {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// FLAC's CRC-16 (polynomial 0x8005) of a frame up to its footer.
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, byte| {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flac_is_cut_on_frames_proven_by_their_checksums() {
        let file = include_bytes!("../../../../../tests/fixtures/audio/plain.flac");
        let layout = flac_layout(file).unwrap();
        assert_eq!(layout.sample_rate(), 44_100);
        assert_eq!(layout.frames_start, 8288);
        // From a point inside the frames (not on a boundary), 500 ms.
        let window = &file[layout.frames_start as usize + 100..];
        let (from, to, samples) = flac_cut(window, 44_100, 500).unwrap();
        assert!(from > 0, "the walk skips to the next frame");
        assert_eq!((window[from], window[from + 1] & 0xFE), (0xFF, 0xF8));
        // Whole frames of 4,608 samples, at least 500 ms of them.
        assert_eq!(samples % 4_608, 0);
        assert!((22_050..22_050 + 4_608).contains(&samples), "{samples}");
        assert!(
            flac_frame_header(&window[to..]).is_some(),
            "ends before a frame"
        );
        // The new head says how many samples follow, MD5 unknown.
        let head = layout.head_for(samples);
        let cut = [head.as_slice(), &window[from..to]].concat();
        let again = flac_layout(&cut).unwrap();
        let info = again.streaminfo;
        let total = (u64::from(info[13] & 0x0F) << 32)
            | u64::from(u32::from_be_bytes(info[14..18].try_into().unwrap()));
        assert_eq!(total, samples);
        assert_eq!(&info[18..34], &[0; 16]);
        // Renumbered from 0, every frame still proven by its checksums.
        let renumbered = flac_renumber(&window[from..to]).unwrap();
        assert_eq!(
            renumbered.len(),
            to - from,
            "one-byte numbers stay one byte"
        );
        assert_eq!(renumbered[4], 0, "the first frame is frame 0");
        let (_, end, again) = flac_cut(&renumbered, 44_100, 30_000).unwrap();
        assert_eq!((end, again), (renumbered.len(), samples));
        let mut coded = Vec::new();
        for n in [0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x1_0000, 0xF_FFFF_FFFF] {
            coded.clear();
            utf8_number(n, &mut coded);
            let extra = match coded[0].leading_ones() {
                0 => 0,
                n => n as usize - 1,
            };
            assert_eq!(coded.len(), 1 + extra, "{n:x}: {coded:x?}");
            let payload = 0xFFu8.checked_shr(extra as u32 + 2).unwrap_or(0);
            let mut value = u64::from(coded[0] & payload);
            if extra == 0 {
                value = u64::from(coded[0]);
            }
            for byte in &coded[1..] {
                value = (value << 6) | u64::from(byte & 0x3F);
            }
            assert_eq!(value, n, "{coded:x?}");
        }
        // To the end of the file: the last frame too.
        let (_, to, samples) = flac_cut(window, 44_100, 30_000).unwrap();
        assert_eq!(to, window.len());
        let whole = flac_cut(&file[layout.frames_start as usize..], 44_100, 30_000).unwrap();
        assert_eq!(whole.2, 66_150, "every sample of the file");
        assert!(samples < 66_150);
        // Garbage is no frame.
        assert_eq!(flac_cut(&[0xFF, 0xF8, 0, 0, 0, 0, 0, 0], 44_100, 500), None);
    }
}
