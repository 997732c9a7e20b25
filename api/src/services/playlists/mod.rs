//! Playlists: named, ordered lists of what the owner may play. Positions
//! stay dense (0, 1, 2, ...) under any sequence of adds, removes and moves;
//! every change runs in one transaction that first takes the playlist's
//! write lock.

mod entries;
mod relations;

pub use entries::close_gaps;
pub use relations::PlaylistStats;

use std::collections::HashSet;

use chrono::Utc;
use entities::{playlist, playlist_entry};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use self::entries::{check_playable, insert_entries, ordered, renumber, MAX_ENTRIES};
use super::listing::{listing, Listing};
use crate::db::begin_write;
use crate::domain::{LockerItemId, Page, PlaylistEntryId, PlaylistId, TrackId, UserId};
use crate::error::{ApiError, ApiResult};

/// Something a playlist entry plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Playable {
    LockerItem(LockerItemId),
    Track(TrackId),
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

impl Playlists {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn list(&self, user: UserId, page: Page) -> ApiResult<Listing<playlist::Model>> {
        let select = playlist::Entity::find_owned_by(user.0)
            .order_by_desc(playlist::Column::UpdatedAt)
            .order_by_desc(playlist::Column::Id);
        listing(&self.db, select, page).await
    }

    pub async fn get(&self, user: UserId, id: PlaylistId) -> ApiResult<Option<playlist::Model>> {
        Ok(playlist::Entity::find_owned_by(user.0)
            .filter(playlist::Column::Id.eq(id))
            .one(&self.db)
            .await?)
    }

    pub async fn create(
        &self,
        user: UserId,
        name: &str,
        description: Option<String>,
        items: &[Playable],
    ) -> ApiResult<playlist::Model> {
        let name = playlist_name(name)?;
        let description = description_of(description)?;
        let txn = begin_write(&self.db).await?;
        check_playable(&txn, user, items).await?;
        let now = Utc::now();
        let created = playlist::ActiveModel {
            user_id: Set(user.0),
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
        user: UserId,
        id: PlaylistId,
        edit: PlaylistEdit,
    ) -> ApiResult<playlist::Model> {
        let existing = self
            .get(user, id)
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
        user: UserId,
        id: PlaylistId,
        items: &[Playable],
        position: Option<i32>,
    ) -> ApiResult<playlist::Model> {
        if items.is_empty() {
            return Err(ApiError::bad_input("`itemIds` must name at least one item"));
        }
        let (txn, found) = self.lock(user, id).await?;
        check_playable(&txn, user, items).await?;
        let mut entries = ordered(&txn, id.0).await?;
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
        insert_entries(&txn, id.0, at, items).await?;
        txn.commit().await?;
        Ok(found)
    }

    pub async fn remove(
        &self,
        user: UserId,
        id: PlaylistId,
        entry_ids: &[PlaylistEntryId],
    ) -> ApiResult<playlist::Model> {
        let (txn, found) = self.lock(user, id).await?;
        let entries = ordered(&txn, id.0).await?;
        let wanted: HashSet<i32> = entry_ids.iter().map(|id| id.0).collect();
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
        user: UserId,
        id: PlaylistId,
        entry_id: PlaylistEntryId,
        to: i32,
    ) -> ApiResult<playlist::Model> {
        let (txn, found) = self.lock(user, id).await?;
        let mut entries = ordered(&txn, id.0).await?;
        let from = entries
            .iter()
            .position(|e| e.id == entry_id.0)
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

    /// Replaces every entry with `items`, in one transaction (a Subsonic
    /// player's `createPlaylist` of an existing playlist).
    pub async fn replace_entries(
        &self,
        user: UserId,
        id: PlaylistId,
        items: &[Playable],
    ) -> ApiResult<playlist::Model> {
        if items.len() > MAX_ENTRIES {
            return Err(ApiError::bad_input(format!(
                "a playlist holds at most {MAX_ENTRIES} entries"
            )));
        }
        let (txn, found) = self.lock(user, id).await?;
        check_playable(&txn, user, items).await?;
        playlist_entry::Entity::delete_many()
            .filter(playlist_entry::Column::PlaylistId.eq(id.0))
            .exec(&txn)
            .await?;
        insert_entries(&txn, id.0, 0, items).await?;
        txn.commit().await?;
        Ok(found)
    }

    pub async fn delete(&self, user: UserId, id: PlaylistId) -> ApiResult<()> {
        let deleted = playlist::Entity::delete_many()
            .filter(playlist::Column::UserId.eq(user))
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
        user: UserId,
        id: PlaylistId,
    ) -> ApiResult<(DatabaseTransaction, playlist::Model)> {
        let txn = begin_write(&self.db).await?;
        let touched = playlist::Entity::update_many()
            .col_expr(playlist::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(playlist::Column::UserId.eq(user))
            .filter(playlist::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if touched.rows_affected == 0 {
            return Err(ApiError::NotFound("playlist"));
        }
        let found = playlist::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("playlist"))?;
        Ok((txn, found))
    }
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
