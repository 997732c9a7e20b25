//! Listings: one page of an ordered select and the size of the whole of
//! it, the one way every list of the services pages.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QuerySelect, Select, Value};

use super::keyset::{self, Key};
use crate::domain::Page;
use crate::error::ApiResult;

/// One page of a listing and the size of the whole listing.
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: u64,
}

pub async fn listing<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    page: Page,
) -> ApiResult<Listing<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let items = if page.limit == 0 || page.offset >= total {
        Vec::new()
    } else {
        select.offset(page.offset).limit(page.limit).all(db).await?
    };
    Ok(Listing { items, total })
}

/// As `listing`, in the order of `keys` (`select` is not yet ordered): the
/// page after the row whose keys are `anchor`, else the page at its offset.
pub async fn keyed_listing<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    keys: &[Key],
    anchor: Option<Vec<Option<Value>>>,
    page: Page,
) -> ApiResult<Listing<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let items = if page.limit == 0 || page.offset >= total {
        Vec::new()
    } else {
        let anchor = anchor.as_deref();
        keyset::page(db, select, keys, anchor, page.offset, page.limit).await?
    };
    Ok(Listing { items, total })
}
