//! Playback across devices: where each listener is right now, on which
//! device. One row per user, overwritten by every update (never a
//! history, never fed to a statistic), and each update sent to the
//! listener's other devices on the user bus, across replicas.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use entities::locker_item;
use entities::playback_state;
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::plays::{label, owned_item, Played, MS_PLAYED_SLACK};
use crate::domain::{LockerItemId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::bus::{Addressed, UserBus};

/// A state that says "playing" but was not updated for this long reads as
/// paused: the device that played it was closed, killed or lost its
/// network without saying so. A playing device reports every 5 seconds
/// (the web app; a GraphQL player should do the same), so this is four
/// missed reports.
pub const PLAYBACK_STALE_AFTER: Duration = Duration::from_secs(20);

/// The state as it reads at `now`: a "playing" state older than
/// [`PLAYBACK_STALE_AFTER`] is paused, at the position last reported.
pub fn as_read_at(mut state: playback_state::Model, now: DateTime<Utc>) -> playback_state::Model {
    let age = now.signed_duration_since(state.updated_at);
    if state.playing && age.to_std().is_ok_and(|age| age > PLAYBACK_STALE_AFTER) {
        state.playing = false;
    }
    state
}

/// A device's report of where it is.
#[derive(Clone, Debug)]
pub struct NewPlayback {
    pub device_id: String,
    /// What is loaded; `None`: nothing.
    pub item: Option<Played>,
    pub position_ms: i32,
    pub playing: bool,
    /// The play queue, locker items in order; `None` keeps the one saved.
    pub queue: Option<Vec<LockerItemId>>,
    /// Where in `queue` the item is, when it is there more than once;
    /// `None`: its first place.
    pub queue_index: Option<usize>,
}

/// The longest play queue kept.
pub const MAX_QUEUE: usize = 5_000;

/// A listener's new playback state, for their devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybackEvent {
    pub user_id: UserId,
    pub state: playback_state::Model,
}

impl Addressed for PlaybackEvent {
    const CHANNEL: &'static str = "playback";
    const FORWARDER: &'static str = "redis-playback";

    fn user_id(&self) -> UserId {
        self.user_id
    }
}

pub type PlaybackEvents = UserBus<PlaybackEvent>;

#[derive(Clone)]
pub struct Playback {
    db: DatabaseConnection,
    events: PlaybackEvents,
}

impl Playback {
    pub fn new(db: DatabaseConnection, events: PlaybackEvents) -> Self {
        Self { db, events }
    }

    /// Replaces the listener's playback state and tells their devices. An
    /// item that is not theirs is NOT_FOUND; a position outside the item
    /// (its length and ten minutes) or without one, or a device id that is
    /// empty or longer than 200 characters, BAD_USER_INPUT.
    pub async fn update(&self, user: UserId, new: NewPlayback) -> ApiResult<playback_state::Model> {
        let device_id = label(Some(new.device_id), "deviceId")?
            .ok_or_else(|| ApiError::bad_input("`deviceId` must not be empty"))?;
        let (locker_item_id, track_id, most) = match new.item {
            Some(played) => {
                let item = owned_item(&self.db, user, played).await?;
                let most = i64::from(item.duration_ms.max(0)) + MS_PLAYED_SLACK;
                (item.locker_item_id, item.track_id, most)
            }
            None => (None, None, 0),
        };
        if new.position_ms < 0 || i64::from(new.position_ms) > most {
            return Err(ApiError::bad_input(match new.item {
                Some(_) => format!(
                    "`positionMs` must be from 0 to {most} (the item's length and ten minutes); got {}",
                    new.position_ms
                ),
                None => format!(
                    "`positionMs` must be 0 with no item loaded; got {}",
                    new.position_ms
                ),
            }));
        }
        let loaded = locker_item_id.map(LockerItemId);
        let (queue, queue_index) = match new.queue {
            Some(queue) => {
                self.check_queue(user, &queue).await?;
                let index = match new.queue_index {
                    Some(index) if queue.get(index).copied() == loaded && loaded.is_some() => {
                        Some(index)
                    }
                    Some(index) => {
                        return Err(ApiError::bad_input(format!(
                            "the queue's item {index} is not the item loaded"
                        )))
                    }
                    None => loaded.and_then(|item| queue.iter().position(|id| *id == item)),
                };
                (join_queue(&queue), index)
            }
            None => {
                let saved = self.current(user).await?;
                let queue = saved.as_ref().map(queue_of).unwrap_or_default();
                let kept = saved
                    .and_then(|state| state.queue_index)
                    .and_then(|index| usize::try_from(index).ok())
                    .filter(|index| loaded.is_some() && queue.get(*index).copied() == loaded);
                let index = kept
                    .or_else(|| loaded.and_then(|item| queue.iter().position(|id| *id == item)));
                (join_queue(&queue), index)
            }
        };
        let state = playback_state::Model {
            user_id: user.0,
            device_id,
            locker_item_id,
            track_id,
            position_ms: new.position_ms,
            playing: new.playing && new.item.is_some(),
            // Whole microseconds, as PostgreSQL keeps them.
            updated_at: Utc::now().trunc_subsecs(6),
            queue,
            queue_index: queue_index.and_then(|index| i32::try_from(index).ok()),
        };
        let row = playback_state::ActiveModel {
            user_id: Set(state.user_id),
            device_id: Set(state.device_id.clone()),
            locker_item_id: Set(state.locker_item_id),
            track_id: Set(state.track_id),
            position_ms: Set(state.position_ms),
            playing: Set(state.playing),
            updated_at: Set(state.updated_at),
            queue: Set(state.queue.clone()),
            queue_index: Set(state.queue_index),
        };
        playback_state::Entity::insert(row)
            .on_conflict(
                OnConflict::column(playback_state::Column::UserId)
                    .update_columns([
                        playback_state::Column::DeviceId,
                        playback_state::Column::LockerItemId,
                        playback_state::Column::TrackId,
                        playback_state::Column::PositionMs,
                        playback_state::Column::Playing,
                        playback_state::Column::UpdatedAt,
                        playback_state::Column::Queue,
                        playback_state::Column::QueueIndex,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        self.events
            .publish(PlaybackEvent {
                user_id: user,
                state: state.clone(),
            })
            .await;
        Ok(state)
    }

    /// A queue of at most `MAX_QUEUE` of the listener's own items; any
    /// other is NOT_FOUND.
    async fn check_queue(&self, user: UserId, queue: &[LockerItemId]) -> ApiResult<()> {
        if queue.len() > MAX_QUEUE {
            return Err(ApiError::bad_input(format!(
                "a play queue holds at most {MAX_QUEUE} items; got {}",
                queue.len()
            )));
        }
        let mut wanted: Vec<i32> = queue.iter().map(|id| id.0).collect();
        wanted.sort_unstable();
        wanted.dedup();
        for chunk in wanted.chunks(500) {
            let owned = locker_item::Entity::find_owned_by(user.0)
                .filter(locker_item::Column::Id.is_in(chunk.iter().copied()))
                .count(&self.db)
                .await?;
            if owned != chunk.len() as u64 {
                return Err(ApiError::NotFound("item"));
            }
        }
        Ok(())
    }

    /// The listener's latest playback state, if they ever reported one;
    /// "playing" only while the device that plays keeps reporting (see
    /// [`PLAYBACK_STALE_AFTER`]).
    pub async fn current(&self, user: UserId) -> ApiResult<Option<playback_state::Model>> {
        let state = playback_state::Entity::find_owned_by(user.0)
            .one(&self.db)
            .await?;
        Ok(state.map(|state| as_read_at(state, Utc::now())))
    }

    /// The listener's playback states from now on, from any device.
    pub fn subscribe(
        &self,
        user: UserId,
    ) -> impl Stream<Item = playback_state::Model> + Send + 'static {
        self.events.subscribe(user).map(|event| event.state)
    }
}

/// A queue as stored: ids separated by commas; none when empty.
fn join_queue(queue: &[LockerItemId]) -> Option<String> {
    (!queue.is_empty()).then(|| {
        queue
            .iter()
            .map(|id| id.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// The play queue saved with `state`, in order.
pub fn queue_of(state: &playback_state::Model) -> Vec<LockerItemId> {
    state.queue_ids().into_iter().map(LockerItemId).collect()
}
