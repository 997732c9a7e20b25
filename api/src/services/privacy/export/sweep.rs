//! Removing exports whose time is over: expired ones never downloaded,
//! and downloaded ones whose removal after the download was lost (a crash,
//! say). Every replica sweeps, at start-up and then regularly; two sweeps
//! at once only delete the same things twice, which is harmless.

use std::time::Duration;

use chrono::Utc;
use entities::data_export;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::Exports;
use crate::error::ApiResult;
use crate::services::media::BlobStore;

/// How long a download may take before the sweep removes its document:
/// an object store may stop serving an object removed under a reader.
fn download_grace() -> chrono::Duration {
    chrono::Duration::hours(1)
}

/// Exports removed per query of a sweep.
const SWEEP_BATCH: u64 = 100;

/// The longest time between two sweeps.
const MAX_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

impl Exports {
    /// How often the sweep runs: every minute, or every TTL if shorter.
    pub fn sweep_interval(&self) -> Duration {
        self.ttl
            .to_std()
            .unwrap_or(MAX_SWEEP_INTERVAL)
            .clamp(Duration::from_secs(1), MAX_SWEEP_INTERVAL)
    }

    /// One round of the sweep (`startup::start_jobs`).
    pub async fn sweep_round(&self) -> anyhow::Result<()> {
        match self.sweep().await {
            Ok(0) => Ok(()),
            Ok(removed) => {
                tracing::info!(removed, "expired data exports removed");
                Ok(())
            }
            Err(err) => Err(anyhow::anyhow!("sweeping data exports failed: {err:?}")),
        }
    }

    /// Removes every export that expired unused, or was downloaded long
    /// enough ago; how many.
    pub async fn sweep(&self) -> ApiResult<usize> {
        let mut removed = 0;
        loop {
            let now = Utc::now();
            let due = Condition::any()
                .add(
                    Condition::all()
                        .add(data_export::Column::UsedAt.is_null())
                        .add(data_export::Column::ExpiresAt.lte(now)),
                )
                .add(data_export::Column::UsedAt.lte(now - download_grace()));
            let rows = data_export::Entity::find()
                .filter(due)
                .order_by_asc(data_export::Column::Id)
                .limit(SWEEP_BATCH)
                .all(&self.db)
                .await?;
            for row in &rows {
                remove(&self.db, &self.blobs, row.id, &row.storage_key).await?;
            }
            removed += rows.len();
            if (rows.len() as u64) < SWEEP_BATCH {
                return Ok(removed);
            }
        }
    }
}

/// Removes an export's document, then its row: a failure between the two
/// leaves the row, so a later sweep finishes the job.
pub(super) async fn remove(
    db: &DatabaseConnection,
    blobs: &BlobStore,
    id: i32,
    storage_key: &str,
) -> ApiResult<()> {
    blobs.delete(storage_key).await?;
    data_export::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Removes an export when dropped: held by a download's body, so the
/// document goes as soon as it was sent (or the client went away).
pub(super) struct RemoveWhenDone {
    db: DatabaseConnection,
    blobs: BlobStore,
    id: i32,
    storage_key: String,
}

impl RemoveWhenDone {
    pub(super) fn new(
        db: &DatabaseConnection,
        blobs: &BlobStore,
        row: &data_export::Model,
    ) -> Self {
        Self {
            db: db.clone(),
            blobs: blobs.clone(),
            id: row.id,
            storage_key: row.storage_key.clone(),
        }
    }
}

impl Drop for RemoveWhenDone {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to remove it on: the sweep will.
            return;
        };
        let (db, blobs, id) = (self.db.clone(), self.blobs.clone(), self.id);
        let storage_key = std::mem::take(&mut self.storage_key);
        runtime.spawn(async move {
            if let Err(err) = remove(&db, &blobs, id, &storage_key).await {
                tracing::warn!(export.id = id, error = ?err, "removing a downloaded export failed; the sweep will");
            }
        });
    }
}
