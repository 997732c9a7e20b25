//! The similar products of albums, from the k-anonymous `product_affinity`
//! table: every product of an album has the album's rows, so the album's
//! first product stands for it.
//!
//! Each replica keeps the albums it looked up lately (`NeighbourCache`).
//! The table changes only by a recompute, which writes it in one
//! transaction and then sets the job's `finished_at` in `job_leases`: a
//! lookup reads that moment first (one small statement) and forgets every
//! album when it moved, so a recompute on any replica, or by the CLI, shows
//! at the very next request. The table holds no personal data (only pairs
//! at least k consenting listeners support), so sharing it between
//! listeners reveals nothing a lookup would not.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entities::product;
use lru::LruCache;
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::schedule::JOB;
use super::Recommendations;
use crate::error::ApiResult;

/// Albums whose neighbours a replica keeps: about 50 pairs each.
const CACHED_ALBUMS: usize = 20_000;

/// An album's similar products with their similarity.
pub(super) type Neighbours = Arc<Vec<(i32, f64)>>;

/// When the last recompute finished (none yet: `None`).
type Generation = Option<DateTime<Utc>>;

#[derive(Clone)]
pub(super) struct NeighbourCache(Arc<Mutex<Cached>>);

struct Cached {
    generation: Generation,
    albums: LruCache<i32, Neighbours>,
}

impl NeighbourCache {
    pub(super) fn new() -> Self {
        let capacity = NonZeroUsize::new(CACHED_ALBUMS).unwrap_or(NonZeroUsize::MIN);
        Self(Arc::new(Mutex::new(Cached {
            generation: None,
            albums: LruCache::new(capacity),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(FromQueryResult)]
struct Row {
    album_id: i32,
    related_product_id: i32,
    score: f64,
}

#[derive(FromQueryResult)]
struct Finished {
    finished_at: Option<DateTime<Utc>>,
}

impl Recommendations {
    /// For each of `albums`, the products similar to it with their
    /// similarity, as at least k distinct consenting listeners support.
    pub(super) async fn album_neighbours(
        &self,
        albums: &[i32],
    ) -> ApiResult<HashMap<i32, Neighbours>> {
        let mut found = HashMap::new();
        if albums.is_empty() {
            return Ok(found);
        }
        let generation = self.generation().await?;
        let mut missing = Vec::new();
        {
            let mut cache = self.neighbours.lock();
            if cache.generation != generation {
                cache.albums.clear();
                cache.generation = generation;
            }
            for album in albums {
                match cache.albums.get(album) {
                    Some(neighbours) => {
                        found.insert(*album, neighbours.clone());
                    }
                    None => missing.push(*album),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let mut read: HashMap<i32, Vec<(i32, f64)>> =
            missing.iter().map(|album| (*album, Vec::new())).collect();
        for row in self.read_neighbours(missing).await? {
            read.entry(row.album_id)
                .or_default()
                .push((row.related_product_id, row.score));
        }
        let mut cache = self.neighbours.lock();
        // Rows read after a newer recompute finished are as new as it:
        // kept only under the moment read before them.
        let keep = cache.generation == generation;
        for (album, neighbours) in read {
            let neighbours = Arc::new(neighbours);
            if keep {
                cache.albums.put(album, neighbours.clone());
            }
            found.insert(album, neighbours);
        }
        Ok(found)
    }

    async fn generation(&self) -> ApiResult<Generation> {
        let statement = self.db.get_database_backend().build(
            Query::select()
                .column(Alias::new("finished_at"))
                .from(Alias::new("job_leases"))
                .and_where(Expr::col(Alias::new("name")).eq(JOB)),
        );
        Ok(Finished::find_by_statement(statement)
            .one(&self.db)
            .await?
            .and_then(|row| row.finished_at))
    }

    async fn read_neighbours(&self, albums: Vec<i32>) -> ApiResult<Vec<Row>> {
        let affinity = Alias::new("product_affinity");
        let representatives = Query::select()
            .expr(Func::min(Expr::col(product::Column::Id)))
            .from(product::Entity)
            .and_where(Expr::col(product::Column::AlbumId).is_in(albums))
            .group_by_col(product::Column::AlbumId)
            .to_owned();
        let statement = self.db.get_database_backend().build(
            Query::select()
                .column((product::Entity, product::Column::AlbumId))
                .column((affinity.clone(), Alias::new("related_product_id")))
                .column((affinity.clone(), Alias::new("score")))
                .from(affinity.clone())
                .inner_join(
                    product::Entity,
                    Expr::col((product::Entity, product::Column::Id))
                        .equals((affinity.clone(), Alias::new("product_id"))),
                )
                .and_where(
                    Expr::col((affinity.clone(), Alias::new("product_id")))
                        .in_subquery(representatives),
                )
                .and_where(Expr::col((affinity, Alias::new("supporters"))).gte(self.k_anonymity)),
        );
        Ok(Row::find_by_statement(statement).all(&self.db).await?)
    }
}
