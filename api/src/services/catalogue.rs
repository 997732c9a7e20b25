//! Reading the catalogue: lookups by id for the DataLoaders, listings with
//! filters and sorts, and the cross-customer affinities (read only where
//! enough distinct users support them).

use std::collections::{HashMap, HashSet};

use entities::{
    album, artist, artist_genre, entitlement, locker_item, playlist_entry, product, review, track,
};
use sea_orm::sea_query::{Alias, Expr, Func, JoinType, NullOrdering, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};

use crate::error::ApiResult;
use crate::ids::Page;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductKind {
    Track,
    Album,
}

impl ProductKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Track => "TRACK",
            ProductKind::Album => "ALBUM",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "TRACK" => Some(ProductKind::Track),
            "ALBUM" => Some(ProductKind::Album),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ProductFilter {
    pub genre: Option<String>,
    pub artist_id: Option<i32>,
    pub kind: Option<ProductKind>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProductSort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    TopRated,
    BestSelling,
}

/// One page of a listing and the size of the whole listing.
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// One page of an ordered select, and the size of the whole of it: the one
/// way every listing of the services pages.
pub(crate) async fn listing<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    page: Page,
) -> ApiResult<Listing<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let items = if page.limit == 0 || page.offset >= total {
        Vec::new()
    } else {
        select.offset(page.offset).limit(page.limit).all(db).await?
    };
    Ok(Listing { items, total })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenreStats {
    pub name: String,
    pub artist_count: i64,
    pub album_count: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaylistStats {
    pub entries: i32,
    pub duration_ms: i32,
}

#[derive(Clone)]
pub struct Catalogue {
    db: DatabaseConnection,
    /// Distinct consenting users a cross-customer statistic needs.
    k_anonymity: u32,
}

impl Catalogue {
    pub fn new(db: DatabaseConnection, k_anonymity: u32) -> Self {
        Self { db, k_anonymity }
    }

    pub async fn artists_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, artist::Model>> {
        let rows = artist::Entity::find()
            .filter(artist::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn albums_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, album::Model>> {
        let rows = album::Entity::find()
            .filter(album::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn tracks_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, track::Model>> {
        let rows = track::Entity::find()
            .filter(track::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn products_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        let rows = product::Entity::find()
            .filter(product::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn reviews_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, review::Model>> {
        let rows = review::Entity::find()
            .filter(review::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn artists(
        &self,
        genre: Option<&str>,
        page: Page,
    ) -> ApiResult<Listing<artist::Model>> {
        let mut select = artist::Entity::find();
        if let Some(genre) = genre {
            select = select.filter(
                artist::Column::Id.in_subquery(
                    artist_genre::Entity::find()
                        .select_only()
                        .column(artist_genre::Column::ArtistId)
                        .filter(artist_genre::Column::Genre.eq(genre))
                        .into_query(),
                ),
            );
        }
        let select = select
            .order_by_asc(artist::Column::Name)
            .order_by_asc(artist::Column::Id);
        listing(&self.db, select, page).await
    }

    pub async fn albums(
        &self,
        genre: Option<&str>,
        artist_id: Option<i32>,
        page: Page,
    ) -> ApiResult<Listing<album::Model>> {
        let mut select = album::Entity::find();
        if let Some(genre) = genre {
            select = select.filter(album::Column::Genre.eq(genre));
        }
        if let Some(artist_id) = artist_id {
            select = select.filter(album::Column::ArtistId.eq(artist_id));
        }
        let select = select
            .order_by_asc(album::Column::Title)
            .order_by_asc(album::Column::Id);
        listing(&self.db, select, page).await
    }

    /// Available products, filtered and sorted. A track product's genre is the
    /// track's own, or its album's when the track has none.
    pub async fn products(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: Page,
    ) -> ApiResult<Listing<product::Model>> {
        let mut select = product::Entity::find()
            .join_as(
                JoinType::InnerJoin,
                product_album_relation(),
                Alias::new("a"),
            )
            .join_as(
                JoinType::LeftJoin,
                product_track_relation(),
                Alias::new("t"),
            )
            .filter(product::Column::Available.eq(true));
        if let Some(genre) = &filter.genre {
            select = select.filter(
                Expr::expr(Func::coalesce([
                    Expr::col((Alias::new("t"), track::Column::Genre)).into(),
                    Expr::col((Alias::new("a"), album::Column::Genre)).into(),
                ]))
                .eq(genre.as_str()),
            );
        }
        if let Some(artist_id) = filter.artist_id {
            select =
                select.filter(Expr::col((Alias::new("a"), album::Column::ArtistId)).eq(artist_id));
        }
        if let Some(kind) = filter.kind {
            select = select.filter(product::Column::Kind.eq(kind.as_str()));
        }
        if let Some(min) = filter.min_price_minor {
            select = select.filter(product::Column::PriceMinor.gte(min));
        }
        if let Some(max) = filter.max_price_minor {
            select = select.filter(product::Column::PriceMinor.lte(max));
        }
        let select = match sort {
            ProductSort::Newest => select
                .order_by_with_nulls(
                    Expr::col((Alias::new("a"), album::Column::ReleaseYear)),
                    Order::Desc,
                    NullOrdering::Last,
                )
                .order_by_desc(product::Column::CreatedAt),
            ProductSort::PriceAsc => select.order_by_asc(product::Column::PriceMinor),
            ProductSort::PriceDesc => select.order_by_desc(product::Column::PriceMinor),
            ProductSort::TopRated => select
                .order_by_with_nulls(average_rating(), Order::Desc, NullOrdering::Last)
                .order_by_desc(product::Column::RatingCount),
            ProductSort::BestSelling => select.order_by_desc(product::Column::SalesCount),
        };
        let select = select.order_by_asc(product::Column::Id);
        listing(&self.db, select, page).await
    }

    /// Every genre with how many artists and albums carry it, by name.
    pub async fn genres(&self) -> ApiResult<Vec<GenreStats>> {
        #[derive(FromQueryResult)]
        struct Count {
            genre: Option<String>,
            n: i64,
        }
        let artist_counts = Count::find_by_statement(
            self.db.get_database_backend().build(
                Query::select()
                    .column(artist_genre::Column::Genre)
                    .expr_as(
                        Expr::col(artist_genre::Column::ArtistId).count_distinct(),
                        Alias::new("n"),
                    )
                    .from(artist_genre::Entity)
                    .group_by_col(artist_genre::Column::Genre),
            ),
        )
        .all(&self.db)
        .await?;
        let album_counts = Count::find_by_statement(
            self.db.get_database_backend().build(
                Query::select()
                    .column(album::Column::Genre)
                    .expr_as(Expr::col(album::Column::Id).count(), Alias::new("n"))
                    .from(album::Entity)
                    .and_where(album::Column::Genre.is_not_null())
                    .group_by_col(album::Column::Genre),
            ),
        )
        .all(&self.db)
        .await?;
        let mut genres: HashMap<String, GenreStats> = HashMap::new();
        for count in artist_counts {
            if let Some(name) = count.genre {
                genres
                    .entry(name.clone())
                    .or_insert_with(|| GenreStats {
                        name,
                        artist_count: 0,
                        album_count: 0,
                    })
                    .artist_count = count.n;
            }
        }
        for count in album_counts {
            if let Some(name) = count.genre {
                genres
                    .entry(name.clone())
                    .or_insert_with(|| GenreStats {
                        name,
                        artist_count: 0,
                        album_count: 0,
                    })
                    .album_count = count.n;
            }
        }
        let mut genres: Vec<GenreStats> = genres.into_values().collect();
        genres.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(genres)
    }

    pub async fn genres_of_artists(&self, ids: &[i32]) -> ApiResult<HashMap<i32, Vec<String>>> {
        let rows = artist_genre::Entity::find()
            .filter(artist_genre::Column::ArtistId.is_in(ids.iter().copied()))
            .order_by_asc(artist_genre::Column::Genre)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<String>> = HashMap::new();
        for row in rows {
            by_artist.entry(row.artist_id).or_default().push(row.genre);
        }
        Ok(by_artist)
    }

    /// Each artist's albums, newest first.
    pub async fn albums_of_artists(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<album::Model>>> {
        let rows = album::Entity::find()
            .filter(album::Column::ArtistId.is_in(ids.iter().copied()))
            .order_by_with_nulls(album::Column::ReleaseYear, Order::Desc, NullOrdering::Last)
            .order_by_asc(album::Column::Title)
            .order_by_asc(album::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<album::Model>> = HashMap::new();
        for row in rows {
            by_artist.entry(row.artist_id).or_default().push(row);
        }
        Ok(by_artist)
    }

    /// Each album's tracks in disc and track order.
    pub async fn tracks_of_albums(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<track::Model>>> {
        let rows = track::Entity::find()
            .filter(track::Column::AlbumId.is_in(ids.iter().copied()))
            .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
            .order_by_with_nulls(track::Column::TrackNumber, Order::Asc, NullOrdering::Last)
            .order_by_asc(track::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_album: HashMap<i32, Vec<track::Model>> = HashMap::new();
        for row in rows {
            by_album.entry(row.album_id).or_default().push(row);
        }
        Ok(by_album)
    }

    /// Each artist's most popular tracks, at most `limit` of them.
    pub async fn top_tracks_of_artists(
        &self,
        ids: &[i32],
        limit: usize,
    ) -> ApiResult<HashMap<i32, Vec<track::Model>>> {
        let albums: Vec<(i32, i32)> = album::Entity::find()
            .select_only()
            .column(album::Column::Id)
            .column(album::Column::ArtistId)
            .filter(album::Column::ArtistId.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let artist_of: HashMap<i32, i32> = albums.into_iter().collect();
        let tracks = track::Entity::find()
            .filter(track::Column::AlbumId.is_in(artist_of.keys().copied()))
            .order_by_desc(track::Column::Popularity)
            .order_by_asc(track::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<track::Model>> = HashMap::new();
        for track in tracks {
            if let Some(artist) = artist_of.get(&track.album_id) {
                let top = by_artist.entry(*artist).or_default();
                if top.len() < limit {
                    top.push(track);
                }
            }
        }
        Ok(by_artist)
    }

    /// The product that sells each track: an available one before an
    /// unavailable one, then the cheapest.
    pub async fn products_of_tracks(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        let rows = product::Entity::find()
            .filter(product::Column::Kind.eq(ProductKind::Track.as_str()))
            .filter(product::Column::TrackId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(preferred(rows, |row| row.track_id))
    }

    /// The product that sells each album as a whole.
    pub async fn products_of_albums(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        let rows = product::Entity::find()
            .filter(product::Column::Kind.eq(ProductKind::Album.as_str()))
            .filter(product::Column::AlbumId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(preferred(rows, |row| Some(row.album_id)))
    }

    /// Of `product_ids`, those `user_id` owns.
    pub async fn owned_by(&self, user_id: i32, product_ids: &[i32]) -> ApiResult<HashSet<i32>> {
        let owned: Vec<i32> = entitlement::Entity::find()
            .select_only()
            .column(entitlement::Column::ProductId)
            .filter(entitlement::Column::UserId.eq(user_id))
            .filter(entitlement::Column::ProductId.is_in(product_ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(owned.into_iter().collect())
    }

    /// Each product's reviews, newest first.
    pub async fn reviews_of_products(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<review::Model>>> {
        let rows = review::Entity::find()
            .filter(review::Column::ProductId.is_in(ids.iter().copied()))
            .order_by_desc(review::Column::CreatedAt)
            .order_by_desc(review::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_product: HashMap<i32, Vec<review::Model>> = HashMap::new();
        for row in rows {
            by_product.entry(row.product_id).or_default().push(row);
        }
        Ok(by_product)
    }

    /// How many entries each playlist has and how long it plays.
    pub async fn playlist_stats(&self, ids: &[i32]) -> ApiResult<HashMap<i32, PlaylistStats>> {
        let entries = playlist_entry::Entity::find()
            .filter(playlist_entry::Column::PlaylistId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        let items: Vec<i32> = entries.iter().filter_map(|e| e.locker_item_id).collect();
        let tracks: Vec<i32> = entries.iter().filter_map(|e| e.track_id).collect();
        let item_durations: HashMap<i32, i32> = locker_item::Entity::find()
            .select_only()
            .column(locker_item::Column::Id)
            .column(locker_item::Column::DurationMs)
            .filter(locker_item::Column::Id.is_in(items))
            .into_tuple::<(i32, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let track_durations: HashMap<i32, i32> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::DurationMs)
            .filter(track::Column::Id.is_in(tracks))
            .into_tuple::<(i32, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut stats: HashMap<i32, PlaylistStats> = HashMap::new();
        for entry in entries {
            let duration = entry
                .locker_item_id
                .and_then(|id| item_durations.get(&id))
                .or_else(|| entry.track_id.and_then(|id| track_durations.get(&id)))
                .copied()
                .unwrap_or(0);
            let playlist = stats.entry(entry.playlist_id).or_default();
            playlist.entries += 1;
            playlist.duration_ms = playlist.duration_ms.saturating_add(duration);
        }
        Ok(stats)
    }

    /// Each playlist's entries in position order. Only ever asked for
    /// playlists already found to be the viewer's.
    pub async fn entries_of_playlists(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<playlist_entry::Model>>> {
        let rows = playlist_entry::Entity::find()
            .filter(playlist_entry::Column::PlaylistId.is_in(ids.iter().copied()))
            .order_by_asc(playlist_entry::Column::Position)
            .order_by_asc(playlist_entry::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_playlist: HashMap<i32, Vec<playlist_entry::Model>> = HashMap::new();
        for row in rows {
            by_playlist.entry(row.playlist_id).or_default().push(row);
        }
        Ok(by_playlist)
    }

    /// Locker items by id, of `owner` only.
    pub async fn locker_items_of(
        &self,
        owner: i32,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, locker_item::Model>> {
        let rows = locker_item::Entity::find_owned_by(owner)
            .filter(locker_item::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
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

        let genres = self.genres_of_artists(ids).await?;
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

fn average_rating() -> SimpleExpr {
    Expr::cust("(CAST(products.rating_sum AS DOUBLE PRECISION) / NULLIF(products.rating_count, 0))")
}

fn product_album_relation() -> sea_orm::RelationDef {
    product::Entity::belongs_to(album::Entity)
        .from(product::Column::AlbumId)
        .to(album::Column::Id)
        .into()
}

fn product_track_relation() -> sea_orm::RelationDef {
    product::Entity::belongs_to(track::Entity)
        .from(product::Column::TrackId)
        .to(track::Column::Id)
        .into()
}

/// Keeps, per key, the product a buyer would pick: available, then cheapest,
/// then oldest.
fn preferred(
    rows: Vec<product::Model>,
    key: impl Fn(&product::Model) -> Option<i32>,
) -> HashMap<i32, product::Model> {
    let mut best: HashMap<i32, product::Model> = HashMap::new();
    for row in rows {
        let Some(key) = key(&row) else { continue };
        let better = match best.get(&key) {
            None => true,
            Some(current) => {
                (!row.available, row.price_minor, row.id)
                    < (!current.available, current.price_minor, current.id)
            }
        };
        if better {
            best.insert(key, row);
        }
    }
    best
}
