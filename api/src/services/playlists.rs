//! Playlists: named, ordered lists of what the owner may play. Positions
//! stay dense (0, 1, 2, ...) under any sequence of adds, removes and moves;
//! every change runs in one transaction that first takes the playlist's
//! write lock.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entities::{entitlement, locker_item, playlist, playlist_entry, product, track};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::catalogue::{listing, Listing};
use crate::error::{ApiError, ApiResult};
use crate::ids::Page;

/// Something a playlist entry plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Playable {
    LockerItem(i32),
    Track(i32),
}

#[derive(Clone, Debug, Default)]
pub struct PlaylistEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub exclude_from_taste_profile: Option<bool>,
}

#[derive(Clone)]
pub struct Playlists {
    db: DatabaseConnection,
}

const MAX_ENTRIES: usize = 10_000;

impl Playlists {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn list(&self, user_id: i32, page: Page) -> ApiResult<Listing<playlist::Model>> {
        let select = playlist::Entity::find_owned_by(user_id)
            .order_by_desc(playlist::Column::UpdatedAt)
            .order_by_desc(playlist::Column::Id);
        listing(&self.db, select, page).await
    }

    pub async fn get(&self, user_id: i32, id: i32) -> ApiResult<Option<playlist::Model>> {
        Ok(playlist::Entity::find_owned_by(user_id)
            .filter(playlist::Column::Id.eq(id))
            .one(&self.db)
            .await?)
    }

    pub async fn create(
        &self,
        user_id: i32,
        name: &str,
        description: Option<String>,
        items: &[Playable],
    ) -> ApiResult<playlist::Model> {
        let name = playlist_name(name)?;
        let description = description_of(description)?;
        let txn = crate::db::begin_write(&self.db).await?;
        check_playable(&txn, user_id, items).await?;
        let now = Utc::now();
        let created = playlist::ActiveModel {
            user_id: Set(user_id),
            name: Set(name),
            description: Set(description),
            exclude_from_taste_profile: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        insert_entries(&txn, created.id, 0, items).await?;
        txn.commit().await?;
        Ok(created)
    }

    pub async fn update(
        &self,
        user_id: i32,
        id: i32,
        edit: PlaylistEdit,
    ) -> ApiResult<playlist::Model> {
        let existing = self
            .get(user_id, id)
            .await?
            .ok_or(ApiError::NotFound("playlist"))?;
        let mut active: playlist::ActiveModel = existing.into();
        if let Some(name) = edit.name {
            active.name = Set(playlist_name(&name)?);
        }
        if let Some(description) = edit.description {
            active.description = Set(description_of(Some(description))?);
        }
        if let Some(exclude) = edit.exclude_from_taste_profile {
            active.exclude_from_taste_profile = Set(exclude);
        }
        active.updated_at = Set(Utc::now());
        Ok(active.update(&self.db).await?)
    }

    /// Inserts `items` at `position` (the end when `None`).
    pub async fn add(
        &self,
        user_id: i32,
        id: i32,
        items: &[Playable],
        position: Option<i32>,
    ) -> ApiResult<playlist::Model> {
        if items.is_empty() {
            return Err(ApiError::bad_input("`itemIds` must name at least one item"));
        }
        let (txn, found) = self.lock(user_id, id).await?;
        check_playable(&txn, user_id, items).await?;
        let mut entries = ordered(&txn, id).await?;
        if entries.len() + items.len() > MAX_ENTRIES {
            return Err(ApiError::bad_input(format!(
                "a playlist holds at most {MAX_ENTRIES} entries"
            )));
        }
        let at = match position {
            None => entries.len(),
            Some(p) if p >= 0 && p as usize <= entries.len() => p as usize,
            Some(p) => {
                return Err(ApiError::bad_input(format!(
                    "`position` must be between 0 and {}, got {p}",
                    entries.len()
                )))
            }
        };
        // Entries after the insertion point move down to make room.
        let tail = entries.split_off(at);
        renumber(&txn, &tail, at + items.len()).await?;
        insert_entries(&txn, id, at, items).await?;
        txn.commit().await?;
        Ok(found)
    }

    pub async fn remove(
        &self,
        user_id: i32,
        id: i32,
        entry_ids: &[i32],
    ) -> ApiResult<playlist::Model> {
        let (txn, found) = self.lock(user_id, id).await?;
        let entries = ordered(&txn, id).await?;
        let wanted: HashSet<i32> = entry_ids.iter().copied().collect();
        let present: HashSet<i32> = entries.iter().map(|e| e.id).collect();
        if !wanted.is_subset(&present) {
            return Err(ApiError::NotFound("playlist entry"));
        }
        playlist_entry::Entity::delete_many()
            .filter(playlist_entry::Column::Id.is_in(wanted.iter().copied()))
            .exec(&txn)
            .await?;
        let kept: Vec<playlist_entry::Model> = entries
            .into_iter()
            .filter(|e| !wanted.contains(&e.id))
            .collect();
        renumber(&txn, &kept, 0).await?;
        txn.commit().await?;
        Ok(found)
    }

    pub async fn move_entry(
        &self,
        user_id: i32,
        id: i32,
        entry_id: i32,
        to: i32,
    ) -> ApiResult<playlist::Model> {
        let (txn, found) = self.lock(user_id, id).await?;
        let mut entries = ordered(&txn, id).await?;
        let from = entries
            .iter()
            .position(|e| e.id == entry_id)
            .ok_or(ApiError::NotFound("playlist entry"))?;
        if to < 0 || to as usize >= entries.len() {
            return Err(ApiError::bad_input(format!(
                "`toPosition` must be between 0 and {}, got {to}",
                entries.len() - 1
            )));
        }
        let moved = entries.remove(from);
        entries.insert(to as usize, moved);
        renumber(&txn, &entries, 0).await?;
        txn.commit().await?;
        Ok(found)
    }

    pub async fn delete(&self, user_id: i32, id: i32) -> ApiResult<()> {
        let deleted = playlist::Entity::delete_many()
            .filter(playlist::Column::UserId.eq(user_id))
            .filter(playlist::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(ApiError::NotFound("playlist"));
        }
        Ok(())
    }

    /// Opens a transaction holding the playlist's write lock: the first
    /// statement writes its row, which PostgreSQL locks and SQLite answers by
    /// taking its one write lock, so changes to one playlist never interleave.
    async fn lock(
        &self,
        user_id: i32,
        id: i32,
    ) -> ApiResult<(DatabaseTransaction, playlist::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let touched = playlist::Entity::update_many()
            .col_expr(playlist::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(playlist::Column::UserId.eq(user_id))
            .filter(playlist::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if touched.rows_affected == 0 {
            return Err(ApiError::NotFound("playlist"));
        }
        let found = playlist::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("playlist"))?;
        Ok((txn, found))
    }
}

/// Closes the gaps that removing entries left, in any transaction (the
/// locker calls it when a deleted item takes its entries with it).
pub async fn close_gaps(db: &impl ConnectionTrait, playlist_ids: &[i32]) -> ApiResult<()> {
    for id in playlist_ids {
        let entries = ordered(db, *id).await?;
        renumber(db, &entries, 0).await?;
    }
    Ok(())
}

async fn ordered(
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
async fn renumber(
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

async fn insert_entries(
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
            Playable::LockerItem(id) => (Some(*id), None),
            Playable::Track(id) => (None, Some(*id)),
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
async fn check_playable(
    db: &impl ConnectionTrait,
    user_id: i32,
    items: &[Playable],
) -> ApiResult<()> {
    if items.len() > MAX_ENTRIES {
        return Err(ApiError::bad_input(format!(
            "a playlist holds at most {MAX_ENTRIES} entries"
        )));
    }
    let lockers: HashSet<i32> = items
        .iter()
        .filter_map(|item| match item {
            Playable::LockerItem(id) => Some(*id),
            Playable::Track(_) => None,
        })
        .collect();
    let tracks: HashSet<i32> = items
        .iter()
        .filter_map(|item| match item {
            Playable::Track(id) => Some(*id),
            Playable::LockerItem(_) => None,
        })
        .collect();
    if !lockers.is_empty() {
        let found = locker_item::Entity::find_owned_by(user_id)
            .filter(locker_item::Column::Id.is_in(lockers.iter().copied()))
            .count(db)
            .await?;
        if found as usize != lockers.len() {
            return Err(ApiError::NotFound("item"));
        }
    }
    if !tracks.is_empty() {
        let albums: HashMap<i32, i32> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::AlbumId)
            .filter(track::Column::Id.is_in(tracks.iter().copied()))
            .into_tuple::<(i32, i32)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        if albums.len() != tracks.len() {
            return Err(ApiError::NotFound("item"));
        }
        let owned: Vec<(Option<i32>, i32, String)> = product::Entity::find()
            .select_only()
            .column(product::Column::TrackId)
            .column(product::Column::AlbumId)
            .column(product::Column::Kind)
            .filter(
                product::Column::Id.in_subquery(sea_orm::QueryTrait::into_query(
                    entitlement::Entity::find()
                        .select_only()
                        .column(entitlement::Column::ProductId)
                        .filter(entitlement::Column::UserId.eq(user_id)),
                )),
            )
            .filter(
                Condition::any()
                    .add(product::Column::TrackId.is_in(tracks.iter().copied()))
                    .add(product::Column::AlbumId.is_in(albums.values().copied())),
            )
            .into_tuple()
            .all(db)
            .await?;
        for (track_id, album_id) in &albums {
            let owns = owned.iter().any(|(owned_track, owned_album, kind)| {
                *owned_track == Some(*track_id) || (kind == "ALBUM" && owned_album == album_id)
            });
            if !owns {
                return Err(ApiError::NotFound("item"));
            }
        }
    }
    Ok(())
}

fn playlist_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_input(
            "`name` must be between 1 and 200 characters",
        ));
    }
    Ok(name.to_owned())
}

fn description_of(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let description = raw.trim();
    if description.chars().count() > 2000 {
        return Err(ApiError::bad_input(
            "`description` must be at most 2000 characters",
        ));
    }
    Ok((!description.is_empty()).then(|| description.to_owned()))
}
