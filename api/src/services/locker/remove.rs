//! Removing an item from a locker: its row, its lyrics, its playlist
//! entries, its search document, its cover and thumbnails, its blob when
//! nothing else refers to it, and the stars of an album or artist it was
//! the last to name.

use chrono::Utc;
use entities::{blob, locker_item, playlist_entry, track, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::events::LockerChange;
use super::stars::drop_unnamed_stars;
use super::Locker;
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::{LockerItemId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::playlists;
use crate::services::search::Change;

impl Locker {
    /// Removes the item, its cover, and its blob when nothing else refers
    /// to it.
    pub async fn delete(&self, user: UserId, id: LockerItemId) -> ApiResult<()> {
        let txn = begin_write(&self.db).await?;
        // The account's row first, as refunds and erasure take it, so that
        // a delete beside them waits rather than deadlocks (`after_removal`
        // writes it).
        lock_row_for_update(&txn, "users", user.0).await?;
        let item = locker_item::Entity::find_owned_by(user.0)
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
            lock_row_for_update(&txn, "playlists", *playlist).await?;
        }
        playlist_entry::Entity::delete_many()
            .filter(playlist_entry::Column::LockerItemId.eq(item.id))
            .exec(&txn)
            .await?;
        playlists::close_gaps(&txn, &playlists).await?;
        // Its lyrics go with it (the foreign key cascades).
        locker_item::Entity::delete_by_id(item.id)
            .exec(&txn)
            .await?;
        after_removal(&txn, user).await?;
        let orphan = match item.blob_id {
            Some(blob_id) => orphaned_blob(&txn, blob_id).await?,
            // A purchase whose master was never attached.
            None => None,
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
        if let Some(cover_key) = &item.cover_key {
            self.remove_cover(cover_key).await;
        }
        self.stream_targets.evict((user, id));
        self.announce(user, LockerChange::Removed, id).await;
        tracing::info!(locker_item.id = id.0, "locker item deleted");
        Ok(())
    }
}

/// Deletes the blob's row when no item and no catalogue track uses it
/// any more (a purchase shares the catalogue master's blob; that one
/// stays), and returns it so its bytes can go after the commit.
pub(crate) async fn orphaned_blob(
    txn: &DatabaseTransaction,
    blob_id: i32,
) -> ApiResult<Option<blob::Model>> {
    let still_used = locker_item::Entity::find()
        .filter(locker_item::Column::BlobId.eq(blob_id))
        .count(txn)
        .await?
        > 0
        || track::Entity::find()
            .filter(track::Column::MasterBlobId.eq(blob_id))
            .count(txn)
            .await?
            > 0;
    if still_used {
        return Ok(None);
    }
    let blob = blob::Entity::find_by_id(blob_id).one(txn).await?;
    blob::Entity::delete_by_id(blob_id).exec(txn).await?;
    Ok(blob)
}

/// What follows items leaving a locker, in the same transaction: the stars
/// no item names any more go, and the listener's `locker_removed_at` says
/// when, so that players asking whether the library changed see a removal
/// as a change.
pub(crate) async fn after_removal(db: &impl ConnectionTrait, owner: UserId) -> ApiResult<()> {
    drop_unnamed_stars(db, owner).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LockerRemovedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(owner.0))
        .exec(db)
        .await?;
    Ok(())
}
