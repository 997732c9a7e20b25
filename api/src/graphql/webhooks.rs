//! Partners' signed webhooks as the API shows them: endpoints registered,
//! listed, disabled and deleted by an administrator, and the delivery log.
//! Everything here is ADMIN only.

use async_graphql::{Context, Enum, Object, Result, ID};
use entities::webhook_attempt;

use super::connection::list_complexity;
use super::connection::{paged, Paged};
use super::ids::{decode, id_of, require};
use super::{principal, services};
use crate::domain::{Page, WebhookDeliveryId, WebhookEndpointId};
use crate::graphql::scalars::DateTime;
use crate::services::webhooks::endpoints::Endpoint;
use crate::services::webhooks::log::DeliveryView;
use crate::services::webhooks::{DeliveryStatus, EventType};

/// What a webhook endpoint can subscribe to. On the wire (the payload's
/// `type`) they are `order.fulfilled` and `product.updated`.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "WebhookEventType")]
pub enum WebhookEventTypeGql {
    /// An order was paid and fulfilled: per product its id, SKU, kind,
    /// units and amount, the currency and the time. Never the buyer, the
    /// order or its number.
    OrderFulfilled,
    /// A product's public fields changed (price, availability, format,
    /// title): the product as anyone reads it.
    ProductUpdated,
}

impl From<WebhookEventTypeGql> for EventType {
    fn from(kind: WebhookEventTypeGql) -> Self {
        match kind {
            WebhookEventTypeGql::OrderFulfilled => EventType::OrderFulfilled,
            WebhookEventTypeGql::ProductUpdated => EventType::ProductUpdated,
        }
    }
}

impl From<EventType> for WebhookEventTypeGql {
    fn from(kind: EventType) -> Self {
        match kind {
            EventType::OrderFulfilled => WebhookEventTypeGql::OrderFulfilled,
            EventType::ProductUpdated => WebhookEventTypeGql::ProductUpdated,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "WebhookDeliveryStatus")]
pub enum WebhookDeliveryStatusGql {
    /// Not delivered yet; tried again at `nextAttemptAt`.
    Pending,
    /// An attempt was answered with a 2xx status.
    Delivered,
    /// Given up: no 2xx answer within a day of the event.
    Failed,
}

/// Where webhooks are sent, and which.
pub struct WebhookEndpoint {
    endpoint: Endpoint,
    /// Only in the answer that created it.
    secret: Option<String>,
}

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        id_of(self.endpoint.id)
    }

    async fn url(&self) -> &str {
        &self.endpoint.url
    }

    async fn events(&self) -> Vec<WebhookEventTypeGql> {
        self.endpoint
            .events
            .iter()
            .copied()
            .map(Into::into)
            .collect()
    }

    /// A disabled endpoint is sent nothing; what was pending for it waits.
    async fn disabled(&self) -> bool {
        self.endpoint.disabled
    }

    async fn created_at(&self) -> DateTime {
        self.endpoint.created_at.into()
    }

    /// The signing secret, `whsec_` and base64: returned once, by
    /// `createWebhookEndpoint`, and null ever after. Verify deliveries with
    /// it as the Standard Webhooks libraries do.
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
}

/// One event for one endpoint, and how its delivery went.
pub struct WebhookDelivery(DeliveryView);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        id_of(WebhookDeliveryId(self.0.delivery.id))
    }

    async fn endpoint_id(&self) -> ID {
        id_of(WebhookEndpointId(self.0.delivery.endpoint_id))
    }

    /// The `webhook-id` header, the same for every attempt.
    async fn message_id(&self) -> &str {
        &self.0.delivery.message_id
    }

    async fn event_type(&self) -> Option<WebhookEventTypeGql> {
        self.0.event_type().map(Into::into)
    }

    /// The JSON body sent, exactly.
    async fn payload(&self) -> &str {
        &self.0.delivery.payload
    }

    async fn status(&self) -> WebhookDeliveryStatusGql {
        match self.0.status() {
            DeliveryStatus::Pending => WebhookDeliveryStatusGql::Pending,
            DeliveryStatus::Delivered => WebhookDeliveryStatusGql::Delivered,
            DeliveryStatus::Failed => WebhookDeliveryStatusGql::Failed,
        }
    }

    async fn attempt_count(&self) -> i32 {
        self.0.delivery.attempts
    }

    /// When it is tried next; null once delivered or given up.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.status() == DeliveryStatus::Pending)
            .then_some(self.0.delivery.next_attempt_at)
            .map(Into::into)
    }

    /// The HTTP status of the last answer, if any came.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.delivery.last_status_code
    }

    async fn last_error(&self) -> Option<&str> {
        self.0.delivery.last_error.as_deref()
    }

    async fn created_at(&self) -> DateTime {
        self.0.delivery.created_at.into()
    }

    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivery.delivered_at.map(Into::into)
    }

    /// Every attempt, first first.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempts
            .iter()
            .cloned()
            .map(WebhookAttempt)
            .collect()
    }
}

/// One attempt to deliver a webhook.
pub struct WebhookAttempt(webhook_attempt::Model);

#[Object]
impl WebhookAttempt {
    /// 1 for the first.
    async fn number(&self) -> i32 {
        self.0.attempt
    }

    async fn started_at(&self) -> DateTime {
        self.0.started_at.into()
    }

    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }

    /// The HTTP status the endpoint answered; null when no answer came.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    /// Why no answer came (refused, timed out).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// ADMIN only. Every webhook endpoint, oldest first, without secrets.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        principal(ctx)?.require_admin()?;
        Ok(services(ctx)?
            .webhook_endpoints
            .list()
            .await?
            .into_iter()
            .map(|endpoint| WebhookEndpoint {
                endpoint,
                secret: None,
            })
            .collect())
    }

    /// ADMIN only. The delivery log, newest first: each delivery with its
    /// status, attempts and answers, and its next try; of one endpoint
    /// when `endpointId` is given.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<WebhookDelivery>> {
        principal(ctx)?.require_admin()?;
        let page = Page::parse(first, after.as_deref())?;
        let endpoint = match &endpoint_id {
            None => None,
            Some(id) => match decode::<WebhookEndpointId>(id)? {
                Some(endpoint) => Some(endpoint),
                // An id of another kind names no endpoint: an empty log.
                None => return Ok(paged(Vec::new(), 0, page, WebhookDelivery)),
            },
        };
        let listing = services(ctx)?
            .webhook_log
            .deliveries(endpoint, page)
            .await?;
        Ok(paged(listing.items, listing.total, page, WebhookDelivery))
    }
}

#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// ADMIN only. Registers a webhook endpoint: an absolute http(s) URL
    /// and at least one event (BAD_USER_INPUT otherwise). The answer holds
    /// the signing secret, this once. Deliveries follow the Standard
    /// Webhooks specification (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature` headers), at least once, retried with
    /// exponential backoff for up to a day.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        url: String,
        events: Vec<WebhookEventTypeGql>,
    ) -> Result<WebhookEndpoint> {
        principal(ctx)?.require_admin()?;
        let events: Vec<EventType> = events.into_iter().map(Into::into).collect();
        let created = services(ctx)?
            .webhook_endpoints
            .create(&url, &events)
            .await?;
        Ok(WebhookEndpoint {
            endpoint: created.endpoint,
            secret: Some(created.secret),
        })
    }

    /// ADMIN only. Stops (`disabled: true`) or resumes sending to an
    /// endpoint. While disabled it is given no new events; what was
    /// pending waits and is sent once it is enabled again.
    async fn set_webhook_endpoint_disabled(
        &self,
        ctx: &Context<'_>,
        id: ID,
        disabled: bool,
    ) -> Result<WebhookEndpoint> {
        principal(ctx)?.require_admin()?;
        let id = require::<WebhookEndpointId>(&id, "webhook endpoint")?;
        let endpoint = services(ctx)?
            .webhook_endpoints
            .set_disabled(id, disabled)
            .await?;
        Ok(WebhookEndpoint {
            endpoint,
            secret: None,
        })
    }

    /// ADMIN only. Deletes an endpoint, its pending deliveries and its log.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        principal(ctx)?.require_admin()?;
        let id = require::<WebhookEndpointId>(&id, "webhook endpoint")?;
        services(ctx)?.webhook_endpoints.delete(id).await?;
        Ok(true)
    }
}
