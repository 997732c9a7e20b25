//! Partner API keys: created by administrators, shown once, stored hashed.

use chrono::Utc;
use entities::api_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::auth::{random_token, secret_hash, Principal, Scope};
use crate::domain::{ApiKeyId, UserId};
use crate::error::{ApiError, ApiResult};

/// A key as created: the row, and the secret that is never shown again.
pub struct CreatedKey {
    pub key: api_key::Model,
    pub secret: String,
}

#[derive(Clone)]
pub struct ApiKeys {
    db: DatabaseConnection,
}

const SECRET_PREFIX: &str = "cdz_";

impl ApiKeys {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn create(
        &self,
        name: &str,
        scopes: &[Scope],
        created_by: Option<UserId>,
    ) -> ApiResult<CreatedKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "name must be between 1 and 100 characters",
            ));
        }
        if scopes.is_empty() {
            return Err(ApiError::bad_input("an API key needs at least one scope"));
        }
        let mut names: Vec<&str> = scopes.iter().map(|scope| scope.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let secret = format!("{SECRET_PREFIX}{}", random_token(32));
        let key = api_key::ActiveModel {
            name: Set(name.to_owned()),
            secret_hash: Set(secret_hash(&secret)),
            scopes: Set(names.join(",")),
            created_by: Set(created_by.map(|user| user.0)),
            created_at: Set(Utc::now()),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        tracing::info!(api_key.id = key.id, "API key created");
        Ok(CreatedKey { key, secret })
    }

    /// Revokes a key; an unknown or already revoked one is NOT_FOUND.
    pub async fn revoke(&self, id: ApiKeyId) -> ApiResult<()> {
        let key = api_key::Entity::find_by_id(id.0)
            .filter(api_key::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("API key"))?;
        let mut active: api_key::ActiveModel = key.into();
        active.revoked_at = Set(Some(Utc::now()));
        active.update(&self.db).await?;
        tracing::info!(api_key.id = id.0, "API key revoked");
        Ok(())
    }

    /// The principal a presented secret proves, if it is a live key.
    pub async fn authenticate(&self, secret: &str) -> ApiResult<Option<Principal>> {
        if !secret.starts_with(SECRET_PREFIX) || secret.len() > 128 {
            return Ok(None);
        }
        let key = api_key::Entity::find()
            .filter(api_key::Column::SecretHash.eq(secret_hash(secret)))
            .filter(api_key::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?;
        Ok(key.map(|key| Principal::ApiKey {
            id: ApiKeyId(key.id),
            scopes: scopes_of(&key),
        }))
    }
}

pub fn scopes_of(key: &api_key::Model) -> Vec<Scope> {
    key.scopes.split(',').filter_map(Scope::parse).collect()
}
