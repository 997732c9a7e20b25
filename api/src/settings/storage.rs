//! Where blobs live: a local folder or an S3-compatible bucket.

use std::path::PathBuf;

use super::env::Env;
use super::secret::Secret;

/// Where blobs live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageLocation {
    /// `file://<data dir>/blobs` unless told otherwise.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3(S3Location),
}

/// An S3-compatible bucket. Endpoint, region and credentials come from the
/// usual `AWS_*` variables; what is not set there falls back to the AWS
/// defaults (instance metadata, web identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Keys go under this prefix, without leading or trailing `/`.
    pub prefix: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service (MinIO, Ceph,
    /// moto). An `http://` endpoint is allowed without TLS.
    pub endpoint: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

/// `CADENZA_STORAGE`, with the `AWS_*` variables for a bucket.
pub(super) fn parse(value: &str, env: &Env<'_>) -> Result<StorageLocation, String> {
    let get = |name: &str| env.raw(name);
    if let Some(path) = value.strip_prefix("file://") {
        if path.is_empty() {
            return Err("file:// needs a directory".into());
        }
        return Ok(StorageLocation::Local(PathBuf::from(path)));
    }
    if let Some(rest) = value.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err("s3:// needs a bucket, as in s3://bucket/prefix".into());
        }
        let endpoint = get("AWS_ENDPOINT_URL").or_else(|| get("AWS_ENDPOINT"));
        if let Some(endpoint) = &endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(format!(
                    "AWS_ENDPOINT_URL `{endpoint}` must start with http:// or https://"
                ));
            }
        }
        let access_key_id = get("AWS_ACCESS_KEY_ID");
        let secret_access_key = get("AWS_SECRET_ACCESS_KEY").map(Secret::new);
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into());
        }
        return Ok(StorageLocation::S3(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint,
            region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
            access_key_id,
            secret_access_key,
        }));
    }
    Err(format!(
        "`{value}` is neither file://<dir> nor s3://bucket/prefix"
    ))
}
