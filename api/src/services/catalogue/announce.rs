//! What partners are told when products change: the `product.updated`
//! webhook, with a product's public fields as anyone reads them through
//! the API, built in the transaction of the change.

use std::collections::{BTreeSet, HashMap};

use entities::{album, product, track};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::domain::{AlbumId, EntityId, ProductId, TrackId};
use crate::error::ApiResult;
use crate::services::webhooks::outbox::ProductUpdated;
use crate::services::webhooks::Event;

/// The public fields a `product.updated` event carries, as the row holds
/// them; two snapshots that differ mean partners are told.
pub(crate) fn public_fields(row: &product::Model) -> impl PartialEq {
    (
        row.kind.clone(),
        row.album_id,
        row.track_id,
        row.price_minor,
        row.currency.clone(),
        row.audio_format.clone(),
        row.available,
    )
}

/// `product.updated` events for these products, as they stand in `txn`.
/// Three queries, whatever the number of products.
pub(crate) async fn product_updates(
    txn: &DatabaseTransaction,
    ids: &BTreeSet<i32>,
) -> ApiResult<Vec<Event>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?;
    let album_titles: HashMap<i32, String> = album::Entity::find()
        .filter(album::Column::Id.is_in(products.iter().map(|p| p.album_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect();
    let track_titles: HashMap<i32, String> = track::Entity::find()
        .filter(track::Column::Id.is_in(products.iter().filter_map(|p| p.track_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.title))
        .collect();
    Ok(products
        .into_iter()
        .map(|row| {
            // The title of the track or album it sells, as `Product.title`.
            let title = match row.track_id {
                Some(track_id) => track_titles.get(&track_id),
                None => album_titles.get(&row.album_id),
            }
            .cloned()
            .unwrap_or_default();
            Event::ProductUpdated(ProductUpdated {
                product_id: ProductId(row.id).global().encode(),
                sku: row.sku,
                title,
                kind: row.kind,
                price_minor: row.price_minor,
                currency: row.currency,
                audio_format: row.audio_format,
                available: row.available,
                album_id: AlbumId(row.album_id).global().encode(),
                track_id: row.track_id.map(|id| TrackId(id).global().encode()),
                updated_at: row.updated_at,
            })
        })
        .collect())
}
