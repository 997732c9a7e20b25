//! Accounts as the API shows them.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entities::{api_key, user};

use crate::auth::{self, Scope};
use crate::ids::{GlobalId, NodeKind};
use crate::services::accounts::Session;
use crate::services::api_keys::scopes_of;

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
        GlobalId::new(NodeKind::User, self.0.id).encode()
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

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT to send as `Authorization: Bearer <token>`; valid for 15 minutes.
    pub access_token: String,
    /// Opaque; trade it for a new session with `refreshToken` before it
    /// expires (30 days). Each one works once.
    pub refresh_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub user: User,
}

impl From<Session> for AuthPayload {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            access_token_expires_at: session.access_token_expires_at,
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
        GlobalId::new(NodeKind::ApiKey, self.key.id).encode()
    }

    async fn name(&self) -> &str {
        &self.key.name
    }

    async fn scopes(&self) -> Vec<ApiScopeGql> {
        scopes_of(&self.key).into_iter().map(Into::into).collect()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.key.created_at
    }

    /// The secret itself; returned once, at creation, and never stored in clear.
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
}

/// The signed-in user's own corner of the API.
pub struct Viewer {
    pub user: user::Model,
}

#[Object]
impl Viewer {
    async fn user(&self, _ctx: &Context<'_>) -> User {
        User(self.user.clone())
    }

    /// Most recently changed first.
    #[graphql(complexity = "crate::ids::list_complexity(first, child_complexity)")]
    async fn playlists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<super::connection::Paged<super::playlists::Playlist>> {
        let page = crate::ids::Page::parse(first, after.as_deref())?;
        let listing = super::services(ctx)?
            .playlists
            .list(self.user.id, page)
            .await?;
        Ok(super::connection::paged(
            listing.items,
            listing.total,
            page,
            super::playlists::Playlist,
        ))
    }

    async fn locker(&self) -> super::locker::Locker {
        super::locker::Locker {
            user_id: self.user.id,
        }
    }
}
