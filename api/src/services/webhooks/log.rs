//! The delivery log an administrator reads: every delivery with its state,
//! its next try and every attempt with its answer.

use std::collections::HashMap;

use entities::{webhook_attempt, webhook_delivery};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{DeliveryStatus, EventType};
use crate::domain::{Page, WebhookEndpointId};
use crate::error::ApiResult;
use crate::services::listing::{listing, Listing};

/// One delivery and its attempts, oldest attempt first.
#[derive(Clone, Debug)]
pub struct DeliveryView {
    pub delivery: webhook_delivery::Model,
    pub attempts: Vec<webhook_attempt::Model>,
}

impl DeliveryView {
    pub fn status(&self) -> DeliveryStatus {
        DeliveryStatus::of_row(&self.delivery.status)
    }

    pub fn event_type(&self) -> Option<EventType> {
        EventType::parse(&self.delivery.event_type)
    }
}

#[derive(Clone)]
pub struct DeliveryLog {
    db: DatabaseConnection,
}

impl DeliveryLog {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Deliveries, newest first, of one endpoint or of all; the attempts of
    /// the whole page in one more query.
    pub async fn deliveries(
        &self,
        endpoint: Option<WebhookEndpointId>,
        page: Page,
    ) -> ApiResult<Listing<DeliveryView>> {
        let mut select =
            webhook_delivery::Entity::find().order_by_desc(webhook_delivery::Column::Id);
        if let Some(endpoint) = endpoint {
            select = select.filter(webhook_delivery::Column::EndpointId.eq(endpoint.0));
        }
        let Listing { items, total } = listing(&self.db, select, page).await?;
        let mut attempts: HashMap<i32, Vec<webhook_attempt::Model>> = HashMap::new();
        if !items.is_empty() {
            for attempt in webhook_attempt::Entity::find()
                .filter(webhook_attempt::Column::DeliveryId.is_in(items.iter().map(|d| d.id)))
                .order_by_asc(webhook_attempt::Column::Attempt)
                .all(&self.db)
                .await?
            {
                attempts
                    .entry(attempt.delivery_id)
                    .or_default()
                    .push(attempt);
            }
        }
        let items = items
            .into_iter()
            .map(|delivery| DeliveryView {
                attempts: attempts.remove(&delivery.id).unwrap_or_default(),
                delivery,
            })
            .collect();
        Ok(Listing { items, total })
    }
}
