//! The cart: what a listener means to buy, at today's prices. Digital
//! goods, so one of each product; one currency a cart; at most
//! `MAX_LINES` lines; never something the listener already owns.

use chrono::Utc;
use entities::{cart_line, product};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entitlements::already_owned;
use super::orders::pending_payment;
use crate::db::{begin_write, is_unique_violation, lock_row_for_update};
use crate::domain::{CartLineId, Currency, Money, ProductId, UserId};
use crate::error::{ApiError, ApiResult};

/// Most lines a cart holds.
pub const MAX_LINES: u64 = 100;

/// The currency an empty cart's subtotal is given in.
pub const EMPTY_CART_CURRENCY: &str = "USD";

/// One line of a cart, with the product it sells as it is today.
#[derive(Clone, Debug)]
pub struct CartLine {
    pub line: cart_line::Model,
    pub product: product::Model,
}

impl CartLine {
    /// Today's price of the line's product.
    pub fn price(&self) -> ApiResult<Money> {
        Ok(Money::new(
            self.product.price_minor,
            Currency::of_row(&self.product.currency)?,
        ))
    }
}

/// A cart as the listener sees it: its lines in the order they were added.
#[derive(Clone, Debug)]
pub struct CartView {
    pub lines: Vec<CartLine>,
}

impl CartView {
    /// The sum of today's prices. A cart only ever takes one currency, but
    /// a product's price may move to another currency after it was added:
    /// such a cart is BAD_USER_INPUT until that line is removed.
    pub fn subtotal(&self) -> ApiResult<Money> {
        let mut lines = self.lines.iter();
        let Some(first) = lines.next() else {
            return Ok(Money::zero(Currency::of_row(EMPTY_CART_CURRENCY)?));
        };
        let mut total = first.price()?;
        for line in lines {
            let price = line.price()?;
            total = total.checked_add(price).ok_or_else(|| {
                ApiError::bad_input(format!(
                    "the cart mixes {} and {} since a price changed: remove one of them",
                    total.currency, price.currency
                ))
            })?;
        }
        Ok(total)
    }
}

#[derive(Clone)]
pub struct Cart {
    db: DatabaseConnection,
}

impl Cart {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn view(&self, user: UserId) -> ApiResult<CartView> {
        lines_of(&self.db, user).await
    }

    /// Adds a product. Adding one already in the cart changes nothing.
    pub async fn add(&self, user: UserId, product_id: ProductId) -> ApiResult<CartView> {
        let txn = begin_write(&self.db).await?;
        // Two devices adding at once must both see the other's line when
        // they count lines and compare currencies.
        lock_row_for_update(&txn, "users", user.0).await?;
        let product = product::Entity::find_by_id(product_id.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("product"))?;
        let current = lines_of(&txn, user).await?;
        if current
            .lines
            .iter()
            .any(|line| line.product.id == product.id)
        {
            txn.commit().await?;
            return Ok(current);
        }
        if !product.available {
            return Err(ApiError::bad_input(format!(
                "the product `{}` is not for sale",
                product.sku
            )));
        }
        if let Some(reason) = already_owned(&txn, user, &product).await? {
            return Err(ApiError::Conflict(reason));
        }
        if let Some(reason) = pending_payment(&txn, user, &product).await? {
            return Err(ApiError::Conflict(reason));
        }
        if let Some(first) = current.lines.first() {
            if first.product.currency != product.currency {
                return Err(ApiError::bad_input(format!(
                    "the cart is in {} and `{}` is priced in {}: one currency a cart",
                    first.product.currency, product.sku, product.currency
                )));
            }
        }
        if current.lines.len() as u64 >= MAX_LINES {
            return Err(ApiError::bad_input(format!(
                "a cart holds at most {MAX_LINES} lines"
            )));
        }
        let inserted = cart_line::ActiveModel {
            user_id: Set(user.0),
            product_id: Set(product.id),
            added_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        match inserted {
            Ok(_) => {}
            // Only possible where no row lock is taken: the line is there.
            Err(err) if is_unique_violation(&err) => {}
            Err(err) => return Err(err.into()),
        }
        let view = lines_of(&txn, user).await?;
        txn.commit().await?;
        Ok(view)
    }

    /// Removes one of the user's lines; anyone else's is NOT_FOUND.
    pub async fn remove(&self, user: UserId, line: CartLineId) -> ApiResult<CartView> {
        let deleted = cart_line::Entity::delete_many()
            .filter(cart_line::Column::Id.eq(line.0))
            .filter(cart_line::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(ApiError::NotFound("cart line"));
        }
        self.view(user).await
    }
}

/// The user's cart lines, oldest first, with their products.
pub(super) async fn lines_of(conn: &impl ConnectionTrait, user: UserId) -> ApiResult<CartView> {
    let rows = cart_line::Entity::find_owned_by(user.0)
        .order_by_asc(cart_line::Column::Id)
        .all(conn)
        .await?;
    // An empty list asks for no products (and sends no
    // statement that would match none).
    let products = if rows.is_empty() {
        Vec::new()
    } else {
        product::Entity::find()
            .filter(product::Column::Id.is_in(rows.iter().map(|row| row.product_id)))
            .all(conn)
            .await?
    };
    let lines = rows
        .into_iter()
        .filter_map(|line| {
            let product = products.iter().find(|p| p.id == line.product_id)?.clone();
            Some(CartLine { line, product })
        })
        .collect();
    Ok(CartView { lines })
}
