//! How the store takes payments.

use super::env::{positive, Env, SettingError};

/// The store's payments (`CADENZA_PAYMENTS`, `CADENZA_PAYMENT_TIMEOUT_MS`,
/// `CADENZA_PENDING_PAYMENT_SECS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSettings {
    /// How the built-in payment provider answers.
    pub payments: PaymentMode,
    /// How long checkout waits for the payment provider.
    pub payment_deadline_ms: u64,
    /// How long a payment intent may stay unresolved before the background
    /// sweep asks the provider about it.
    pub pending_payment_secs: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            payments: PaymentMode::Approve,
            payment_deadline_ms: 10_000,
            pending_payment_secs: 900,
        }
    }
}

impl StoreSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            payments: env.or("CADENZA_PAYMENTS", defaults.payments, |value| {
                PaymentMode::parse(value).ok_or_else(|| {
                    format!("`{value}` is not approve, decline, fail, hang or charge-then-hang")
                })
            })?,
            payment_deadline_ms: env.or(
                "CADENZA_PAYMENT_TIMEOUT_MS",
                defaults.payment_deadline_ms,
                positive,
            )?,
            pending_payment_secs: env.or(
                "CADENZA_PENDING_PAYMENT_SECS",
                defaults.pending_payment_secs,
                positive,
            )?,
        })
    }
}

/// How the built-in provider answers (`CADENZA_PAYMENTS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaymentMode {
    /// Every charge is approved.
    #[default]
    Approve,
    /// Every charge is declined.
    Decline,
    /// Every charge fails with an error.
    Fail,
    /// No charge is ever answered (checkout's deadline ends the wait).
    Hang,
    /// Every charge is made and recorded, and then never answered: the
    /// provider charged, its answer was lost (a crash test's moment).
    ChargeThenHang,
}

impl PaymentMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "approve" => Some(Self::Approve),
            "decline" => Some(Self::Decline),
            "fail" => Some(Self::Fail),
            "hang" => Some(Self::Hang),
            "charge-then-hang" => Some(Self::ChargeThenHang),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::Fail => "fail",
            Self::Hang => "hang",
            Self::ChargeThenHang => "charge-then-hang",
        }
    }
}
