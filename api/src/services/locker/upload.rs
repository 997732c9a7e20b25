//! Adding a listener's own file to their locker: read by content, stored
//! byte for byte, matched to the catalogue, all or nothing; its embedded
//! picture, if one is readable, is kept as its cover, and its lyrics, if
//! its tags hold some, beside it.

use std::io::Seek;

use chrono::Utc;
use entities::{blob, locker_item, locker_lyrics};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};

use super::covers::StoredCover;
use super::events::LockerChange;
use super::{used_bytes, Locker, UNKNOWN_ALBUM, UNKNOWN_ARTIST};
use crate::db::{begin_write, is_unique_violation, lock_row_for_update};
use crate::domain::{LockerItemId, LockerKeys, LockerSource, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::catalogue::matching;
use crate::services::media::cover;
use crate::services::media::ingest::{self, AudioFacts};
use crate::services::media::{BlobStore, Inspected, ReceivedFile};
use crate::services::search::Change;

impl Locker {
    /// Adds an upload to `user`'s locker. The same bytes again give the
    /// existing item back. A refusal leaves no row, no blob and no quota used.
    pub async fn upload(&self, user: UserId, file: ReceivedFile) -> ApiResult<locker_item::Model> {
        let Inspected {
            file_name,
            content,
            size,
            hash,
            facts,
        } = file.inspect().await?;

        if let Some(existing) = self.owned_with_hash(user, &hash).await? {
            return Ok(existing);
        }
        let facts = facts?;
        self.check_quota(user, size).await?;

        let (content, cover) = tokio::task::spawn_blocking(move || {
            let mut content = content;
            let cover = cover::read_cover(&mut content);
            content.rewind().map(|()| (content, cover))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let cover = self.store_cover(cover).await;

        let key = BlobStore::new_key();
        let stored = match self
            .blobs
            .put_file(&key, content, size.unsigned_abs())
            .await
        {
            Ok(()) => {
                let blobs = StoredBlobs {
                    audio: &key,
                    cover: cover.as_ref(),
                };
                self.record(user, blobs, &hash, size, &file_name, facts)
                    .await
            }
            Err(err) => Err(RecordError::Api(err)),
        };
        match stored {
            Ok(item) => {
                self.announce(user, LockerChange::Added, LockerItemId(item.id))
                    .await;
                tracing::info!(locker_item.id = item.id, size_bytes = size, format = %item.format, "upload stored");
                Ok(item)
            }
            Err(err) => {
                if let Some(cover) = &cover {
                    self.remove_cover(&cover.key).await;
                }
                if let Err(cleanup) = self.blobs.delete(&key).await {
                    tracing::error!(error = %format!("{cleanup:?}"), "a refused upload's blob could not be removed");
                }
                match err {
                    // The same bytes raced in from another request: theirs won.
                    RecordError::Duplicate => {
                        self.owned_with_hash(user, &hash).await?.ok_or_else(|| {
                            ApiError::internal(anyhow::anyhow!("duplicate upload vanished"))
                        })
                    }
                    RecordError::Api(err) => Err(err),
                }
            }
        }
    }

    async fn record(
        &self,
        user: UserId,
        blobs: StoredBlobs<'_>,
        hash: &str,
        size: i64,
        file_name: &str,
        facts: AudioFacts,
    ) -> Result<locker_item::Model, RecordError> {
        let catalogue_track_id = matching::catalogue_track_for(&self.db, &facts).await?;
        let txn = begin_write(&self.db).await.map_err(ApiError::from)?;
        // Checked again inside the transaction, so concurrent uploads cannot
        // together pass the quota: SQLite has one writer at a time, and on
        // PostgreSQL the owner's row is locked until the upload commits.
        lock_row_for_update(&txn, "users", user.0)
            .await
            .map_err(ApiError::from)?;
        let used = used_bytes(&txn, user).await?;
        if used.saturating_add(size) > self.quota_bytes {
            return Err(RecordError::Api(self.quota_error(used)));
        }
        let now = Utc::now();
        let blob = blob::ActiveModel {
            storage_key: Set(blobs.audio.to_owned()),
            content_hash: Set(hash.to_owned()),
            size_bytes: Set(size),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        let tags = facts.tags;
        let artist = tags
            .artist
            .clone()
            .unwrap_or_else(|| UNKNOWN_ARTIST.to_owned());
        let album = tags.album.unwrap_or_else(|| UNKNOWN_ALBUM.to_owned());
        let keys = LockerKeys::of(&artist, &album, tags.album_artist.as_deref());
        let inserted = locker_item::ActiveModel {
            user_id: Set(user.0),
            blob_id: Set(Some(blob.id)),
            source: Set(LockerSource::Upload.as_str().to_owned()),
            title: Set(tags
                .title
                .or_else(|| ingest::title_from_file_name(file_name))
                .unwrap_or_else(|| "Untitled".to_owned())),
            artist: Set(artist),
            album: Set(album),
            album_artist: Set(tags.album_artist),
            artist_key: Set(keys.artist.to_string()),
            album_artist_key: Set(keys.album_artist.to_string()),
            album_key: Set(keys.album.to_string()),
            genre: Set(tags.genre),
            track_number: Set(tags.track_number),
            disc_number: Set(tags.disc_number),
            year: Set(tags.year),
            isrc: Set(tags.isrc.map(|isrc| isrc.into_string())),
            duration_ms: Set(facts.duration_ms),
            format: Set(facts.format.to_owned()),
            mime_type: Set(facts.mime_type.to_owned()),
            bitrate_kbps: Set(facts.bitrate_kbps),
            sample_rate_hz: Set(facts.sample_rate_hz),
            channels: Set(facts.channels),
            size_bytes: Set(size),
            content_hash: Set(hash.to_owned()),
            catalogue_track_id: Set(catalogue_track_id),
            exclude_from_taste_profile: Set(false),
            cover_key: Set(blobs.cover.map(|cover| cover.key.clone())),
            cover_mime_type: Set(blobs.cover.map(|cover| cover.mime_type.to_owned())),
            added_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let item = match inserted {
            Ok(item) => item,
            Err(err) if is_unique_violation(&err) => return Err(RecordError::Duplicate),
            Err(err) => return Err(RecordError::Api(err.into())),
        };
        if let Some(lyrics) = tags.lyrics {
            locker_lyrics::ActiveModel {
                locker_item_id: Set(item.id),
                user_id: Set(user.0),
                lyrics: Set(lyrics),
            }
            .insert(&txn)
            .await
            .map_err(ApiError::from)?;
        }
        self.search
            .record(&txn, [Change::LockerItem(item.id)])
            .await
            .map_err(ApiError::from)?;
        txn.commit().await.map_err(ApiError::from)?;
        self.search.changed();
        Ok(item)
    }

    async fn owned_with_hash(
        &self,
        user: UserId,
        hash: &str,
    ) -> ApiResult<Option<locker_item::Model>> {
        Ok(locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Source.eq(LockerSource::Upload.as_str()))
            .filter(locker_item::Column::ContentHash.eq(hash))
            .one(&self.db)
            .await?)
    }

    async fn check_quota(&self, user: UserId, size: i64) -> ApiResult<()> {
        let used = used_bytes(&self.db, user).await?;
        if used.saturating_add(size) > self.quota_bytes {
            return Err(self.quota_error(used));
        }
        Ok(())
    }

    fn quota_error(&self, used: i64) -> ApiError {
        ApiError::QuotaExceeded(format!(
            "this upload would take the locker past its quota of {} bytes ({} in use)",
            self.quota_bytes, used
        ))
    }
}

/// Where a new upload's bytes were stored.
struct StoredBlobs<'a> {
    audio: &'a str,
    cover: Option<&'a StoredCover>,
}

enum RecordError {
    Duplicate,
    Api(ApiError),
}

impl From<ApiError> for RecordError {
    fn from(err: ApiError) -> Self {
        RecordError::Api(err)
    }
}
