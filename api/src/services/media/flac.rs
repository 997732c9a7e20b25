//! FLAC PICTURE blocks whose header says they are shorter than the picture
//! they hold. Lofty trusts the header, reads the picture's bytes as the next
//! block headers and gives up on the file; libFLAC and mutagen read the
//! picture for what it is and go on after it. This finds such blocks, and
//! `Patched` shows lofty the file with their sizes put right.

use std::io::{self, Read, Seek, SeekFrom};

/// A block's 3-byte size at an offset of the file, as it should read.
pub type Patch = (u64, [u8; 3]);

/// The corrected size of each PICTURE block shorter than its picture, in
/// the FLAC stream at the start of the file (after an ID3v2 tag, if any).
/// Empty when there is none; a block longer than its picture is left
/// alone (libFLAC does not read past it either).
pub fn short_picture_blocks<R: Read + Seek>(reader: &mut R) -> io::Result<Vec<Patch>> {
    const MAX_BLOCKS: usize = 1024;
    let file_len = reader.seek(SeekFrom::End(0))?;
    reader.rewind()?;
    let mut head = [0u8; 10];
    reader.read_exact(&mut head)?;
    let start = match head {
        [b'I', b'D', b'3', _, _, flags, s0, s1, s2, s3] => {
            let footer = if flags & 0x10 != 0 { 10 } else { 0 };
            10 + footer + u64::from(synchsafe([s0, s1, s2, s3]))
        }
        _ => 0,
    };
    reader.seek(SeekFrom::Start(start))?;
    let mut marker = [0u8; 4];
    reader.read_exact(&mut marker)?;
    if &marker != b"fLaC" {
        return Ok(Vec::new());
    }
    let mut patches = Vec::new();
    for _ in 0..MAX_BLOCKS {
        let at = reader.stream_position()?;
        let mut header = [0u8; 4];
        reader.read_exact(&mut header)?;
        let [kind, s0, s1, s2] = header;
        let mut size = u64::from(u32::from_be_bytes([0, s0, s1, s2]));
        if kind & 0x7F == 6 {
            if let Some(real) = picture_len(reader, file_len - (at + 4))? {
                if real > size {
                    let bytes = u32::try_from(real).unwrap_or(u32::MAX).to_be_bytes();
                    patches.push((at + 1, [bytes[1], bytes[2], bytes[3]]));
                    size = real;
                }
            }
        }
        let next = at + 4 + size;
        if kind & 0x80 != 0 || next >= file_len {
            break;
        }
        reader.seek(SeekFrom::Start(next))?;
    }
    Ok(patches)
}

/// How long the picture starting here is, field by field (type, MIME type,
/// description, dimensions, data); `None` when it runs past `room` or past
/// what a block's 24-bit size can say.
fn picture_len<R: Read + Seek>(reader: &mut R, room: u64) -> io::Result<Option<u64>> {
    const MAX_BLOCK: u64 = (1 << 24) - 1;
    let read_u32 = |reader: &mut R| -> io::Result<u64> {
        let mut bytes = [0u8; 4];
        reader.read_exact(&mut bytes)?;
        Ok(u64::from(u32::from_be_bytes(bytes)))
    };
    let mut len = 4;
    read_u32(reader)?;
    // The MIME type, the description, then width, height, depth, colours
    // and the data.
    for skip_after in [0, 16] {
        let field = read_u32(reader)?;
        len += 4 + field + skip_after;
        if len > room.min(MAX_BLOCK) {
            return Ok(None);
        }
        reader.seek(SeekFrom::Current(
            i64::try_from(field + skip_after).unwrap_or(0),
        ))?;
    }
    let data = read_u32(reader)?;
    len += 4 + data;
    Ok((len <= room.min(MAX_BLOCK)).then_some(len))
}

fn synchsafe(bytes: [u8; 4]) -> u32 {
    bytes
        .iter()
        .fold(0, |size, byte| (size << 7) | u32::from(byte & 0x7F))
}

/// A reader showing the file with some bytes replaced.
pub struct Patched<R> {
    inner: R,
    patches: Vec<Patch>,
    position: u64,
}

impl<R: Read + Seek> Patched<R> {
    pub fn new(mut inner: R, patches: Vec<Patch>) -> io::Result<Self> {
        let position = inner.stream_position()?;
        Ok(Self {
            inner,
            patches,
            position,
        })
    }
}

impl<R: Read> Read for Patched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let (start, end) = (self.position, self.position + read as u64);
        for (at, bytes) in &self.patches {
            for (i, byte) in bytes.iter().enumerate() {
                let offset = at + i as u64;
                if (start..end).contains(&offset) {
                    buf[usize::try_from(offset - start).unwrap_or(0)] = *byte;
                }
            }
        }
        self.position = end;
        Ok(read)
    }
}

impl<R: Seek> Seek for Patched<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = self.inner.seek(to)?;
        Ok(self.position)
    }
}
