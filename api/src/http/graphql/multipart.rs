//! The GraphQL multipart request spec, received with multer.
//!
//! Parts must come in the spec's order: `operations`, then `map`, then the
//! files the map names. So the operations are checked (document size,
//! batch size) and the files counted before a byte of a file is read, and
//! nothing else is accepted: no unnamed files, no extra fields, no second
//! copy of a part. `operations` and `map` are capped at the JSON body limit.
//!
//! Files are spooled to unnamed temporary files a megabyte at a time off the
//! async runtime, and measured and hashed (SHA-256) as they are written; the
//! request carries what was measured (`SpooledFiles`), so the locker never
//! reads an upload through again just to hash it.

use std::collections::HashMap;
use std::io::{Seek, Write};

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use async_graphql::{Request, UploadValue};
use futures_util::Stream;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Batch, RequestFailure};
use crate::error::ApiError;
use crate::graphql::uploads::{Spooled, SpooledFiles};

/// An operation a multipart request's files are attached to.
pub trait Carries {
    fn request_mut(&mut self) -> &mut Request;
}

/// Bytes gathered before each write to a spool file.
const SPOOL_WRITE_BYTES: usize = 1024 * 1024;

pub struct Limits {
    /// The largest file.
    pub max_file_bytes: u64,
    /// Files in one request.
    pub max_files: usize,
    /// `operations` and `map`, each.
    pub max_field_bytes: usize,
}

/// Reads a multipart request. `operations` turns the `operations` part into
/// the batch, checking and admitting it, before any file is read.
pub async fn receive<S, T: Carries>(
    content_type: &str,
    body: S,
    limits: &Limits,
    operations: impl AsyncFnOnce(Value) -> Result<Batch<T>, RequestFailure>,
) -> Result<Batch<T>, RequestFailure>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    let bad = |message: String| (StatusCode::BAD_REQUEST, ApiError::bad_input(message));
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("a multipart request needs a boundary".into()))?;
    let whole = limits
        .max_file_bytes
        .saturating_mul(limits.max_files as u64)
        .saturating_add(4 * limits.max_field_bytes as u64);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            .per_field(limits.max_file_bytes),
    );
    let mut multipart = multer::Multipart::with_constraints(body, boundary, constraints);

    // multer hands out one part at a time: each is dropped before the next.
    let json = match next(&mut multipart, limits).await? {
        Some(mut part) if part.name() == Some("operations") => {
            read_small(&mut part, limits).await?
        }
        _ => return Err(bad("the first part must be `operations`".into())),
    };
    let json: Value =
        serde_json::from_slice(&json).map_err(|_| bad("`operations` is not valid JSON".into()))?;
    let mut batch = operations(json).await?;

    let json = match next(&mut multipart, limits).await? {
        Some(mut part) if part.name() == Some("map") => read_small(&mut part, limits).await?,
        _ => return Err(bad("the second part must be `map`".into())),
    };
    let mut map: HashMap<String, Vec<String>> = serde_json::from_slice(&json).map_err(|_| {
        bad("`map` must be a JSON object of file names to lists of variable paths".into())
    })?;
    if map.len() > limits.max_files {
        return Err(bad(format!(
            "a request may carry at most {} files",
            limits.max_files
        )));
    }

    let mut spooled = vec![SpooledFiles::default(); batch.len()];
    while let Some(mut file) = next(&mut multipart, limits).await? {
        let name = file.name().unwrap_or_default().to_owned();
        let Some(paths) = map.remove(&name) else {
            return Err(bad(format!(
                "part `{name}` is not a file named in `map`, or came twice"
            )));
        };
        let filename = file.file_name().unwrap_or_default().to_owned();
        let content_type = file.content_type().map(ToString::to_string);
        let (content, measured) = spool(&mut file, limits).await?;
        let upload = UploadValue {
            filename,
            content_type,
            content,
        };
        for path in paths {
            attach(&mut batch, &mut spooled, &path, &upload, &measured)?;
        }
    }
    if let Some(missing) = map.keys().next() {
        return Err(bad(format!(
            "`map` names file `{missing}`, which was not sent"
        )));
    }
    let mut spooled = spooled.into_iter();
    match &mut batch {
        Batch::Single(operation) => {
            let request = operation.request_mut();
            request.data.insert(spooled.next().unwrap_or_default());
        }
        Batch::Many(operations) => {
            for (operation, files) in operations.iter_mut().zip(spooled) {
                operation.request_mut().data.insert(files);
            }
        }
    }
    Ok(batch)
}

async fn next<'r>(
    multipart: &mut multer::Multipart<'r>,
    limits: &Limits,
) -> Result<Option<multer::Field<'r>>, RequestFailure> {
    multipart
        .next_field()
        .await
        .map_err(|err| failure(err, limits))
}

/// `operations` or `map`, at most `max_field_bytes` of it.
async fn read_small(
    field: &mut multer::Field<'_>,
    limits: &Limits,
) -> Result<Vec<u8>, RequestFailure> {
    let max = limits.max_field_bytes;
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|err| failure(err, limits))? {
        if bytes.len() + chunk.len() > max {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::PayloadTooLarge(format!("`{name}` is limited to {max} bytes")),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Writes a file part to an unnamed temporary file, measuring and hashing
/// it on the way.
async fn spool(
    field: &mut multer::Field<'_>,
    limits: &Limits,
) -> Result<(std::fs::File, Spooled), RequestFailure> {
    type Spool = (std::fs::File, Sha256);
    // A spool that meets a full disk says so; anything else is ours.
    let internal = |err: std::io::Error| match ApiError::storage(err) {
        full @ ApiError::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, full),
        other => (StatusCode::INTERNAL_SERVER_ERROR, other),
    };
    let finish = |written: Result<std::io::Result<Spool>, tokio::task::JoinError>| {
        written
            .map_err(|err| internal(std::io::Error::other(err)))?
            .map_err(internal)
    };
    // Double-buffered: one batch is written and hashed on the blocking pool
    // while the next arrives, and no thread is held between batches however
    // slowly the client sends.
    let mut writing = tokio::task::spawn_blocking(|| Ok((tempfile::tempfile()?, Sha256::new())));
    let mut pending: Vec<Bytes> = Vec::new();
    let mut pending_bytes = 0;
    let mut size: u64 = 0;
    loop {
        let chunk = field.chunk().await.map_err(|err| failure(err, limits))?;
        let done = chunk.is_none();
        if let Some(chunk) = chunk {
            pending_bytes += chunk.len();
            size += chunk.len() as u64;
            pending.push(chunk);
        }
        if pending_bytes >= SPOOL_WRITE_BYTES || (done && pending_bytes > 0) {
            let batch = std::mem::take(&mut pending);
            pending_bytes = 0;
            let (mut file, mut hasher) = finish((&mut writing).await)?;
            writing = tokio::task::spawn_blocking(move || {
                for chunk in &batch {
                    hasher.update(chunk);
                    file.write_all(chunk)?;
                }
                Ok((file, hasher))
            });
        }
        if done {
            break;
        }
    }
    let (mut file, hasher) = finish(writing.await)?;
    file.rewind().map_err(internal)?;
    Ok((
        file,
        Spooled {
            size,
            sha256: hex::encode(hasher.finalize()),
        },
    ))
}

/// Puts a file at `variables.<path>` of the request, or of request `<n>` of
/// a batch for `<n>.variables.<path>`, and notes what was measured of it
/// beside the request's uploads.
fn attach<T: Carries>(
    batch: &mut Batch<T>,
    spooled: &mut [SpooledFiles],
    path: &str,
    upload: &UploadValue,
    measured: &Spooled,
) -> Result<(), RequestFailure> {
    let bad = || {
        (
            StatusCode::BAD_REQUEST,
            ApiError::bad_input(format!(
                "`map` path `{path}` is not a variable of the request"
            )),
        )
    };
    let copy = upload
        .try_clone()
        .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, ApiError::internal(err)))?;
    let (request, files, path) = match batch {
        Batch::Single(operation) => {
            if !path.starts_with("variables.") {
                return Err(bad());
            }
            (operation.request_mut(), spooled.first_mut(), path)
        }
        Batch::Many(operations) => {
            let (index, rest) = path.split_once('.').ok_or_else(bad)?;
            let index = index.parse::<usize>().map_err(|_| bad())?;
            let operation = operations
                .get_mut(index)
                .filter(|_| rest.starts_with("variables."))
                .ok_or_else(bad)?;
            (operation.request_mut(), spooled.get_mut(index), rest)
        }
    };
    let before = request.uploads.len();
    request.set_upload(path, copy);
    // async-graphql numbers uploads by their place in the request's list,
    // and skips a path that names no variable.
    if request.uploads.len() > before {
        if let Some(files) = files {
            files.0.push(measured.clone());
        }
    }
    Ok(())
}

fn failure(err: multer::Error, limits: &Limits) -> RequestFailure {
    match err {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PayloadTooLarge(format!(
                "uploads are limited to {} bytes",
                limits.max_file_bytes
            )),
        ),
        multer::Error::StreamReadFailed(err) => {
            tracing::warn!(error = %err, "upload interrupted");
            (
                StatusCode::BAD_REQUEST,
                ApiError::bad_input("the upload could not be read"),
            )
        }
        other => (
            StatusCode::BAD_REQUEST,
            ApiError::bad_input(format!("malformed multipart request: {other}")),
        ),
    }
}
