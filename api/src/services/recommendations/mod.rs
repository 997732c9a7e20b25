//! Recommendations: what to offer a listener, and the cross-customer
//! statistics behind it ("also bought", "similar artists", what listeners
//! of a track went on to buy). A statistic is read only where at least
//! `k_anonymity` distinct consenting users support it, so no one person's
//! habits can be read back from it.

pub mod evaluation;
mod neighbours;
mod personal;
mod picks;
mod recompute;
mod schedule;
pub mod similarity;

use std::collections::{HashMap, HashSet};

use entities::{artist, artist_genre};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Order, QueryFilter, QuerySelect,
};

use super::catalogue::Catalogue;
use super::store::entitlements::Entitlements;
use crate::db::text_eq;
use crate::error::ApiResult;

pub use picks::{Because, Suggestion};
pub use recompute::{recompute, Report};
pub use schedule::Recomputer;

/// The most related items kept per item, best first.
pub const MAX_NEIGHBOURS: usize = 50;
/// The most items of one user that feed the similarity table (their most
/// recent): a heavy listener costs no more than `MAX_ITEMS_PER_USER²`.
pub const MAX_ITEMS_PER_USER: usize = 500;
/// The most albums of a listener's recent history their recommendations
/// start from.
pub const RECENT_SEEDS: usize = 50;
/// Each step back in a listener's history weighs this much less.
pub const RECENCY_DECAY: f64 = 0.8;

#[derive(Clone)]
pub struct Recommendations {
    db: DatabaseConnection,
    catalogue: Catalogue,
    entitlements: Entitlements,
    /// Albums' similar products, as read since the last recompute.
    neighbours: neighbours::NeighbourCache,
    /// Distinct consenting users a cross-customer statistic needs.
    k_anonymity: u32,
}

impl Recommendations {
    pub fn new(
        db: DatabaseConnection,
        catalogue: Catalogue,
        entitlements: Entitlements,
        k_anonymity: u32,
    ) -> Self {
        Self {
            db,
            catalogue,
            entitlements,
            neighbours: neighbours::NeighbourCache::new(),
            k_anonymity,
        }
    }

    /// Artists like each of `ids`: first those that enough distinct listeners
    /// share (k-anonymous affinities), then those sharing the most genres.
    pub async fn similar_artists(
        &self,
        ids: &[i32],
        limit: usize,
    ) -> ApiResult<HashMap<i32, Vec<i32>>> {
        let mut similar = self
            .affinities("artist_affinity", "artist_id", "related_artist_id", ids)
            .await?;

        let genres = self.catalogue.genres_of_artists(ids).await?;
        let all_genres: HashSet<&String> = genres.values().flatten().collect();
        let sharing = artist_genre::Entity::find()
            .filter(artist_genre::Column::Genre.is_in(all_genres.iter().map(|g| g.as_str())))
            .all(&self.db)
            .await?;
        let mut artists_in: HashMap<&str, Vec<i32>> = HashMap::new();
        for row in &sharing {
            artists_in
                .entry(row.genre.as_str())
                .or_default()
                .push(row.artist_id);
        }
        for id in ids {
            let mut shared: HashMap<i32, usize> = HashMap::new();
            for genre in genres.get(id).into_iter().flatten() {
                for other in artists_in.get(genre.as_str()).into_iter().flatten() {
                    if other != id {
                        *shared.entry(*other).or_default() += 1;
                    }
                }
            }
            let mut by_genre: Vec<(i32, usize)> = shared.into_iter().collect();
            by_genre.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let list = similar.entry(*id).or_default();
            for (other, _) in by_genre {
                if list.len() >= limit {
                    break;
                }
                if !list.contains(&other) {
                    list.push(other);
                }
            }
            list.truncate(limit);
        }
        Ok(similar)
    }

    /// The names of the catalogue's artists like the one called `name`
    /// (ignoring case), most similar first, from `similar_artists`: how a
    /// locker's artist, known only by its name, finds its neighbours.
    pub async fn similar_artist_names(&self, name: &str, limit: usize) -> ApiResult<Vec<String>> {
        let named: Vec<i32> = artist::Entity::find()
            .filter(text_eq(Expr::col(artist::Column::Name), name))
            .select_only()
            .column(artist::Column::Id)
            .limit(5)
            .into_tuple()
            .all(&self.db)
            .await?;
        if named.is_empty() {
            return Ok(Vec::new());
        }
        let similar = self.similar_artists(&named, limit).await?;
        let mut ids: Vec<i32> = Vec::new();
        for id in &named {
            for other in similar.get(id).into_iter().flatten() {
                if !ids.contains(other) && !named.contains(other) {
                    ids.push(*other);
                }
            }
        }
        ids.truncate(limit);
        let artists = self.catalogue.artists_by_id(&ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| artists.get(id).map(|artist| artist.name.clone()))
            .collect())
    }

    /// Products bought by customers who bought each of `ids`.
    pub async fn also_bought(&self, ids: &[i32]) -> ApiResult<HashMap<i32, Vec<i32>>> {
        self.affinities("product_affinity", "product_id", "related_product_id", ids)
            .await
    }

    /// Products that listeners of each of `ids` went on to buy.
    pub async fn bought_by_listeners_of(&self, ids: &[i32]) -> ApiResult<HashMap<i32, Vec<i32>>> {
        self.affinities("track_affinity", "track_id", "product_id", ids)
            .await
    }

    /// Rows of an affinity table for `ids`, best first, keeping only those
    /// that at least k distinct consenting users support.
    async fn affinities(
        &self,
        table: &'static str,
        subject: &'static str,
        related: &'static str,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<i32>>> {
        let statement = self.db.get_database_backend().build(
            Query::select()
                .column(Alias::new(subject))
                .column(Alias::new(related))
                .from(Alias::new(table))
                .and_where(Expr::col(Alias::new(subject)).is_in(ids.iter().copied()))
                .and_where(Expr::col(Alias::new("supporters")).gte(self.k_anonymity))
                .order_by(Alias::new("score"), Order::Desc)
                .order_by(Alias::new(related), Order::Asc),
        );
        let mut by_subject: HashMap<i32, Vec<i32>> = HashMap::new();
        for row in self.db.query_all(statement).await? {
            let subject_id: i32 = row.try_get("", subject)?;
            let related_id: i32 = row.try_get("", related)?;
            by_subject.entry(subject_id).or_default().push(related_id);
        }
        Ok(by_subject)
    }
}
