//! The delivery worker, one per replica: claims due deliveries under a
//! lease, signs and sends each, records the attempt, and schedules the
//! next try with exponential backoff and jitter until a day has passed.
//!
//! Claiming is one short write transaction: it picks due rows that no
//! live lease holds (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so replicas
//! claiming at once take different rows instead of waiting on each other;
//! SQLite has one writer at a time) and stamps them with a fresh token and
//! a lease expiry. Attempts then run in tasks of their own, at most `batch`
//! at once, so one slow endpoint holds one slot, never the others.
//! Recording an attempt checks the token, so a worker whose lease ran out
//! (a stall past the lease) cannot overwrite what another worker wrote
//! since.
//!
//! Delivery is at least once: a worker that stops between the endpoint's
//! answer and recording it leaves the row to be claimed again when its
//! lease ends, and the message is sent again with the same `webhook-id`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::services::jobs::Beat;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entities::{webhook_attempt, webhook_delivery, webhook_endpoint};
use rand::Rng;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::{Notify, Semaphore};

use super::{signing, DeliveryStatus, Outbox};
use crate::db::begin_write;
use crate::error::ApiResult;
use crate::metrics::Metrics;
use crate::settings::WebhookSettings;

/// Longest error text kept for an attempt.
const MAX_ERROR_CHARS: usize = 500;

/// What a lease adds to the attempt's timeout: room for recording it.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    settings: WebhookSettings,
    wake: Arc<Notify>,
    client: reqwest::Client,
    metrics: Metrics,
}

/// How one attempt went.
enum Outcome {
    /// The endpoint answered with this status.
    Answered(u16),
    /// No answer: refused, timed out, or the request could not be made.
    NoAnswer(String),
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        settings: WebhookSettings,
        outbox: &Outbox,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect is not a delivery: the endpoint's URL is the one
            // the administrator registered, and a 3xx answer is retried.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Cadenza-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| anyhow::anyhow!("the webhook HTTP client: {err}"))?;
        Ok(Self {
            db,
            settings,
            wake: outbox.woken(),
            client,
            metrics,
        })
    }

    /// Keeps up to `batch` attempts in flight: whenever some are free it
    /// claims that many more, so one slow endpoint holds one slot for its
    /// timeout, never the others. Runs as the `webhooks` job, for as long
    /// as the server does; each round that claims is a beat.
    pub async fn run(&self, beat: Beat) -> anyhow::Result<()> {
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let slots = Arc::new(Semaphore::new(
            usize::try_from(self.settings.batch).unwrap_or(1).max(1),
        ));
        loop {
            let free = slots.available_permits();
            if free > 0 {
                match self.claim_and_send(&slots, free).await {
                    Ok(_) => beat.ok(),
                    Err(err) => beat.failed(&format!(
                        "webhook deliveries could not be claimed; trying again at the next poll: {err:#}"
                    )),
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claims up to `free` due deliveries and sends each in a task of its
    /// own holding one slot. Returns how many were claimed.
    async fn claim_and_send(&self, slots: &Arc<Semaphore>, free: usize) -> ApiResult<usize> {
        let token = hex::encode(rand::random::<[u8; 16]>());
        let claimed = self.claim(&token, free).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let endpoints: HashMap<i32, webhook_endpoint::Model> = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(claimed.iter().map(|d| d.endpoint_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|endpoint| (endpoint.id, endpoint))
            .collect();
        let count = claimed.len();
        // Every free slot taken: more may be due, so each slot that frees
        // wakes the loop to claim again rather than wait for the poll.
        let saturated = count == free;
        for delivery in claimed {
            // Only this loop takes slots, and it claimed no more than were
            // free, so there is one; a claimed row is sent in any case.
            let slot = slots.clone().try_acquire_owned().ok();
            let endpoint = endpoints.get(&delivery.endpoint_id).cloned();
            let worker = self.clone();
            let token = token.clone();
            tokio::spawn(async move {
                worker.attempt(delivery, endpoint.as_ref(), &token).await;
                drop(slot);
                if saturated {
                    worker.wake.notify_one();
                }
            });
        }
        Ok(count)
    }

    /// Stamps this claim's token on due, unclaimed deliveries of enabled
    /// endpoints, and reads them back.
    async fn claim(&self, token: &str, limit: usize) -> ApiResult<Vec<webhook_delivery::Model>> {
        let now = Utc::now();
        // Most polls find nothing: a read says so without taking SQLite's
        // write lock.
        let any_due = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(due(now))
            .filter(webhook_delivery::Column::EndpointId.in_subquery(enabled_endpoints()))
            .limit(1)
            .into_tuple::<i32>()
            .one(&self.db)
            .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let lease = Duration::from_millis(self.settings.timeout_ms) + LEASE_MARGIN;
        let lease_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        // One claim transaction: pick, then stamp. (A single UPDATE with a
        // locking, limited subquery is not enough on PostgreSQL: the
        // planner may run the subquery again per row, and the limit is
        // lost.)
        let txn = begin_write(&self.db).await?;
        let mut pick = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(due(now))
            .filter(webhook_delivery::Column::EndpointId.in_subquery(enabled_endpoints()))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(u64::try_from(limit).unwrap_or(1));
        if txn.get_database_backend() == DbBackend::Postgres {
            // Replicas claiming at once take different rows instead of
            // waiting on each other (SQLite has one writer at a time).
            pick = pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let ids: Vec<i32> = pick.into_tuple().all(&txn).await?;
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::ClaimToken, Expr::value(token))
            .col_expr(
                webhook_delivery::Column::ClaimExpiresAt,
                Expr::value(lease_until),
            )
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::ClaimToken.eq(token))
            .all(&self.db)
            .await?)
    }

    /// Sends one attempt and records it.
    async fn attempt(
        &self,
        delivery: webhook_delivery::Model,
        endpoint: Option<&webhook_endpoint::Model>,
        token: &str,
    ) {
        let started_at = Utc::now();
        let clock = Instant::now();
        let outcome = match endpoint {
            Some(endpoint) => self.send(endpoint, &delivery).await,
            // Deleted since the claim (its deliveries go with it).
            None => return,
        };
        let duration = clock.elapsed();
        let number = delivery.attempts + 1;
        match &outcome {
            Outcome::Answered(status) => tracing::info!(
                webhook.delivery_id = delivery.id,
                webhook.endpoint_id = delivery.endpoint_id,
                webhook.attempt = number,
                http.status = status,
                duration_ms = duration.as_secs_f64() * 1000.0,
                "webhook attempt answered"
            ),
            Outcome::NoAnswer(error) => tracing::info!(
                webhook.delivery_id = delivery.id,
                webhook.endpoint_id = delivery.endpoint_id,
                webhook.attempt = number,
                error = error.as_str(),
                duration_ms = duration.as_secs_f64() * 1000.0,
                "webhook attempt got no answer"
            ),
        }
        if let Err(err) = self
            .record(&delivery, token, started_at, duration, outcome)
            .await
        {
            // The lease runs out and the attempt is made again: at least
            // once, never lost.
            tracing::warn!(
                webhook.delivery_id = delivery.id,
                error = format!("{err:#}"),
                "a webhook attempt could not be recorded; it will be sent again"
            );
        }
    }

    async fn send(
        &self,
        endpoint: &webhook_endpoint::Model,
        delivery: &webhook_delivery::Model,
    ) -> Outcome {
        let timestamp = Utc::now().timestamp();
        let Some(signature) = signing::signature(
            &endpoint.secret,
            &delivery.message_id,
            timestamp,
            &delivery.payload,
        ) else {
            return Outcome::NoAnswer("the endpoint's secret cannot sign".into());
        };
        let sent = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) => Outcome::Answered(response.status().as_u16()),
            Err(err) if err.is_timeout() => {
                Outcome::NoAnswer(format!("no answer within {} ms", self.settings.timeout_ms))
            }
            // Without the URL: it may carry the partner's own token.
            Err(err) => Outcome::NoAnswer(clip(&format!(
                "{:#}",
                anyhow::Error::new(err.without_url())
            ))),
        }
    }

    /// Records the attempt and what follows it, if this claim still holds.
    async fn record(
        &self,
        delivery: &webhook_delivery::Model,
        token: &str,
        started_at: DateTime<Utc>,
        duration: Duration,
        outcome: Outcome,
    ) -> ApiResult<()> {
        let number = delivery.attempts + 1;
        let now = Utc::now();
        let (status_code, error) = match &outcome {
            Outcome::Answered(status) => (Some(i32::from(*status)), None),
            Outcome::NoAnswer(error) => (None, Some(error.clone())),
        };
        let delivered =
            matches!(outcome, Outcome::Answered(status) if (200..300).contains(&status));
        let next_attempt_at = now + self.backoff(number);
        let give_up_at = delivery.created_at
            + chrono::Duration::seconds(
                i64::try_from(self.settings.give_up_after_secs).unwrap_or(i64::MAX / 1000),
            );
        let status = if delivered {
            DeliveryStatus::Delivered
        } else if next_attempt_at > give_up_at {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        let last_error = error.clone().or_else(|| {
            status_code
                .filter(|_| !delivered)
                .map(|code| format!("answered HTTP {code}"))
        });
        let txn = begin_write(&self.db).await?;
        let updated = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(number))
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(next_attempt_at),
            )
            .col_expr(
                webhook_delivery::Column::LastStatusCode,
                Expr::value(status_code),
            )
            .col_expr(webhook_delivery::Column::LastError, Expr::value(last_error))
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(delivered.then_some(now)),
            )
            .col_expr(
                webhook_delivery::Column::ClaimToken,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_delivery::Column::ClaimExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::ClaimToken.eq(token))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            tracing::warn!(
                webhook.delivery_id = delivery.id,
                "a webhook lease ran out before its attempt was recorded"
            );
            return Ok(());
        }
        webhook_attempt::ActiveModel {
            delivery_id: Set(delivery.id),
            attempt: Set(number),
            started_at: Set(started_at),
            duration_ms: Set(i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)),
            status_code: Set(status_code),
            error: Set(error),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        self.metrics.webhook_attempt(match status {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Pending => "retry",
            DeliveryStatus::Failed => "failed",
        });
        if status == DeliveryStatus::Failed {
            tracing::warn!(
                webhook.delivery_id = delivery.id,
                webhook.endpoint_id = delivery.endpoint_id,
                webhook.attempts = number,
                "webhook given up after its retry window"
            );
        }
        Ok(())
    }

    /// The wait after failed attempt `number` (1 for the first): the base
    /// doubled for each attempt before, at most the maximum, times a
    /// random factor from 0.8 to 1.2 so endpoints that failed together are
    /// not retried together.
    fn backoff(&self, number: i32) -> chrono::Duration {
        let exponent = u32::try_from(number.saturating_sub(1)).unwrap_or(0).min(40);
        let exponential = self
            .settings
            .retry_base_ms
            .saturating_mul(1u64 << exponent)
            .min(self.settings.retry_max_delay_ms);
        let jitter = rand::thread_rng().gen_range(0.8..=1.2);
        let millis = (exponential as f64 * jitter) as i64;
        chrono::Duration::milliseconds(millis)
    }
}

/// The ids of the endpoints that are sent to.
fn enabled_endpoints() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(webhook_endpoint::Column::Id)
        .from(webhook_endpoint::Entity)
        .and_where(webhook_endpoint::Column::Disabled.eq(false))
        .to_owned()
}

/// Pending, due, and not held by a live lease.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .add(webhook_delivery::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(webhook_delivery::Column::ClaimExpiresAt.is_null())
                .add(webhook_delivery::Column::ClaimExpiresAt.lt(now)),
        )
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}
