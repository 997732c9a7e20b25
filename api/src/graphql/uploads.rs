//! Files of a multipart request. The HTTP layer spools each file and takes
//! its size and SHA-256 on the way in; it hands async-graphql the file and
//! keeps what it measured here, by the file's place in the request's
//! uploads, so a resolver gets a plain `ReceivedFile` for the services.

use async_graphql::{Context, Upload};

use crate::error::ApiError;
use crate::services::media::ReceivedFile;

/// What was measured of one spooled file.
#[derive(Clone, Debug)]
pub struct Spooled {
    pub size: u64,
    pub sha256: String,
}

/// Per request: entry `n` describes the request's upload `n`.
#[derive(Clone, Debug, Default)]
pub struct SpooledFiles(pub Vec<Spooled>);

/// The file behind an `Upload` argument.
pub fn received_file(ctx: &Context<'_>, upload: &Upload) -> Result<ReceivedFile, ApiError> {
    let value = upload
        .value(ctx)
        .map_err(|err| ApiError::bad_input(format!("the upload could not be read: {err}")))?;
    let spooled = ctx
        .data_opt::<SpooledFiles>()
        .and_then(|files| files.0.get(upload.0))
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("an upload arrived without its digest"))
        })?;
    Ok(ReceivedFile {
        file_name: value.filename,
        content: value.content,
        size: spooled.size,
        sha256: spooled.sha256.clone(),
    })
}
