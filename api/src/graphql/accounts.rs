//! Accounts as the API shows them: the viewer, sign-up and sign-in,
//! sessions, and partners' API keys.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use entities::{api_key, user};

use super::ids::{id_of, require};
use super::{principal, services};
use crate::auth::{self, Role, Scope};
use crate::domain::{ApiKeyId, UserId};
use crate::graphql::scalars::DateTime;
use crate::services::accounts::api_keys::scopes_of;
use crate::services::accounts::{Registration, Session};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleGql {
    Customer,
    Partner,
    Admin,
}

impl From<auth::Role> for RoleGql {
    fn from(role: auth::Role) -> Self {
        match role {
            auth::Role::Customer => RoleGql::Customer,
            auth::Role::Partner => RoleGql::Partner,
            auth::Role::Admin => RoleGql::Admin,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ApiScope")]
pub enum ApiScopeGql {
    CatalogueRead,
    CatalogueWrite,
    OrdersRead,
}

impl From<ApiScopeGql> for Scope {
    fn from(scope: ApiScopeGql) -> Self {
        match scope {
            ApiScopeGql::CatalogueRead => Scope::CatalogueRead,
            ApiScopeGql::CatalogueWrite => Scope::CatalogueWrite,
            ApiScopeGql::OrdersRead => Scope::OrdersRead,
        }
    }
}

impl From<Scope> for ApiScopeGql {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::CatalogueRead => ApiScopeGql::CatalogueRead,
            Scope::CatalogueWrite => ApiScopeGql::CatalogueWrite,
            Scope::OrdersRead => ApiScopeGql::OrdersRead,
        }
    }
}

pub struct User(pub user::Model);

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        id_of(UserId(self.0.id))
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    async fn role(&self) -> RoleGql {
        auth::Role::parse(&self.0.role)
            .unwrap_or(auth::Role::Customer)
            .into()
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT to send as `Authorization: Bearer <token>`; valid for 15 minutes.
    pub access_token: String,
    /// Opaque; trade it for a new session with `refreshToken` before it
    /// expires (30 days). Each one works once.
    pub refresh_token: String,
    pub access_token_expires_at: DateTime,
    pub user: User,
}

impl From<Session> for AuthPayload {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            access_token_expires_at: session.access_token_expires_at.into(),
            user: User(session.user),
        }
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
}

pub struct ApiKey {
    pub key: api_key::Model,
    pub secret: Option<String>,
}

#[Object]
impl ApiKey {
    pub async fn id(&self) -> ID {
        id_of(ApiKeyId(self.key.id))
    }

    async fn name(&self) -> &str {
        &self.key.name
    }

    async fn scopes(&self) -> Vec<ApiScopeGql> {
        scopes_of(&self.key).into_iter().map(Into::into).collect()
    }

    async fn created_at(&self) -> DateTime {
        self.key.created_at.into()
    }

    /// The secret itself; returned once, at creation, and never stored in clear.
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
}

/// Sign-up, sign-in and sessions.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// A new customer account, signed in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let session = services(ctx)?
            .accounts
            .register(Registration {
                email: &input.email,
                password: &input.password,
                display_name: &input.display_name,
                role: Role::Customer,
            })
            .await?;
        Ok(session.into())
    }

    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> Result<AuthPayload> {
        Ok(services(ctx)?
            .accounts
            .login(&email, &password)
            .await?
            .into())
    }

    /// Rotates: the old refresh token stops working; reusing it revokes the whole family.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        Ok(services(ctx)?
            .accounts
            .refresh(&refresh_token)
            .await?
            .into())
    }

    /// Ends the session of this refresh token; false if it was not live.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(services(ctx)?.accounts.logout(&refresh_token).await?)
    }
}

/// Partners' API keys, made and revoked by administrators.
#[derive(Default)]
pub struct ApiKeysMutation;

#[Object]
impl ApiKeysMutation {
    /// ADMIN only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
        scopes: Vec<ApiScopeGql>,
    ) -> Result<ApiKey> {
        let principal = principal(ctx)?;
        principal.require_admin()?;
        let scopes: Vec<Scope> = scopes.into_iter().map(Into::into).collect();
        let created = services(ctx)?
            .api_keys
            .create(&name, &scopes, principal.user_id())
            .await?;
        Ok(ApiKey {
            key: created.key,
            secret: Some(created.secret),
        })
    }

    /// ADMIN only.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        principal(ctx)?.require_admin()?;
        let id = require::<ApiKeyId>(&id, "API key")?;
        services(ctx)?.api_keys.revoke(id).await?;
        Ok(true)
    }
}
