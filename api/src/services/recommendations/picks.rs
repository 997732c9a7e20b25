//! The suggestions `viewer.recommendations` gathers, in order, and how a
//! pick becomes a product for sale: each product once, available, never
//! from an album the listener already played or bought, never one they
//! own. Picks are resolved a chunk at a time until `want` are accepted, so
//! a listener who owns many of the candidates still gets `want` when
//! enough exist.

use std::collections::{HashMap, HashSet};

use entities::product;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::Recommendations;
use crate::domain::{ProductKind, UserId};
use crate::error::ApiResult;

/// What a suggestion rests on: a play (a locker item or a track) or a
/// bought track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Because {
    pub locker_item_id: Option<i32>,
    pub track_id: Option<i32>,
}

#[derive(Clone, Debug)]
pub struct Suggestion {
    pub product: product::Model,
    pub score: f64,
    pub reason: String,
    pub because: Vec<Because>,
}

/// What a pick offers: a product, or an album (offered by its album
/// product, else its first track's).
#[derive(Clone, Copy)]
pub(super) enum Target {
    Product(i32),
    Album(i32),
}

pub(super) struct Pick {
    pub(super) target: Target,
    pub(super) score: f64,
    pub(super) reason: String,
    pub(super) because: Vec<Because>,
}

/// The suggestions accepted so far, in order, and what was already
/// looked at.
pub(super) struct Picks {
    user: UserId,
    want: usize,
    chosen: Vec<Suggestion>,
    /// Products and albums already looked at (accepted or not).
    products: HashSet<i32>,
    albums: HashSet<i32>,
    excluded_albums: HashSet<i32>,
}

impl Picks {
    pub(super) fn new(user: UserId, want: usize) -> Self {
        Self {
            user,
            want,
            chosen: Vec::new(),
            products: HashSet::new(),
            albums: HashSet::new(),
            excluded_albums: HashSet::new(),
        }
    }

    pub(super) fn is_full(&self) -> bool {
        self.chosen.len() >= self.want
    }

    /// What the listener already played or bought is not offered again.
    pub(super) fn exclude_albums(&mut self, albums: impl Iterator<Item = i32>) {
        self.excluded_albums.extend(albums);
    }

    pub(super) fn finish(self) -> Vec<Suggestion> {
        self.chosen
    }

    /// Accepts picks, in order, until `want` are accepted or the picks run
    /// out. Each chunk costs one statement for the products and a few for
    /// what the listener owns of them.
    pub(super) async fn offer(
        &mut self,
        recs: &Recommendations,
        picks: impl Iterator<Item = Pick>,
    ) -> ApiResult<()> {
        let mut picks = picks.peekable();
        while !self.is_full() {
            let room = self.want - self.chosen.len();
            let chunk: Vec<Pick> = picks
                .by_ref()
                .filter(|pick| match pick.target {
                    Target::Product(id) => !self.products.contains(&id),
                    Target::Album(album) => {
                        !self.excluded_albums.contains(&album) && !self.albums.contains(&album)
                    }
                })
                .take(room * 2 + 10)
                .collect();
            if chunk.is_empty() {
                break;
            }
            self.accept(recs, chunk).await?;
            if picks.peek().is_none() {
                break;
            }
        }
        Ok(())
    }

    async fn accept(&mut self, recs: &Recommendations, chunk: Vec<Pick>) -> ApiResult<()> {
        let mut product_ids = Vec::new();
        let mut album_ids = Vec::new();
        for pick in &chunk {
            match pick.target {
                Target::Product(id) => product_ids.push(id),
                Target::Album(album) => album_ids.push(album),
            }
        }
        let mut products = if product_ids.is_empty() {
            HashMap::new()
        } else {
            recs.catalogue.products_by_id(&product_ids).await?
        };
        let of_album = offered_for_albums(recs, album_ids).await?;
        let resolved: Vec<(Pick, product::Model)> = chunk
            .into_iter()
            .filter_map(|pick| {
                let product = match pick.target {
                    Target::Product(id) => {
                        self.products.insert(id);
                        products.remove(&id)
                    }
                    Target::Album(album) => {
                        self.albums.insert(album);
                        of_album.get(&album).cloned()
                    }
                }?;
                (product.available && !self.excluded_albums.contains(&product.album_id))
                    .then_some((pick, product))
            })
            .collect();
        let candidates: Vec<&product::Model> = resolved.iter().map(|(_, p)| p).collect();
        let owned = recs
            .entitlements
            .owned_among(self.user, &candidates)
            .await?;
        let mut accepted: HashSet<i32> = self.chosen.iter().map(|s| s.product.id).collect();
        for (pick, product) in resolved {
            if self.is_full() {
                break;
            }
            if owned.contains(&product.id) || !accepted.insert(product.id) {
                continue;
            }
            self.products.insert(product.id);
            self.chosen.push(Suggestion {
                product,
                score: pick.score,
                reason: pick.reason,
                because: pick.because,
            });
        }
        Ok(())
    }
}

/// The product each album is offered by: its album product, else its first
/// track's (the lowest id), available ones only.
async fn offered_for_albums(
    recs: &Recommendations,
    albums: Vec<i32>,
) -> ApiResult<HashMap<i32, product::Model>> {
    let mut of_album: HashMap<i32, product::Model> = HashMap::new();
    if albums.is_empty() {
        return Ok(of_album);
    }
    for product in product::Entity::find()
        .filter(product::Column::AlbumId.is_in(albums))
        .filter(product::Column::Available.eq(true))
        .order_by_asc(product::Column::Id)
        .all(&recs.db)
        .await?
    {
        let is_album = ProductKind::of_row(&product.kind) == ProductKind::Album;
        match of_album.get(&product.album_id) {
            Some(existing) if ProductKind::of_row(&existing.kind) == ProductKind::Album => {}
            Some(_) if !is_album => {}
            _ => {
                of_album.insert(product.album_id, product);
            }
        }
    }
    Ok(of_album)
}
