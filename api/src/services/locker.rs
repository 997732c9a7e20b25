//! The locker: a listener's own music. Uploads are stored byte for byte,
//! read for tags, and all-or-nothing; every read and write is scoped to the
//! owner through `locker_item::Entity::find_owned_by`.

use std::io::{Read, Seek, SeekFrom};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;
use tokio::sync::broadcast;

use chrono::Utc;
use entities::{blob, locker_item, playlist_entry, track};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::catalogue::{listing, Listing};
use super::events::{LockerChange, LockerEvent, LockerEvents};
use super::ingest::{self, AudioFacts};
use super::search::{Change, Feed};
use super::storage::BlobStore;
use super::CatalogueVersion;
use crate::error::{ApiError, ApiResult};
use crate::ids::Page;

pub const UNKNOWN_ARTIST: &str = "Unknown Artist";
pub const UNKNOWN_ALBUM: &str = "Unknown Album";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Upload,
    Purchase,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Upload => "UPLOAD",
            Source::Purchase => "PURCHASE",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub source: Option<Source>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemSort {
    #[default]
    AddedDesc,
    Title,
    ArtistAlbum,
}

/// The metadata a listener may edit; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ItemEdit {
    pub exclude_from_taste_profile: Option<bool>,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub year: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub item_count: u64,
    pub used_bytes: i64,
    pub quota_bytes: i64,
}

/// An uploaded file as the HTTP layer hands it over.
pub struct UploadedFile {
    pub file_name: String,
    pub content: std::fs::File,
    /// SHA-256 of the content, when it was taken as the file was received.
    pub sha256: Option<String>,
}

impl UploadedFile {
    /// A file of this request, with the digest taken while it was spooled.
    pub fn received(ctx: &async_graphql::Context<'_>, upload: async_graphql::UploadValue) -> Self {
        let sha256 = ctx
            .data_opt::<crate::http::SpooledDigests>()
            .and_then(|digests| digests.of(&upload.content));
        Self {
            file_name: upload.filename,
            content: upload.content,
            sha256,
        }
    }
}

#[derive(Clone)]
pub struct Locker {
    db: DatabaseConnection,
    blobs: BlobStore,
    events: LockerEvents,
    /// Attaching a master changes what anonymous callers see of a track.
    catalogue_version: CatalogueVersion,
    search: Feed,
    quota_bytes: i64,
    stream_targets: StreamTargets,
}

/// Stream targets by owner and item, so a player's range requests do not
/// each query the database. What an item streams (its blob, hash and type)
/// never changes while it exists; a removal evicts it here at once, and on
/// other replicas when the event arrives. An entry lives at most
/// `STREAM_TARGET_TTL`, in case an event is lost, and a blob that is gone is
/// a 404 whatever the cache says.
#[derive(Clone)]
struct StreamTargets(Arc<Mutex<LruCache<OwnedItem, (StreamTarget, Instant)>>>);

/// A user id and the id of an item of theirs.
type OwnedItem = (i32, i32);

const STREAM_TARGET_TTL: Duration = Duration::from_secs(60);
const STREAM_TARGETS: usize = 16_384;

impl StreamTargets {
    fn new() -> Self {
        let capacity = NonZeroUsize::new(STREAM_TARGETS).unwrap_or(NonZeroUsize::MIN);
        Self(Arc::new(Mutex::new(LruCache::new(capacity))))
    }

    fn get(&self, key: OwnedItem) -> Option<StreamTarget> {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match cache.get(&key) {
            Some((target, at)) if at.elapsed() < STREAM_TARGET_TTL => Some(target.clone()),
            Some(_) => {
                cache.pop(&key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: OwnedItem, target: StreamTarget) {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.put(key, (target, Instant::now()));
    }

    fn evict(&self, key: OwnedItem) {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.pop(&key);
    }
}

impl Locker {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        events: LockerEvents,
        catalogue_version: CatalogueVersion,
        search: Feed,
        quota_bytes: u64,
    ) -> Self {
        Self {
            db,
            blobs,
            events,
            catalogue_version,
            search,
            quota_bytes: i64::try_from(quota_bytes).unwrap_or(i64::MAX),
            stream_targets: StreamTargets::new(),
        }
    }

    /// Evicts removed items from the stream-target cache as their events
    /// arrive, from this replica or (through Redis) any other.
    pub fn evict_removed_items(&self) {
        let mut events = self.events.subscribe_all();
        let cache = self.stream_targets.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) if event.change == LockerChange::Removed => {
                        cache.evict((event.user_id, event.item_id));
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Missed removals: start again from an empty cache.
                        cache.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    pub fn events(&self) -> &LockerEvents {
        &self.events
    }

    async fn announce(&self, user_id: i32, change: LockerChange, item_id: i32) {
        self.events
            .publish(LockerEvent {
                user_id,
                change,
                item_id,
            })
            .await;
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Adds an upload to `user_id`'s locker. The same bytes again give the
    /// existing item back. A refusal leaves no row, no blob and no quota used.
    pub async fn upload(
        &self,
        user_id: i32,
        upload: UploadedFile,
    ) -> ApiResult<locker_item::Model> {
        let UploadedFile {
            file_name,
            content,
            sha256,
        } = upload;
        let ReadFile {
            content,
            size,
            hash,
            facts,
        } = read_file(content, sha256).await?;

        if let Some(existing) = self.owned_with_hash(user_id, &hash).await? {
            return Ok(existing);
        }
        let facts = facts.map_err(|ingest::NotAudio(why)| ApiError::UnsupportedMediaType(why))?;
        self.check_quota(user_id, size).await?;

        let key = BlobStore::new_key();
        self.blobs
            .put_file(&key, content, size.unsigned_abs())
            .await?;
        let stored = self
            .record(user_id, &key, &hash, size, &file_name, facts)
            .await;
        match stored {
            Ok(item) => {
                self.announce(user_id, LockerChange::Added, item.id).await;
                tracing::info!(locker_item.id = item.id, size_bytes = size, format = %item.format, "upload stored");
                Ok(item)
            }
            Err(err) => {
                if let Err(cleanup) = self.blobs.delete(&key).await {
                    tracing::error!(error = %format!("{cleanup:?}"), "a refused upload's blob could not be removed");
                }
                match err {
                    // The same bytes raced in from another request: theirs won.
                    RecordError::Duplicate => {
                        self.owned_with_hash(user_id, &hash).await?.ok_or_else(|| {
                            ApiError::internal(anyhow::anyhow!("duplicate upload vanished"))
                        })
                    }
                    RecordError::Api(err) => Err(err),
                }
            }
        }
    }

    /// Stores master audio for a catalogue track through the upload pipeline
    /// (read by content, stored unchanged), replacing any earlier master.
    pub async fn attach_master(
        &self,
        track_id: i32,
        upload: UploadedFile,
    ) -> ApiResult<track::Model> {
        let track = track::Entity::find_by_id(track_id)
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("track"))?;
        let ReadFile {
            content,
            size,
            hash,
            facts,
        } = read_file(upload.content, upload.sha256).await?;
        facts.map_err(|ingest::NotAudio(why)| ApiError::UnsupportedMediaType(why))?;
        let key = BlobStore::new_key();
        self.blobs
            .put_file(&key, content, size.unsigned_abs())
            .await?;
        let recorded: ApiResult<(track::Model, Option<blob::Model>)> = async {
            let txn = crate::db::begin_write(&self.db).await?;
            let blob = blob::ActiveModel {
                storage_key: Set(key.clone()),
                content_hash: Set(hash),
                size_bytes: Set(size),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let previous = track.master_blob_id;
            let mut active: track::ActiveModel = track.into();
            active.master_blob_id = Set(Some(blob.id));
            active.updated_at = Set(Utc::now());
            let updated = active.update(&txn).await?;
            // The old master goes unless a buyer's locker item still uses it.
            let orphan = match previous {
                Some(old) => {
                    let used = locker_item::Entity::find()
                        .filter(locker_item::Column::BlobId.eq(old))
                        .count(&txn)
                        .await?
                        > 0;
                    if used {
                        None
                    } else {
                        let old_blob = blob::Entity::find_by_id(old).one(&txn).await?;
                        blob::Entity::delete_by_id(old).exec(&txn).await?;
                        old_blob
                    }
                }
                None => None,
            };
            txn.commit().await?;
            Ok((updated, orphan))
        }
        .await;
        match recorded {
            Ok((updated, orphan)) => {
                if let Some(old) = orphan {
                    if let Err(err) = self.blobs.delete(&old.storage_key).await {
                        tracing::error!(blob.id = old.id, error = %format!("{err:?}"), "a replaced master could not be removed");
                    }
                }
                self.catalogue_version.bump();
                tracing::info!(
                    track.id = updated.id,
                    size_bytes = size,
                    "master audio attached"
                );
                Ok(updated)
            }
            Err(err) => {
                let _ = self.blobs.delete(&key).await;
                Err(err)
            }
        }
    }

    async fn record(
        &self,
        user_id: i32,
        key: &str,
        hash: &str,
        size: i64,
        file_name: &str,
        facts: AudioFacts,
    ) -> Result<locker_item::Model, RecordError> {
        let catalogue_track_id = super::matching::catalogue_track_for(&self.db, &facts).await?;
        let txn = crate::db::begin_write(&self.db)
            .await
            .map_err(ApiError::from)?;
        // Checked again inside the transaction, so concurrent uploads cannot
        // together pass the quota: SQLite has one writer at a time, and on
        // PostgreSQL the owner's row is locked until the upload commits.
        crate::db::lock_row_for_update(&txn, "users", user_id)
            .await
            .map_err(ApiError::from)?;
        let used = used_bytes(&txn, user_id).await?;
        if used.saturating_add(size) > self.quota_bytes {
            return Err(RecordError::Api(self.quota_error(used)));
        }
        let now = Utc::now();
        let blob = blob::ActiveModel {
            storage_key: Set(key.to_owned()),
            content_hash: Set(hash.to_owned()),
            size_bytes: Set(size),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        let tags = facts.tags;
        let inserted = locker_item::ActiveModel {
            user_id: Set(user_id),
            blob_id: Set(blob.id),
            source: Set(Source::Upload.as_str().to_owned()),
            title: Set(tags
                .title
                .or_else(|| ingest::title_from_file_name(file_name))
                .unwrap_or_else(|| "Untitled".to_owned())),
            artist: Set(tags
                .artist
                .clone()
                .unwrap_or_else(|| UNKNOWN_ARTIST.to_owned())),
            album: Set(tags.album.unwrap_or_else(|| UNKNOWN_ALBUM.to_owned())),
            album_artist: Set(tags.album_artist),
            genre: Set(tags.genre),
            track_number: Set(tags.track_number),
            disc_number: Set(tags.disc_number),
            year: Set(tags.year),
            isrc: Set(tags.isrc.filter(|isrc| isrc.len() == 12)),
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
            added_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let item = match inserted {
            Ok(item) => item,
            Err(err) if super::is_unique_violation(&err) => return Err(RecordError::Duplicate),
            Err(err) => return Err(RecordError::Api(err.into())),
        };
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
        user_id: i32,
        hash: &str,
    ) -> ApiResult<Option<locker_item::Model>> {
        Ok(locker_item::Entity::find_owned_by(user_id)
            .filter(locker_item::Column::Source.eq(Source::Upload.as_str()))
            .filter(locker_item::Column::ContentHash.eq(hash))
            .one(&self.db)
            .await?)
    }

    async fn check_quota(&self, user_id: i32, size: i64) -> ApiResult<()> {
        let used = used_bytes(&self.db, user_id).await?;
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

    pub async fn usage(&self, user_id: i32) -> ApiResult<Usage> {
        let item_count = locker_item::Entity::find_owned_by(user_id)
            .count(&self.db)
            .await?;
        Ok(Usage {
            item_count,
            used_bytes: used_bytes(&self.db, user_id).await?,
            quota_bytes: self.quota_bytes,
        })
    }

    pub async fn item(&self, user_id: i32, id: i32) -> ApiResult<Option<locker_item::Model>> {
        Ok(locker_item::Entity::find_owned_by(user_id)
            .filter(locker_item::Column::Id.eq(id))
            .one(&self.db)
            .await?)
    }

    pub async fn items(
        &self,
        user_id: i32,
        filter: &ItemFilter,
        sort: ItemSort,
        page: Page,
    ) -> ApiResult<Listing<locker_item::Model>> {
        let mut select = locker_item::Entity::find_owned_by(user_id);
        let lower_eq = |column: locker_item::Column, value: &str| {
            Expr::expr(Func::lower(Expr::col(column))).eq(value.to_lowercase())
        };
        if let Some(artist) = &filter.artist {
            select = select.filter(lower_eq(locker_item::Column::Artist, artist));
        }
        if let Some(album) = &filter.album {
            select = select.filter(lower_eq(locker_item::Column::Album, album));
        }
        if let Some(genre) = &filter.genre {
            select = select.filter(lower_eq(locker_item::Column::Genre, genre));
        }
        if let Some(source) = filter.source {
            select = select.filter(locker_item::Column::Source.eq(source.as_str()));
        }
        let select = match sort {
            ItemSort::AddedDesc => select.order_by_desc(locker_item::Column::AddedAt),
            ItemSort::Title => select.order_by_asc(lower(locker_item::Column::Title)),
            ItemSort::ArtistAlbum => select
                .order_by_asc(lower(locker_item::Column::Artist))
                .order_by_asc(lower(locker_item::Column::Album))
                .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
                .order_by_with_nulls(
                    locker_item::Column::TrackNumber,
                    Order::Asc,
                    sea_orm::sea_query::NullOrdering::Last,
                )
                .order_by_asc(lower(locker_item::Column::Title)),
        };
        let select = select.order_by_desc(locker_item::Column::Id);
        listing(&self.db, select, page).await
    }

    /// Edits the metadata Cadenza keeps; the stored bytes never change.
    pub async fn update(
        &self,
        user_id: i32,
        id: i32,
        edit: ItemEdit,
    ) -> ApiResult<locker_item::Model> {
        let item = self
            .item(user_id, id)
            .await?
            .ok_or(ApiError::NotFound("locker item"))?;
        let mut active: locker_item::ActiveModel = item.into();
        let required = |field: &str, value: String| -> ApiResult<String> {
            let value = value.trim().to_owned();
            if value.is_empty() || value.chars().count() > 500 {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be between 1 and 500 characters"
                )));
            }
            Ok(value)
        };
        let optional = |field: &str, value: String, max: usize| -> ApiResult<Option<String>> {
            let value = value.trim().to_owned();
            if value.chars().count() > max {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be at most {max} characters"
                )));
            }
            Ok((!value.is_empty()).then_some(value))
        };
        let number = |field: &str, value: i32, max: i32| -> ApiResult<Option<i32>> {
            if value == 0 {
                return Ok(None);
            }
            if !(1..=max).contains(&value) {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be between 1 and {max}, or 0 to clear it"
                )));
            }
            Ok(Some(value))
        };
        if let Some(title) = edit.title {
            active.title = Set(required("title", title)?);
        }
        if let Some(artist) = edit.artist {
            active.artist = Set(required("artist", artist)?);
        }
        if let Some(album) = edit.album {
            active.album = Set(required("album", album)?);
        }
        if let Some(album_artist) = edit.album_artist {
            active.album_artist = Set(optional("albumArtist", album_artist, 500)?);
        }
        if let Some(genre) = edit.genre {
            active.genre = Set(optional("genre", genre, 100)?);
        }
        if let Some(track_number) = edit.track_number {
            active.track_number = Set(number("trackNumber", track_number, 9999)?);
        }
        if let Some(disc_number) = edit.disc_number {
            active.disc_number = Set(number("discNumber", disc_number, 999)?);
        }
        if let Some(year) = edit.year {
            active.year = Set(number("year", year, 2100)?);
        }
        if let Some(exclude) = edit.exclude_from_taste_profile {
            active.exclude_from_taste_profile = Set(exclude);
        }
        active.updated_at = Set(Utc::now());
        let txn = crate::db::begin_write(&self.db).await?;
        let updated = active.update(&txn).await.map_err(|err| match err {
            // Deleted from another device in the meantime.
            sea_orm::DbErr::RecordNotUpdated => ApiError::NotFound("locker item"),
            other => other.into(),
        })?;
        self.search
            .record(&txn, [Change::LockerItem(updated.id)])
            .await?;
        txn.commit().await?;
        self.search.changed();
        self.announce(user_id, LockerChange::Updated, updated.id)
            .await;
        Ok(updated)
    }

    /// Removes the item, and its blob when nothing else refers to it.
    pub async fn delete(&self, user_id: i32, id: i32) -> ApiResult<()> {
        let txn = crate::db::begin_write(&self.db).await?;
        let item = locker_item::Entity::find_owned_by(user_id)
            .filter(locker_item::Column::Id.eq(id))
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("locker item"))?;
        // Its playlist entries go with it, and their playlists close ranks.
        let playlists: Vec<i32> = playlist_entry::Entity::find()
            .select_only()
            .column(playlist_entry::Column::PlaylistId)
            .filter(playlist_entry::Column::LockerItemId.eq(item.id))
            .distinct()
            .order_by_asc(playlist_entry::Column::PlaylistId)
            .into_tuple()
            .all(&txn)
            .await?;
        // Their write locks first, in id order, as the playlist service
        // takes them, so no add or move interleaves with the renumbering.
        for playlist in &playlists {
            crate::db::lock_row_for_update(&txn, "playlists", *playlist).await?;
        }
        playlist_entry::Entity::delete_many()
            .filter(playlist_entry::Column::LockerItemId.eq(item.id))
            .exec(&txn)
            .await?;
        super::playlists::close_gaps(&txn, &playlists).await?;
        locker_item::Entity::delete_by_id(item.id)
            .exec(&txn)
            .await?;
        // A purchase shares the catalogue master's blob; that one stays.
        let still_used = locker_item::Entity::find()
            .filter(locker_item::Column::BlobId.eq(item.blob_id))
            .count(&txn)
            .await?
            > 0
            || track::Entity::find()
                .filter(track::Column::MasterBlobId.eq(item.blob_id))
                .count(&txn)
                .await?
                > 0;
        let orphan = if still_used {
            None
        } else {
            let blob = blob::Entity::find_by_id(item.blob_id).one(&txn).await?;
            blob::Entity::delete_by_id(item.blob_id).exec(&txn).await?;
            blob
        };
        self.search
            .record(&txn, [Change::LockerItem(item.id)])
            .await?;
        txn.commit().await?;
        self.search.changed();
        if let Some(blob) = orphan {
            // The row is gone, so nothing can reach the bytes; a failure here
            // leaves an unreachable file, logged for cleanup.
            if let Err(err) = self.blobs.delete(&blob.storage_key).await {
                tracing::error!(blob.id = blob.id, error = %format!("{err:?}"), "a deleted item's blob could not be removed");
            }
        }
        self.stream_targets.evict((user_id, id));
        self.announce(user_id, LockerChange::Removed, id).await;
        tracing::info!(locker_item.id = id, "locker item deleted");
        Ok(())
    }

    /// What streaming an item of `user_id`'s needs, in one query.
    pub async fn stream_target(
        &self,
        user_id: i32,
        item_id: i32,
    ) -> ApiResult<Option<StreamTarget>> {
        if let Some(target) = self.stream_targets.get((user_id, item_id)) {
            return Ok(Some(target));
        }
        let blob_of_item = locker_item::Entity::belongs_to(blob::Entity)
            .from(locker_item::Column::BlobId)
            .to(blob::Column::Id)
            .into();
        let target = locker_item::Entity::find_owned_by(user_id)
            .filter(locker_item::Column::Id.eq(item_id))
            .select_only()
            .column(locker_item::Column::ContentHash)
            .column(locker_item::Column::MimeType)
            .column(blob::Column::StorageKey)
            .column_as(blob::Column::SizeBytes, "size_bytes")
            .join(sea_orm::JoinType::InnerJoin, blob_of_item)
            .into_model::<StreamTarget>()
            .one(&self.db)
            .await?;
        if let Some(target) = &target {
            self.stream_targets.put((user_id, item_id), target.clone());
        }
        Ok(target)
    }
}

/// An item's bytes as a stream serves them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct StreamTarget {
    pub content_hash: String,
    pub mime_type: String,
    pub storage_key: String,
    pub size_bytes: i64,
}

/// An artist of a locker, with counts.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ArtistGroup {
    pub name: String,
    pub album_count: i64,
    pub track_count: i64,
}

/// An album of a locker: items grouped by album and album artist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumGroup {
    pub title: String,
    pub artist: String,
    pub year: Option<i32>,
    pub items: Vec<locker_item::Model>,
}

/// The album artist, or the artist where none is tagged.
const ALBUM_ARTIST: &str = "COALESCE(album_artist, artist)";

impl Locker {
    pub async fn artists(&self, user_id: i32, page: Page) -> ApiResult<Listing<ArtistGroup>> {
        let grouped = locker_item::Entity::find_owned_by(user_id)
            .select_only()
            .column_as(locker_item::Column::Artist, "name")
            .column_as(Expr::cust("COUNT(DISTINCT album)"), "album_count")
            .column_as(Expr::cust("COUNT(*)"), "track_count")
            .group_by(locker_item::Column::Artist);
        let total = locker_item::Entity::find_owned_by(user_id)
            .select_only()
            .column(locker_item::Column::Artist)
            .distinct()
            .count(&self.db)
            .await?;
        let items = grouped
            .order_by_asc(lower(locker_item::Column::Artist))
            .order_by_asc(locker_item::Column::Artist)
            .offset(page.offset)
            .limit(page.limit)
            .into_model::<ArtistGroup>()
            .all(&self.db)
            .await?;
        Ok(Listing { items, total })
    }

    /// Albums by title; with `artist`, only that (album) artist's.
    pub async fn albums(
        &self,
        user_id: i32,
        artist: Option<&str>,
        page: Page,
    ) -> ApiResult<Listing<AlbumGroup>> {
        #[derive(FromQueryResult)]
        struct Key {
            title: String,
            artist: String,
            year: Option<i32>,
        }
        let mut scope = locker_item::Entity::find_owned_by(user_id);
        if let Some(artist) = artist {
            scope = scope.filter(
                Expr::expr(Func::lower(Expr::cust(ALBUM_ARTIST))).eq(artist.to_lowercase()),
            );
        }
        let keys = scope
            .clone()
            .select_only()
            .column_as(locker_item::Column::Album, "title")
            .column_as(Expr::cust(ALBUM_ARTIST), "artist")
            .column_as(Expr::cust("MAX(year)"), "year")
            .group_by(locker_item::Column::Album)
            .group_by(Expr::cust(ALBUM_ARTIST));
        let total = keys.clone().into_model::<Key>().count(&self.db).await?;
        let keys: Vec<Key> = keys
            .order_by_asc(lower(locker_item::Column::Album))
            .order_by_asc(Expr::cust(ALBUM_ARTIST))
            .offset(page.offset)
            .limit(page.limit)
            .into_model::<Key>()
            .all(&self.db)
            .await?;
        // One query for the items of every album on the page.
        let items = scope
            .filter(locker_item::Column::Album.is_in(keys.iter().map(|k| k.title.clone())))
            .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
            .order_by_with_nulls(
                locker_item::Column::TrackNumber,
                Order::Asc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .order_by_asc(lower(locker_item::Column::Title))
            .all(&self.db)
            .await?;
        let albums = keys
            .into_iter()
            .map(|key| AlbumGroup {
                items: items
                    .iter()
                    .filter(|item| {
                        item.album == key.title
                            && item.album_artist.as_deref().unwrap_or(&item.artist) == key.artist
                    })
                    .cloned()
                    .collect(),
                title: key.title,
                artist: key.artist,
                year: key.year,
            })
            .collect();
        Ok(Listing {
            items: albums,
            total,
        })
    }
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

/// The column in lower case, for orders and matches that ignore case.
fn lower(column: locker_item::Column) -> SimpleExpr {
    Func::lower(Expr::col(column)).into()
}

async fn used_bytes(db: &impl sea_orm::ConnectionTrait, user_id: i32) -> ApiResult<i64> {
    #[derive(FromQueryResult)]
    struct Used {
        used: Option<i64>,
    }
    let used = locker_item::Entity::find_owned_by(user_id)
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT)"),
            "used",
        )
        .into_model::<Used>()
        .one(db)
        .await?;
    Ok(used.and_then(|u| u.used).unwrap_or(0))
}

/// An uploaded file, read through once: its size, hash and what it is.
struct ReadFile {
    content: std::fs::File,
    size: i64,
    hash: String,
    facts: Result<AudioFacts, ingest::NotAudio>,
}

/// Refuses an empty file, then hashes the rest (unless the digest is known)
/// and reads what it is, off the async runtime. Uploads and catalogue
/// masters both come through here.
async fn read_file(content: std::fs::File, sha256: Option<String>) -> ApiResult<ReadFile> {
    let size = content.metadata().map_err(ApiError::internal)?.len();
    if size == 0 {
        return Err(ApiError::UnsupportedMediaType("the file is empty".into()));
    }
    let (content, hash, facts) = tokio::task::spawn_blocking(move || read_upload(content, sha256))
        .await
        .map_err(ApiError::internal)??;
    Ok(ReadFile {
        content,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        hash,
        facts,
    })
}

type ReadUpload = (std::fs::File, String, Result<AudioFacts, ingest::NotAudio>);

fn read_upload(mut content: std::fs::File, sha256: Option<String>) -> ApiResult<ReadUpload> {
    let hash = match sha256 {
        Some(hash) => hash,
        None => {
            content
                .seek(SeekFrom::Start(0))
                .map_err(ApiError::internal)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let read = content.read(&mut buf).map_err(ApiError::internal)?;
                if read == 0 {
                    break;
                }
                hasher.update(&buf[..read]);
            }
            hex::encode(hasher.finalize())
        }
    };
    content
        .seek(SeekFrom::Start(0))
        .map_err(ApiError::internal)?;
    let reader = content.try_clone().map_err(ApiError::internal)?;
    let facts = ingest::read_audio_guarded(reader);
    content
        .seek(SeekFrom::Start(0))
        .map_err(ApiError::internal)?;
    Ok((content, hash, facts))
}
