//! A playlist's entries: positions kept dense, inserts, and the rule of
//! what may be in a playlist at all.

use std::collections::HashSet;

use chrono::Utc;
use entities::{locker_item, playlist_entry, track};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::Playable;
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};

/// Most entries a playlist holds.
pub(super) const MAX_ENTRIES: usize = 10_000;

/// Closes the gaps that removing entries left, in any transaction (the
/// locker calls it when a deleted item takes its entries with it).
pub async fn close_gaps(db: &impl ConnectionTrait, playlist_ids: &[i32]) -> ApiResult<()> {
    for id in playlist_ids {
        let entries = ordered(db, *id).await?;
        renumber(db, &entries, 0).await?;
    }
    Ok(())
}

pub(super) async fn ordered(
    db: &impl ConnectionTrait,
    playlist_id: i32,
) -> ApiResult<Vec<playlist_entry::Model>> {
    Ok(playlist_entry::Entity::find()
        .filter(playlist_entry::Column::PlaylistId.eq(playlist_id))
        .order_by_asc(playlist_entry::Column::Position)
        .order_by_asc(playlist_entry::Column::Id)
        .all(db)
        .await?)
}

/// Gives `entries` the positions `first`, `first + 1`, ... where they differ.
pub(super) async fn renumber(
    db: &impl ConnectionTrait,
    entries: &[playlist_entry::Model],
    first: usize,
) -> ApiResult<()> {
    for (offset, entry) in entries.iter().enumerate() {
        let position = i32::try_from(first + offset).unwrap_or(i32::MAX);
        if entry.position != position {
            playlist_entry::Entity::update_many()
                .col_expr(playlist_entry::Column::Position, Expr::value(position))
                .filter(playlist_entry::Column::Id.eq(entry.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

pub(super) async fn insert_entries(
    db: &impl ConnectionTrait,
    playlist_id: i32,
    first: usize,
    items: &[Playable],
) -> ApiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = items.iter().enumerate().map(|(offset, item)| {
        let (locker_item_id, track_id) = match item {
            Playable::LockerItem(id) => (Some(id.0), None),
            Playable::Track(id) => (None, Some(id.0)),
        };
        playlist_entry::ActiveModel {
            playlist_id: Set(playlist_id),
            position: Set(i32::try_from(first + offset).unwrap_or(i32::MAX)),
            locker_item_id: Set(locker_item_id),
            track_id: Set(track_id),
            added_at: Set(now),
            ..Default::default()
        }
    });
    match playlist_entry::Entity::insert_many(rows).exec(db).await {
        Ok(_) => Ok(()),
        // An item deleted between the check and the insert.
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
            ) =>
        {
            Err(ApiError::NotFound("item"))
        }
        Err(err) => Err(err.into()),
    }
}

/// Every item must be one the user may play: an item of their locker, or a
/// catalogue track they own (bought on its own or with its album). Anything
/// else is NOT_FOUND, whoever it belongs to.
pub(super) async fn check_playable(
    db: &impl ConnectionTrait,
    user: UserId,
    items: &[Playable],
) -> ApiResult<()> {
    if items.len() > MAX_ENTRIES {
        return Err(ApiError::bad_input(format!(
            "a playlist holds at most {MAX_ENTRIES} entries"
        )));
    }
    let mut lockers: HashSet<i32> = HashSet::new();
    let mut tracks: HashSet<i32> = HashSet::new();
    for item in items {
        match item {
            Playable::LockerItem(id) => lockers.insert(id.0),
            Playable::Track(id) => tracks.insert(id.0),
        };
    }
    if !lockers.is_empty() {
        let found = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.is_in(lockers.iter().copied()))
            .count(db)
            .await?;
        if found as usize != lockers.len() {
            return Err(ApiError::NotFound("item"));
        }
    }
    if !tracks.is_empty() {
        let owned = track::Entity::find_owned_by(user.0)
            .filter(track::Column::Id.is_in(tracks.iter().copied()))
            .count(db)
            .await?;
        if owned as usize != tracks.len() {
            return Err(ApiError::NotFound("item"));
        }
    }
    Ok(())
}
