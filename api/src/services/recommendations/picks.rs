//! The picks `viewer.recommendations` gathers, in order, and how they
//! become products for sale: each product once, never from an album the
//! listener already played or bought.

use std::collections::{HashMap, HashSet};

use entities::{album, artist, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::Recommendations;
use crate::domain::ProductKind;
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

/// Picks gathered so far, in order, each product once; and the album
/// products of content-based picks, resolved at the end.
#[derive(Default)]
pub(super) struct Picks {
    chosen: Vec<Pick>,
    products: HashSet<i32>,
    albums: HashSet<i32>,
    excluded_albums: HashSet<i32>,
    artist_names: HashMap<i32, String>,
}

enum Target {
    Product(i32),
    Album(i32),
}

struct Pick {
    target: Target,
    score: f64,
    reason: String,
    because: Vec<Because>,
}

impl Picks {
    pub(super) fn len(&self) -> usize {
        self.chosen.len()
    }

    pub(super) fn push(&mut self, product: i32, score: f64, reason: String, because: Vec<Because>) {
        if self.products.insert(product) {
            self.chosen.push(Pick {
                target: Target::Product(product),
                score,
                reason,
                because,
            });
        }
    }

    pub(super) fn push_album(
        &mut self,
        album: i32,
        score: f64,
        reason: String,
        because: Vec<Because>,
    ) {
        if !self.excluded_albums.contains(&album) && self.albums.insert(album) {
            self.chosen.push(Pick {
                target: Target::Album(album),
                score,
                reason,
                because,
            });
        }
    }

    /// What the listener already played or bought is not offered again.
    pub(super) fn exclude_albums(&mut self, albums: impl Iterator<Item = i32>) {
        self.excluded_albums.extend(albums);
    }

    /// The name of an album's artist, for reasons.
    pub(super) async fn artist_of(
        &mut self,
        recs: &Recommendations,
        album: i32,
    ) -> ApiResult<String> {
        if let Some(name) = self.artist_names.get(&album) {
            return Ok(name.clone());
        }
        let name = match album::Entity::find_by_id(album).one(&recs.db).await? {
            Some(album) => artist::Entity::find_by_id(album.artist_id)
                .one(&recs.db)
                .await?
                .map(|a| a.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        self.artist_names.insert(album, name.clone());
        Ok(name)
    }

    /// The picks as products for sale, outside the excluded albums, each
    /// product once, up to `want`.
    pub(super) async fn finish(
        self,
        recs: &Recommendations,
        want: usize,
    ) -> ApiResult<Vec<Suggestion>> {
        let albums: Vec<i32> = self
            .chosen
            .iter()
            .filter_map(|p| match p.target {
                Target::Album(a) => Some(a),
                Target::Product(_) => None,
            })
            .collect();
        let ids: Vec<i32> = self
            .chosen
            .iter()
            .filter_map(|p| match p.target {
                Target::Product(id) => Some(id),
                Target::Album(_) => None,
            })
            .collect();
        let mut products = recs.catalogue.products_by_id(&ids).await?;
        // An album is offered by its album product, else its first track's.
        let mut of_album: HashMap<i32, product::Model> = HashMap::new();
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
        let mut seen = HashSet::new();
        let mut suggestions = Vec::new();
        for pick in self.chosen {
            let product = match pick.target {
                Target::Product(id) => products.remove(&id),
                Target::Album(album) => of_album.get(&album).cloned(),
            };
            let Some(product) = product else { continue };
            if !product.available
                || self.excluded_albums.contains(&product.album_id)
                || !seen.insert(product.id)
            {
                continue;
            }
            suggestions.push(Suggestion {
                product,
                score: pick.score,
                reason: pick.reason,
                because: pick.because,
            });
            if suggestions.len() >= want {
                break;
            }
        }
        Ok(suggestions)
    }
}
