//! Relay connections over one page of an ordered list.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::SimpleObject;

use crate::domain::page::{
    encode_anchored_cursor, encode_cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use crate::domain::Page;
use crate::services::listing::KeyedListing;

#[derive(SimpleObject)]
pub struct ConnectionTotal {
    /// How many items the whole list holds.
    pub total_count: i32,
}

pub type Paged<N> = Connection<String, N, ConnectionTotal, EmptyFields>;

/// Builds the connection of `items`, the page at `page` of a list of `total`.
pub fn paged<T, N>(items: Vec<T>, total: u64, page: Page, node: impl Fn(T) -> N) -> Paged<N>
where
    N: async_graphql::OutputType,
{
    paged_with(
        items,
        total,
        page,
        None,
        |offset, _| encode_cursor(offset),
        node,
    )
}

/// As `paged`, for a list in `order` that pages after an item
/// (`services::keyset`): each cursor names its item's `id`, and whether a
/// page follows is the listing's `more`, not a count.
pub fn paged_anchored<T, N>(
    listing: KeyedListing<T>,
    page: Page,
    order: &str,
    id: impl Fn(&T) -> i32,
    node: impl Fn(T) -> N,
) -> Paged<N>
where
    N: async_graphql::OutputType,
{
    let cursor = |offset, item: &T| encode_anchored_cursor(offset, order, id(item));
    let KeyedListing { items, more, total } = listing;
    paged_with(items, total, page, Some(more), cursor, node)
}

/// The connection of `items`; a page follows if `more` says so, or else
/// if the count says items are left.
fn paged_with<T, N>(
    items: Vec<T>,
    total: u64,
    page: Page,
    more: Option<bool>,
    cursor: impl Fn(u64, &T) -> String,
    node: impl Fn(T) -> N,
) -> Paged<N>
where
    N: async_graphql::OutputType,
{
    let returned = items.len() as u64;
    let mut connection = Connection::with_additional_fields(
        page.offset > 0,
        more.unwrap_or(page.offset + returned < total),
        ConnectionTotal {
            total_count: i32::try_from(total).unwrap_or(i32::MAX),
        },
    );
    connection.edges.extend(
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| Edge::new(cursor(page.offset + index as u64, &item), node(item))),
    );
    connection
}

/// The page of an already loaded list.
pub fn paged_slice<T: Clone, N>(all: &[T], page: Page, node: impl Fn(T) -> N) -> Paged<N>
where
    N: async_graphql::OutputType,
{
    let start = (page.offset as usize).min(all.len());
    let end = start.saturating_add(page.limit as usize).min(all.len());
    paged(all[start..end].to_vec(), all.len() as u64, page, node)
}

/// The complexity a list field with `first` adds: `first` times its
/// children, so a page's cost grows with what it asks for.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize;
    first.saturating_mul(child_complexity).saturating_add(1)
}
