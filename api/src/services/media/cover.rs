//! Cover art: the picture embedded in an audio file's tags, and the JPEG
//! thumbnails made from it. Both are pure functions over bytes (run them
//! off the async runtime); neither ever fails an upload.

use std::io::{Cursor, Read, Seek};

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use lofty::config::{ParseOptions, ParsingMode};
use lofty::picture::PictureType;
use lofty::prelude::*;
use lofty::probe::Probe;
use sha2::{Digest, Sha256};

/// A picture larger than this is ignored.
pub const MAX_COVER_BYTES: usize = 8 * 1024 * 1024;

/// Nor is a picture wider or taller than this decoded (a cover is shown
/// at 600 pixels at most).
const MAX_COVER_SIDE: u32 = 4096;

/// Memory one decode may take: a 4096 x 4096 RGBA picture and change.
const MAX_DECODE_BYTES: u64 = 80 * 1024 * 1024;

/// One decode at a time in the whole process: a few kilobytes of PNG can
/// claim tens of megabytes decoded, and uploads and thumbnail requests
/// could otherwise decode side by side on every blocking thread.
static DECODING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The edge lengths thumbnails are made at, in pixels.
/// A cover as the HTTP layer serves it (a locker item's, or an album's
/// artwork): JPEG bytes and their entity tag.
pub struct CoverImage {
    pub bytes: bytes::Bytes,
    pub etag: String,
}

pub const THUMBNAIL_SIZES: [u32; 3] = [64, 300, 600];

/// Where the thumbnail of a stored picture at `size` is kept: next to it.
pub fn thumbnail_key(cover_key: &str, size: u32) -> String {
    format!("{cover_key}.{size}.jpg")
}

/// A validator of one thumbnail: the cover's key never changes, and says
/// nothing itself.
pub fn etag(cover_key: &str, size: u32) -> String {
    let digest = Sha256::digest(format!("{cover_key}:{size}").as_bytes());
    format!("\"{}\"", &hex::encode(digest)[..32])
}

/// A readable picture, as the file carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`, from the bytes, not the tag's claim.
    pub mime_type: &'static str,
}

/// The file's front cover, else its first picture, if it decodes as a JPEG
/// or PNG of a sane size. Anything wrong (no tags, a damaged picture
/// frame, bytes that are no image, a parser panic) is simply no cover.
pub fn read_cover(reader: impl Read + Seek) -> Option<Cover> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let picture = embedded_picture(reader)?;
        let mime_type = decodable(&picture)?;
        Some(Cover {
            bytes: picture,
            mime_type,
        })
    }))
    .unwrap_or_else(|_| {
        tracing::warn!("reading an upload's cover panicked; kept without one");
        None
    })
}

fn embedded_picture(mut reader: impl Read + Seek) -> Option<Vec<u8>> {
    reader.rewind().ok()?;
    let options = ParseOptions::new()
        .parsing_mode(ParsingMode::Relaxed)
        .read_properties(false)
        .read_cover_art(true);
    let file = Probe::new(std::io::BufReader::new(reader))
        .options(options)
        .guess_file_type()
        .ok()?
        .read()
        .ok()?;
    let pictures = || file.tags().iter().flat_map(|tag| tag.pictures());
    let picture = pictures()
        .find(|picture| picture.pic_type() == PictureType::CoverFront)
        .or_else(|| pictures().next())?;
    let bytes = picture.data();
    (!bytes.is_empty() && bytes.len() <= MAX_COVER_BYTES).then(|| bytes.to_vec())
}

/// The MIME type of a picture that decodes whole as a JPEG or PNG.
pub(crate) fn decodable(bytes: &[u8]) -> Option<&'static str> {
    let (format, _) = decode(bytes)?;
    match format {
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::Png => Some("image/png"),
        _ => None,
    }
}

fn decode(bytes: &[u8]) -> Option<(ImageFormat, DynamicImage)> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let format = reader.format()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_COVER_SIDE);
    limits.max_image_height = Some(MAX_COVER_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // A poisoned lock only means an earlier decode panicked; the gate
    // itself holds nothing.
    let _turn = DECODING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let image = reader.decode().ok()?;
    Some((format, image))
}

/// A JPEG of the picture that fits in `size` x `size`, its aspect ratio
/// kept; a smaller picture keeps its size. `None` when the stored picture
/// no longer decodes.
pub fn thumbnail(bytes: &[u8], size: u32) -> Option<Vec<u8>> {
    let (_, image) = decode(bytes)?;
    let image = if image.width() > size || image.height() > size {
        image.resize(size, size, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    // JPEG has no alpha: a transparent PNG is flattened.
    let rgb = image.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&rgb)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_picture_too_large_to_decode_safely_is_no_cover() {
        // A few kilobytes of PNG that would decode to more than a cover needs.
        assert_eq!(decodable(&png(MAX_COVER_SIDE, 1)), Some("image/png"));
        assert_eq!(decodable(&png(MAX_COVER_SIDE + 1, 1)), None);
        assert_eq!(decodable(&png(1, MAX_COVER_SIDE + 1)), None);
    }

    #[test]
    fn a_thumbnail_fits_its_size_and_keeps_the_aspect_ratio() {
        let bytes = png(800, 400);
        assert_eq!(decodable(&bytes), Some("image/png"));
        let thumb = thumbnail(&bytes, 300).unwrap();
        let (format, image) = decode(&thumb).unwrap();
        assert_eq!(format, ImageFormat::Jpeg);
        assert_eq!((image.width(), image.height()), (300, 150));
        let small = thumbnail(&png(40, 20), 300).unwrap();
        let (_, image) = decode(&small).unwrap();
        assert_eq!((image.width(), image.height()), (40, 20));
    }

    #[test]
    fn bytes_that_are_no_image_are_no_cover() {
        assert_eq!(decodable(b"not a picture at all"), None);
        let mut cut = png(100, 100);
        cut.truncate(cut.len() / 2);
        assert_eq!(decodable(&cut), None);
        assert_eq!(thumbnail(b"\x89PNG\r\n\x1a\n garbage", 64), None);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/audio")
            .join(name);
        std::fs::read(path).unwrap()
    }

    /// `plain.wav` with an ID3v2.3 tag in an `id3 ` chunk holding one
    /// APIC frame per picture (picture type, bytes).
    fn wav_with_pictures(pictures: &[(u8, &[u8])]) -> Vec<u8> {
        let mut frames = Vec::new();
        for (kind, bytes) in pictures {
            let mut content = b"\x00image/png\x00".to_vec();
            content.extend_from_slice(&[*kind, 0]);
            content.extend_from_slice(bytes);
            frames.extend_from_slice(b"APIC");
            frames.extend_from_slice(&(content.len() as u32).to_be_bytes());
            frames.extend_from_slice(&[0, 0]);
            frames.extend_from_slice(&content);
        }
        let size = frames.len() as u32;
        let mut tag = b"ID3\x03\x00\x00".to_vec();
        tag.extend((0..4).rev().map(|i| ((size >> (7 * i)) & 0x7F) as u8));
        tag.extend_from_slice(&frames);
        let mut wav = fixture("plain.wav");
        wav.extend_from_slice(b"id3 ");
        wav.extend_from_slice(&(tag.len() as u32).to_le_bytes());
        wav.extend_from_slice(&tag);
        if tag.len() % 2 == 1 {
            wav.push(0);
        }
        let riff = (wav.len() - 8) as u32;
        wav[4..8].copy_from_slice(&riff.to_le_bytes());
        wav
    }

    #[test]
    fn the_front_cover_is_taken_else_the_first_picture() {
        let (other, front) = (png(10, 10), png(20, 10));
        let both = wav_with_pictures(&[(0, &other), (3, &front)]);
        let cover = read_cover(Cursor::new(both)).unwrap();
        assert_eq!(cover.bytes, front);
        assert_eq!(cover.mime_type, "image/png");
        let only_other = wav_with_pictures(&[(0, &other)]);
        assert_eq!(read_cover(Cursor::new(only_other)).unwrap().bytes, other);
        let garbage = wav_with_pictures(&[(3, b"garbage")]);
        assert_eq!(read_cover(Cursor::new(garbage)), None);
    }

    #[test]
    fn a_file_without_a_readable_picture_has_no_cover() {
        assert_eq!(read_cover(Cursor::new(fixture("tagged.flac"))), None);
        let damaged = fixture("tolerated/tagged.bad-picture.flac");
        assert_eq!(read_cover(Cursor::new(damaged)), None);
        assert_eq!(read_cover(Cursor::new(b"not audio".to_vec())), None);
    }
}
