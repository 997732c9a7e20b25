//! Entitlements: which catalogue products a user owns.

use std::collections::HashSet;

use entities::entitlement;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QuerySelect};

use crate::domain::UserId;
use crate::error::ApiResult;

#[derive(Clone)]
pub struct Entitlements {
    db: DatabaseConnection,
}

impl Entitlements {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Of `product_ids`, those `user` owns.
    pub async fn owned_products(
        &self,
        user: UserId,
        product_ids: &[i32],
    ) -> ApiResult<HashSet<i32>> {
        let owned: Vec<i32> = entitlement::Entity::find_owned_by(user.0)
            .select_only()
            .column(entitlement::Column::ProductId)
            .filter(entitlement::Column::ProductId.is_in(product_ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(owned.into_iter().collect())
    }
}
