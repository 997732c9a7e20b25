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
//!
//! A handful of statements a request: the setting, the recent plays and
//! purchases (each with its album and artist, one statement each), the
//! similar products of the seeds' albums, then per chunk of picks their
//! products and what the listener owns of them (`picks.rs`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entities::{album, artist, order, order_line, play, product, track};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::picks::{Because, Pick, Picks, Suggestion, Target};
use super::similarity::{combine, recency_weight};
use super::{Recommendations, RECENT_SEEDS};
use crate::domain::{OrderStatus, UserId};
use crate::error::ApiResult;
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
    artist_id: i32,
    genre: Option<String>,
    /// When it was played or bought: the newest seeds count most.
    at: DateTime<Utc>,
    bought: bool,
    /// The title named in the reason: the album's, or the bought track's.
    title: String,
    artist: String,
    because: Because,
}

impl Seed {
    fn verb(&self) -> &'static str {
        if self.bought {
            "bought"
        } else {
            "played"
        }
    }
}

/// A recent play with the album and artist of the track it counts as.
#[derive(FromQueryResult)]
struct PlayRow {
    locker_item_id: Option<i32>,
    track_id: Option<i32>,
    stats_track_id: i32,
    played_at: DateTime<Utc>,
    album_id: i32,
    album_title: String,
    artist_id: i32,
    genre: Option<String>,
    artist_name: String,
}

/// A product of a recent fulfilled order, with its album and artist.
#[derive(FromQueryResult)]
struct PurchaseRow {
    created_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    track_id: Option<i32>,
    track_title: Option<String>,
    album_id: i32,
    album_title: String,
    artist_id: i32,
    genre: Option<String>,
    artist_name: String,
}

impl Recommendations {
    /// Up to `want` suggestions, best first, each for sale and none the
    /// viewer owns: fewer only when the store has no more to offer.
    pub async fn for_viewer(&self, user: UserId, want: usize) -> ApiResult<Vec<Suggestion>> {
        let settings = settings_in(&self.db, user, Utc::now()).await?;
        let mut picks = Picks::new(user, want);
        if settings.personalized_recommendations {
            let seeds = self.seeds(user).await?;
            if !seeds.is_empty() {
                picks.exclude_albums(seeds.iter().map(|s| s.album));
                self.collaborative(&seeds, &mut picks).await?;
                if !picks.is_full() {
                    self.content_based(&seeds, want, &mut picks).await?;
                }
            }
        }
        if !picks.is_full() {
            self.popular(want, &mut picks).await?;
        }
        Ok(picks.finish())
    }

    /// The albums the listener played (plays not excluded) or bought
    /// lately, newest first, one seed each. Two statements, and a third
    /// when they bought whole albums (to name each album's first track).
    async fn seeds(&self, user: UserId) -> ApiResult<Vec<Seed>> {
        let backend = self.db.get_database_backend();
        let plays = PlayRow::find_by_statement(
            backend.build(
                Query::select()
                    .columns([
                        (play::Entity, play::Column::LockerItemId),
                        (play::Entity, play::Column::TrackId),
                        (play::Entity, play::Column::StatsTrackId),
                        (play::Entity, play::Column::PlayedAt),
                    ])
                    .column((track::Entity, track::Column::AlbumId))
                    .expr_as(
                        Expr::col((album::Entity, album::Column::Title)),
                        Alias::new("album_title"),
                    )
                    .column((album::Entity, album::Column::ArtistId))
                    .column((album::Entity, album::Column::Genre))
                    .expr_as(
                        Expr::col((artist::Entity, artist::Column::Name)),
                        Alias::new("artist_name"),
                    )
                    .from(play::Entity)
                    .inner_join(
                        track::Entity,
                        Expr::col((track::Entity, track::Column::Id))
                            .equals((play::Entity, play::Column::StatsTrackId)),
                    )
                    .inner_join(
                        album::Entity,
                        Expr::col((album::Entity, album::Column::Id))
                            .equals((track::Entity, track::Column::AlbumId)),
                    )
                    .inner_join(
                        artist::Entity,
                        Expr::col((artist::Entity, artist::Column::Id))
                            .equals((album::Entity, album::Column::ArtistId)),
                    )
                    .and_where(Expr::col((play::Entity, play::Column::UserId)).eq(user.0))
                    .and_where(Expr::col((play::Entity, play::Column::Excluded)).eq(false))
                    .order_by((play::Entity, play::Column::PlayedAt), Order::Desc)
                    .order_by((play::Entity, play::Column::Id), Order::Desc)
                    .limit(RECENT_PLAYS),
            ),
        )
        .all(&self.db)
        .await?;

        let recent_orders = Query::select()
            .column(order::Column::Id)
            .from(order::Entity)
            .and_where(Expr::col(order::Column::UserId).eq(user.0))
            .and_where(Expr::col(order::Column::Status).eq(OrderStatus::Fulfilled.as_str()))
            .order_by(order::Column::Id, Order::Desc)
            .limit(RECENT_PURCHASES)
            .to_owned();
        let purchases = PurchaseRow::find_by_statement(
            backend.build(
                Query::select()
                    .columns([
                        (order::Entity, order::Column::CreatedAt),
                        (order::Entity, order::Column::PaidAt),
                    ])
                    .column((product::Entity, product::Column::TrackId))
                    .expr_as(
                        Expr::col((track::Entity, track::Column::Title)),
                        Alias::new("track_title"),
                    )
                    .column((product::Entity, product::Column::AlbumId))
                    .expr_as(
                        Expr::col((album::Entity, album::Column::Title)),
                        Alias::new("album_title"),
                    )
                    .column((album::Entity, album::Column::ArtistId))
                    .column((album::Entity, album::Column::Genre))
                    .expr_as(
                        Expr::col((artist::Entity, artist::Column::Name)),
                        Alias::new("artist_name"),
                    )
                    .from(order::Entity)
                    .inner_join(
                        order_line::Entity,
                        Expr::col((order_line::Entity, order_line::Column::OrderId))
                            .equals((order::Entity, order::Column::Id)),
                    )
                    .inner_join(
                        product::Entity,
                        Expr::col((product::Entity, product::Column::Id))
                            .equals((order_line::Entity, order_line::Column::ProductId)),
                    )
                    .inner_join(
                        album::Entity,
                        Expr::col((album::Entity, album::Column::Id))
                            .equals((product::Entity, product::Column::AlbumId)),
                    )
                    .inner_join(
                        artist::Entity,
                        Expr::col((artist::Entity, artist::Column::Id))
                            .equals((album::Entity, album::Column::ArtistId)),
                    )
                    .left_join(
                        track::Entity,
                        Expr::col((track::Entity, track::Column::Id))
                            .equals((product::Entity, product::Column::TrackId)),
                    )
                    .and_where(
                        Expr::col((order::Entity, order::Column::Id)).in_subquery(recent_orders),
                    )
                    .and_where(Expr::col((order::Entity, order::Column::UserId)).eq(user.0)),
            ),
        )
        .all(&self.db)
        .await?;
        // The first track of each album bought whole (or whose bought track
        // is gone), to name as what it rests on.
        let first_tracks = self
            .first_tracks(
                purchases
                    .iter()
                    .filter(|p| p.track_title.is_none())
                    .map(|p| p.album_id)
                    .collect(),
            )
            .await?;

        let mut seeds: Vec<Seed> = Vec::with_capacity(plays.len() + purchases.len());
        for play in plays {
            seeds.push(Seed {
                album: play.album_id,
                artist_id: play.artist_id,
                genre: play.genre,
                at: play.played_at,
                bought: false,
                title: play.album_title,
                artist: play.artist_name,
                because: Because {
                    locker_item_id: play.locker_item_id,
                    track_id: play.track_id.or(Some(play.stats_track_id)),
                },
            });
        }
        for purchase in purchases {
            let because_track = purchase
                .track_id
                .filter(|_| purchase.track_title.is_some())
                .or_else(|| first_tracks.get(&purchase.album_id).copied());
            let Some(because_track) = because_track else {
                continue;
            };
            seeds.push(Seed {
                album: purchase.album_id,
                artist_id: purchase.artist_id,
                genre: purchase.genre,
                at: purchase.paid_at.unwrap_or(purchase.created_at),
                bought: true,
                title: purchase.track_title.unwrap_or(purchase.album_title),
                artist: purchase.artist_name,
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

    /// Products similar to the seeds, from the k-anonymous table, best
    /// first: all of them if need be, a chunk at a time.
    async fn collaborative(&self, seeds: &[Seed], picks: &mut Picks) -> ApiResult<()> {
        let seeds = &seeds[..seeds.len().min(RECENT_SEEDS)];
        let albums: Vec<i32> = seeds.iter().map(|s| s.album).collect();
        let neighbours = self.album_neighbours(&albums).await?;
        let mut edges = Vec::new();
        for (position, seed) in seeds.iter().enumerate() {
            for (related, score) in neighbours
                .get(&seed.album)
                .into_iter()
                .flat_map(|n| n.iter())
            {
                edges.push((
                    position,
                    i64::from(*related),
                    score * recency_weight(position),
                ));
            }
        }
        let candidates = combine(edges, |_| false)
            .into_iter()
            .filter_map(|candidate| {
                let product = i32::try_from(candidate.item).ok()?;
                let first = &seeds[*candidate.because.first()?];
                Some(Pick {
                    target: Target::Product(product),
                    score: candidate.score,
                    reason: format!(
                        "Because you {} {} by {}",
                        first.verb(),
                        first.title,
                        first.artist
                    ),
                    because: candidate
                        .because
                        .iter()
                        .take(MAX_BECAUSE)
                        .map(|s| seeds[*s].because)
                        .collect(),
                })
            });
        picks.offer(self, candidates).await
    }

    /// More by the seeds' artists, then more of their genres.
    async fn content_based(&self, seeds: &[Seed], want: usize, picks: &mut Picks) -> ApiResult<()> {
        let artists: HashSet<i32> = seeds.iter().map(|s| s.artist_id).collect();
        let by_artists = album::Entity::find()
            .filter(album::Column::ArtistId.is_in(artists))
            .order_by_desc(album::Column::ReleaseYear)
            .order_by_asc(album::Column::Id)
            .limit((want * 4 + 50) as u64)
            .all(&self.db)
            .await?;
        let same_artist = by_artists.into_iter().filter_map(|candidate| {
            let seed = seeds.iter().find(|s| s.artist_id == candidate.artist_id)?;
            Some(Pick {
                target: Target::Album(candidate.id),
                score: SAME_ARTIST,
                reason: format!(
                    "More by {}, whose {} you {}",
                    seed.artist,
                    seed.title,
                    seed.verb()
                ),
                because: vec![seed.because],
            })
        });
        picks.offer(self, same_artist).await?;
        if picks.is_full() {
            return Ok(());
        }
        let genres: HashSet<&str> = seeds.iter().filter_map(|s| s.genre.as_deref()).collect();
        if genres.is_empty() {
            return Ok(());
        }
        let in_genres = album::Entity::find()
            .filter(album::Column::Genre.is_in(genres))
            .order_by_desc(album::Column::ReleaseYear)
            .order_by_asc(album::Column::Id)
            .limit((want * 4 + 50) as u64)
            .all(&self.db)
            .await?;
        let same_genre = in_genres.into_iter().filter_map(|candidate| {
            let genre = candidate.genre.clone()?;
            let seed = seeds
                .iter()
                .find(|s| s.genre.as_deref() == Some(genre.as_str()))?;
            Some(Pick {
                target: Target::Album(candidate.id),
                score: SAME_GENRE,
                reason: format!(
                    "{genre}, like {} by {} that you {}",
                    seed.title,
                    seed.artist,
                    seed.verb()
                ),
                because: vec![seed.because],
            })
        });
        picks.offer(self, same_genre).await
    }

    /// The best-sellers, a page at a time until `want` are accepted or the
    /// store has no more.
    async fn popular(&self, want: usize, picks: &mut Picks) -> ApiResult<()> {
        let limit = (want * 3 + 10) as u64;
        let mut after = None;
        while !picks.is_full() {
            let page = self.catalogue.best_sellers(after.as_ref(), limit).await?;
            let last = (page.len() as u64) < limit;
            after = page.last().cloned();
            let best = page.into_iter().map(|product| Pick {
                target: Target::Product(product.id),
                score: POPULAR,
                reason: "Popular in the store".to_owned(),
                because: Vec::new(),
            });
            picks.offer(self, best).await?;
            if last {
                break;
            }
        }
        Ok(())
    }

    async fn first_tracks(&self, albums: HashSet<i32>) -> ApiResult<HashMap<i32, i32>> {
        if albums.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i32, i32)> = track::Entity::find()
            .select_only()
            .column(track::Column::AlbumId)
            .column(track::Column::Id)
            .filter(track::Column::AlbumId.is_in(albums))
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
