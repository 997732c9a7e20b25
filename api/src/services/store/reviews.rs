//! Reviews of products: read by id and per product, newest first.

use std::collections::HashMap;

use entities::review;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::error::ApiResult;

#[derive(Clone)]
pub struct Reviews {
    db: DatabaseConnection,
}

impl Reviews {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, review::Model>> {
        let rows = review::Entity::find()
            .filter(review::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Each product's reviews, newest first.
    pub async fn of_products(&self, ids: &[i32]) -> ApiResult<HashMap<i32, Vec<review::Model>>> {
        let rows = review::Entity::find()
            .filter(review::Column::ProductId.is_in(ids.iter().copied()))
            .order_by_desc(review::Column::CreatedAt)
            .order_by_desc(review::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_product: HashMap<i32, Vec<review::Model>> = HashMap::new();
        for row in rows {
            by_product.entry(row.product_id).or_default().push(row);
        }
        Ok(by_product)
    }
}
