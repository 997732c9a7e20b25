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

/// One page of a list that pages after an item (`keyset`): its items,
/// whether more follow them, and the size of the whole list.
pub struct KeyedListing<T> {
    pub items: Vec<T>,
    pub more: bool,
    pub total: u64,
}

/// As `listing`, in the order of `keys` (`select` is not yet ordered): the
/// page after the row whose keys are `anchor`, else the page at its offset.
pub async fn keyed_listing<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    keys: &[Key],
    anchor: Option<Vec<Option<Value>>>,
    page: Page,
) -> ApiResult<KeyedListing<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    keyed_page(db, select, keys, anchor, page, total).await
}

/// The page of `keyed_listing` for a list of `total` (counted, or kept,
/// by the caller). After an item, the page does not trust the count to
/// say what follows it (products may have come or gone above it since, or
/// the count be a kept one): it reads one row more than the page.
pub async fn keyed_page<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    keys: &[Key],
    anchor: Option<Vec<Option<Value>>>,
    page: Page,
    total: u64,
) -> ApiResult<KeyedListing<E::Model>>
where
    E: EntityTrait,
{
    if page.limit == 0 || (anchor.is_none() && page.offset >= total) {
        return Ok(KeyedListing {
            items: Vec::new(),
            more: anchor.is_some() || page.offset < total,
            total,
        });
    }
    let anchor = anchor.as_deref();
    let mut items = keyset::page(db, select, keys, anchor, page.offset, page.limit + 1).await?;
    let more = items.len() as u64 > page.limit;
    items.truncate(page.limit as usize);
    Ok(KeyedListing { items, more, total })
}
