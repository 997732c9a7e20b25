//! Payments, behind a provider. Checkout writes the payment intent (the
//! PENDING order) before it asks the provider to charge, and names the
//! intent in the request: a provider must charge an intent at most once,
//! however often it is asked (as card processors do with idempotency
//! keys), so a retry after a crash or a timeout can never charge twice.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entities::{payment_charge, payment_refund};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::db::is_unique_violation;
use crate::domain::Money;
pub use crate::settings::PaymentMode;

/// One charge to make: the intent it belongs to and how much.
#[derive(Clone, Debug)]
pub struct ChargeRequest {
    /// Stable for an order: the same intent is charged at most once.
    pub intent: String,
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Charged; the provider's reference for the charge.
    Approved { reference: String },
    /// Refused (card declined, funds, fraud rules): nothing was charged.
    Declined { reason: String },
}

/// The provider could not say whether it charged (down, an error, no
/// answer in time). Retrying the same intent is safe.
#[derive(Debug, thiserror::Error)]
#[error("the payment provider failed: {0}")]
pub struct PaymentFailure(pub String);

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Charges `request.intent` once: asked again for an intent it already
    /// answered, it answers as it did the first time (that charge, or that
    /// decline: a declined intent is never charged later), as card
    /// processors replay an idempotency key's first response. Checkout
    /// relies on it: a call of a key may ask for an intent that a
    /// concurrent call of the same key has just seen declined.
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentFailure>;

    /// Gives back the whole charge of `request.intent`, once: asked again,
    /// it answers with the same refund. Answers the provider's reference
    /// for the refund.
    async fn refund(&self, request: &ChargeRequest) -> Result<String, PaymentFailure>;
}

/// The development and test provider, and the embedded default: it moves
/// no money, and keeps its ledger of charges (one per intent) in the
/// database, so it stays idempotent across restarts.
pub struct BuiltInProvider {
    db: DatabaseConnection,
    mode: PaymentMode,
}

impl BuiltInProvider {
    pub fn new(db: DatabaseConnection, mode: PaymentMode) -> Self {
        Self { db, mode }
    }

    async fn record(&self, request: &ChargeRequest) -> Result<String, PaymentFailure> {
        let inserted = payment_charge::ActiveModel {
            intent: Set(request.intent.clone()),
            amount_minor: Set(request.amount.amount_minor),
            currency: Set(request.amount.currency.code().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        let charge = once(inserted, self.charge_of(&request.intent), "charge").await?;
        Ok(format!("builtin-{}", charge.id))
    }

    async fn record_refund(&self, request: &ChargeRequest) -> Result<String, PaymentFailure> {
        // As a card processor: only what was charged can be given back.
        if self
            .charge_of(&request.intent)
            .await
            .map_err(failure)?
            .is_none()
        {
            return Err(PaymentFailure(format!(
                "no charge of intent {} to refund",
                request.intent
            )));
        }
        let inserted = payment_refund::ActiveModel {
            intent: Set(request.intent.clone()),
            amount_minor: Set(request.amount.amount_minor),
            currency: Set(request.amount.currency.code().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        let existing = payment_refund::Entity::find()
            .filter(payment_refund::Column::Intent.eq(&request.intent))
            .one(&self.db);
        let refund = once(inserted, existing, "refund").await?;
        Ok(format!("builtin-refund-{}", refund.id))
    }

    async fn charge_of(&self, intent: &str) -> Result<Option<payment_charge::Model>, DbErr> {
        payment_charge::Entity::find()
            .filter(payment_charge::Column::Intent.eq(intent))
            .one(&self.db)
            .await
    }
}

fn failure(err: DbErr) -> PaymentFailure {
    PaymentFailure(err.to_string())
}

/// An intent's ledger row, made once: the row just inserted or, when the
/// intent is there already (a unique violation), that row: asked again, the
/// provider answers as it did the first time.
async fn once<M>(
    inserted: Result<M, DbErr>,
    existing: impl std::future::Future<Output = Result<Option<M>, DbErr>>,
    what: &str,
) -> Result<M, PaymentFailure> {
    match inserted {
        Ok(row) => Ok(row),
        Err(err) if is_unique_violation(&err) => existing
            .await
            .map_err(failure)?
            .ok_or_else(|| PaymentFailure(format!("a recorded {what} vanished"))),
        Err(err) => Err(failure(err)),
    }
}

#[async_trait::async_trait]
impl PaymentProvider for BuiltInProvider {
    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentFailure> {
        match self.mode {
            PaymentMode::Approve => Ok(ChargeOutcome::Approved {
                reference: self.record(request).await?,
            }),
            PaymentMode::Decline => Ok(ChargeOutcome::Declined {
                reason: "the card was declined".into(),
            }),
            PaymentMode::Fail => Err(PaymentFailure(
                "the built-in provider was told to fail".into(),
            )),
            PaymentMode::Hang => {
                std::future::pending::<()>().await;
                Err(PaymentFailure("unreachable".into()))
            }
            PaymentMode::ChargeThenHang => {
                self.record(request).await?;
                std::future::pending::<()>().await;
                Err(PaymentFailure("unreachable".into()))
            }
        }
    }

    /// Refunds are never declined; a failing or silent provider fails or
    /// hangs on them as on charges.
    async fn refund(&self, request: &ChargeRequest) -> Result<String, PaymentFailure> {
        match self.mode {
            PaymentMode::Fail => Err(PaymentFailure(
                "the built-in provider was told to fail".into(),
            )),
            PaymentMode::Hang => {
                std::future::pending::<()>().await;
                Err(PaymentFailure("unreachable".into()))
            }
            PaymentMode::Approve | PaymentMode::Decline | PaymentMode::ChargeThenHang => {
                self.record_refund(request).await
            }
        }
    }
}

/// A provider and how long checkout waits for its answer.
#[derive(Clone)]
pub struct Payments {
    pub provider: Arc<dyn PaymentProvider>,
    pub deadline: Duration,
}

impl Payments {
    /// The provider's answer within the deadline; no answer is a failure.
    pub async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, PaymentFailure> {
        match tokio::time::timeout(self.deadline, self.provider.charge(request)).await {
            Ok(answer) => answer,
            Err(_) => Err(PaymentFailure(format!(
                "no answer within {} ms",
                self.deadline.as_millis()
            ))),
        }
    }

    /// The provider's refund within the deadline; no answer is a failure.
    pub async fn refund(&self, request: &ChargeRequest) -> Result<String, PaymentFailure> {
        match tokio::time::timeout(self.deadline, self.provider.refund(request)).await {
            Ok(answer) => answer,
            Err(_) => Err(PaymentFailure(format!(
                "no answer within {} ms",
                self.deadline.as_millis()
            ))),
        }
    }
}
