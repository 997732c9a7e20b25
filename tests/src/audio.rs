//! Audio the tests make themselves: PCM WAV and AIFF with or without tags,
//! written byte by byte so every header field is known.

/// A 16-bit PCM WAV of `millis` of a quiet tone, mono at 8 kHz, with a RIFF
/// INFO tag list when `tags` has any entries (`INAM` title, `IART` artist,
/// `IPRD` album, `IGNR` genre, `ICRD` year, `ITRK` track).
pub fn wav(millis: u32, tags: &[(&str, &str)]) -> Vec<u8> {
    wav_at(8_000, millis, tags)
}

/// A one-second WAV (8 kHz mono) of random samples with RIFF INFO `tags`:
/// bytes no other file has.
pub fn random_wav(tags: &[(&str, &str)]) -> Vec<u8> {
    let samples: Vec<i16> = (0..8_000).map(|_| rand::random::<i16>()).collect();
    wav_of(8_000, &samples, tags)
}

/// The same at any sample rate: a low one keeps long files small.
pub fn wav_at(rate: u32, millis: u32, tags: &[(&str, &str)]) -> Vec<u8> {
    wav_of(rate, &pcm(rate, millis), tags)
}

/// A 16-bit mono PCM WAV of `samples` at `rate`, tagged as `wav` says.
pub fn wav_of(rate: u32, samples: &[i16], tags: &[(&str, &str)]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * 2).to_le_bytes()); // byte rate
    fmt.extend_from_slice(&2u16.to_le_bytes()); // block align
    fmt.extend_from_slice(&16u16.to_le_bytes()); // bits
    let mut body = Vec::new();
    body.extend_from_slice(b"WAVE");
    chunk_le(&mut body, b"fmt ", &fmt);
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    chunk_le(&mut body, b"data", &data);
    if !tags.is_empty() {
        let mut list = b"INFO".to_vec();
        for (id, value) in tags {
            let mut text = value.as_bytes().to_vec();
            text.push(0);
            chunk_le(&mut list, id.as_bytes(), &text);
        }
        chunk_le(&mut body, b"LIST", &list);
    }
    let mut file = Vec::new();
    chunk_le(&mut file, b"RIFF", &body);
    file
}

/// A 16-bit PCM AIFF of `millis`, mono at 8 kHz, untagged.
pub fn aiff(millis: u32) -> Vec<u8> {
    let rate = 8_000u32;
    let samples = pcm(rate, millis);
    let mut comm = Vec::new();
    comm.extend_from_slice(&1u16.to_be_bytes()); // channels
    comm.extend_from_slice(&(samples.len() as u32).to_be_bytes());
    comm.extend_from_slice(&16u16.to_be_bytes());
    comm.extend_from_slice(&extended(rate));
    let mut ssnd = vec![0u8; 8]; // offset, block size
    ssnd.extend(samples.iter().flat_map(|s| s.to_be_bytes()));
    let mut body = b"AIFF".to_vec();
    chunk_be(&mut body, b"COMM", &comm);
    chunk_be(&mut body, b"SSND", &ssnd);
    let mut file = Vec::new();
    chunk_be(&mut file, b"FORM", &body);
    file
}

/// An ID3v2.3 tag of text frames (`TIT2`, `TPE1`, `TALB`, ...) and
/// attached pictures (`APIC`: MIME type, picture type as ID3 numbers them
/// (3 is the front cover), bytes).
pub fn id3v2(text: &[(&str, &str)], pictures: &[(&str, u8, &[u8])]) -> Vec<u8> {
    let mut frames: Vec<(&str, Vec<u8>)> = Vec::new();
    for (id, value) in text {
        // ISO-8859-1, which ASCII is.
        frames.push((id, text_frame(value)));
    }
    for (mime, kind, bytes) in pictures {
        frames.push(("APIC", apic(mime, *kind, bytes)));
    }
    id3v2_frames(&frames)
}

/// The content of an ID3v2 text frame (`TIT2`, `TPE1`, ...) of ASCII `value`.
pub fn text_frame(value: &str) -> Vec<u8> {
    let mut content = vec![0];
    content.extend_from_slice(value.as_bytes());
    content
}

/// The content of an ID3v2 `APIC` frame: MIME type, picture type as ID3
/// numbers them (3 is the front cover), bytes.
pub fn apic(mime: &str, kind: u8, bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0];
    content.extend_from_slice(mime.as_bytes());
    content.extend_from_slice(&[0, kind, 0]);
    content.extend_from_slice(bytes);
    content
}

/// The content of an ID3v2 `USLT` frame (unsynchronised lyrics): ASCII
/// `lyrics` in `language` (three letters), with no content descriptor.
pub fn uslt(language: &str, lyrics: &str) -> Vec<u8> {
    let mut content = vec![0];
    content.extend_from_slice(language.as_bytes());
    content.push(0);
    content.extend_from_slice(lyrics.as_bytes());
    content
}

/// An ID3v2.3 tag of frames given as their id and content.
pub fn id3v2_frames(given: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut frames = Vec::new();
    for (id, content) in given {
        frames.extend_from_slice(id.as_bytes());
        frames.extend_from_slice(&(content.len() as u32).to_be_bytes());
        frames.extend_from_slice(&[0, 0]);
        frames.extend_from_slice(content);
    }
    let size = frames.len() as u32;
    let synchsafe = [
        (size >> 21) as u8 & 0x7F,
        (size >> 14) as u8 & 0x7F,
        (size >> 7) as u8 & 0x7F,
        size as u8 & 0x7F,
    ];
    let mut tag = b"ID3\x03\x00\x00".to_vec();
    tag.extend_from_slice(&synchsafe);
    tag.extend_from_slice(&frames);
    tag
}

/// `wav` with an ID3v2 tag in an `id3 ` chunk at its end, as taggers write
/// one; a WAV read this way takes its tags from there.
pub fn with_id3_chunk(mut wav: Vec<u8>, tag: &[u8]) -> Vec<u8> {
    chunk_le(&mut wav, b"id3 ", tag);
    let riff_size = (wav.len() - 8) as u32;
    wav[4..8].copy_from_slice(&riff_size.to_le_bytes());
    wav
}

/// A PNG of `width` x `height` whose pixels are random: bytes found
/// nowhere else.
pub fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |_, _| image::Rgb(rand::random()));
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn pcm(rate: u32, millis: u32) -> Vec<i16> {
    let count = (rate as u64 * millis as u64 / 1000) as usize;
    (0..count)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / rate as f64).sin() * 3000.0) as i16)
        .collect()
}

fn chunk_le(out: &mut Vec<u8>, id: &[u8], data: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn chunk_be(out: &mut Vec<u8>, id: &[u8], data: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

/// An integer sample rate as the 80-bit IEEE extended float AIFF wants.
fn extended(value: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    let shift = value.leading_zeros();
    let mantissa = (value as u64) << (32 + shift);
    let exponent = 16383 + 31 - shift as u16;
    out[..2].copy_from_slice(&exponent.to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}
