//! The store as the API shows it: the viewer's cart, checkout and orders.

mod sales;

pub use sales::SalesQuery;

use async_graphql::{Context, Enum, Object, Result, ID};

use super::catalogue::{Money, Product, Review};
use super::ids::{id_of, require};
use super::{principal, services};
use crate::domain::{CartLineId, IdempotencyKey, OrderId, OrderStatus, ProductId};
use crate::graphql::scalars::DateTime;
use crate::services::store::cart;
use crate::services::store::orders;

/// A product in the viewer's cart, at today's price.
pub struct CartLine(pub cart::CartLine);

#[Object]
impl CartLine {
    async fn id(&self) -> ID {
        id_of(CartLineId(self.0.line.id))
    }

    async fn product(&self) -> Product {
        Product(self.0.product.clone())
    }

    /// Today's price; checkout fixes it into the order.
    async fn price(&self) -> Result<Money> {
        Ok(Money(self.0.price()?))
    }
}

/// What the viewer means to buy: one of each product, in one currency, at
/// most 100 lines.
pub struct Cart(pub cart::CartView);

#[Object]
impl Cart {
    /// In the order they were added.
    async fn lines(&self) -> Vec<CartLine> {
        self.0.lines.iter().cloned().map(CartLine).collect()
    }

    async fn item_count(&self) -> i32 {
        i32::try_from(self.0.lines.len()).unwrap_or(i32::MAX)
    }

    /// The sum of today's prices; zero US dollars for an empty cart.
    async fn subtotal(&self) -> Result<Money> {
        Ok(Money(self.0.subtotal()?))
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "OrderStatus")]
pub enum OrderStatusGql {
    /// Paid, not yet delivered (fulfilment runs with the payment, so
    /// orders pass through this state at once).
    Paid,
    /// Paid, and everything it sold is in the buyer's locker.
    Fulfilled,
    /// Refunded: what it sold was taken back.
    Refunded,
}

/// A product of an order, at the price fixed into it when it was paid.
pub struct OrderLine(pub orders::OrderLine);

#[Object]
impl OrderLine {
    async fn product(&self) -> Product {
        Product(self.0.product.clone())
    }

    /// Fixed into the order: later price changes change no order.
    async fn price(&self) -> Result<Money> {
        Ok(Money(self.0.price()?))
    }
}

/// An order of the viewer's; only its buyer sees it.
pub struct Order(pub orders::OrderView);

#[Object]
impl Order {
    pub async fn id(&self) -> ID {
        id_of(OrderId(self.0.order.id))
    }

    /// The number people read and quote, e.g. `CDZ-7Q2M-K9XD`.
    async fn number(&self) -> &str {
        &self.0.order.number
    }

    async fn status(&self) -> Result<OrderStatusGql> {
        Ok(match self.0.status()? {
            OrderStatus::Refunded => OrderStatusGql::Refunded,
            OrderStatus::Fulfilled => OrderStatusGql::Fulfilled,
            // A pending intent is never shown; a paid one is on its way.
            OrderStatus::Paid | OrderStatus::Pending => OrderStatusGql::Paid,
        })
    }

    async fn lines(&self) -> Vec<OrderLine> {
        self.0.lines.iter().cloned().map(OrderLine).collect()
    }

    /// In integer minor units, fixed when it was paid.
    async fn total(&self) -> Result<Money> {
        Ok(Money(self.0.total()?))
    }

    async fn created_at(&self) -> DateTime {
        self.0.order.created_at.into()
    }
}

#[derive(Default)]
pub struct StoreMutation;

#[Object]
impl StoreMutation {
    /// Adds a product to the viewer's cart; one already there stays one
    /// line. Something the viewer owns is CONFLICT, a product not for sale
    /// or in another currency than the cart's BAD_USER_INPUT.
    async fn add_to_cart(&self, ctx: &Context<'_>, product_id: ID) -> Result<Cart> {
        let user = principal(ctx)?.require_user()?;
        let product = require::<ProductId>(&product_id, "product")?;
        Ok(Cart(services(ctx)?.cart.add(user, product).await?))
    }

    /// Removes a line of the viewer's cart.
    async fn remove_from_cart(&self, ctx: &Context<'_>, line_id: ID) -> Result<Cart> {
        let user = principal(ctx)?.require_user()?;
        let line = require::<CartLineId>(&line_id, "cart line")?;
        Ok(Cart(services(ctx)?.cart.remove(user, line).await?))
    }

    /// Buys the viewer's cart. The same key returns the same order and
    /// charges once, however often and however concurrently it is sent
    /// (even after the cart has changed); a key is 1 to 255 printable
    /// characters, the caller's own (another user's equal key is another
    /// order), and kept with its order for as long as the order exists,
    /// so never less than 24 hours. A declined payment is PAYMENT_DECLINED:
    /// no order, the cart kept. A payment provider that fails or does not
    /// answer is INTERNAL with nothing delivered: retry with the same key.
    /// An empty cart is BAD_USER_INPUT.
    async fn checkout(&self, ctx: &Context<'_>, idempotency_key: String) -> Result<Order> {
        let user = principal(ctx)?.require_user()?;
        let key = IdempotencyKey::parse(&idempotency_key)?;
        Ok(Order(services(ctx)?.checkout.checkout(user, &key).await?))
    }

    /// Writes the viewer's review of a product, or edits the one they
    /// wrote (one a product a user): rating 1 to 5, body up to 5,000
    /// characters, kept as plain text (never rendered as HTML by Cadenza).
    async fn write_review(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        rating: i32,
        body: Option<String>,
    ) -> Result<Review> {
        let user = principal(ctx)?.require_user()?;
        let product = require::<ProductId>(&product_id, "product")?;
        let review = services(ctx)?
            .reviews
            .write(user, product, rating, body)
            .await?;
        Ok(Review(review))
    }

    /// ADMIN only. Gives the money back through the payment provider, then
    /// revokes the entitlements and removes the purchased items from the
    /// locker (and from playlists and search). Refunding a refunded order
    /// is CONFLICT; a provider that does not confirm the refund is INTERNAL
    /// with nothing changed (ask again: it refunds at most once).
    async fn refund_order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        principal(ctx)?.require_admin()?;
        let order = require::<OrderId>(&id, "order")?;
        Ok(Order(services(ctx)?.refunds.refund(order).await?))
    }
}
