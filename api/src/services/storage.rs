//! Blob storage through `object_store`: local files under the data dir by
//! default. Keys are generated here, never taken from client input.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::AsyncReadExt;

use crate::error::{ApiError, ApiResult};
use crate::settings::StorageLocation;

/// Bytes read from an upload and written to storage at a time.
const CHUNK_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store, so streams can be served straight
    /// from the file.
    local_root: Option<PathBuf>,
}

impl BlobStore {
    pub fn open(location: &StorageLocation) -> anyhow::Result<Self> {
        match location {
            StorageLocation::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|err| anyhow::anyhow!("CADENZA_STORAGE {}: {err}", dir.display()))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|err| anyhow::anyhow!("CADENZA_STORAGE {}: {err}", dir.display()))?;
                Ok(Self {
                    store: Arc::new(store),
                    local_root: Some(dir.canonicalize()?),
                })
            }
            StorageLocation::S3 { .. } => anyhow::bail!(
                "CADENZA_STORAGE: s3:// storage is not built into this version yet; use file://"
            ),
        }
    }

    /// A fresh key: random, so it reveals nothing and never collides.
    pub fn new_key() -> String {
        let random = crate::auth::random_token(24).replace(['-', '_'], "x");
        format!("blobs/{}/{random}", &random[..2])
    }

    /// Streams a file into storage under `key`, a chunk at a time.
    pub async fn put_file(&self, key: &str, mut file: tokio::fs::File) -> ApiResult<()> {
        let path = StorePath::from(key);
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(ApiError::internal)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, 8 * CHUNK_BYTES);
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            let read = match file.read(&mut buf).await {
                Ok(read) => read,
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(ApiError::internal(err));
                }
            };
            if read == 0 {
                break;
            }
            if let Err(err) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(ApiError::internal(err));
            }
            writer.write(&buf[..read]);
        }
        writer.finish().await.map_err(ApiError::internal)?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> ApiResult<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(ApiError::internal(err)),
        }
    }

    /// The file behind a key in a local store.
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        let root = self.local_root.as_ref()?;
        Some(root.join(key))
    }
}
