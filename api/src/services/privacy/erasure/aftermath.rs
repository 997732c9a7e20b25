//! What follows an erasure's commit on every replica, and what finishes
//! it after a crash: the files left to remove, the list of erased
//! accounts whose tokens are refused, and the SQLite checkpoint that takes
//! deleted rows out of the write-ahead log.

use std::time::Duration;

use chrono::Utc;
use entities::{blob_deletion, erased_user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use tokio::sync::broadcast;

use super::{Erasure, ERASED_KEPT, RELOAD_EVERY};
use crate::domain::UserId;
use crate::error::ApiResult;
use crate::services::jobs::Beat;

impl Erasure {
    /// Removes from storage the files erasures left to remove; how many.
    /// Safe on every replica at once: removing a file twice is no error.
    pub async fn sweep(&self) -> usize {
        let pending = match blob_deletion::Entity::find()
            .order_by_asc(blob_deletion::Column::RequestedAt)
            .all(&self.db)
            .await
        {
            Ok(pending) => pending,
            Err(err) => {
                tracing::error!(error = %err, "the files of erased accounts could not be listed");
                return 0;
            }
        };
        let mut removed = 0;
        for row in pending {
            if let Err(err) = self.blobs.delete(&row.storage_key).await {
                tracing::error!(error = %format!("{err:?}"), "a file of an erased account could not be removed; tried again at the next start");
                continue;
            }
            let forgotten = blob_deletion::Entity::delete_by_id(row.storage_key)
                .exec(&self.db)
                .await;
            if let Err(err) = forgotten {
                tracing::error!(error = %err, "a removed file could not be struck off");
            }
            removed += 1;
        }
        removed
    }

    /// Reads this replica's list of erased accounts (so tokens of accounts
    /// erased before a restart are refused from the first request) and
    /// checkpoints what an erasure killed mid-way left in the WAL. Before
    /// the server serves.
    pub async fn load(&self) -> anyhow::Result<()> {
        self.reload().await?;
        checkpoint(&self.db).await;
        Ok(())
    }

    /// Keeps the list current for as long as the server runs (the
    /// `erasure` job): as events arrive and every few seconds; closes
    /// subscriptions through the list. First finishes the file removals a
    /// crash interrupted.
    pub async fn follow(&self, beat: Beat) -> anyhow::Result<()> {
        let mut events = self.events.subscribe_all();
        self.sweep().await;
        let mut clock = tokio::time::interval(RELOAD_EVERY);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        self.erased.extend([event.user_id]);
                        self.locker.forget_streams_of(event.user_id);
                    }
                    // Missed events: the next reload reads them.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        anyhow::bail!("the erasure events stopped")
                    }
                },
                _ = clock.tick() => match self.reload().await {
                    Ok(()) => beat.ok(),
                    Err(err) => beat.failed(&format!("the erased accounts could not be read: {err:#}")),
                }
            }
        }
    }

    async fn reload(&self) -> anyhow::Result<()> {
        let users: Vec<i32> = erased_user::Entity::find()
            .select_only()
            .column(erased_user::Column::UserId)
            .into_tuple()
            .all(&self.db)
            .await?;
        self.erased.extend(users.into_iter().map(UserId));
        Ok(())
    }

    /// Forgets erased accounts' numbers once no token of theirs can be
    /// valid any more (the retention job calls it).
    pub async fn prune(db: &impl ConnectionTrait) -> ApiResult<u64> {
        let before = Utc::now() - ERASED_KEPT;
        Ok(erased_user::Entity::delete_many()
            .filter(erased_user::Column::ErasedAt.lt(before))
            .exec(db)
            .await?
            .rows_affected)
    }
}

/// On SQLite, copies the write-ahead log into the database and truncates
/// it, so deleted rows live on in neither; readers in the middle of a
/// transaction can hold it back, so it is tried a few times, and again at
/// every start.
pub(super) async fn checkpoint(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    // Each busy attempt waits out the busy timeout: a few, then the next
    // start (or SQLite's own checkpoints) finish the job.
    for _ in 0..5 {
        let done = db
            .query_one(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await;
        match done {
            Ok(Some(row)) if row.try_get_by_index::<i32>(0).ok() == Some(0) => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(err) => {
                tracing::warn!(error = %err, "the write-ahead log could not be checkpointed");
                return;
            }
        }
    }
    tracing::warn!("the write-ahead log stayed busy; it is checkpointed as usual later");
}
