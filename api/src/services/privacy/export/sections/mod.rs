//! What the export holds, one function per section: each reads its rows
//! of the listener (and only theirs) a page at a time and shapes them as
//! the document's JSON Schema (`docs/export.schema.json`) describes, with
//! the global IDs the API uses and no secret of any kind.

mod account;
mod library;
mod listening;
mod store;

pub(super) use account::{api_keys, audit, consent_log, privacy_settings, profile, sessions};
pub(super) use library::{locker, playlists};
pub(super) use listening::{interactions, playback, plays};
pub(super) use store::{cart, orders, reviews};

use serde::Serialize;

use crate::domain::EntityId;

/// The global ID of row `id` of kind `T`, as the API shows it.
fn global<T: EntityId>(id: i32) -> String {
    T::from_row(id).global().encode()
}

/// Money as the API shows it: integer minor units and a currency.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Money {
    amount_minor: i64,
    currency: String,
}
