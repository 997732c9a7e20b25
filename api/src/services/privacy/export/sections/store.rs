//! The store: cart lines, orders with their lines, the prices fixed in
//! them and their refunds, and reviews.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{cart_line, order, order_line, payment_refund, review};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::{global, page_by_id, Money};
use crate::domain::{CartLineId, OrderId, ProductId, ReviewId, UserId};
use crate::error::ApiResult;
use crate::services::privacy::export::document::PAGE_ROWS;

/// Orders read per page, with all their lines and refunds.
const ORDERS_PER_PAGE: u64 = 200;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct CartLine {
    id: String,
    product_id: String,
    added_at: DateTime<Utc>,
}

pub(in crate::services::privacy::export) async fn cart(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, CartLine)>> {
    let select = cart_line::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, cart_line::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                CartLine {
                    id: global::<CartLineId>(row.id),
                    product_id: global::<ProductId>(row.product_id),
                    added_at: row.added_at,
                },
            )
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Order {
    id: String,
    number: String,
    /// PENDING (a payment intent not paid), PAID, FULFILLED or REFUNDED.
    status: String,
    total: Money,
    payment_reference: Option<String>,
    created_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    refunded_at: Option<DateTime<Utc>>,
    lines: Vec<OrderLine>,
    refund: Option<Refund>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderLine {
    product_id: String,
    /// The price fixed when the order was paid.
    price: Money,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Refund {
    amount: Money,
    created_at: DateTime<Utc>,
}

/// Orders, oldest first, each with its lines and refund.
pub(in crate::services::privacy::export) async fn orders(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Order)>> {
    let select = order::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, order::Column::Id, after, ORDERS_PER_PAGE).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(rows.iter().map(|o| o.id)))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let mut lines_of: HashMap<i32, Vec<OrderLine>> = HashMap::new();
    for line in lines {
        lines_of.entry(line.order_id).or_default().push(OrderLine {
            product_id: global::<ProductId>(line.product_id),
            price: Money {
                amount_minor: line.price_minor,
                currency: line.currency,
            },
        });
    }
    // The provider's refund ledger names each order's payment intent.
    let intents: Vec<String> = rows.iter().map(intent_of).collect();
    let refunds = payment_refund::Entity::find()
        .filter(payment_refund::Column::Intent.is_in(intents))
        .all(db)
        .await?;
    let mut refund_of: HashMap<String, Refund> = refunds
        .into_iter()
        .map(|refund| {
            (
                refund.intent,
                Refund {
                    amount: Money {
                        amount_minor: refund.amount_minor,
                        currency: refund.currency,
                    },
                    created_at: refund.created_at,
                },
            )
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let refund = refund_of.remove(&intent_of(&row));
            (
                row.id,
                Order {
                    id: global::<OrderId>(row.id),
                    lines: lines_of.remove(&row.id).unwrap_or_default(),
                    refund,
                    number: row.number,
                    status: row.status,
                    total: Money {
                        amount_minor: row.total_minor,
                        currency: row.currency,
                    },
                    payment_reference: row.payment_reference,
                    created_at: row.created_at,
                    paid_at: row.paid_at,
                    refunded_at: row.refunded_at,
                },
            )
        })
        .collect())
}

fn intent_of(order: &order::Model) -> String {
    crate::services::store::orders::intent_name(order)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Review {
    id: String,
    product_id: String,
    author_name: String,
    rating: i16,
    body: Option<String>,
    verified_purchase: bool,
    created_at: DateTime<Utc>,
}

pub(in crate::services::privacy::export) async fn reviews(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Review)>> {
    let select = review::Entity::find().filter(review::Column::UserId.eq(user.0));
    let rows = page_by_id(db, select, review::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                Review {
                    id: global::<ReviewId>(row.id),
                    product_id: global::<ProductId>(row.product_id),
                    author_name: row.author_name,
                    rating: row.rating,
                    body: row.body,
                    verified_purchase: row.verified_purchase,
                    created_at: row.created_at,
                },
            )
        })
        .collect())
}
