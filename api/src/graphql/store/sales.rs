//! Partners' sales reports: per product, per day, never per buyer.

use async_graphql::{
    Context, InputValueError, InputValueResult, Object, Result, Scalar, ScalarType, Value,
};
use chrono::NaiveDate;

use super::super::catalogue::{Money, Product};
use super::super::connection::list_complexity;
use super::super::connection::{paged, Paged};
use super::super::error::dangling;
use super::super::loaders::ProductById;
use super::super::{loaders, principal, services};
use crate::auth::Scope;
use crate::domain::Page;
use crate::services::store::sales;

/// A calendar day, `YYYY-MM-DD` (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar day, `YYYY-MM-DD` (ISO 8601).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("`{text}` is not a date (YYYY-MM-DD)"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// One product's sales on one day (UTC), in one currency.
pub struct SalesDay(sales::SalesRow);

#[Object]
impl SalesDay {
    async fn day(&self) -> Date {
        Date(self.0.day)
    }

    async fn product(&self, ctx: &Context<'_>) -> Result<Product> {
        loaders(ctx)?
            .load_one(ProductById(self.0.product.0))
            .await?
            .map(Product)
            .ok_or_else(|| dangling("sale", "product"))
    }

    /// Copies sold.
    async fn units(&self) -> i32 {
        i32::try_from(self.0.units).unwrap_or(i32::MAX)
    }

    /// What they sold for, at the prices fixed into their orders.
    async fn revenue(&self) -> Money {
        Money(self.0.revenue)
    }
}

#[derive(Default)]
pub struct SalesQuery;

#[Object]
impl SalesQuery {
    /// ADMIN, or an API key with ORDERS_READ. Units and revenue per
    /// product per day (UTC) from `from` to `to`, both included (at most
    /// 366 days), oldest first: fulfilled orders only (a refunded order is
    /// not a sale). Aggregated: no buyer, order or order number is ever
    /// shown.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn sales_report(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<SalesDay>> {
        principal(ctx)?.require_admin_or_scope(Scope::OrdersRead)?;
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?.sales.report(from.0, to.0, page).await?;
        Ok(paged(listing.items, listing.total, page, SalesDay))
    }
}
