//! Fulfilment: what a paid order gives its buyer, in the transaction that
//! records the payment. Entitlements to its products, and every purchased
//! track (an album: all its tracks) in the buyer's locker as a PURCHASE
//! item pointing at the catalogue master: no copy of the bytes, not counted
//! against the quota, matched to its catalogue track, in search, and
//! announced on `lockerEvents` once committed. A track without master
//! audio yet is there all the same, not yet streamable; attaching the
//! master makes it streamable (`catalogue::masters`). The `order.fulfilled`
//! webhook is written to the outbox in the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use entities::{album, artist, blob, entitlement, locker_item, order, order_line, product, track};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::db::{begin_write, lock_row_for_update};
use crate::domain::OrderStatus;
use crate::domain::{
    EntityId, LockerItemId, LockerKeys, LockerSource, ProductId, ProductKind, UserId,
};
use crate::error::{ApiError, ApiResult};
use crate::services::catalogue::CatalogueVersion;
use crate::services::locker::events::{LockerChange, LockerEvent, LockerEvents};
use crate::services::search::{Change, Feed};
use crate::services::webhooks::outbox::{OrderFulfilled, ProductSale};
use crate::services::webhooks::{Event, Outbox};

/// What a purchase says of its format before the master is attached.
const NO_MASTER_MIME_TYPE: &str = "application/octet-stream";

#[derive(Clone)]
pub struct Fulfilment {
    db: DatabaseConnection,
    search: Feed,
    events: LockerEvents,
    /// Sales counts order the public best-seller lists.
    catalogue_version: CatalogueVersion,
    outbox: Outbox,
}

impl Fulfilment {
    pub fn new(
        db: DatabaseConnection,
        search: Feed,
        events: LockerEvents,
        catalogue_version: CatalogueVersion,
        outbox: Outbox,
    ) -> Self {
        Self {
            db,
            search,
            events,
            catalogue_version,
            outbox,
        }
    }

    /// Records the payment of a PENDING order and fulfils it, in one
    /// transaction. An order some other call already resolved is returned
    /// as it is: the payment is recorded once, the locker filled once.
    pub async fn fulfil(&self, order_id: i32, payment_reference: &str) -> ApiResult<order::Model> {
        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "orders", order_id).await?;
        let order = order::Entity::find_by_id(order_id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a paid intent vanished")))?;
        if OrderStatus::of_row(&order.status)? != OrderStatus::Pending {
            return Ok(order);
        }
        let Some(user) = order.user_id.map(UserId) else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "a paid intent has no buyer"
            )));
        };
        // One fulfilment or refund of this buyer's at a time: two orders
        // sharing a track must each see what the other put in the locker.
        lock_row_for_update(&txn, "users", user.0).await?;
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(order.id))
            .all(&txn)
            .await?;
        let product_ids: Vec<i32> = lines.iter().map(|line| line.product_id).collect();
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(product_ids.iter().copied()))
            .all(&txn)
            .await?;
        let now = Utc::now();
        entitlement::Entity::insert_many(products.iter().map(|product| entitlement::ActiveModel {
            user_id: Set(user.0),
            product_id: Set(product.id),
            order_id: Set(Some(order.id)),
            created_at: Set(now),
            ..Default::default()
        }))
        .on_conflict(
            OnConflict::columns([entitlement::Column::UserId, entitlement::Column::ProductId])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec_without_returning(&txn)
        .await?;
        let added = add_purchases(&txn, user, &products).await?;
        self.search
            .record(&txn, added.iter().map(|id| Change::LockerItem(id.0)))
            .await?;
        let sold = sale_of(&order, &lines, &products, now);
        self.outbox
            .record(&txn, vec![Event::OrderFulfilled(sold)])
            .await?;
        let mut paid: order::ActiveModel = order.into();
        paid.status = Set(OrderStatus::Fulfilled.as_str().to_owned());
        paid.payment_reference = Set(Some(payment_reference.to_owned()));
        paid.paid_at = Set(Some(now));
        let paid = paid.update(&txn).await?;
        txn.commit().await?;
        // Sales counts (the best-seller order) are counted after the
        // commit, in a statement of their own: inside the transaction the
        // product row's lock serialised every purchase of a popular
        // product for the whole fulfilment (on PostgreSQL, 93% of sampled
        // checkouts waited on it). A crash right here leaves a count one
        // short, never an order unfulfilled.
        let counted = product::Entity::update_many()
            .col_expr(
                product::Column::SalesCount,
                Expr::col(product::Column::SalesCount).add(1),
            )
            .filter(product::Column::Id.is_in(product_ids))
            .exec(&self.db)
            .await;
        if let Err(err) = counted {
            tracing::warn!(order.id = paid.id, error = %err, "a sale was not counted in the best-seller order");
        }
        self.outbox.wake();
        self.search.changed();
        self.catalogue_version.bump();
        for item_id in &added {
            self.events
                .publish(LockerEvent {
                    user_id: user,
                    change: LockerChange::Added,
                    item_id: *item_id,
                })
                .await;
        }
        tracing::info!(
            order.id = paid.id,
            locker_items = added.len(),
            "order paid and fulfilled"
        );
        Ok(paid)
    }
}

/// What partners are told of a fulfilled order: per product, units and
/// amounts at the prices fixed into it. Nothing of the buyer or the order
/// itself (no id, no number) goes in.
fn sale_of(
    order: &order::Model,
    lines: &[order_line::Model],
    products: &[product::Model],
    now: chrono::DateTime<Utc>,
) -> OrderFulfilled {
    let mut sales: Vec<ProductSale> = Vec::new();
    for line in lines {
        let product_id = ProductId(line.product_id).global().encode();
        match sales.iter_mut().find(|sale| sale.product_id == product_id) {
            Some(sale) => {
                sale.units += 1;
                sale.amount_minor += line.price_minor;
            }
            None => {
                let product = products.iter().find(|p| p.id == line.product_id);
                sales.push(ProductSale {
                    product_id,
                    sku: product.map(|p| p.sku.clone()).unwrap_or_default(),
                    kind: product.map(|p| p.kind.clone()).unwrap_or_default(),
                    units: 1,
                    amount_minor: line.price_minor,
                });
            }
        }
    }
    OrderFulfilled {
        fulfilled_at: now,
        currency: order.currency.clone(),
        total_minor: sales.iter().map(|sale| sale.amount_minor).sum(),
        products: sales,
    }
}

/// Puts every track the products sell into the buyer's locker, as
/// PURCHASE items, skipping those already there. Returns the new items.
async fn add_purchases(
    txn: &DatabaseTransaction,
    user: UserId,
    products: &[product::Model],
) -> ApiResult<Vec<LockerItemId>> {
    let mut single: BTreeSet<i32> = BTreeSet::new();
    let mut albums: BTreeSet<i32> = BTreeSet::new();
    for product in products {
        match (ProductKind::of_row(&product.kind), product.track_id) {
            (ProductKind::Track, Some(track_id)) => single.insert(track_id),
            _ => albums.insert(product.album_id),
        };
    }
    let mut tracks = track::Entity::find().filter(
        sea_orm::Condition::any()
            .add(track::Column::Id.is_in(single))
            .add(track::Column::AlbumId.is_in(albums)),
    );
    // A master attached meanwhile (its transaction holds the track's row)
    // is waited for and read; one attached after must wait for these
    // items to be committed, and then gives them its master. Either way no
    // purchase is left unplayable. SQLite runs one writer at a time.
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        tracks = tracks.lock_shared();
    }
    let mut tracks = tracks.all(txn).await?;
    let already: BTreeSet<i32> = locker_item::Entity::find_owned_by(user.0)
        .select_only()
        .column(locker_item::Column::CatalogueTrackId)
        .filter(locker_item::Column::Source.eq(LockerSource::Purchase.as_str()))
        .filter(locker_item::Column::CatalogueTrackId.is_in(tracks.iter().map(|t| t.id)))
        .into_tuple::<Option<i32>>()
        .all(txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    tracks.retain(|track| !already.contains(&track.id));
    if tracks.is_empty() {
        return Ok(Vec::new());
    }
    tracks.sort_by_key(|t| (t.album_id, t.disc_number, t.track_number, t.id));
    let album_rows: HashMap<i32, album::Model> = album::Entity::find()
        .filter(album::Column::Id.is_in(tracks.iter().map(|t| t.album_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let artists: HashMap<i32, String> = artist::Entity::find()
        .filter(artist::Column::Id.is_in(album_rows.values().map(|a| a.artist_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let masters: HashMap<i32, blob::Model> = blob::Entity::find()
        .filter(blob::Column::Id.is_in(tracks.iter().filter_map(|t| t.master_blob_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let format_of = |album_id: i32| {
        products
            .iter()
            .find(|p| p.album_id == album_id)
            .and_then(|p| p.audio_format.split_whitespace().next())
            .unwrap_or("UNKNOWN")
            .to_ascii_uppercase()
    };
    let now = Utc::now();
    let mut added = Vec::with_capacity(tracks.len());
    for track in tracks {
        let album = album_rows.get(&track.album_id);
        let artist = album
            .and_then(|a| artists.get(&a.artist_id))
            .cloned()
            .unwrap_or_else(|| crate::services::locker::UNKNOWN_ARTIST.to_owned());
        let master = track.master_blob_id.and_then(|id| masters.get(&id));
        let album_title = album.map(|a| a.title.clone()).unwrap_or_default();
        let keys = LockerKeys::of(&artist, &album_title, Some(&artist));
        let item = locker_item::ActiveModel {
            user_id: Set(user.0),
            blob_id: Set(master.map(|b| b.id)),
            source: Set(LockerSource::Purchase.as_str().to_owned()),
            title: Set(track.title.clone()),
            artist: Set(artist.clone()),
            album: Set(album_title),
            album_artist: Set(Some(artist)),
            artist_key: Set(keys.artist.to_string()),
            album_artist_key: Set(keys.album_artist.to_string()),
            album_key: Set(keys.album.to_string()),
            genre: Set(track
                .genre
                .clone()
                .or_else(|| album.and_then(|a| a.genre.clone()))),
            track_number: Set(track.track_number),
            disc_number: Set(track.disc_number),
            year: Set(album.and_then(|a| a.release_year)),
            isrc: Set(track.isrc.clone()),
            duration_ms: Set(track.duration_ms),
            format: Set(track
                .master_format
                .clone()
                .filter(|_| master.is_some())
                .unwrap_or_else(|| format_of(track.album_id))),
            mime_type: Set(track
                .master_mime_type
                .clone()
                .filter(|_| master.is_some())
                .unwrap_or_else(|| NO_MASTER_MIME_TYPE.to_owned())),
            bitrate_kbps: Set(track.master_bitrate_kbps.filter(|_| master.is_some())),
            sample_rate_hz: Set(track.master_sample_rate_hz.filter(|_| master.is_some())),
            channels: Set(track.master_channels.filter(|_| master.is_some())),
            size_bytes: Set(master.map(|b| b.size_bytes).unwrap_or(0)),
            content_hash: Set(master.map(|b| b.content_hash.clone()).unwrap_or_default()),
            catalogue_track_id: Set(Some(track.id)),
            exclude_from_taste_profile: Set(false),
            added_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        added.push(LockerItemId(item.id));
    }
    Ok(added)
}
