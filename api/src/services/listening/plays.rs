//! Recording plays as the listener allows, and their own history.

use chrono::{DateTime, SubsecRound, Utc};
use entities::{interaction, locker_item, play, playlist, track};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::interactions::{self, NewInteraction};
use super::writer::PlayWriter;
use crate::db::begin_write;
use crate::domain::{GlobalId, LockerItemId, NodeKind, PlaylistId, TrackId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::privacy::audit::{self, AuditAction, AuditRecord};

/// How far past an item's length a play may run (a player that loops or
/// seeks back), in milliseconds.
pub const MS_PLAYED_SLACK: i64 = 10 * 60 * 1000;
/// The longest device id or context kept.
const MAX_LABEL: usize = 200;

/// What a play played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Played {
    LockerItem(LockerItemId),
    Track(TrackId),
}

/// A play as a player reports it.
#[derive(Clone, Debug)]
pub struct NewPlay {
    pub item: Played,
    pub ms_played: i32,
    pub completed: bool,
    pub device_id: Option<String>,
    /// Where the play started; a playlist's global ID names that playlist.
    pub context: Option<String>,
    /// When it was played, for a player that reports later (a Subsonic
    /// scrobble's `time`): within the last `MAX_LATE_DAYS` days and not in
    /// the future. `None`: now.
    pub played_at: Option<DateTime<Utc>>,
}

/// How late a play may be reported.
pub const MAX_LATE_DAYS: i64 = 14;

#[derive(Clone)]
pub struct Listening {
    pub(super) db: DatabaseConnection,
    writer: PlayWriter,
}

impl Listening {
    /// Starts the play writer as one of `jobs`.
    pub fn new(db: DatabaseConnection, jobs: &crate::services::jobs::Jobs) -> Self {
        Self {
            writer: PlayWriter::start(db.clone(), jobs),
            db,
        }
    }

    /// Records `new` if the listener's settings allow it; says whether it
    /// was stored. Answers only once the play is committed.
    pub async fn record_play(&self, user: UserId, new: NewPlay) -> ApiResult<bool> {
        let device_id = label(new.device_id, "deviceId")?;
        let context = label(new.context, "context")?;
        let OwnedItem {
            locker_item_id,
            track_id,
            stats_track_id,
            duration_ms,
            excluded: item_excluded,
        } = owned_item(&self.db, user, new.item).await?;
        let most = i64::from(duration_ms.max(0)) + MS_PLAYED_SLACK;
        if new.ms_played < 0 || i64::from(new.ms_played) > most {
            return Err(ApiError::bad_input(format!(
                "`msPlayed` must be from 0 to {most} (the item's length and ten minutes); got {}",
                new.ms_played
            )));
        }
        let playlist_excluded = match context.as_deref().and_then(playlist_of) {
            Some(playlist_id) => {
                playlist::Entity::find_owned_by(user.0)
                    .filter(playlist::Column::Id.eq(playlist_id))
                    .one(&self.db)
                    .await?
                    .ok_or(ApiError::NotFound("playlist"))?
                    .exclude_from_taste_profile
            }
            None => false,
        };
        let now = Utc::now();
        let played_at = match new.played_at {
            None => now,
            Some(at)
                if at <= now + chrono::Duration::minutes(1)
                    && at >= now - chrono::Duration::days(MAX_LATE_DAYS) =>
            {
                at.min(now)
            }
            Some(at) => {
                return Err(ApiError::bad_input(format!(
                    "a play must be from the last {MAX_LATE_DAYS} days, not {}",
                    at.to_rfc3339()
                )))
            }
        };
        let play = play::ActiveModel {
            user_id: Set(user.0),
            locker_item_id: Set(locker_item_id),
            track_id: Set(track_id),
            stats_track_id: Set(stats_track_id),
            ms_played: Set(new.ms_played),
            completed: Set(new.completed),
            device_id: Set(device_id),
            context: Set(context),
            excluded: Set(item_excluded || playlist_excluded),
            // Whole microseconds, as PostgreSQL keeps them.
            played_at: Set(played_at.trunc_subsecs(6)),
            ..Default::default()
        };
        self.writer.write(user, locker_item_id, play).await
    }

    /// The listener's latest `first` plays, newest first.
    pub async fn recently_played(&self, user: UserId, first: u64) -> ApiResult<Vec<play::Model>> {
        Ok(play::Entity::find_owned_by(user.0)
            .order_by_desc(play::Column::PlayedAt)
            .order_by_desc(play::Column::Id)
            .limit(first)
            .all(&self.db)
            .await?)
    }

    /// Records `new` if the listener's settings allow it; says whether it
    /// was stored.
    pub async fn record_interaction(&self, user: UserId, new: NewInteraction) -> ApiResult<bool> {
        interactions::record(&self.db, user, new).await
    }

    /// Removes every play and interaction of the listener, together; says
    /// how many.
    pub async fn clear_history(&self, user: UserId) -> ApiResult<u64> {
        let txn = begin_write(&self.db).await?;
        let plays = play::Entity::delete_many()
            .filter(play::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?
            .rows_affected;
        let interactions = interaction::Entity::delete_many()
            .filter(interaction::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?
            .rows_affected;
        audit::record(
            &txn,
            AuditRecord::by_subject(user, AuditAction::HistoryCleared)
                .detail(format!("removed={}", plays + interactions)),
        )
        .await?;
        txn.commit().await?;
        Ok(plays + interactions)
    }
}

/// A locker item or catalogue track as the listener may play it.
pub(super) struct OwnedItem {
    pub locker_item_id: Option<i32>,
    pub track_id: Option<i32>,
    /// The catalogue track it counts as in statistics.
    pub stats_track_id: Option<i32>,
    pub duration_ms: i32,
    /// Excluded from the taste profile by its owner.
    pub excluded: bool,
}

/// `played` if it is the listener's to play (an item of their locker, or a
/// catalogue track they own); anything else is NOT_FOUND.
pub(super) async fn owned_item(
    db: &DatabaseConnection,
    user: UserId,
    played: Played,
) -> ApiResult<OwnedItem> {
    match played {
        Played::LockerItem(id) => {
            let item = locker_item::Entity::find_owned_by(user.0)
                .filter(locker_item::Column::Id.eq(id))
                .one(db)
                .await?
                .ok_or(ApiError::NotFound("item"))?;
            Ok(OwnedItem {
                locker_item_id: Some(item.id),
                track_id: None,
                stats_track_id: item.catalogue_track_id,
                duration_ms: item.duration_ms,
                excluded: item.exclude_from_taste_profile,
            })
        }
        Played::Track(id) => {
            let track = track::Entity::find_owned_by(user.0)
                .filter(track::Column::Id.eq(id))
                .one(db)
                .await?
                .ok_or(ApiError::NotFound("item"))?;
            Ok(OwnedItem {
                locker_item_id: None,
                track_id: Some(track.id),
                stats_track_id: Some(track.id),
                duration_ms: track.duration_ms,
                excluded: false,
            })
        }
    }
}

/// The playlist a context names, if it is a playlist's global ID.
fn playlist_of(context: &str) -> Option<PlaylistId> {
    GlobalId::decode(context)
        .ok()
        .filter(|id| id.kind == NodeKind::Playlist)
        .and_then(|id| id.as_id())
}

/// A short label as given, trimmed; empty is none.
pub(super) fn label(value: Option<String>, field: &str) -> ApiResult<Option<String>> {
    let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_LABEL {
        return Err(ApiError::bad_input(format!(
            "`{field}` is at most {MAX_LABEL} characters"
        )));
    }
    Ok(Some(value))
}
