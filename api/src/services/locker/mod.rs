//! The locker: a listener's own music. Uploads are stored byte for byte,
//! read for tags, and all-or-nothing; every read and write is scoped to the
//! owner through `locker_item::Entity::find_owned_by`.
//!
//! `upload` adds files, `browse` lists them, `artists` and `albums` group
//! them (each with a stable key, `domain::locker_keys`), `lists` makes the
//! album and song lists Subsonic players ask for, `edit` changes the
//! metadata Cadenza keeps, `remove` deletes, `streams` finds what a stream
//! serves (with a cache); `services::signed_urls` signs the URLs players
//! fetch; `covers` keeps an upload's embedded picture and serves
//! thumbnails of it; `events` tells the owner's other devices. Stars and
//! ratings are set through `services::listening` (a star is a taste
//! signal); `stars` reads them and drops those no item names any more.

mod albums;
mod artists;
mod browse;
mod covers;
mod edit;
pub mod events;
mod lists;
mod lookups;
mod remove;
pub(crate) use remove::{after_removal, orphaned_blob};
mod stars;
mod streams;
mod upload;

pub use albums::{AlbumGroup, AlbumSummary};
pub use artists::ArtistGroup;
pub use browse::{ItemFilter, ItemSort};
pub use covers::{checked_size, cover_keys, thumbnail_size, CoverImage};
pub use edit::ItemEdit;
pub use lists::{AlbumList, GenreCount, RandomSongs, MAX_LIST_SIZE};
pub use streams::StreamTarget;

use std::collections::HashMap;

use entities::{locker_item, locker_lyrics};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect,
};

use self::events::{LockerChange, LockerEvent, LockerEvents};
use self::streams::StreamTargets;
use super::media::BlobStore;
use super::search::Feed;
use crate::domain::{LockerItemId, LockerSource, UserId};
use crate::error::{ApiError, ApiResult};

pub const UNKNOWN_ARTIST: &str = "Unknown Artist";
pub const UNKNOWN_ALBUM: &str = "Unknown Album";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub item_count: u64,
    pub used_bytes: i64,
    pub quota_bytes: i64,
}

#[derive(Clone)]
pub struct Locker {
    db: DatabaseConnection,
    blobs: BlobStore,
    events: LockerEvents,
    search: Feed,
    quota_bytes: i64,
    stream_targets: StreamTargets,
}

impl Locker {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        events: LockerEvents,
        search: Feed,
        quota_bytes: u64,
    ) -> Self {
        Self {
            db,
            blobs,
            events,
            search,
            quota_bytes: i64::try_from(quota_bytes).unwrap_or(i64::MAX),
            stream_targets: StreamTargets::new(),
        }
    }

    pub fn events(&self) -> &LockerEvents {
        &self.events
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    async fn announce(&self, user: UserId, change: LockerChange, item: LockerItemId) {
        self.events
            .publish(LockerEvent {
                user_id: user,
                change,
                item_id: item,
            })
            .await;
    }

    pub async fn usage(&self, user: UserId) -> ApiResult<Usage> {
        let item_count = locker_item::Entity::find_owned_by(user.0)
            .count(&self.db)
            .await?;
        Ok(Usage {
            item_count,
            used_bytes: used_bytes(&self.db, user).await?,
            quota_bytes: self.quota_bytes,
        })
    }

    pub async fn item(
        &self,
        user: UserId,
        id: LockerItemId,
    ) -> ApiResult<Option<locker_item::Model>> {
        Ok(locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.eq(id))
            .one(&self.db)
            .await?)
    }

    /// The unsynchronised lyrics the item's file held; `None` when it held
    /// none. Someone else's item is NOT_FOUND.
    pub async fn lyrics(&self, user: UserId, id: LockerItemId) -> ApiResult<Option<String>> {
        if self.item(user, id).await?.is_none() {
            return Err(ApiError::NotFound("locker item"));
        }
        Ok(self.lyrics_of(user, &[id.0]).await?.remove(&id.0))
    }

    /// The lyrics of those of these items (`owner`'s only) that have some.
    pub async fn lyrics_of(&self, owner: UserId, ids: &[i32]) -> ApiResult<HashMap<i32, String>> {
        let rows: Vec<(i32, String)> = locker_lyrics::Entity::find_owned_by(owner.0)
            .filter(locker_lyrics::Column::LockerItemId.is_in(ids.iter().copied()))
            .select_only()
            .column(locker_lyrics::Column::LockerItemId)
            .column(locker_lyrics::Column::Lyrics)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Items by id, of `owner` only.
    pub async fn items_by_id(
        &self,
        owner: UserId,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, locker_item::Model>> {
        let rows = locker_item::Entity::find_owned_by(owner.0)
            .filter(locker_item::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// The bytes `user`'s uploads hold; purchases play the catalogue's
/// masters and count against no quota.
async fn used_bytes(db: &impl sea_orm::ConnectionTrait, user: UserId) -> ApiResult<i64> {
    #[derive(FromQueryResult)]
    struct Used {
        used: Option<i64>,
    }
    let used = locker_item::Entity::find_owned_by(user.0)
        .filter(locker_item::Column::Source.eq(LockerSource::Upload.as_str()))
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
