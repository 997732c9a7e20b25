//! Refunds (an administrator's): the order becomes REFUNDED, the
//! entitlements it granted are revoked, and the PURCHASE locker items of
//! tracks the buyer no longer owns leave their locker, their playlists and
//! search, in one transaction; the removals are announced on
//! `lockerEvents`, which also evicts them from every replica's stream
//! cache.

use std::collections::BTreeSet;

use chrono::Utc;
use entities::{
    entitlement, locker_item, order, order_line, playlist, playlist_entry, product, review, track,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::orders::{intent_name, OrderView};
use super::payments::{ChargeRequest, Payments};
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::OrderStatus;
use crate::domain::{Currency, LockerItemId, LockerSource, Money, OrderId, ProductKind, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::catalogue::CatalogueVersion;
use crate::services::locker::after_removal;
use crate::services::locker::events::{LockerChange, LockerEvent, LockerEvents};
use crate::services::playlists::close_gaps;
use crate::services::search::{Change, Feed};

#[derive(Clone)]
pub struct Refunds {
    db: DatabaseConnection,
    payments: Payments,
    search: Feed,
    events: LockerEvents,
    /// Sales counts order the public best-seller lists.
    catalogue_version: CatalogueVersion,
}

impl Refunds {
    pub fn new(
        db: DatabaseConnection,
        payments: Payments,
        search: Feed,
        events: LockerEvents,
        catalogue_version: CatalogueVersion,
    ) -> Self {
        Self {
            db,
            payments,
            search,
            events,
            catalogue_version,
        }
    }

    /// Refunds a fulfilled order. A refunded one is CONFLICT; a payment
    /// intent or a missing order NOT_FOUND.
    pub async fn refund(&self, id: OrderId) -> ApiResult<OrderView> {
        // The money first: the provider refunds an intent once however
        // often it is asked, so a refund whose revocation below fails (or
        // a crash between the two) is finished by asking again.
        let order = order::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("order"))?;
        let status = OrderStatus::of_row(&order.status)?;
        if status == OrderStatus::Pending {
            return Err(ApiError::NotFound("order"));
        }
        if status == OrderStatus::Refunded {
            return Err(ApiError::Conflict(format!(
                "order {} is already refunded",
                order.number
            )));
        }
        let request = ChargeRequest {
            intent: intent_name(&order),
            amount: Money::new(order.total_minor, Currency::of_row(&order.currency)?),
        };
        let reference = self.payments.refund(&request).await.map_err(|failure| {
            tracing::warn!(order.id = order.id, error = %failure, "refund unconfirmed; the order stays as it was");
            ApiError::PaymentUnresolved(
                "the payment provider did not confirm the refund; nothing was changed. \
                 Ask again: the money is given back at most once"
                    .into(),
            )
        })?;
        tracing::info!(order.id = order.id, refund.reference = %reference, "refund made");

        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "orders", id.0).await?;
        let order = order::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("order"))?;
        let status = OrderStatus::of_row(&order.status)?;
        if status == OrderStatus::Pending {
            return Err(ApiError::NotFound("order"));
        }
        if status == OrderStatus::Refunded {
            return Err(ApiError::Conflict(format!(
                "order {} is already refunded",
                order.number
            )));
        }
        // As fulfilment does: one of this buyer's at a time, so a refund
        // never races a purchase of the same tracks.
        if let Some(buyer) = order.user_id {
            lock_row_for_update(&txn, "users", buyer).await?;
        }
        let product_ids: Vec<i32> = order_line::Entity::find()
            .select_only()
            .column(order_line::Column::ProductId)
            .filter(order_line::Column::OrderId.eq(order.id))
            .into_tuple()
            .all(&txn)
            .await?;
        entitlement::Entity::delete_many()
            .filter(entitlement::Column::OrderId.eq(order.id))
            .exec(&txn)
            .await?;
        product::Entity::update_many()
            .col_expr(
                product::Column::SalesCount,
                Expr::col(product::Column::SalesCount).sub(1),
            )
            .filter(product::Column::Id.is_in(product_ids.iter().copied()))
            .filter(product::Column::SalesCount.gt(0))
            .exec(&txn)
            .await?;
        let removed = match order.user_id.map(UserId) {
            Some(user) => {
                unverify_reviews(&txn, user, &product_ids).await?;
                take_back(&txn, user, &product_ids).await?
            }
            None => Vec::new(),
        };
        let mut refunded: order::ActiveModel = order.clone().into();
        refunded.status = Set(OrderStatus::Refunded.as_str().to_owned());
        refunded.refunded_at = Set(Some(Utc::now()));
        let refunded = refunded.update(&txn).await?;
        self.search
            .record(&txn, removed.iter().map(|id| Change::LockerItem(id.0)))
            .await?;
        txn.commit().await?;
        self.search.changed();
        self.catalogue_version.bump();
        if let Some(user) = order.user_id.map(UserId) {
            for item_id in &removed {
                self.events
                    .publish(LockerEvent {
                        user_id: user,
                        change: LockerChange::Removed,
                        item_id: *item_id,
                    })
                    .await;
            }
        }
        tracing::info!(
            order.id = refunded.id,
            locker_items = removed.len(),
            "order refunded"
        );
        OrderView::load(&self.db, refunded).await
    }
}

/// A refunded purchase verifies no review: the buyer's reviews of the
/// products they no longer own (the order's entitlements already revoked)
/// stop saying "verified purchase".
async fn unverify_reviews(
    txn: &DatabaseTransaction,
    user: UserId,
    product_ids: &[i32],
) -> ApiResult<()> {
    let still_owned: BTreeSet<i32> = entitlement::Entity::find_owned_by(user.0)
        .select_only()
        .column(entitlement::Column::ProductId)
        .filter(entitlement::Column::ProductId.is_in(product_ids.iter().copied()))
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    review::Entity::update_many()
        .col_expr(review::Column::VerifiedPurchase, Expr::value(false))
        .filter(review::Column::UserId.eq(user.0))
        .filter(
            review::Column::ProductId.is_in(
                product_ids
                    .iter()
                    .copied()
                    .filter(|id| !still_owned.contains(id)),
            ),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes the buyer's PURCHASE items, and playlist entries of catalogue
/// tracks, for the tracks of `product_ids` they no longer own (entitlements
/// already revoked). Returns the removed items.
async fn take_back(
    txn: &sea_orm::DatabaseTransaction,
    user: UserId,
    product_ids: &[i32],
) -> ApiResult<Vec<LockerItemId>> {
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids.iter().copied()))
        .all(txn)
        .await?;
    let mut single = BTreeSet::new();
    let mut albums = BTreeSet::new();
    for product in &products {
        match (ProductKind::of_row(&product.kind), product.track_id) {
            (ProductKind::Track, Some(track)) => single.insert(track),
            _ => albums.insert(product.album_id),
        };
    }
    let sold: BTreeSet<i32> = track::Entity::find()
        .select_only()
        .column(track::Column::Id)
        .filter(
            Condition::any()
                .add(track::Column::Id.is_in(single))
                .add(track::Column::AlbumId.is_in(albums)),
        )
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let still_owned: BTreeSet<i32> = track::Entity::find_owned_by(user.0)
        .select_only()
        .column(track::Column::Id)
        .filter(track::Column::Id.is_in(sold.iter().copied()))
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let lost: Vec<i32> = sold.difference(&still_owned).copied().collect();
    if lost.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<i32> = locker_item::Entity::find_owned_by(user.0)
        .select_only()
        .column(locker_item::Column::Id)
        .filter(locker_item::Column::Source.eq(LockerSource::Purchase.as_str()))
        .filter(locker_item::Column::CatalogueTrackId.is_in(lost.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    // The buyer's playlists that play them, locked in id order as the
    // playlist service locks them.
    let playlists: Vec<i32> = playlist::Entity::find_owned_by(user.0)
        .select_only()
        .column(playlist::Column::Id)
        .order_by_asc(playlist::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let entries = Condition::all()
        .add(playlist_entry::Column::PlaylistId.is_in(playlists.iter().copied()))
        .add(
            Condition::any()
                .add(playlist_entry::Column::LockerItemId.is_in(items.iter().copied()))
                .add(playlist_entry::Column::TrackId.is_in(lost.iter().copied())),
        );
    let touched: Vec<i32> = playlist_entry::Entity::find()
        .select_only()
        .column(playlist_entry::Column::PlaylistId)
        .filter(entries.clone())
        .distinct()
        .order_by_asc(playlist_entry::Column::PlaylistId)
        .into_tuple()
        .all(txn)
        .await?;
    for playlist in &touched {
        lock_row_for_update(txn, "playlists", *playlist).await?;
    }
    playlist_entry::Entity::delete_many()
        .filter(entries)
        .exec(txn)
        .await?;
    close_gaps(txn, &touched).await?;
    locker_item::Entity::delete_many()
        .filter(locker_item::Column::Id.is_in(items.iter().copied()))
        .exec(txn)
        .await?;
    after_removal(txn, user).await?;
    Ok(items.into_iter().map(LockerItemId).collect())
}
