//! Retention: plays and interactions are kept for
//! `CADENZA_HISTORY_RETENTION_DAYS` (365), the consent log and the audit
//! log for `CADENZA_AUDIT_RETENTION_DAYS` (730, what a service is commonly
//! asked to prove about consent), and an erased account's number only
//! while a token of it could still be presented. The statistics built from
//! plays keep nothing but k-anonymous aggregates, rebuilt at each
//! recompute from the plays still kept.
//!
//! Every replica runs the job at start-up and hourly; the deletes are
//! idempotent, so replicas running it at once only share the work. Rows go
//! a batch at a time, each batch its own short transaction, so a large
//! backlog never holds the write lock for long.

use std::time::Duration;

use chrono::Utc;
use entities::{audit_entry, consent_change, interaction, play};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::erasure::Erasure;
use crate::db::begin_write;
use crate::error::ApiResult;

/// Rows deleted per transaction.
const BATCH: u64 = 2_000;
/// How often each replica runs the job.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// How long what is kept.
#[derive(Clone, Copy, Debug)]
pub struct RetentionPolicy {
    pub history_days: u32,
    pub audit_days: u32,
}

/// What one run deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub plays: u64,
    pub interactions: u64,
    pub consent_changes: u64,
    pub audit_entries: u64,
    pub erased_accounts: u64,
}

#[derive(Clone)]
pub struct Retention {
    db: DatabaseConnection,
    policy: RetentionPolicy,
}

impl Retention {
    pub fn new(db: DatabaseConnection, policy: RetentionPolicy) -> Self {
        Self { db, policy }
    }

    /// Deletes everything kept past its time.
    pub async fn run_once(&self) -> ApiResult<RetentionReport> {
        let now = Utc::now();
        let history = now - chrono::Duration::days(i64::from(self.policy.history_days));
        let audit = now - chrono::Duration::days(i64::from(self.policy.audit_days));
        let report = RetentionReport {
            plays: self
                .delete_before::<play::Entity, _>(play::Column::Id, play::Column::PlayedAt, history)
                .await?,
            interactions: self
                .delete_before::<interaction::Entity, _>(
                    interaction::Column::Id,
                    interaction::Column::OccurredAt,
                    history,
                )
                .await?,
            consent_changes: self
                .delete_before::<consent_change::Entity, _>(
                    consent_change::Column::Id,
                    consent_change::Column::ChangedAt,
                    audit,
                )
                .await?,
            audit_entries: self
                .delete_before::<audit_entry::Entity, _>(
                    audit_entry::Column::Id,
                    audit_entry::Column::At,
                    audit,
                )
                .await?,
            erased_accounts: Erasure::prune(&self.db).await?,
        };
        Ok(report)
    }

    /// One round of the job (every hour, `startup::start_jobs`): deletes
    /// what was kept past its time and says what, if anything.
    pub async fn round(&self) -> anyhow::Result<()> {
        let report = self
            .run_once()
            .await
            .map_err(|err| anyhow::anyhow!("retention failed: {err:?}"))?;
        if report != RetentionReport::default() {
            tracing::info!(
                plays = report.plays,
                interactions = report.interactions,
                consent_changes = report.consent_changes,
                audit_entries = report.audit_entries,
                erased_accounts = report.erased_accounts,
                "retention: deleted what was kept past its time"
            );
        }
        Ok(())
    }

    async fn delete_before<E, C>(
        &self,
        id: C,
        at: C,
        before: chrono::DateTime<Utc>,
    ) -> ApiResult<u64>
    where
        E: EntityTrait,
        C: ColumnTrait,
    {
        let mut deleted = 0;
        loop {
            let txn = begin_write(&self.db).await?;
            let ids: Vec<i32> = E::find()
                .select_only()
                .column(id)
                .filter(at.lt(before))
                .limit(BATCH)
                .into_tuple()
                .all(&txn)
                .await?;
            if ids.is_empty() {
                return Ok(deleted);
            }
            deleted += E::delete_many()
                .filter(id.is_in(ids))
                .exec(&txn)
                .await?
                .rows_affected;
            txn.commit().await?;
        }
    }
}
