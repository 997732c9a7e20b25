//! Checkout: one idempotency key, one order, one charge, whatever happens.
//!
//! 1. The payment intent: in one transaction holding the buyer's row lock,
//!    the cart becomes a PENDING order with its prices fixed, and the cart
//!    is emptied. A second checkout of the same cart (another key) finds
//!    it empty; the same key finds this order.
//! 2. The provider is asked to charge the intent. It charges an intent at
//!    most once, so every caller of the key may ask (concurrent retries,
//!    a retry after a crash or a timeout): one charge.
//! 3. Fulfilment, in the transaction that records the payment: the first
//!    caller to lock the PENDING order fulfils it; the others find it
//!    FULFILLED and answer with it.
//!
//! A decline deletes the intent and puts its products back in the cart:
//! no order, the cart kept, and the key free to try again. A provider
//! that fails or does not answer leaves the intent PENDING (never a paid
//! order without fulfilment, never fulfilment without payment), and the
//! same key resolves it; so does a background sweep when the buyer never
//! retries (`resolve_abandoned`).

use chrono::{Duration, Utc};
use entities::{cart_line, order, order_line};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::cart::lines_of;
use super::entitlements::already_owned;
use super::fulfilment::Fulfilment;
use super::orders::{intent_name, pending_payment, OrderView};
use super::payments::{ChargeOutcome, ChargeRequest, Payments};
use crate::db::{begin_write, is_unique_violation, lock_row_for_update};
use crate::domain::OrderStatus;
use crate::domain::{IdempotencyKey, Money, UserId};
use crate::error::{ApiError, ApiResult};

/// Abandoned intents resolved at most per sweep.
const SWEEP_BATCH: u64 = 100;

/// What became of an intent the provider was asked about.
enum Settled {
    /// Paid and fulfilled (or resolved by another call first).
    Order(order::Model),
    /// Declined: the intent deleted, its products back in the cart.
    Declined(String),
    /// The provider failed or did not answer: the intent stays PENDING.
    Unresolved,
}

#[derive(Clone)]
pub struct Checkout {
    db: DatabaseConnection,
    payments: Payments,
    fulfilment: Fulfilment,
}

impl Checkout {
    pub fn new(db: DatabaseConnection, payments: Payments, fulfilment: Fulfilment) -> Self {
        Self {
            db,
            payments,
            fulfilment,
        }
    }

    pub async fn checkout(&self, user: UserId, key: &IdempotencyKey) -> ApiResult<OrderView> {
        let intent = match self.by_key(user, key).await? {
            Some(order) if OrderStatus::of_row(&order.status)? != OrderStatus::Pending => {
                return OrderView::load(&self.db, order).await;
            }
            Some(order) => order,
            None => self.write_intent(user, key).await?,
        };
        match self.settle(&intent).await? {
            Settled::Order(order) => OrderView::load(&self.db, order).await,
            Settled::Declined(reason) => Err(ApiError::PaymentDeclined(format!(
                "the payment was declined ({reason}); nothing was charged and the cart is kept"
            ))),
            Settled::Unresolved => Err(ApiError::PaymentUnresolved(
                "the payment provider did not confirm the payment; nothing was delivered. \
                 Retry checkout with the same idempotency key: it charges at most once"
                    .into(),
            )),
        }
    }

    /// How often abandoned intents are swept: a quarter of how long one may
    /// stay unresolved, at least a second, at most a minute.
    pub fn sweep_interval(older_than: std::time::Duration) -> std::time::Duration {
        (older_than / 4).clamp(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(60),
        )
    }

    /// One round of the sweep of abandoned intents (`startup::start_jobs`).
    pub async fn sweep_round(&self, older_than: std::time::Duration) -> anyhow::Result<()> {
        let age = Duration::from_std(older_than).unwrap_or(Duration::MAX);
        self.resolve_abandoned(age)
            .await
            .map(|_| ())
            .map_err(|err| anyhow::anyhow!("resolving abandoned payments failed: {err:?}"))
    }

    /// Resolves the intents left PENDING for longer than `older_than` (a
    /// provider that failed or never answered, and a buyer who never
    /// retried): each is asked of the provider again, which answers as it
    /// first did, so an intent charged is fulfilled and one declined goes
    /// back to its buyer's cart. Those the provider still cannot answer
    /// stay for the next sweep. Says how many were resolved.
    pub async fn resolve_abandoned(&self, older_than: Duration) -> ApiResult<usize> {
        let before = Utc::now() - older_than;
        // An intent whose buyer is gone (erased) is never charged.
        let stale = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Pending.as_str()))
            .filter(order::Column::UserId.is_not_null())
            .filter(order::Column::CreatedAt.lt(before))
            .order_by_asc(order::Column::CreatedAt)
            .limit(SWEEP_BATCH)
            .all(&self.db)
            .await?;
        let mut resolved = 0;
        for intent in stale {
            // One intent that cannot be settled must not hold up the rest,
            // sweep after sweep.
            match self.settle(&intent).await {
                Ok(Settled::Order(_) | Settled::Declined(_)) => resolved += 1,
                Ok(Settled::Unresolved) => {}
                Err(err) => {
                    tracing::warn!(order.id = intent.id, error = %err, "an abandoned intent could not be settled");
                    err.log_if_internal();
                }
            }
        }
        if resolved > 0 {
            tracing::info!(orders = resolved, "abandoned payment intents resolved");
        }
        Ok(resolved)
    }

    /// Asks the provider to charge `intent` and acts on the answer:
    /// fulfilment, or the cart restored, or nothing while it cannot say.
    async fn settle(&self, intent: &order::Model) -> ApiResult<Settled> {
        let amount = Money::new(
            intent.total_minor,
            crate::domain::Currency::of_row(&intent.currency)?,
        );
        let request = ChargeRequest {
            intent: intent_name(intent),
            amount,
        };
        match self.payments.charge(&request).await {
            Ok(ChargeOutcome::Approved { reference }) => Ok(Settled::Order(
                self.fulfilment.fulfil(intent.id, &reference).await?,
            )),
            Ok(ChargeOutcome::Declined { reason }) => match self.abandon(intent.id).await? {
                // Another call of this key was answered first.
                Some(order) => Ok(Settled::Order(order)),
                None => Ok(Settled::Declined(reason)),
            },
            Err(failure) => {
                tracing::warn!(order.id = intent.id, error = %failure, "payment unresolved; the intent stays pending");
                Ok(Settled::Unresolved)
            }
        }
    }

    async fn by_key(&self, user: UserId, key: &IdempotencyKey) -> ApiResult<Option<order::Model>> {
        Ok(order::Entity::find_owned_by(user.0)
            .filter(order::Column::IdempotencyKey.eq(key.as_str()))
            .one(&self.db)
            .await?)
    }

    /// The cart becomes a PENDING order at today's prices, and the cart is
    /// emptied, in one transaction.
    async fn write_intent(&self, user: UserId, key: &IdempotencyKey) -> ApiResult<order::Model> {
        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "users", user.0).await?;
        // Checked again under the lock: a concurrent call of this key may
        // have written the intent meanwhile.
        if let Some(order) = order::Entity::find_owned_by(user.0)
            .filter(order::Column::IdempotencyKey.eq(key.as_str()))
            .one(&txn)
            .await?
        {
            return Ok(order);
        }
        let cart = lines_of(&txn, user).await?;
        if cart.lines.is_empty() {
            return Err(ApiError::bad_input("the cart is empty"));
        }
        for line in &cart.lines {
            if !line.product.available {
                return Err(ApiError::bad_input(format!(
                    "the product `{}` is no longer for sale: remove it from the cart",
                    line.product.sku
                )));
            }
            if let Some(reason) = already_owned(&txn, user, &line.product).await? {
                return Err(ApiError::Conflict(format!(
                    "{reason}: remove it from the cart"
                )));
            }
            if let Some(reason) = pending_payment(&txn, user, &line.product).await? {
                return Err(ApiError::Conflict(reason));
            }
        }
        let total = cart.subtotal()?;
        let now = Utc::now();
        let inserted = order::ActiveModel {
            number: Set(order_number()),
            user_id: Set(Some(user.0)),
            idempotency_key: Set(key.as_str().to_owned()),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            total_minor: Set(total.amount_minor),
            currency: Set(total.currency.code().to_owned()),
            payment_reference: Set(None),
            created_at: Set(now),
            paid_at: Set(None),
            refunded_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let order = match inserted {
            Ok(order) => order,
            Err(err) if is_unique_violation(&err) => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "an order number or key collided: {err}"
                )))
            }
            Err(err) => return Err(err.into()),
        };
        let lines = cart
            .lines
            .iter()
            .map(|line| order_line::ActiveModel {
                order_id: Set(order.id),
                product_id: Set(line.product.id),
                price_minor: Set(line.product.price_minor),
                currency: Set(line.product.currency.clone()),
                ..Default::default()
            })
            .collect::<Vec<_>>();
        order_line::Entity::insert_many(lines)
            .exec_without_returning(&txn)
            .await?;
        cart_line::Entity::delete_many()
            .filter(cart_line::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::info!(order.id = order.id, total_minor = total.amount_minor, currency = %total.currency, "payment intent written");
        Ok(order)
    }

    /// A declined intent is deleted and its products go back to the cart.
    /// `Some` when it was no longer pending (another call of the key
    /// resolved it): that order is the answer.
    async fn abandon(&self, order_id: i32) -> ApiResult<Option<order::Model>> {
        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "orders", order_id).await?;
        let Some(order) = order::Entity::find_by_id(order_id).one(&txn).await? else {
            return Ok(None);
        };
        if OrderStatus::of_row(&order.status)? != OrderStatus::Pending {
            return Ok(Some(order));
        }
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(order.id))
            .all(&txn)
            .await?;
        if let Some(user) = order.user_id {
            let now = Utc::now();
            let back = lines.iter().map(|line| cart_line::ActiveModel {
                user_id: Set(user),
                product_id: Set(line.product_id),
                added_at: Set(now),
                ..Default::default()
            });
            cart_line::Entity::insert_many(back)
                .on_conflict(
                    OnConflict::columns([cart_line::Column::UserId, cart_line::Column::ProductId])
                        .do_nothing()
                        .to_owned(),
                )
                .do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        order::Entity::delete_by_id(order.id).exec(&txn).await?;
        txn.commit().await?;
        tracing::info!(
            order.id = order_id,
            "payment declined; the cart is restored"
        );
        Ok(None)
    }
}

/// A human order number: `CDZ-` and two groups of four characters of
/// Crockford's base 32 (no I, L, O or U to misread), about 10^12 of them;
/// a unique index guards the rare repeat.
fn order_number() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::thread_rng();
    let mut group = || -> String {
        (0..4)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    format!("CDZ-{}-{}", group(), group())
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_numbers_read_well() {
        let number = super::order_number();
        assert_eq!(number.len(), 13, "{number}");
        assert!(number.starts_with("CDZ-"));
        assert!(number[4..]
            .chars()
            .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"ILOU".contains(c))));
    }
}
