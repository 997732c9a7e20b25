//! Audio files, whoever sends them: a file as the HTTP layer received it
//! (`received`), what it is (`ingest`, by its content through lofty, with
//! `id3v2` where lofty drops repeated frames, `flac` where it trips on a
//! short picture block, `adts` and `mpeg` for AAC and MP3 lengths,
//! `oggflac` for FLAC in Ogg, which lofty does not know), its cover art and thumbnails
//! (`cover`), and where its bytes are kept
//! (`storage`, local files or an S3 bucket). The locker's uploads and the
//! catalogue's masters both come through here.

mod adts;
pub mod cover;
mod flac;
mod id3v2;
pub mod ingest;
mod mpeg;
mod oggflac;
pub mod preview;
pub mod received;
pub mod storage;

pub use received::{Inspected, ReceivedFile};
pub use storage::BlobStore;
