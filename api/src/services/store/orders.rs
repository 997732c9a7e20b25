//! Orders as their buyer sees them: newest first, their lines at the
//! prices fixed into them. A PENDING order is a payment intent, not yet an
//! order anyone sees.

use entities::{order, order_line, product};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::{Currency, Money, OrderId, OrderStatus, Page, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::listing::{listing, Listing};

/// The name of an order's payment intent, as the provider sees it. Kept
/// as intents were first named, so intents charged before any change of
/// it are still recognised (a retry never charges them twice).
pub(crate) fn intent_name(order: &order::Model) -> String {
    format!("order-{}", order.id)
}

/// A line of an order and the product it sold.
#[derive(Clone, Debug)]
pub struct OrderLine {
    pub line: order_line::Model,
    pub product: product::Model,
}

impl OrderLine {
    /// The price fixed into the order.
    pub fn price(&self) -> ApiResult<Money> {
        Ok(Money::new(
            self.line.price_minor,
            Currency::of_row(&self.line.currency)?,
        ))
    }
}

#[derive(Clone, Debug)]
pub struct OrderView {
    pub order: order::Model,
    pub lines: Vec<OrderLine>,
}

impl OrderView {
    pub fn status(&self) -> ApiResult<OrderStatus> {
        OrderStatus::of_row(&self.order.status)
    }

    pub fn total(&self) -> ApiResult<Money> {
        Ok(Money::new(
            self.order.total_minor,
            Currency::of_row(&self.order.currency)?,
        ))
    }

    pub async fn load(conn: &impl ConnectionTrait, order: order::Model) -> ApiResult<Self> {
        let mut views = with_lines(conn, vec![order]).await?;
        views
            .pop()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an order vanished")))
    }
}

/// The orders with their lines, in the order given.
async fn with_lines(
    conn: &impl ConnectionTrait,
    orders: Vec<order::Model>,
) -> ApiResult<Vec<OrderView>> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .order_by_asc(order_line::Column::Id)
        .all(conn)
        .await?;
    // An empty list asks for no products (and sends no
    // statement that would match none).
    let products = if lines.is_empty() {
        Vec::new()
    } else {
        product::Entity::find()
            .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
            .all(conn)
            .await?
    };
    Ok(orders
        .into_iter()
        .map(|order| {
            let lines = lines
                .iter()
                .filter(|line| line.order_id == order.id)
                .filter_map(|line| {
                    let product = products.iter().find(|p| p.id == line.product_id)?;
                    Some(OrderLine {
                        line: line.clone(),
                        product: product.clone(),
                    })
                })
                .collect();
            OrderView { order, lines }
        })
        .collect())
}

#[derive(Clone)]
pub struct Orders {
    db: DatabaseConnection,
}

impl Orders {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The buyer's orders, newest first; payment intents are not orders yet.
    pub async fn list(&self, user: UserId, page: Page) -> ApiResult<Listing<OrderView>> {
        let select = order::Entity::find_owned_by(user.0)
            .filter(order::Column::Status.ne(OrderStatus::Pending.as_str()))
            .order_by_desc(order::Column::CreatedAt)
            .order_by_desc(order::Column::Id);
        let page = listing(&self.db, select, page).await?;
        Ok(Listing {
            items: with_lines(&self.db, page.items).await?,
            total: page.total,
        })
    }

    /// One of the buyer's orders; anyone else's is `None`.
    pub async fn get(&self, user: UserId, id: OrderId) -> ApiResult<Option<OrderView>> {
        let order = order::Entity::find_owned_by(user.0)
            .filter(order::Column::Id.eq(id))
            .filter(order::Column::Status.ne(OrderStatus::Pending.as_str()))
            .one(&self.db)
            .await?;
        match order {
            Some(order) => Ok(Some(OrderView::load(&self.db, order).await?)),
            None => Ok(None),
        }
    }
}

/// Why `user` cannot buy `product` again yet: it is in one of their orders
/// whose payment is unresolved (the provider failed or did not answer).
/// Retrying that checkout's key resolves it; buying it under another key
/// could charge twice for one thing.
pub async fn pending_payment(
    conn: &impl ConnectionTrait,
    user: UserId,
    product: &product::Model,
) -> ApiResult<Option<String>> {
    let pending: Vec<i32> = order::Entity::find_owned_by(user.0)
        .filter(order::Column::Status.eq(OrderStatus::Pending.as_str()))
        .select_only()
        .column(order::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let waiting = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(pending))
        .filter(order_line::Column::ProductId.eq(product.id))
        .count(conn)
        .await?
        > 0;
    Ok(waiting.then(|| {
        format!(
            "a payment for `{}` is still unresolved: retry checkout with the idempotency key you used",
            product.sku
        )
    }))
}
