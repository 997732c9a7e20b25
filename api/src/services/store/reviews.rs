//! Reviews of products: read by id and per product, newest first; written
//! one a product a user (writing again edits it).

use std::collections::HashMap;

use chrono::Utc;
use entities::{product, review, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entitlements::already_owned;
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::{ProductId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::catalogue::CatalogueVersion;

/// Longest review body, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;

#[derive(Clone)]
pub struct Reviews {
    db: DatabaseConnection,
    /// Reviews change what anonymous callers see of a product.
    catalogue_version: CatalogueVersion,
}

impl Reviews {
    pub fn new(db: DatabaseConnection, catalogue_version: CatalogueVersion) -> Self {
        Self {
            db,
            catalogue_version,
        }
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

    /// Writes the user's review of a product, or edits the one they wrote:
    /// rating 1 to 5, body up to 5,000 characters, kept as text. Whether it
    /// is a verified purchase is decided as it is written.
    pub async fn write(
        &self,
        author: UserId,
        product_id: ProductId,
        rating: i32,
        body: Option<String>,
    ) -> ApiResult<review::Model> {
        if !(1..=5).contains(&rating) {
            return Err(ApiError::bad_input(format!(
                "a rating is 1 to 5, not {rating}"
            )));
        }
        let body = body.filter(|text| !text.trim().is_empty());
        if let Some(text) = &body {
            let chars = text.chars().count();
            if chars > MAX_BODY_CHARS {
                return Err(ApiError::bad_input(format!(
                    "a review is at most {MAX_BODY_CHARS} characters, this one has {chars}"
                )));
            }
        }
        let rating16 = i16::try_from(rating).unwrap_or(1);
        let txn = begin_write(&self.db).await?;
        // One review a product a user, even when two devices write at once.
        lock_row_for_update(&txn, "users", author.0).await?;
        let product = product::Entity::find_by_id(product_id.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("product"))?;
        let writer = user::Entity::find_by_id(author.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let verified = already_owned(&txn, author, &product).await?.is_some();
        let existing = review::Entity::find()
            .filter(review::Column::ProductId.eq(product.id))
            .filter(review::Column::UserId.eq(author.0))
            .one(&txn)
            .await?;
        let (written, added_count, added_sum) = match existing {
            Some(previous) => {
                let delta = rating - i32::from(previous.rating);
                let mut edit: review::ActiveModel = previous.into();
                edit.rating = Set(rating16);
                edit.body = Set(body);
                edit.verified_purchase = Set(verified);
                edit.author_name = Set(writer.display_name);
                (edit.update(&txn).await?, 0, delta)
            }
            None => {
                let row = review::ActiveModel {
                    product_id: Set(product.id),
                    user_id: Set(Some(author.0)),
                    author_name: Set(writer.display_name),
                    rating: Set(rating16),
                    body: Set(body),
                    verified_purchase: Set(verified),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                (row, 1, rating)
            }
        };
        product::Entity::update_many()
            .col_expr(
                product::Column::RatingCount,
                Expr::col(product::Column::RatingCount).add(added_count),
            )
            .col_expr(
                product::Column::RatingSum,
                Expr::col(product::Column::RatingSum).add(added_sum),
            )
            .filter(product::Column::Id.eq(product.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.catalogue_version.bump();
        Ok(written)
    }
}
