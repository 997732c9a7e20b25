//! Webhook endpoints: registered, listed, disabled and deleted by an
//! administrator (the GraphQL layer checks the role).

use chrono::{DateTime, Utc};
use entities::webhook_endpoint;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryOrder, Set,
};

use super::{signing, EventType};
use crate::domain::WebhookEndpointId;
use crate::error::{ApiError, ApiResult};

/// Longest endpoint URL accepted (the column's width).
pub const MAX_URL_CHARS: usize = 2048;

/// An endpoint as the API shows it: never its secret, but for the one
/// answer that created it.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub id: WebhookEndpointId,
    pub url: String,
    pub events: Vec<EventType>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    pub fn of_row(row: webhook_endpoint::Model) -> Self {
        let mut events: Vec<EventType> =
            row.events.split(',').filter_map(EventType::parse).collect();
        events.sort();
        Self {
            id: WebhookEndpointId(row.id),
            url: row.url,
            events,
            disabled: row.disabled,
            created_at: row.created_at,
        }
    }
}

/// A new endpoint and its secret, shown this once.
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub secret: String,
}

#[derive(Clone)]
pub struct Endpoints {
    db: DatabaseConnection,
}

impl Endpoints {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Registers an endpoint: an absolute http(s) URL without credentials
    /// in it, and at least one event.
    pub async fn create(&self, url: &str, events: &[EventType]) -> ApiResult<CreatedEndpoint> {
        let url = parse_url(url)?;
        let mut events = events.to_vec();
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(ApiError::bad_input(
                "name at least one event: order.fulfilled or product.updated",
            ));
        }
        let secret = signing::new_secret();
        let row = webhook_endpoint::ActiveModel {
            url: Set(url),
            events: Set(events
                .iter()
                .map(|kind| kind.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            secret: Set(secret.clone()),
            disabled: Set(false),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        tracing::info!(webhook.endpoint_id = row.id, "webhook endpoint registered");
        Ok(CreatedEndpoint {
            endpoint: Endpoint::of_row(row),
            secret,
        })
    }

    /// Every endpoint, oldest first.
    pub async fn list(&self) -> ApiResult<Vec<Endpoint>> {
        Ok(webhook_endpoint::Entity::find()
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Endpoint::of_row)
            .collect())
    }

    pub async fn get(&self, id: WebhookEndpointId) -> ApiResult<Option<Endpoint>> {
        Ok(webhook_endpoint::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(Endpoint::of_row))
    }

    /// Stops (or resumes) sending to an endpoint. While disabled it is
    /// given no new events, and what was pending waits for it.
    pub async fn set_disabled(&self, id: WebhookEndpointId, disabled: bool) -> ApiResult<Endpoint> {
        let row = webhook_endpoint::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("webhook endpoint"))?;
        let mut row = row.into_active_model();
        row.disabled = Set(disabled);
        let row = row.update(&self.db).await?;
        tracing::info!(
            webhook.endpoint_id = row.id,
            disabled,
            "webhook endpoint changed"
        );
        Ok(Endpoint::of_row(row))
    }

    /// Deletes an endpoint with its deliveries and their log.
    pub async fn delete(&self, id: WebhookEndpointId) -> ApiResult<()> {
        let deleted = webhook_endpoint::Entity::delete_by_id(id.0)
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(ApiError::NotFound("webhook endpoint"));
        }
        tracing::info!(webhook.endpoint_id = id.0, "webhook endpoint deleted");
        Ok(())
    }
}

/// An absolute `http` or `https` URL with a host and no user name or
/// password (which would be logged and shown in the endpoint list).
fn parse_url(raw: &str) -> ApiResult<String> {
    let raw = raw.trim();
    let invalid = |why: &str| {
        ApiError::bad_input(format!(
            "`{}` is not a webhook URL: {why}",
            raw.chars().take(64).collect::<String>()
        ))
    };
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(invalid("it is longer than 2048 characters"));
    }
    let url = reqwest::Url::parse(raw).map_err(|_| invalid("it is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not carry a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(invalid("it must not have a #fragment"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_endpoints() {
        for good in [
            "https://partner.example/hooks",
            "http://127.0.0.1:9000/x?y=1",
        ] {
            assert!(parse_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/hooks",
            "partner.example/hooks",
            "ftp://partner.example/hooks",
            "javascript:alert(1)",
            "https://user:pw@partner.example/",
            "https://partner.example/#x",
            "http://",
        ] {
            assert!(
                matches!(parse_url(bad), Err(ApiError::BadInput(_))),
                "{bad}"
            );
        }
    }
}
