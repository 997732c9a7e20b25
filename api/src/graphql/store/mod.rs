//! The store as the API shows it: the viewer's cart, and its edits.

use async_graphql::{Context, Object, Result, ID};

use super::catalogue::{Money, Product};
use super::ids::{id_of, require};
use super::{principal, services};
use crate::domain::{CartLineId, ProductId};
use crate::services::store::cart;

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
}
