//! Entitlements: which catalogue products a user owns, and whether buying
//! a product would sell them something they already have.

use std::collections::HashSet;

use entities::{album, entitlement, product, track};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait,
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
    /// track). The products are read with whether the user bought each, in
    /// one statement; at most three for any number of products (one more
    /// only when the user owns tracks of their albums).
    pub async fn owned_products(
        &self,
        user: UserId,
        product_ids: &[i32],
    ) -> ApiResult<HashSet<i32>> {
        if product_ids.is_empty() {
            return Ok(HashSet::new());
        }
        let bought = entitlement::Entity::find_owned_by(user.0)
            .select_only()
            .column(entitlement::Column::ProductId)
            .into_query();
        let statement = product::Entity::find()
            .filter(product::Column::Id.is_in(product_ids.iter().copied()))
            .column_as(
                Expr::col((product::Entity, product::Column::Id)).in_subquery(bought),
                "bought",
            )
            .build(self.db.get_database_backend());
        let mut owned = HashSet::new();
        let mut rest = Vec::new();
        for row in self.db.query_all(statement).await? {
            let product = product::Model::from_query_result(&row, "")?;
            if row.try_get::<bool>("", "bought")? {
                owned.insert(product.id);
            } else {
                rest.push(product);
            }
        }
        owned.extend(
            self.owned_whole(user, &rest.iter().collect::<Vec<_>>())
                .await?,
        );
        Ok(owned)
    }

    /// Of `products` (rows already read), those `user` owns: at most three
    /// statements for any number of products (two when the user owns no
    /// track of their albums), none for none.
    pub async fn owned_among(
        &self,
        user: UserId,
        products: &[&product::Model],
    ) -> ApiResult<HashSet<i32>> {
        if products.is_empty() {
            return Ok(HashSet::new());
        }
        let mut owned: HashSet<i32> = entitlement::Entity::find_owned_by(user.0)
            .select_only()
            .column(entitlement::Column::ProductId)
            .filter(entitlement::Column::ProductId.is_in(products.iter().map(|p| p.id)))
            .into_tuple::<i32>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let rest: Vec<&product::Model> = products
            .iter()
            .copied()
            .filter(|p| !owned.contains(&p.id))
            .collect();
        owned.extend(self.owned_whole(user, &rest).await?);
        Ok(owned)
    }

    /// Of `products`, those whose tracks `user` owns all of (an album, or
    /// a track).
    async fn owned_whole(
        &self,
        user: UserId,
        products: &[&product::Model],
    ) -> ApiResult<HashSet<i32>> {
        let mut owned = HashSet::new();
        if products.is_empty() {
            return Ok(owned);
        }
        let albums: HashSet<i32> = products.iter().map(|p| p.album_id).collect();
        // Which tracks of those albums the user owns; when none, nothing
        // more to read.
        let owned_tracks: HashSet<i32> = track::Entity::find_owned_by(user.0)
            .select_only()
            .column(track::Column::Id)
            .filter(track::Column::AlbumId.is_in(albums))
            .into_tuple::<i32>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        if owned_tracks.is_empty() {
            return Ok(owned);
        }
        // Every track of the albums sold whole.
        let whole: HashSet<i32> = products
            .iter()
            .filter(|p| ProductKind::of_row(&p.kind) != ProductKind::Track || p.track_id.is_none())
            .map(|p| p.album_id)
            .collect();
        let tracks: Vec<(i32, i32)> = if whole.is_empty() {
            Vec::new()
        } else {
            track::Entity::find()
                .select_only()
                .column(track::Column::Id)
                .column(track::Column::AlbumId)
                .filter(track::Column::AlbumId.is_in(whole))
                .into_tuple()
                .all(&self.db)
                .await?
        };
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
