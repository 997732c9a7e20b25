//! How products are asked for and priced: kinds, sorts, filters, money.

use async_graphql::{Enum, InputObject, Object, ID};

use crate::domain::{self, ArtistId, ProductKind};
use crate::error::ApiError;
use crate::graphql::ids::decode;
use crate::graphql::scalars::Int64;
use crate::services::catalogue;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ProductKind")]
pub enum ProductKindGql {
    Track,
    Album,
}

impl From<ProductKindGql> for ProductKind {
    fn from(kind: ProductKindGql) -> Self {
        match kind {
            ProductKindGql::Track => ProductKind::Track,
            ProductKindGql::Album => ProductKind::Album,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(name = "ProductSort")]
pub enum ProductSortGql {
    /// Latest releases first.
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    /// Highest average rating first; unrated products last.
    TopRated,
    BestSelling,
}

impl From<ProductSortGql> for catalogue::ProductSort {
    fn from(sort: ProductSortGql) -> Self {
        match sort {
            ProductSortGql::Newest => catalogue::ProductSort::Newest,
            ProductSortGql::PriceAsc => catalogue::ProductSort::PriceAsc,
            ProductSortGql::PriceDesc => catalogue::ProductSort::PriceDesc,
            ProductSortGql::TopRated => catalogue::ProductSort::TopRated,
            ProductSortGql::BestSelling => catalogue::ProductSort::BestSelling,
        }
    }
}

#[derive(InputObject, Default)]
pub struct ProductFilter {
    pub genre: Option<String>,
    pub artist_id: Option<ID>,
    pub kind: Option<ProductKindGql>,
    pub min_price_minor: Option<i32>,
    pub max_price_minor: Option<i32>,
}

impl ProductFilter {
    /// The filter, checked: an artist's ID, prices not negative and in order.
    pub fn parse(self) -> Result<catalogue::ProductFilter, ApiError> {
        let filter = self;
        let artist_id =
            match filter.artist_id {
                None => None,
                Some(id) => Some(decode::<ArtistId>(&id)?.ok_or_else(|| {
                    ApiError::bad_input("`filter.artistId` is not an artist's ID")
                })?),
            };
        if let (Some(min), Some(max)) = (filter.min_price_minor, filter.max_price_minor) {
            if min > max {
                return Err(ApiError::bad_input(
                    "`filter.minPriceMinor` must not exceed `filter.maxPriceMinor`",
                ));
            }
        }
        if filter.min_price_minor.is_some_and(|min| min < 0)
            || filter.max_price_minor.is_some_and(|max| max < 0)
        {
            return Err(ApiError::bad_input(
                "prices in `filter` must not be negative",
            ));
        }
        Ok(catalogue::ProductFilter {
            genre: filter.genre,
            artist_id,
            kind: filter.kind.map(Into::into),
            min_price_minor: filter.min_price_minor.map(i64::from),
            max_price_minor: filter.max_price_minor.map(i64::from),
        })
    }
}

pub struct Money(pub domain::Money);

#[Object]
impl Money {
    async fn amount_minor(&self) -> Int64 {
        Int64(self.0.amount_minor)
    }

    /// ISO 4217.
    async fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// As a person reads it, e.g. `$9.99`.
    async fn formatted(&self) -> String {
        self.0.formatted()
    }
}
