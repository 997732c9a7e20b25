//! The outbox: events written in the transaction of the change they
//! announce, one row per subscribed endpoint, so a change that commits has
//! its webhooks recorded and a change that rolls back has none. The
//! worker (`super::worker`) sends them after the commit.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use entities::{webhook_delivery, webhook_endpoint};
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use tokio::sync::Notify;

use super::{DeliveryStatus, EventType};
use crate::error::{ApiError, ApiResult};

/// Rows a statement inserts at most: SQLite binds at most 32,766 values.
const INSERT_CHUNK: usize = 500;

/// One event, with the data partners are sent.
#[derive(Clone, Debug)]
pub enum Event {
    OrderFulfilled(OrderFulfilled),
    ProductUpdated(ProductUpdated),
}

impl Event {
    pub fn kind(&self) -> EventType {
        match self {
            Event::OrderFulfilled(_) => EventType::OrderFulfilled,
            Event::ProductUpdated(_) => EventType::ProductUpdated,
        }
    }
}

/// What was sold in one fulfilled order: products, units and amounts. It
/// names no buyer, no order and no order number, nor anything else that
/// could lead back to who bought.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfilled {
    pub fulfilled_at: DateTime<Utc>,
    pub currency: String,
    /// The sum of `products[].amountMinor`, in minor units.
    pub total_minor: i64,
    pub products: Vec<ProductSale>,
}

/// One product of a fulfilled order.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSale {
    /// The product's global ID, as the GraphQL API gives it.
    pub product_id: String,
    pub sku: String,
    /// `TRACK` or `ALBUM`.
    pub kind: String,
    pub units: i64,
    /// What those units were sold for, in minor units of `currency`.
    pub amount_minor: i64,
}

/// A product's public fields after a change, as anyone can read them
/// through the GraphQL API.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductUpdated {
    pub product_id: String,
    pub sku: String,
    pub title: String,
    pub kind: String,
    pub price_minor: i64,
    pub currency: String,
    pub audio_format: String,
    pub available: bool,
    pub album_id: String,
    pub track_id: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The body of every webhook, after the Standard Webhooks payload shape.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: &'a T,
}

/// Writes events to the outbox and wakes this replica's worker.
#[derive(Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    /// True when some enabled endpoint wants events of `kind`: writers
    /// whose events cost work to gather skip it otherwise.
    pub async fn subscribed(&self, db: &impl ConnectionTrait, kind: EventType) -> ApiResult<bool> {
        Ok(enabled_endpoints(db)
            .await?
            .iter()
            .any(|endpoint| subscribes(endpoint, kind)))
    }

    /// Writes `events` for every enabled endpoint subscribed to them, in the
    /// caller's transaction. Returns how many deliveries were written; call
    /// `wake` once the transaction has committed.
    pub async fn record(&self, txn: &impl ConnectionTrait, events: Vec<Event>) -> ApiResult<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        let endpoints = enabled_endpoints(txn).await?;
        if endpoints.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let mut rows = Vec::new();
        for event in events {
            let kind = event.kind();
            let subscribed: Vec<i32> = endpoints
                .iter()
                .filter(|endpoint| subscribes(endpoint, kind))
                .map(|endpoint| endpoint.id)
                .collect();
            if subscribed.is_empty() {
                continue;
            }
            let payload = payload(&event, now)?;
            // One id per event: every attempt, and every endpoint, sees the
            // same `webhook-id`, so receivers can drop repeats.
            let message_id = new_message_id();
            rows.extend(
                subscribed
                    .into_iter()
                    .map(|endpoint_id| webhook_delivery::ActiveModel {
                        endpoint_id: Set(endpoint_id),
                        message_id: Set(message_id.clone()),
                        event_type: Set(kind.as_str().to_owned()),
                        payload: Set(payload.clone()),
                        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                        attempts: Set(0),
                        next_attempt_at: Set(now),
                        created_at: Set(now),
                        ..Default::default()
                    }),
            );
        }
        let written = rows.len();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
            webhook_delivery::Entity::insert_many(chunk)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(written)
    }

    /// Tells this replica's worker that deliveries were committed, so it
    /// sends them now rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(super) fn woken(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

async fn enabled_endpoints(db: &impl ConnectionTrait) -> ApiResult<Vec<webhook_endpoint::Model>> {
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Disabled.eq(false))
        .all(db)
        .await?)
}

fn subscribes(endpoint: &webhook_endpoint::Model, kind: EventType) -> bool {
    endpoint
        .events
        .split(',')
        .any(|name| name.trim() == kind.as_str())
}

fn payload(event: &Event, now: DateTime<Utc>) -> ApiResult<String> {
    let timestamp = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    let kind = event.kind().as_str();
    let body = match event {
        Event::OrderFulfilled(data) => serde_json::to_string(&Envelope {
            kind,
            timestamp,
            data,
        }),
        Event::ProductUpdated(data) => serde_json::to_string(&Envelope {
            kind,
            timestamp,
            data,
        }),
    };
    body.map_err(ApiError::internal)
}

/// `msg_` and 16 random bytes: unique without coordination between
/// replicas, and saying nothing of what the event is about.
fn new_message_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("msg_{}", hex::encode(bytes))
}
