//! What the export holds, one function per section: each reads its rows
//! of the listener (and only theirs) a page at a time and shapes them as
//! the document's JSON Schema (`docs/export.schema.json`) describes, with
//! the global IDs the API uses and no secret of any kind.

mod account;
mod library;
mod listening;
mod store;

pub(super) use account::{
    api_keys, audit, consent_log, player_keys, privacy_settings, profile, sessions,
};
pub(super) use library::{locker, locker_stars, playlists};
pub(super) use listening::{interactions, playback, plays};
pub(super) use store::{cart, orders, reviews};

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;

use crate::domain::EntityId;
use crate::error::ApiResult;

/// The global ID of row `id` of kind `T`, as the API shows it.
fn global<T: EntityId>(id: i32) -> String {
    T::from_row(id).global().encode()
}

/// The page of `select`'s rows after the cursor `after`, at most `rows` of
/// them in `id` order: the keyset pagination every list of the export
/// reads by, so that a page never repeats or skips a row.
async fn page_by_id<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    after: i32,
    rows: u64,
) -> ApiResult<Vec<E::Model>> {
    Ok(select
        .filter(id.gt(after))
        .order_by_asc(id)
        .limit(rows)
        .all(db)
        .await?)
}

/// Money as the API shows it: integer minor units and a currency.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Money {
    amount_minor: i64,
    currency: String,
}
