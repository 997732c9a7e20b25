//! Who is calling: roles and principals (here), credentials and passwords
//! (`credentials`), access tokens and the server's signing secret
//! (`tokens`), and the accounts whose tokens no longer count (`erased`).

mod credentials;
mod erased;
mod tokens;

pub use credentials::{random_token, secret_hash, verify_password, Email, NewPassword};
pub use erased::ErasedUsers;
pub use tokens::{bearer_credentials, load_or_create_secret, AccessTokens, CLOCK_LEEWAY_SECS};

use crate::domain::{ApiKeyId, UserId};
use crate::error::{ApiError, ApiResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Partner,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Partner => "partner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "customer" => Some(Role::Customer),
            "partner" => Some(Role::Partner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    CatalogueRead,
    CatalogueWrite,
    OrdersRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogueRead => "catalogue_read",
            Scope::CatalogueWrite => "catalogue_write",
            Scope::OrdersRead => "orders_read",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "catalogue_read" => Some(Scope::CatalogueRead),
            "catalogue_write" => Some(Scope::CatalogueWrite),
            "orders_read" => Some(Scope::OrdersRead),
            _ => None,
        }
    }
}

/// The caller of one request, as its credentials prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User { id: UserId, role: Role },
    ApiKey { id: ApiKeyId, scopes: Vec<Scope> },
}

impl Principal {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Principal::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whoever may change the catalogue (an administrator, a partner, a key
    /// with `catalogue_write`): they read their own changes back, so they
    /// are never answered from the shared response cache, which another
    /// replica may hold a few seconds past a change.
    pub fn writes_catalogue(&self) -> bool {
        match self {
            Principal::Anonymous => false,
            Principal::User { role, .. } => matches!(role, Role::Partner | Role::Admin),
            Principal::ApiKey { scopes, .. } => scopes.contains(&Scope::CatalogueWrite),
        }
    }

    /// The signed-in user, or UNAUTHENTICATED.
    pub fn require_user(&self) -> ApiResult<UserId> {
        self.user_id().ok_or(ApiError::Unauthenticated)
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self {
            Principal::User {
                role: Role::Admin, ..
            } => Ok(()),
            Principal::Anonymous => Err(ApiError::Unauthenticated),
            _ => Err(ApiError::Forbidden("only an administrator may do this")),
        }
    }

    /// An administrator, or an API key holding `scope`.
    pub fn require_admin_or_scope(&self, scope: Scope) -> ApiResult<()> {
        match self {
            Principal::ApiKey { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Principal::ApiKey { .. } => Err(ApiError::Forbidden(
                "this API key lacks the scope this operation needs",
            )),
            _ => self.require_admin(),
        }
    }
}
