//! Accounts, sessions and API keys.

use serde_json::{json, Value};

use super::{Auth, TestApp};

impl TestApp {
    pub async fn register(&self, email: &str, password: &str, display_name: &str) -> Value {
        self.gql(
            "mutation($input: RegisterInput!) { register(input: $input) {
                accessToken refreshToken accessTokenExpiresAt
                user { id email displayName role createdAt } } }",
            json!({ "input": { "email": email, "password": password, "displayName": display_name } }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation($email: String!, $password: String!) { login(email: $email, password: $password) {
                accessToken refreshToken user { email role } } }",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { email } } }",
            json!({ "t": refresh_token }),
        )
        .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh_token }),
        )
        .await
    }

    /// `viewer`: whom the credentials sign in, or null.
    pub async fn viewer(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            "{ viewer { user { id email displayName role } } }",
            json!({}),
        )
        .await
    }

    pub async fn create_api_key(&self, admin: &Auth, name: &str, scopes: &[&str]) -> Value {
        self.gql_as(
            admin,
            "mutation($name: String!, $scopes: [ApiScope!]!) {
                createApiKey(name: $name, scopes: $scopes) { id name scopes createdAt secret } }",
            json!({ "name": name, "scopes": scopes }),
        )
        .await
    }

    pub async fn revoke_api_key(&self, admin: &Auth, id: &Value) -> Value {
        self.gql_as(
            admin,
            "mutation($id: ID!) { revokeApiKey(id: $id) }",
            json!({ "id": id }),
        )
        .await
    }
}
