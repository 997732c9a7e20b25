//! What streaming an item serves, looked up once and cached, so a player's
//! range requests do not each query the database.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entities::{blob, locker_item};
use lru::LruCache;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use tokio::sync::broadcast;

use super::events::LockerChange;
use super::Locker;
use crate::domain::{LockerItemId, UserId};
use crate::error::ApiResult;
use crate::services::jobs::Beat;

/// An item's bytes as a stream serves them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct StreamTarget {
    pub content_hash: String,
    pub mime_type: String,
    pub storage_key: String,
    pub size_bytes: i64,
}

/// Stream targets by owner and item, so a player's range requests do not
/// each query the database. What an item streams (its blob, hash and type)
/// never changes while it exists; a removal evicts it here at once, and on
/// other replicas when the event arrives. An entry lives at most
/// `STREAM_TARGET_TTL`, in case an event is lost, and a blob that is gone is
/// a 404 whatever the cache says.
#[derive(Clone)]
pub(super) struct StreamTargets(Arc<Mutex<LruCache<OwnedItem, (StreamTarget, Instant)>>>);

/// A user and an item of theirs.
type OwnedItem = (UserId, LockerItemId);

const STREAM_TARGET_TTL: Duration = Duration::from_secs(60);
const STREAM_TARGETS: usize = 16_384;

impl StreamTargets {
    pub(super) fn new() -> Self {
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

    pub(super) fn evict(&self, key: OwnedItem) {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.pop(&key);
    }
}

impl Locker {
    /// Forgets what streaming `user`'s items needs (their account is gone).
    pub fn forget_streams_of(&self, user: UserId) {
        let mut cache = self
            .stream_targets
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let theirs: Vec<OwnedItem> = cache
            .iter()
            .map(|(key, _)| *key)
            .filter(|(owner, _)| *owner == user)
            .collect();
        for key in theirs {
            cache.pop(&key);
        }
    }

    /// Evicts removed items from the stream-target cache as their events
    /// arrive, from this replica or (through Redis) any other, for as long
    /// as the server runs (the `stream-cache` job).
    pub async fn evict_removed_items(&self, beat: Beat) -> anyhow::Result<()> {
        let mut events = self.events.subscribe_all();
        let cache = self.stream_targets.clone();
        beat.ok();
        loop {
            match events.recv().await {
                Ok(event) if event.change == LockerChange::Removed => {
                    cache.evict((event.user_id, event.item_id));
                    beat.ok();
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Missed removals: start again from an empty cache.
                    cache.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
                }
                Err(broadcast::error::RecvError::Closed) => {
                    anyhow::bail!("the locker events stopped")
                }
            }
        }
    }

    /// What streaming an item of `user`'s needs, in one query.
    pub async fn stream_target(
        &self,
        user: UserId,
        item: LockerItemId,
    ) -> ApiResult<Option<StreamTarget>> {
        if let Some(target) = self.stream_targets.get((user, item)) {
            return Ok(Some(target));
        }
        let blob_of_item = locker_item::Entity::belongs_to(blob::Entity)
            .from(locker_item::Column::BlobId)
            .to(blob::Column::Id)
            .into();
        let target = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.eq(item))
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
            self.stream_targets.put((user, item), target.clone());
        }
        Ok(target)
    }
}
