//! When the recompute runs, and where: every replica wakes up every
//! `CADENZA_RECOMPUTE_INTERVAL_SECS`, but only the one that takes the lease
//! (a row in `job_leases`, taken by one atomic UPDATE) recomputes, and only
//! if nobody finished a recompute in the last half interval; the CLI's
//! `recompute-recommendations` waits for the lease and runs at once.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::recompute::{recompute, Report};
use crate::error::{ApiError, ApiResult};
use crate::services::catalogue::CatalogueVersion;

/// The lease's name; its `finished_at` is when the last recompute ended.
pub(super) const JOB: &str = "recommendations.recompute";
/// A holder that died mid-run frees the lease after this long.
const LEASE: Duration = Duration::from_secs(30 * 60);
/// How long the CLI waits for a recompute running elsewhere to finish.
const WAIT_FOR_LEASE: Duration = Duration::from_secs(30 * 60);

#[derive(Clone)]
pub struct Recomputer {
    db: DatabaseConnection,
    k_anonymity: u32,
    /// This process's catalogue version: bumped after a recompute so its
    /// cached answers (also-bought lists) are not served stale.
    version: CatalogueVersion,
    /// Who holds the lease, as written in it: this process.
    holder: String,
}

impl Recomputer {
    pub fn new(db: DatabaseConnection, k_anonymity: u32, version: CatalogueVersion) -> Self {
        Self {
            db,
            k_anonymity,
            version,
            holder: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
        }
    }

    /// Recomputes now, waiting for a run elsewhere to end first.
    pub async fn run_now(&self) -> ApiResult<Report> {
        let waited = tokio::time::Instant::now();
        loop {
            if self.take_lease(None).await? {
                return self.run_holding_lease().await;
            }
            if waited.elapsed() > WAIT_FOR_LEASE {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "another replica has held the recompute lease for over {} minutes",
                    WAIT_FOR_LEASE.as_secs() / 60
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// One scheduled round (every `interval`, `startup::start_jobs`):
    /// recompute if this replica takes the lease and a recompute is due.
    pub async fn scheduled_round(&self, interval: Duration) -> anyhow::Result<()> {
        let due_after = chrono::Duration::from_std(interval / 2).unwrap_or_default();
        let taken = self
            .take_lease(Some(due_after))
            .await
            .map_err(|err| anyhow::anyhow!("the recompute lease could not be read: {err:?}"))?;
        if taken {
            self.run_holding_lease()
                .await
                .map_err(|err| anyhow::anyhow!("recomputing recommendations failed: {err:?}"))?;
        }
        Ok(())
    }

    async fn run_holding_lease(&self) -> ApiResult<Report> {
        let outcome = recompute(&self.db, self.k_anonymity).await;
        // Released whatever happened, so a failure is retried on the next
        // tick rather than after the lease runs out.
        let released = self.release(outcome.is_ok()).await;
        let report = outcome?;
        released?;
        self.version.bump();
        tracing::info!(
            recompute.users = report.users,
            recompute.plays = report.plays_read,
            recompute.purchases = report.purchases_read,
            recompute.product_rows = report.product_rows,
            recompute.track_rows = report.track_rows,
            recompute.artist_rows = report.artist_rows,
            duration_ms = (report.read + report.computed + report.written).as_millis() as u64,
            "recommendations recomputed"
        );
        Ok(report)
    }

    /// Takes the lease if it is free; with `due_after`, only if the last
    /// recompute finished longer ago than that.
    async fn take_lease(&self, due_after: Option<chrono::Duration>) -> ApiResult<bool> {
        let now = now();
        let backend = self.db.get_database_backend();
        let never = DateTime::<Utc>::UNIX_EPOCH;
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("job_leases"))
            .columns([
                Alias::new("name"),
                Alias::new("holder"),
                Alias::new("expires_at"),
            ])
            .values([JOB.into(), "".into(), never.into()])
            .map_err(|err| ApiError::internal(anyhow::anyhow!("{err}")))?
            .on_conflict(
                OnConflict::column(Alias::new("name"))
                    .do_nothing()
                    .to_owned(),
            );
        self.db.execute(backend.build(&insert)).await?;

        let lease = chrono::Duration::from_std(LEASE).unwrap_or_default();
        let mut update = Query::update();
        update
            .table(Alias::new("job_leases"))
            .value(Alias::new("holder"), self.holder.clone())
            .value(Alias::new("expires_at"), now + lease)
            .and_where(Expr::col(Alias::new("name")).eq(JOB))
            .and_where(Expr::col(Alias::new("expires_at")).lt(now));
        if let Some(due_after) = due_after {
            update.cond_where(
                Expr::col(Alias::new("finished_at"))
                    .is_null()
                    .or(Expr::col(Alias::new("finished_at")).lt(now - due_after)),
            );
        }
        let taken = self.db.execute(backend.build(&update)).await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn release(&self, finished: bool) -> ApiResult<()> {
        let now = now();
        let mut update = Query::update();
        update
            .table(Alias::new("job_leases"))
            .value(Alias::new("expires_at"), now)
            .and_where(Expr::col(Alias::new("name")).eq(JOB))
            .and_where(Expr::col(Alias::new("holder")).eq(self.holder.clone()));
        if finished {
            update.value(Alias::new("finished_at"), now);
        }
        let backend = self.db.get_database_backend();
        self.db.execute(backend.build(&update)).await?;
        Ok(())
    }
}

/// Whole microseconds, as PostgreSQL keeps them, so comparisons with what
/// was stored agree on both databases.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
