//! The viewer's privacy settings and consent log.

use serde_json::{json, Value};

use super::{Auth, TestApp};

/// What the privacy operations answer with: the settings and the log.
const PRIVACY_FIELDS: &str = "recordListeningHistory personalizedRecommendations
    contributeToAggregates privateSessionUntil history { setting enabled until changedAt }";

impl TestApp {
    /// `viewer.privacy`, settings and consent log.
    pub async fn privacy(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            &format!("{{ viewer {{ privacy {{ {PRIVACY_FIELDS} }} }} }}"),
            json!({}),
        )
        .await
    }

    /// `updatePrivacySettings` with `input` as given.
    pub async fn update_privacy_settings(&self, auth: &Auth, input: Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($input: PrivacySettingsInput!) {{ updatePrivacySettings(input: $input) {{ {PRIVACY_FIELDS} }} }}"
            ),
            json!({ "input": input }),
        )
        .await
    }

    /// `startPrivateSession(minutes)`.
    pub async fn start_private_session(&self, auth: &Auth, minutes: i64) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($m: Int!) {{ startPrivateSession(minutes: $m) {{ {PRIVACY_FIELDS} }} }}"
            ),
            json!({ "m": minutes }),
        )
        .await
    }
}

/// What the audit operations answer with.
const AUDIT_FIELDS: &str = "totalCount nodes { action subjectId actorId detail at }";

impl TestApp {
    /// `deleteAccount(password)`.
    pub async fn delete_account(&self, auth: &Auth, password: &str) -> Value {
        self.gql_as(
            auth,
            "mutation($password: String!) { deleteAccount(password: $password) }",
            json!({ "password": password }),
        )
        .await
    }

    /// `viewer.privacy.audit(first)`.
    pub async fn my_audit(&self, auth: &Auth, first: i64) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($first: Int) {{ viewer {{ privacy {{ audit(first: $first) {{ {AUDIT_FIELDS} }} }} }} }}"
            ),
            json!({ "first": first }),
        )
        .await
    }

    /// `auditLog(userId, first)`, ADMIN only.
    pub async fn audit_log(&self, auth: &Auth, user_id: Option<&Value>, first: i64) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($user: ID, $first: Int) {{ auditLog(userId: $user, first: $first) {{ {AUDIT_FIELDS} }} }}"
            ),
            json!({ "user": user_id, "first": first }),
        )
        .await
    }
}

impl TestApp {
    /// `exportMyData`.
    pub async fn export_my_data(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            "mutation { exportMyData { url expiresAt sizeBytes } }",
            json!({}),
        )
        .await
    }

    /// GETs an export's URL (a path on this server) with `auth`'s
    /// credentials, if any.
    pub async fn download_export(&self, auth: &Auth, url: &str) -> reqwest::Response {
        let request = self.client.get(format!("{}{url}", self.address));
        auth.apply(request).send().await.unwrap()
    }
}
