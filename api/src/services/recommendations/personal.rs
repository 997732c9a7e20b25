//! `viewer.recommendations`: products for one listener, each with a reason
//! a person can read and the plays or purchases behind it.
//!
//! In order: collaborative picks (products similar to the albums they
//! played or bought lately, from the k-anonymous similarity table, scored
//! by the sum of similarities); then, while the table knows too little of
//! their taste, content-based picks (more by the same artists, then the
//! same genres); then the best-sellers. With `personalizedRecommendations`
//! off, or nothing played or bought, only the best-sellers: no personal
//! data is read beyond the setting itself.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entities::{album, order, order_line, play, product, track};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};

use super::picks::{Because, Picks, Suggestion};
use super::similarity::{combine, recency_weight};
use super::{Recommendations, RECENT_SEEDS};
use crate::domain::{Page, UserId};
use crate::error::ApiResult;
use crate::services::catalogue::{ProductFilter, ProductSort};
use crate::services::privacy::settings_in;

/// The plays read to find what the listener played lately.
const RECENT_PLAYS: u64 = 200;
/// The purchases read.
const RECENT_PURCHASES: u64 = 50;
/// Plays or purchases named as the reason of one suggestion.
const MAX_BECAUSE: usize = 3;
/// Ordering weights of the picks that are not collaborative (whose scores
/// are sums of cosines, above 0): same artist, same genre, best-seller.
const SAME_ARTIST: f64 = 0.03;
const SAME_GENRE: f64 = 0.02;
const POPULAR: f64 = 0.01;

/// An album the listener played or bought: what to say about it, and
/// their latest play or purchase of it.
struct Seed {
    album: i32,
    /// When it was played or bought: the newest seeds count most.
    at: DateTime<Utc>,
    bought: bool,
    /// The title named in the reason: the album's, or the bought track's.
    title: String,
    because: Because,
}

impl Recommendations {
    /// Up to `want` suggestions, best first, each for sale; the caller
    /// leaves out what the viewer owns.
    pub async fn for_viewer(&self, user: UserId, want: usize) -> ApiResult<Vec<Suggestion>> {
        let settings = settings_in(&self.db, user, Utc::now()).await?;
        let mut picks = Picks::default();
        if settings.personalized_recommendations {
            let seeds = self.seeds(user).await?;
            if !seeds.is_empty() {
                self.collaborative(&seeds, want, &mut picks).await?;
                if picks.len() < want {
                    self.content_based(&seeds, want, &mut picks).await?;
                }
            }
        }
        if picks.len() < want {
            self.popular(want, &mut picks).await?;
        }
        picks.finish(self, want).await
    }

    /// The albums the listener played (plays not excluded) or bought
    /// lately, newest first, one seed each.
    async fn seeds(&self, user: UserId) -> ApiResult<Vec<Seed>> {
        let plays = play::Entity::find_owned_by(user.0)
            .filter(play::Column::Excluded.eq(false))
            .filter(play::Column::StatsTrackId.is_not_null())
            .order_by_desc(play::Column::PlayedAt)
            .order_by_desc(play::Column::Id)
            .limit(RECENT_PLAYS)
            .all(&self.db)
            .await?;
        let orders: HashMap<i32, DateTime<Utc>> = order::Entity::find_owned_by(user.0)
            .filter(order::Column::Status.eq("FULFILLED"))
            .order_by_desc(order::Column::Id)
            .limit(RECENT_PURCHASES)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.paid_at.unwrap_or(o.created_at)))
            .collect();
        let bought: Vec<(i32, DateTime<Utc>)> = order_line::Entity::find()
            .filter(order_line::Column::OrderId.is_in(orders.keys().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|line| orders.get(&line.order_id).map(|at| (line.product_id, *at)))
            .collect();
        let bought_products = self
            .catalogue
            .products_by_id(&bought.iter().map(|(p, _)| *p).collect::<Vec<_>>())
            .await?;
        let track_ids: HashSet<i32> = plays
            .iter()
            .filter_map(|p| p.stats_track_id)
            .chain(bought_products.values().filter_map(|p| p.track_id))
            .collect();
        let tracks: HashMap<i32, track::Model> = track::Entity::find()
            .filter(track::Column::Id.is_in(track_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let album_ids: HashSet<i32> = tracks
            .values()
            .map(|t| t.album_id)
            .chain(bought_products.values().map(|p| p.album_id))
            .collect();
        let albums = self.albums(album_ids).await?;
        // The first track of each bought album, to name as what it rests on.
        let first_tracks = self
            .first_tracks(bought_products.values().map(|p| p.album_id))
            .await?;

        let mut seeds: Vec<Seed> = Vec::new();
        for play in &plays {
            let Some(track) = play.stats_track_id.and_then(|t| tracks.get(&t)) else {
                continue;
            };
            let Some(album) = albums.get(&track.album_id) else {
                continue;
            };
            seeds.push(Seed {
                album: album.id,
                at: play.played_at,
                bought: false,
                title: album.title.clone(),
                because: Because {
                    locker_item_id: play.locker_item_id,
                    track_id: play.track_id.or(play.stats_track_id),
                },
            });
        }
        for (product_id, at) in &bought {
            let Some(product) = bought_products.get(product_id) else {
                continue;
            };
            let Some(album) = albums.get(&product.album_id) else {
                continue;
            };
            let track = product.track_id.and_then(|t| tracks.get(&t));
            let because_track = track
                .map(|t| t.id)
                .or_else(|| first_tracks.get(&album.id).copied());
            let Some(because_track) = because_track else {
                continue;
            };
            seeds.push(Seed {
                album: album.id,
                at: *at,
                bought: true,
                title: track.map_or_else(|| album.title.clone(), |t| t.title.clone()),
                because: Because {
                    locker_item_id: None,
                    track_id: Some(because_track),
                },
            });
        }
        // Newest first (a play before a purchase of the same moment), one
        // seed an album: its latest play or purchase.
        seeds.sort_by(|a, b| b.at.cmp(&a.at).then(a.bought.cmp(&b.bought)));
        let mut seen = HashSet::new();
        seeds.retain(|seed| seen.insert(seed.album));
        Ok(seeds)
    }

    /// Products similar to the seeds, from the k-anonymous table: the best
    /// `want` and as many again (some turn out to be of albums the listener
    /// already has), never the hundreds the table may offer.
    async fn collaborative(&self, seeds: &[Seed], want: usize, picks: &mut Picks) -> ApiResult<()> {
        let seeds = &seeds[..seeds.len().min(RECENT_SEEDS)];
        // Every product of an album has the album's rows: one per album does.
        let mut representative: HashMap<i32, usize> = HashMap::new();
        let albums: Vec<i32> = seeds.iter().map(|s| s.album).collect();
        let products: Vec<(i32, i32)> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::AlbumId)
            .filter(product::Column::AlbumId.is_in(albums.iter().copied()))
            .order_by_asc(product::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (product, album) in products {
            if let Some(seed) = seeds.iter().position(|s| s.album == album) {
                representative.entry(product).or_insert(seed);
            }
        }
        let mut seen_seed = HashSet::new();
        representative.retain(|_, seed| seen_seed.insert(*seed));
        if representative.is_empty() {
            return Ok(());
        }
        let statement = self.db.get_database_backend().build(
            Query::select()
                .columns([
                    Alias::new("product_id"),
                    Alias::new("related_product_id"),
                    Alias::new("score"),
                ])
                .from(Alias::new("product_affinity"))
                .and_where(
                    Expr::col(Alias::new("product_id")).is_in(representative.keys().copied()),
                )
                .and_where(Expr::col(Alias::new("supporters")).gte(self.k_anonymity))
                .order_by(Alias::new("score"), Order::Desc),
        );
        let mut edges = Vec::new();
        for row in self.db.query_all(statement).await? {
            let subject: i32 = row.try_get("", "product_id")?;
            let related: i32 = row.try_get("", "related_product_id")?;
            let score: f64 = row.try_get("", "score")?;
            if let Some(seed) = representative.get(&subject) {
                edges.push((*seed, i64::from(related), score * recency_weight(*seed)));
            }
        }
        for candidate in combine(edges, |_| false).into_iter().take(want * 2) {
            let Ok(product) = i32::try_from(candidate.item) else {
                continue;
            };
            let Some(first) = candidate.because.first().map(|s| &seeds[*s]) else {
                continue;
            };
            let verb = if first.bought { "bought" } else { "played" };
            let reason = format!(
                "Because you {verb} {} by {}",
                first.title,
                picks.artist_of(self, first.album).await?
            );
            let because = candidate
                .because
                .iter()
                .take(MAX_BECAUSE)
                .map(|s| seeds[*s].because)
                .collect();
            picks.push(product, candidate.score, reason, because);
        }
        picks.exclude_albums(seeds.iter().map(|s| s.album));
        Ok(())
    }

    /// More by the seeds' artists, then more of their genres.
    async fn content_based(&self, seeds: &[Seed], want: usize, picks: &mut Picks) -> ApiResult<()> {
        let seed_albums = self.albums(seeds.iter().map(|s| s.album).collect()).await?;
        picks.exclude_albums(seeds.iter().map(|s| s.album));
        let artists: Vec<i32> = seeds
            .iter()
            .filter_map(|s| seed_albums.get(&s.album).map(|a| a.artist_id))
            .collect();
        let by_artists = album::Entity::find()
            .filter(album::Column::ArtistId.is_in(artists.iter().copied()))
            .order_by_desc(album::Column::ReleaseYear)
            .order_by_asc(album::Column::Id)
            .limit((want * 4) as u64)
            .all(&self.db)
            .await?;
        for candidate in by_artists {
            let Some(seed) = seeds.iter().find(|s| {
                seed_albums
                    .get(&s.album)
                    .is_some_and(|a| a.artist_id == candidate.artist_id)
            }) else {
                continue;
            };
            let verb = if seed.bought { "bought" } else { "played" };
            let reason = format!(
                "More by {}, whose {} you {verb}",
                picks.artist_of(self, seed.album).await?,
                seed.title
            );
            picks.push_album(candidate.id, SAME_ARTIST, reason, vec![seed.because]);
        }
        if picks.len() >= want {
            return Ok(());
        }
        let genres: Vec<String> = seeds
            .iter()
            .filter_map(|s| seed_albums.get(&s.album).and_then(|a| a.genre.clone()))
            .collect();
        let in_genres = album::Entity::find()
            .filter(album::Column::Genre.is_in(genres.iter().cloned()))
            .order_by_desc(album::Column::ReleaseYear)
            .order_by_asc(album::Column::Id)
            .limit((want * 4) as u64)
            .all(&self.db)
            .await?;
        for candidate in in_genres {
            let Some(seed) = seeds.iter().find(|s| {
                seed_albums
                    .get(&s.album)
                    .is_some_and(|a| a.genre.is_some() && a.genre == candidate.genre)
            }) else {
                continue;
            };
            let genre = candidate.genre.clone().unwrap_or_default();
            let verb = if seed.bought { "bought" } else { "played" };
            let reason = format!(
                "{genre}, like {} by {} that you {verb}",
                seed.title,
                picks.artist_of(self, seed.album).await?
            );
            picks.push_album(candidate.id, SAME_GENRE, reason, vec![seed.because]);
        }
        Ok(())
    }

    /// The best-sellers.
    async fn popular(&self, want: usize, picks: &mut Picks) -> ApiResult<()> {
        let page = Page {
            offset: 0,
            limit: (want * 3 + 10) as u64,
        };
        let listing = self
            .catalogue
            .products(&ProductFilter::default(), ProductSort::BestSelling, page)
            .await?;
        for product in listing.items {
            picks.push(
                product.id,
                POPULAR,
                "Popular in the store".to_owned(),
                Vec::new(),
            );
        }
        Ok(())
    }

    async fn albums(&self, ids: HashSet<i32>) -> ApiResult<HashMap<i32, album::Model>> {
        Ok(album::Entity::find()
            .filter(album::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    async fn first_tracks(
        &self,
        albums: impl Iterator<Item = i32>,
    ) -> ApiResult<HashMap<i32, i32>> {
        let rows: Vec<(i32, i32)> = track::Entity::find()
            .select_only()
            .column(track::Column::AlbumId)
            .column(track::Column::Id)
            .filter(track::Column::AlbumId.is_in(albums.collect::<HashSet<_>>()))
            .order_by_asc(track::Column::DiscNumber)
            .order_by_asc(track::Column::TrackNumber)
            .order_by_asc(track::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut first = HashMap::new();
        for (album, track) in rows {
            first.entry(album).or_insert(track);
        }
        Ok(first)
    }
}
