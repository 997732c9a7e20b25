//! Cover art of locker items: the picture embedded in an upload, stored
//! as the owner's own blob, and JPEG thumbnails of it at a few fixed sizes,
//! made on first request and stored next to it.

use bytes::Bytes;

use super::Locker;
use crate::domain::{LockerItemId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::media::cover::{self, etag, thumbnail_key, Cover, THUMBNAIL_SIZES};
use crate::services::media::BlobStore;

pub use crate::services::media::cover::CoverImage;

/// The stored cover of a new upload: its key and MIME type.
pub(super) struct StoredCover {
    pub key: String,
    pub mime_type: &'static str,
}

/// The size a client asked for, if it is one thumbnails are made at.
pub fn thumbnail_size(size: i64) -> Option<u32> {
    THUMBNAIL_SIZES
        .into_iter()
        .find(|allowed| i64::from(*allowed) == size)
}

/// The size a GraphQL client asked for, or a BAD_USER_INPUT naming the
/// sizes there are.
pub fn checked_size(size: i32) -> ApiResult<u32> {
    thumbnail_size(i64::from(size)).ok_or_else(|| {
        ApiError::bad_input(format!(
            "size must be one of {}",
            THUMBNAIL_SIZES.map(|s| s.to_string()).join(", ")
        ))
    })
}

/// Every key a cover may occupy: the picture and each thumbnail size.
pub fn cover_keys(cover_key: &str) -> Vec<String> {
    std::iter::once(cover_key.to_owned())
        .chain(THUMBNAIL_SIZES.map(|size| thumbnail_key(cover_key, size)))
        .collect()
}

impl Locker {
    /// Stores an upload's cover. A failure costs the cover, not the upload.
    pub(super) async fn store_cover(&self, cover: Option<Cover>) -> Option<StoredCover> {
        let Cover { bytes, mime_type } = cover?;
        let key = BlobStore::new_cover_key();
        match self.blobs.put_bytes(&key, bytes).await {
            Ok(()) => Some(StoredCover { key, mime_type }),
            Err(err) => {
                tracing::error!(error = %format!("{err:?}"), "an upload's cover could not be stored; kept without one");
                None
            }
        }
    }

    /// Removes a cover and its thumbnails; a failure leaves unreachable
    /// files, logged for cleanup.
    pub(super) async fn remove_cover(&self, cover_key: &str) {
        for key in cover_keys(cover_key) {
            if let Err(err) = self.blobs.delete(&key).await {
                tracing::error!(error = %format!("{err:?}"), "a cover blob could not be removed");
            }
        }
    }

    /// The ETag of `user`'s item's cover at `size`, without reading it;
    /// `None` when there is no such item or it has no cover.
    pub async fn cover_etag(
        &self,
        user: UserId,
        id: LockerItemId,
        size: u32,
    ) -> ApiResult<Option<String>> {
        let item = self.item(user, id).await?;
        Ok(item
            .and_then(|item| item.cover_key)
            .map(|key| etag(&key, size)))
    }

    /// `user`'s item's cover as a JPEG at most `size` pixels on a side:
    /// read back when made before, else made now and stored.
    pub async fn cover(
        &self,
        user: UserId,
        id: LockerItemId,
        size: u32,
    ) -> ApiResult<Option<CoverImage>> {
        let Some(cover_key) = self.item(user, id).await?.and_then(|item| item.cover_key) else {
            return Ok(None);
        };
        let etag = etag(&cover_key, size);
        let key = thumbnail_key(&cover_key, size);
        if let Some(bytes) = self.blobs.get_bytes(&key).await? {
            return Ok(Some(CoverImage { bytes, etag }));
        }
        let Some(original) = self.blobs.get_bytes(&cover_key).await? else {
            return Ok(None);
        };
        let made = tokio::task::spawn_blocking(move || cover::thumbnail(&original, size))
            .await
            .map_err(ApiError::internal)?;
        let Some(thumbnail) = made else {
            tracing::warn!(locker_item.id = id.0, "a stored cover no longer decodes");
            return Ok(None);
        };
        // Not kept is no reason to refuse it: it is made again next time.
        let kept = match self.blobs.put_bytes(&key, thumbnail.clone()).await {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(locker_item.id = id.0, error = %format!("{err:?}"), "a cover thumbnail could not be stored");
                false
            }
        };
        // Deleted (or erased) meanwhile: nothing may stay behind.
        if self.item(user, id).await?.is_none() {
            if kept {
                self.blobs.delete(&key).await?;
            }
            return Ok(None);
        }
        Ok(Some(CoverImage {
            bytes: Bytes::from(thumbnail),
            etag,
        }))
    }
}
