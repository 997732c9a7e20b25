//! Entitlements: which catalogue products a user owns, and whether buying
//! a product would sell them something they already have.

use std::collections::HashSet;

use entities::{album, entitlement, product, track};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use crate::domain::{ProductKind, UserId};
use crate::error::ApiResult;

#[derive(Clone)]
pub struct Entitlements {
    db: DatabaseConnection,
}

impl Entitlements {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Of `product_ids`, those `user` owns: bought, or whose tracks they
    /// own all of (a track bought with its album; an album bought track by
    /// track). Four statements for any number of products.
    pub async fn owned_products(
        &self,
        user: UserId,
        product_ids: &[i32],
    ) -> ApiResult<HashSet<i32>> {
        let mut owned: HashSet<i32> = entitlement::Entity::find_owned_by(user.0)
            .select_only()
            .column(entitlement::Column::ProductId)
            .filter(entitlement::Column::ProductId.is_in(product_ids.iter().copied()))
            .into_tuple::<i32>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let rest: Vec<i32> = product_ids
            .iter()
            .copied()
            .filter(|id| !owned.contains(id))
            .collect();
        if rest.is_empty() {
            return Ok(owned);
        }
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(rest))
            .all(&self.db)
            .await?;
        let albums: HashSet<i32> = products.iter().map(|p| p.album_id).collect();
        // Every track of those albums, and which of them the user owns.
        let tracks: Vec<(i32, i32)> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::AlbumId)
            .filter(track::Column::AlbumId.is_in(albums.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let owned_tracks: HashSet<i32> = track::Entity::find_owned_by(user.0)
            .select_only()
            .column(track::Column::Id)
            .filter(track::Column::AlbumId.is_in(albums))
            .into_tuple::<i32>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        for product in products {
            let has = match (ProductKind::of_row(&product.kind), product.track_id) {
                (ProductKind::Track, Some(track)) => owned_tracks.contains(&track),
                _ => {
                    let mut of_album = tracks
                        .iter()
                        .filter(|(_, album)| *album == product.album_id)
                        .peekable();
                    of_album.peek().is_some()
                        && of_album.all(|(track, _)| owned_tracks.contains(track))
                }
            };
            if has {
                owned.insert(product.id);
            }
        }
        Ok(owned)
    }
}

/// Why `user` already has what `product` sells, as a sentence naming it,
/// or `None` when buying it would give them something new: a track they
/// own (bought alone or with its album), an album they bought, or an album
/// every track of which they own.
pub async fn already_owned(
    conn: &impl ConnectionTrait,
    user: UserId,
    product: &product::Model,
) -> ApiResult<Option<String>> {
    let bought = entitlement::Entity::find_owned_by(user.0)
        .filter(entitlement::Column::ProductId.eq(product.id))
        .count(conn)
        .await?
        > 0;
    match (ProductKind::of_row(&product.kind), product.track_id) {
        (ProductKind::Track, Some(track_id)) => {
            let owned = bought
                || track::Entity::find_owned_by(user.0)
                    .filter(track::Column::Id.eq(track_id))
                    .count(conn)
                    .await?
                    > 0;
            if !owned {
                return Ok(None);
            }
            let title = track::Entity::find_by_id(track_id)
                .one(conn)
                .await?
                .map(|track| track.title)
                .unwrap_or_default();
            Ok(Some(format!("you already own the track “{title}”")))
        }
        _ => {
            let title = || async {
                ApiResult::Ok(
                    album::Entity::find_by_id(product.album_id)
                        .one(conn)
                        .await?
                        .map(|album| album.title)
                        .unwrap_or_default(),
                )
            };
            if bought {
                return Ok(Some(format!(
                    "you already own the album “{}”",
                    title().await?
                )));
            }
            let tracks = track::Entity::find()
                .filter(track::Column::AlbumId.eq(product.album_id))
                .count(conn)
                .await?;
            let owned = track::Entity::find_owned_by(user.0)
                .filter(track::Column::AlbumId.eq(product.album_id))
                .count(conn)
                .await?;
            if tracks > 0 && owned == tracks {
                return Ok(Some(format!(
                    "you already own every track of the album “{}”",
                    title().await?
                )));
            }
            Ok(None)
        }
    }
}
