//! Partners' webhooks: endpoints and the delivery log (ADMIN only).

use serde_json::{json, Value};

use super::{variables, Auth, TestApp};

const ENDPOINT_FIELDS: &str = "id url events disabled createdAt secret";

const DELIVERY_FIELDS: &str = "id endpointId messageId eventType payload status attemptCount
    nextAttemptAt lastStatusCode lastError createdAt deliveredAt
    attempts { number startedAt durationMs statusCode error }";

impl TestApp {
    /// `createWebhookEndpoint`; `events` are enum names, e.g. `ORDER_FULFILLED`.
    pub async fn create_webhook_endpoint(&self, auth: &Auth, url: &str, events: &[&str]) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($url: String!, $events: [WebhookEventType!]!) {{
                    createWebhookEndpoint(url: $url, events: $events) {{ {ENDPOINT_FIELDS} }} }}"
            ),
            json!({ "url": url, "events": events }),
        )
        .await
    }

    /// `webhookEndpoints`.
    pub async fn webhook_endpoints(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            &format!("{{ webhookEndpoints {{ {ENDPOINT_FIELDS} }} }}"),
            json!({}),
        )
        .await
    }

    /// `webhookDeliveries`: the first 100 of the log, newest first.
    pub async fn webhook_deliveries(&self, auth: &Auth, endpoint_id: Option<&Value>) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($endpoint: ID) {{ webhookDeliveries(endpointId: $endpoint, first: 100) {{
                    totalCount nodes {{ {DELIVERY_FIELDS} }} }} }}"
            ),
            variables([("endpoint", json!(endpoint_id))]),
        )
        .await
    }

    /// `setWebhookEndpointDisabled`.
    pub async fn set_webhook_endpoint_disabled(
        &self,
        auth: &Auth,
        id: &Value,
        disabled: bool,
    ) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($id: ID!, $disabled: Boolean!) {{
                    setWebhookEndpointDisabled(id: $id, disabled: $disabled) {{ {ENDPOINT_FIELDS} }} }}"
            ),
            json!({ "id": id, "disabled": disabled }),
        )
        .await
    }

    /// `deleteWebhookEndpoint`.
    pub async fn delete_webhook_endpoint(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({ "id": id }),
        )
        .await
    }
}
