//! Domain services: they own the rules and the database access, and know
//! nothing of GraphQL or HTTP.

pub mod accounts;
pub mod api_keys;
pub mod catalogue;
pub mod demo;
pub mod import;
pub mod money;

use sea_orm::DatabaseConnection;

use crate::auth::AccessTokens;

/// Every service, built once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub accounts: accounts::Accounts,
    pub api_keys: api_keys::ApiKeys,
    pub catalogue: catalogue::Catalogue,
    pub import: import::Importer,
}

impl Services {
    pub fn new(db: DatabaseConnection, tokens: AccessTokens, k_anonymity: u32) -> Self {
        Self {
            accounts: accounts::Accounts::new(db.clone(), tokens),
            api_keys: api_keys::ApiKeys::new(db.clone()),
            catalogue: catalogue::Catalogue::new(db.clone(), k_anonymity),
            import: import::Importer::new(db),
        }
    }
}

/// True when a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
