//! How partners' webhooks are delivered.

use super::env::{at_most, positive, Env, SettingError};

/// How the webhook delivery worker runs. Tests shorten the times to
/// milliseconds; production keeps the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// How often each replica looks for due deliveries
    /// (`CADENZA_WEBHOOK_POLL_INTERVAL_MS`). Events written by this
    /// replica wake it at once; the poll finds retries and other
    /// replicas' events.
    pub poll_interval_ms: u64,
    /// How long one attempt may take, connecting included
    /// (`CADENZA_WEBHOOK_TIMEOUT_MS`).
    pub timeout_ms: u64,
    /// The delay before the first retry; each later one doubles it, with
    /// jitter (`CADENZA_WEBHOOK_RETRY_BASE_MS`).
    pub retry_base_ms: u64,
    /// The longest delay between two attempts
    /// (`CADENZA_WEBHOOK_RETRY_MAX_DELAY_MS`).
    pub retry_max_delay_ms: u64,
    /// How long after the event a delivery is given up as failed
    /// (`CADENZA_WEBHOOK_GIVE_UP_AFTER_SECS`).
    pub give_up_after_secs: u64,
    /// Deliveries one replica sends at once (`CADENZA_WEBHOOK_BATCH`).
    pub batch: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1_000,
            timeout_ms: 10_000,
            retry_base_ms: 5_000,
            retry_max_delay_ms: 6 * 60 * 60 * 1000,
            give_up_after_secs: 24 * 60 * 60,
            batch: 16,
        }
    }
}

impl WebhookSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            poll_interval_ms: env.or(
                "CADENZA_WEBHOOK_POLL_INTERVAL_MS",
                defaults.poll_interval_ms,
                positive,
            )?,
            timeout_ms: env.or("CADENZA_WEBHOOK_TIMEOUT_MS", defaults.timeout_ms, positive)?,
            retry_base_ms: env.or(
                "CADENZA_WEBHOOK_RETRY_BASE_MS",
                defaults.retry_base_ms,
                positive,
            )?,
            retry_max_delay_ms: env.or(
                "CADENZA_WEBHOOK_RETRY_MAX_DELAY_MS",
                defaults.retry_max_delay_ms,
                positive,
            )?,
            give_up_after_secs: env.or(
                "CADENZA_WEBHOOK_GIVE_UP_AFTER_SECS",
                defaults.give_up_after_secs,
                positive,
            )?,
            batch: env.or("CADENZA_WEBHOOK_BATCH", defaults.batch, at_most(1000))?,
        })
    }
}
