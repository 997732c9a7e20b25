//! The ID3v2 tag that opens a file, walked frame by frame: lofty keeps only
//! the last of repeated frames, and other readers show the first.

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};

use lofty::id3::v2::{FrameFlags, FrameId, Id3v2Version, TextInformationFrame};

/// The text of each TPE1 (artist) frame, in order, of the ID3v2.3 or 2.4
/// tag at the start of the file, decoded as lofty decodes it. Empty when
/// there is none, or when the tag is unsynchronised or a TPE1 frame
/// compressed or encrypted: those are left to lofty.
pub fn artist_frames<R: Read + Seek>(reader: &mut R) -> io::Result<Vec<String>> {
    // Enough for any tag a tagger writes; a longer walk only costs time.
    const MAX_FRAMES: usize = 1024;
    const MAX_ARTIST_BYTES: usize = 64 * 1024;
    reader.rewind()?;
    let mut header = [0u8; 10];
    reader.read_exact(&mut header)?;
    let [b'I', b'D', b'3', major, _, flags, s0, s1, s2, s3] = header else {
        return Ok(Vec::new());
    };
    let version = match major {
        3 => Id3v2Version::V3,
        4 => Id3v2Version::V4,
        _ => return Ok(Vec::new()),
    };
    if flags & 0x80 != 0 {
        return Ok(Vec::new());
    }
    let end = 10 + u64::from(synchsafe([s0, s1, s2, s3]));
    if flags & 0x40 != 0 {
        let mut size = [0u8; 4];
        reader.read_exact(&mut size)?;
        // ID3v2.3 counts the bytes after the size; 2.4 the whole header.
        let rest = match version {
            Id3v2Version::V3 => i64::from(u32::from_be_bytes(size)),
            _ => i64::from(synchsafe(size)) - 4,
        };
        reader.seek(SeekFrom::Current(rest))?;
    }
    let mut artists = Vec::new();
    for _ in 0..MAX_FRAMES {
        if reader.stream_position()? + 10 > end {
            break;
        }
        let mut frame = [0u8; 10];
        reader.read_exact(&mut frame)?;
        let [a, b, c, d, s0, s1, s2, s3, _, format] = frame;
        let id = [a, b, c, d];
        // Padding, or bytes that are no frame: the walk is over.
        if !id
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            break;
        }
        let size = match version {
            Id3v2Version::V3 => u32::from_be_bytes([s0, s1, s2, s3]),
            _ => synchsafe([s0, s1, s2, s3]),
        };
        if &id != b"TPE1" {
            reader.seek(SeekFrom::Current(i64::from(size)))?;
            continue;
        }
        let transformed = match version {
            Id3v2Version::V3 => format & 0xE0 != 0,
            _ => format & 0x4F != 0,
        };
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if transformed || size > MAX_ARTIST_BYTES {
            return Ok(Vec::new());
        }
        let mut content = vec![0; size];
        reader.read_exact(&mut content)?;
        let id = FrameId::Valid(Cow::Borrowed("TPE1"));
        match TextInformationFrame::parse(&mut &content[..], id, FrameFlags::default(), version) {
            Ok(Some(text)) => artists.push(text.value.into_owned()),
            _ => return Ok(Vec::new()),
        }
    }
    Ok(artists)
}

/// The bytes the ID3v2 tag opening the file takes (header, frames and
/// footer), where the audio after it starts; 0 when it opens with none.
pub(in crate::services::media) fn leading_tag_len<R: Read + Seek>(
    reader: &mut R,
) -> io::Result<u64> {
    reader.rewind()?;
    let mut head = [0u8; 10];
    reader.read_exact(&mut head)?;
    Ok(match head {
        [b'I', b'D', b'3', _, _, flags, s0, s1, s2, s3] => {
            let footer = if flags & 0x10 != 0 { 10 } else { 0 };
            10 + footer + u64::from(synchsafe([s0, s1, s2, s3]))
        }
        _ => 0,
    })
}

/// An ID3v2 size: 28 bits, seven in each byte.
fn synchsafe(bytes: [u8; 4]) -> u32 {
    bytes
        .iter()
        .fold(0, |size, byte| (size << 7) | u32::from(byte & 0x7F))
}

#[cfg(test)]
/// Adds an ID3v2.3 text frame (Latin-1) after the last frame called
/// `after`, and grows the tag's size to match.
pub(in crate::services::media) fn with_text_frame(
    mut bytes: Vec<u8>,
    after: &[u8; 4],
    id: &[u8; 4],
    text: &str,
) -> Vec<u8> {
    let tag_end = 10 + usize::try_from(synchsafe(bytes[6..10].try_into().unwrap())).unwrap();
    let mut at = 10;
    let mut end = 0;
    while at < tag_end && bytes[at] != 0 {
        let size = usize::try_from(u32::from_be_bytes(
            bytes[at + 4..at + 8].try_into().unwrap(),
        ))
        .unwrap();
        if &bytes[at..at + 4] == after {
            end = at + 10 + size;
        }
        at += 10 + size;
    }
    let content = [&[0u8][..], text.as_bytes()].concat();
    let frame = [
        &id[..],
        &u32::try_from(content.len()).unwrap().to_be_bytes(),
        &[0, 0],
        &content,
    ]
    .concat();
    let grown = u32::try_from(tag_end - 10 + frame.len()).unwrap();
    bytes.splice(end..end, frame);
    let size: Vec<u8> = [21, 14, 7, 0]
        .iter()
        .map(|shift| ((grown >> shift) & 0x7F) as u8)
        .collect();
    bytes[6..10].copy_from_slice(&size);
    bytes
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

    fn artists(bytes: Vec<u8>) -> Vec<String> {
        artist_frames(&mut Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn every_artist_frame_is_read_in_order() {
        assert_eq!(artists(fixture("tagged.mp3")), ["Fixture Band"]);
        assert_eq!(
            artists(fixture("tolerated/tagged.two-artists.mp3")),
            ["Fixture Band", "Second Band"]
        );
    }

    #[test]
    fn what_this_walk_cannot_read_is_left_to_lofty() {
        assert!(artists(fixture("tagged.flac")).is_empty());
        let mut unsynchronised = fixture("tolerated/tagged.two-artists.mp3");
        unsynchronised[5] |= 0x80;
        assert!(artists(unsynchronised).is_empty());
        let mut compressed = fixture("tolerated/tagged.two-artists.mp3");
        let at = compressed
            .windows(4)
            .rposition(|window| window == b"TPE1")
            .unwrap();
        compressed[at + 9] = 0x80;
        assert!(artists(compressed).is_empty());
    }

    #[test]
    fn a_frame_added_lands_in_the_walk() {
        let bytes = with_text_frame(fixture("tagged.mp3"), b"TPE1", b"TPE1", "Third Band");
        assert_eq!(artists(bytes), ["Fixture Band", "Third Band"]);
    }
}
