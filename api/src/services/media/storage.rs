//! Blob storage through `object_store`: local files under the data dir by
//! default, or an S3-compatible bucket. Keys are generated here, never taken
//! from client input.
//!
//! Local stores take two shortcuts past `object_store`, both for speed: an
//! upload already spooled to an unnamed temporary file on the same
//! filesystem is linked into place instead of copied, and streams read the
//! file directly, a large chunk at a time.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::error::{ApiError, ApiResult};
use crate::settings::{S3Location, StorageLocation};

/// Bytes written to object storage a part at a time (S3 wants 5 MiB or
/// more for every part but the last).
const PART_BYTES: usize = 8 * 1024 * 1024;

/// Bytes read from a local blob for each chunk of a stream.
const STREAM_CHUNK_BYTES: u64 = 512 * 1024;

/// How long a readiness probe waits for object storage.
const PROBE_TIMEOUT: Duration = Duration::from_millis(750);

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store, so uploads can be linked in and
    /// streams served straight from the file.
    local_root: Option<PathBuf>,
}

/// A stream of a blob's bytes.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

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
            StorageLocation::S3(location) => Ok(Self {
                store: s3_store(location)?,
                local_root: None,
            }),
        }
    }

    /// A fresh key: random, so it reveals nothing and never collides.
    pub fn new_key() -> String {
        let random = crate::auth::random_token(24).replace(['-', '_'], "x");
        format!("blobs/{}/{random}", &random[..2])
    }

    /// A fresh key for a data export's document, apart from the audio.
    pub fn new_export_key() -> String {
        let random = crate::auth::random_token(24).replace(['-', '_'], "x");
        format!("exports/{random}")
    }

    /// A fresh key for a locker item's cover; its thumbnails are stored
    /// under this key with a suffix.
    pub fn new_cover_key() -> String {
        let random = crate::auth::random_token(24).replace(['-', '_'], "x");
        format!("covers/{}/{random}", &random[..2])
    }

    /// Stores a small blob held in memory (a cover, a thumbnail).
    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> ApiResult<()> {
        let path = StorePath::from(key);
        let put = self.store.put(&path, PutPayload::from(bytes)).await;
        put.map(drop).map_err(ApiError::storage)
    }

    /// The whole of a small blob; `None` when there is no such blob.
    pub async fn get_bytes(&self, key: &str) -> ApiResult<Option<Bytes>> {
        let read = match self.store.get(&StorePath::from(key)).await {
            Ok(result) => result.bytes().await,
            Err(err) => Err(err),
        };
        match read {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(ApiError::internal(err)),
        }
    }

    /// Stores a spooled upload of `size` bytes under `key`. The file is
    /// positioned at its start.
    pub async fn put_file(&self, key: &str, file: std::fs::File, size: u64) -> ApiResult<()> {
        let file = match &self.local_root {
            Some(root) => {
                let target = root.join(key);
                match tokio::task::spawn_blocking(move || link_into_place(file, &target))
                    .await
                    .map_err(ApiError::storage)?
                {
                    Linked::Done => return Ok(()),
                    Linked::Failed(err) => return Err(ApiError::storage(err)),
                    Linked::NotPossible(file) => file,
                }
            }
            None => file,
        };
        let path = StorePath::from(key);
        if size <= PART_BYTES as u64 {
            let bytes = tokio::task::spawn_blocking(move || {
                let mut file = file;
                let mut bytes = Vec::with_capacity(size as usize);
                file.read_to_end(&mut bytes).map(|_| bytes)
            })
            .await
            .map_err(ApiError::storage)?
            .map_err(ApiError::storage)?;
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(ApiError::storage)?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(ApiError::storage)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut file = file;
        loop {
            if let Err(err) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(ApiError::storage(err));
            }
            let read = tokio::task::spawn_blocking(move || {
                let mut chunk = Vec::with_capacity(PART_BYTES);
                let read = (&mut file).take(PART_BYTES as u64).read_to_end(&mut chunk);
                read.map(|_| (file, chunk))
            })
            .await
            .map_err(ApiError::storage)
            .and_then(|read| read.map_err(ApiError::storage));
            match read {
                Ok((_, chunk)) if chunk.is_empty() => break,
                Ok((rest, chunk)) => {
                    writer.put(Bytes::from(chunk));
                    file = rest;
                }
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(err);
                }
            }
        }
        writer.finish().await.map_err(ApiError::storage)?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> ApiResult<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(ApiError::internal(err)),
        }
    }

    /// `length` bytes of the blob under `key` from byte `start`; `None` when
    /// there is no such blob.
    pub async fn read_range(
        &self,
        key: &str,
        start: u64,
        length: u64,
    ) -> ApiResult<Option<ByteStream>> {
        if let Some(root) = &self.local_root {
            // Opening the file and reading the first chunk take one trip to
            // the blocking pool: a player's range request is often one chunk.
            let path = root.join(key);
            let opened = tokio::task::spawn_blocking(move || {
                let file = std::fs::File::open(path)?;
                let first = read_chunk(&file, start, length.min(STREAM_CHUNK_BYTES))?;
                Ok::<_, std::io::Error>((file, first))
            })
            .await
            .map_err(ApiError::internal)?;
            let (file, first) = match opened {
                Ok(opened) => opened,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(ApiError::internal(err)),
            };
            let read = first.len() as u64;
            let first = futures_util::stream::iter((read > 0).then_some(Ok(first)));
            let rest = local_stream(file, start + read, length - read);
            return Ok(Some(first.chain(rest).boxed()));
        }
        if length == 0 {
            return Ok(Some(futures_util::stream::empty().boxed()));
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..start + length)),
            ..Default::default()
        };
        let result = match self.store.get_opts(&StorePath::from(key), options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(ApiError::internal(err)),
        };
        Ok(Some(
            result
                .into_stream()
                .map_err(|err| std::io::Error::other(err.to_string()))
                .boxed(),
        ))
    }

    /// Free and total bytes of a local store's filesystem; `None` for a
    /// bucket (its quota is the provider's to tell).
    pub fn space(&self) -> Option<Space> {
        let root = self.local_root.as_ref()?;
        local_space(root)
    }

    /// Whether the store answers: the local directory exists, or the bucket
    /// can be listed.
    pub async fn check(&self) -> bool {
        if let Some(root) = &self.local_root {
            return tokio::fs::metadata(root)
                .await
                .map(|meta| meta.is_dir())
                .unwrap_or(false);
        }
        // A listing, unlike a HEAD, tells a missing bucket from a missing key.
        let probe = StorePath::from("readyz-probe");
        let listing = self.store.list_with_delimiter(Some(&probe));
        match tokio::time::timeout(PROBE_TIMEOUT, listing).await {
            Ok(Ok(_)) => true,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "readiness: object storage refused");
                false
            }
            Err(_) => {
                tracing::warn!("readiness: object storage did not answer");
                false
            }
        }
    }
}

fn s3_store(location: &S3Location) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(&location.bucket);
    if let Some(endpoint) = &location.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(region) = &location.region {
        builder = builder.with_region(region);
    }
    if let (Some(key), Some(secret)) = (&location.access_key_id, &location.secret_access_key) {
        builder = builder
            .with_access_key_id(key)
            .with_secret_access_key(secret.expose());
    }
    let store = builder
        .build()
        .map_err(|err| anyhow::anyhow!("CADENZA_STORAGE s3://{}: {err}", location.bucket))?;
    Ok(if location.prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, location.prefix.as_str()))
    })
}

enum Linked {
    Done,
    /// Not on this platform or filesystem: copy it instead.
    NotPossible(std::fs::File),
    Failed(std::io::Error),
}

/// Gives an unnamed temporary file (Linux `O_TMPFILE`, which is how uploads
/// are spooled) the name `target`, then syncs it, so the upload is stored
/// without copying a byte. Anything else is left to the caller to copy.
#[cfg(target_os = "linux")]
fn link_into_place(file: std::fs::File, target: &Path) -> Linked {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;

    // Only a file with no name: linking a named one would share its inode.
    let unnamed = file.metadata().map(|meta| meta.nlink() == 0);
    let (Ok(true), Some(dir)) = (unnamed, target.parent()) else {
        return Linked::NotPossible(file);
    };
    if let Err(err) = std::fs::create_dir_all(dir) {
        return Linked::Failed(err);
    }
    let source = format!("/proc/self/fd/{}", file.as_raw_fd());
    let linked = rustix::fs::linkat(
        rustix::fs::CWD,
        source.as_str(),
        rustix::fs::CWD,
        target,
        rustix::fs::AtFlags::SYMLINK_FOLLOW,
    );
    match linked {
        Ok(()) => {}
        // A named temporary file, another filesystem, or no /proc.
        Err(_) => return Linked::NotPossible(file),
    }
    let synced = file
        .sync_all()
        .and_then(|()| std::fs::File::open(dir)?.sync_all());
    match synced {
        Ok(()) => Linked::Done,
        Err(err) => {
            let _ = std::fs::remove_file(target);
            Linked::Failed(err)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn link_into_place(file: std::fs::File, _target: &Path) -> Linked {
    Linked::NotPossible(file)
}

/// Reads `length` bytes of `file` from `start`, one large positioned read
/// per chunk on the blocking pool, so no thread waits on a slow client.
/// Free and total bytes of a filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    pub free: u64,
    pub total: u64,
}

impl Space {
    /// How full it is, in words: "full" when less than 1 % (or 16 MiB) is
    /// left, "low" when less than 10 % (or 512 MiB), else "ok".
    pub fn verdict(self) -> &'static str {
        const MIB: u64 = 1 << 20;
        if self.free < (self.total / 100).min(16 * MIB) || self.free < MIB {
            "full"
        } else if self.free < (self.total / 10).min(512 * MIB) {
            "low"
        } else {
            "ok"
        }
    }
}

#[cfg(target_os = "linux")]
fn local_space(root: &Path) -> Option<Space> {
    let stat = rustix::fs::statvfs(root).ok()?;
    let unit = stat.f_frsize.max(1);
    Some(Space {
        free: stat.f_bavail.saturating_mul(unit),
        total: stat.f_blocks.saturating_mul(unit),
    })
}

#[cfg(not(target_os = "linux"))]
fn local_space(_root: &Path) -> Option<Space> {
    None
}

fn local_stream(file: std::fs::File, start: u64, length: u64) -> ByteStream {
    let file = Arc::new(file);
    futures_util::stream::try_unfold(
        (file, start, length),
        |(file, offset, remaining)| async move {
            if remaining == 0 {
                return Ok(None);
            }
            let want = remaining.min(STREAM_CHUNK_BYTES);
            let reader = Arc::clone(&file);
            let chunk = tokio::task::spawn_blocking(move || read_chunk(&reader, offset, want))
                .await
                .map_err(std::io::Error::other)??;
            let read = chunk.len() as u64;
            Ok(Some((chunk, (file, offset + read, remaining - read))))
        },
    )
    .boxed()
}

fn read_chunk(file: &std::fs::File, offset: u64, want: u64) -> std::io::Result<Bytes> {
    if want == 0 {
        return Ok(Bytes::new());
    }
    let mut reader = file;
    reader.seek(SeekFrom::Start(offset))?;
    let mut chunk = Vec::with_capacity(want as usize);
    reader.take(want).read_to_end(&mut chunk)?;
    if chunk.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the blob is shorter than its record",
        ));
    }
    Ok(Bytes::from(chunk))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use futures_util::TryStreamExt;

    use super::*;

    fn local() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&StorageLocation::Local(dir.path().join("blobs"))).unwrap();
        (dir, store)
    }

    fn spooled(bytes: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.rewind().unwrap();
        file
    }

    async fn read(store: &BlobStore, key: &str, start: u64, length: u64) -> Vec<u8> {
        let chunks: Vec<Bytes> = store
            .read_range(key, start, length)
            .await
            .unwrap()
            .expect("the blob exists")
            .try_collect()
            .await
            .unwrap();
        chunks.concat()
    }

    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[tokio::test]
    async fn a_spooled_upload_is_linked_into_place_not_copied() {
        let (_dir, store) = local();
        let bytes = content(3 * STREAM_CHUNK_BYTES as usize + 17);
        let file = spooled(&bytes);
        let watch = file.try_clone().unwrap();
        let key = BlobStore::new_key();
        store
            .put_file(&key, file, bytes.len() as u64)
            .await
            .unwrap();
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(
                watch.metadata().unwrap().nlink(),
                1,
                "the spool file got a name"
            );
        }
        drop(watch);
        let len = bytes.len() as u64;
        assert_eq!(read(&store, &key, 0, len).await, bytes);
        let middle = STREAM_CHUNK_BYTES - 5;
        assert_eq!(
            read(&store, &key, middle, STREAM_CHUNK_BYTES + 10).await,
            &bytes[middle as usize..(middle + STREAM_CHUNK_BYTES + 10) as usize]
        );
        assert_eq!(
            read(&store, &key, len - 1, 1).await,
            &bytes[bytes.len() - 1..]
        );
        assert!(read(&store, &key, 0, 0).await.is_empty());
        store.delete(&key).await.unwrap();
        assert!(store.read_range(&key, 0, 1).await.unwrap().is_none());
        // Deleting twice is not an error.
        store.delete(&key).await.unwrap();
    }

    #[tokio::test]
    async fn a_named_file_is_copied_and_left_alone() {
        let (dir, store) = local();
        let bytes = content(PART_BYTES + 1000);
        let named = dir.path().join("named.bin");
        std::fs::write(&named, &bytes).unwrap();
        let key = BlobStore::new_key();
        let file = std::fs::File::open(&named).unwrap();
        store
            .put_file(&key, file, bytes.len() as u64)
            .await
            .unwrap();
        std::fs::write(&named, b"changed afterwards").unwrap();
        assert_eq!(read(&store, &key, 0, bytes.len() as u64).await, bytes);
    }

    #[tokio::test]
    async fn a_blob_shorter_than_its_record_is_an_error_not_a_short_stream() {
        let (_dir, store) = local();
        let key = BlobStore::new_key();
        store
            .put_file(&key, spooled(b"twelve bytes"), 12)
            .await
            .unwrap();
        let read: Result<Vec<Bytes>, _> = store
            .read_range(&key, 0, 20)
            .await
            .unwrap()
            .unwrap()
            .try_collect()
            .await;
        assert_eq!(read.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn a_local_store_is_ready_while_its_directory_exists() {
        let (dir, store) = local();
        assert!(store.check().await);
        std::fs::remove_dir_all(dir.path().join("blobs")).unwrap();
        assert!(!store.check().await);
    }
}
