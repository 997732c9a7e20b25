//! Audio files, whoever sends them: a file as the HTTP layer received it
//! (`received`), what it is (`ingest`, by its content through lofty, with
//! `id3v2` where lofty drops repeated frames), its cover art and thumbnails
//! (`cover`), and where its bytes are kept
//! (`storage`, local files or an S3 bucket). The locker's uploads and the
//! catalogue's masters both come through here.

pub mod cover;
mod id3v2;
pub mod ingest;
pub mod received;
pub mod storage;

pub use received::{Inspected, ReceivedFile};
pub use storage::BlobStore;
