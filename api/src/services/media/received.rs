//! A file as a client sent it, and what reading it found.

use std::io::Seek;

use super::ingest::{self, AudioFacts, NotAudio};
use crate::error::{ApiError, ApiResult};

/// A file the HTTP layer received: spooled to an unnamed temporary file
/// (nothing is left behind if the process dies) and hashed on the way in,
/// so nothing reads it through again just to hash or measure it.
pub struct ReceivedFile {
    /// As the client named it; only ever a hint for a missing title.
    pub file_name: String,
    pub content: std::fs::File,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// A received file, read for what it is.
pub struct Inspected {
    pub file_name: String,
    /// Positioned at its start.
    pub content: std::fs::File,
    pub size: i64,
    pub hash: String,
    pub facts: Result<AudioFacts, NotAudio>,
}

impl ReceivedFile {
    /// Refuses an empty file, then reads what it is, off the async runtime.
    pub async fn inspect(self) -> ApiResult<Inspected> {
        let ReceivedFile {
            file_name,
            content,
            size,
            sha256,
        } = self;
        if size == 0 {
            return Err(ApiError::UnsupportedMediaType("the file is empty".into()));
        }
        let (content, facts) = tokio::task::spawn_blocking(move || {
            let mut content = content;
            content.rewind()?;
            let facts = ingest::read_audio_guarded(content.try_clone()?);
            content.rewind()?;
            Ok::<_, std::io::Error>((content, facts))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        Ok(Inspected {
            file_name,
            content,
            size: i64::try_from(size).unwrap_or(i64::MAX),
            hash: sha256,
            facts,
        })
    }
}
