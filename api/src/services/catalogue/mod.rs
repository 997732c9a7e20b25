//! The catalogue: artists, albums, tracks and the products that sell them.
//! Reads live here (lookups by id for the DataLoaders, listings with
//! filters and sorts, genres, and each row's relations in `relations`);
//! partners' writes are the feed import (`import`) and master audio
//! (`masters`). Uploads are matched to catalogue tracks by `matching`.

pub(crate) mod announce;
pub mod artwork;
mod counts;
pub mod demo;
pub mod demo_audio;
pub mod import;
pub(crate) mod listed_by;
pub mod masters;
pub mod matching;
pub mod previews;
pub mod public_hosts;
mod relations;
mod version;

pub use version::CatalogueVersion;

use std::collections::HashMap;

use entities::{album, artist, artist_genre, product, track};
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait, Select, Value,
};

use super::keyset::{self, Key};
use super::listing::{keyed_listing, keyed_page, KeyedListing};
use crate::domain::{ArtistId, Page, ProductKind};
use crate::error::ApiResult;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProductFilter {
    pub genre: Option<String>,
    pub artist_id: Option<ArtistId>,
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

impl ProductSort {
    /// The sort's name in a page's cursor.
    pub fn name(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::PriceAsc => "price",
            Self::PriceDesc => "price-desc",
            Self::TopRated => "rated",
            Self::BestSelling => "sales",
        }
    }

    /// The order, each key last the id; an index of `products` fits each
    /// (migrations `…000810` and `…000920`).
    fn keys(self) -> Vec<Key> {
        use product::Column;
        match self {
            Self::Newest => vec![
                Key::desc_nulls_last(Column::ReleaseYear),
                Key::desc(Column::CreatedAt),
                Key::asc(Column::Id),
            ],
            Self::PriceAsc => vec![Key::asc(Column::PriceMinor), Key::asc(Column::Id)],
            // Ties newest first: the price index read backwards.
            Self::PriceDesc => vec![Key::desc(Column::PriceMinor), Key::desc(Column::Id)],
            Self::TopRated => vec![
                Key::desc_nulls_last(average_rating()),
                Key::desc(Column::RatingCount),
                Key::asc(Column::Id),
            ],
            Self::BestSelling => vec![Key::desc(Column::SalesCount), Key::asc(Column::Id)],
        }
    }

    /// `product`'s value of each key of `keys`.
    fn anchor(self, product: &product::Model) -> Vec<Option<Value>> {
        let id = Some(Value::from(product.id));
        match self {
            Self::Newest => vec![
                product.release_year.map(Value::from),
                Some(product.created_at.into()),
                id,
            ],
            Self::PriceAsc | Self::PriceDesc => vec![Some(product.price_minor.into()), id],
            // The division the database does: two integers as doubles,
            // so the value is the same to the bit.
            Self::TopRated => vec![
                (product.rating_count != 0)
                    .then(|| Value::from(product.rating_sum as f64 / product.rating_count as f64)),
                Some(product.rating_count.into()),
                id,
            ],
            Self::BestSelling => vec![Some(product.sales_count.into()), id],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenreStats {
    pub name: String,
    pub artist_count: i64,
    pub album_count: i64,
}

#[derive(Clone)]
pub struct Catalogue {
    db: DatabaseConnection,
    counts: counts::ProductCounts,
}

impl Catalogue {
    pub fn new(db: DatabaseConnection, version: CatalogueVersion) -> Self {
        Self {
            db,
            counts: counts::ProductCounts::new(version),
        }
    }

    pub async fn artists_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, artist::Model>> {
        by_id::<artist::Entity>(&self.db, artist::Column::Id, ids, |row| row.id).await
    }

    pub async fn albums_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, album::Model>> {
        by_id::<album::Entity>(&self.db, album::Column::Id, ids, |row| row.id).await
    }

    pub async fn tracks_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, track::Model>> {
        by_id::<track::Entity>(&self.db, track::Column::Id, ids, |row| row.id).await
    }

    pub async fn products_by_id(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        by_id::<product::Entity>(&self.db, product::Column::Id, ids, |row| row.id).await
    }

    /// Artists by name, of one genre if given: the page at `page`, or the
    /// one after the artist `after`.
    pub async fn artists(
        &self,
        genre: Option<&str>,
        page: Page,
        after: Option<i32>,
    ) -> ApiResult<KeyedListing<artist::Model>> {
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
        let keys = [Key::asc(artist::Column::Name), Key::asc(artist::Column::Id)];
        let anchor = self
            .anchor(after.map(artist::Entity::find_by_id), |artist| {
                vec![Some(artist.name.into()), Some(artist.id.into())]
            })
            .await?;
        keyed_listing(&self.db, select, &keys, anchor, page).await
    }

    /// Albums by title, of one genre or artist if given: the page at
    /// `page`, or the one after the album `after`.
    pub async fn albums(
        &self,
        genre: Option<&str>,
        artist_id: Option<ArtistId>,
        page: Page,
        after: Option<i32>,
    ) -> ApiResult<KeyedListing<album::Model>> {
        let mut select = album::Entity::find();
        if let Some(genre) = genre {
            select = select.filter(album::Column::Genre.eq(genre));
        }
        if let Some(artist_id) = artist_id {
            select = select.filter(album::Column::ArtistId.eq(artist_id));
        }
        let keys = [Key::asc(album::Column::Title), Key::asc(album::Column::Id)];
        let anchor = self
            .anchor(after.map(album::Entity::find_by_id), |album| {
                vec![Some(album.title.into()), Some(album.id.into())]
            })
            .await?;
        keyed_listing(&self.db, select, &keys, anchor, page).await
    }

    /// The keys' values (`values`) of the row `select` finds, if it finds
    /// one: where a page after it starts.
    async fn anchor<E: EntityTrait>(
        &self,
        select: Option<Select<E>>,
        values: impl FnOnce(E::Model) -> Vec<Option<Value>>,
    ) -> ApiResult<Option<Vec<Option<Value>>>> {
        Ok(match select {
            Some(select) => select.one(&self.db).await?.map(values),
            None => None,
        })
    }

    /// Available products, filtered and sorted: the page at `page`, or
    /// when `after` names a product for sale (a cursor of this sort), the
    /// page that follows it where it stands now, read from there in the
    /// sort's index (`keyset`). A track product's genre is the track's
    /// own, or its album's when the track has none.
    pub async fn products(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: Page,
        after: Option<i32>,
    ) -> ApiResult<KeyedListing<product::Model>> {
        // Every filter and order is on the product's own columns (its
        // listing copies, `listing`), so an index of `products` serves it.
        let mut select = product::Entity::find().filter(product::Column::Available.eq(true));
        if let Some(genre) = &filter.genre {
            select = select.filter(product::Column::ListingGenre.eq(genre.as_str()));
        }
        if let Some(artist_id) = filter.artist_id {
            select = select.filter(product::Column::ArtistId.eq(artist_id));
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
        // The count is kept between requests (`counts`); the page is read
        // each time.
        let total = match self.counts.get(filter) {
            counts::Kept::Current(total) => total,
            counts::Kept::Recount(total) => {
                let (db, counts, filter) = (self.db.clone(), self.counts.clone(), filter.clone());
                let (select, listings) = (select.clone(), self.counts.listings());
                tokio::spawn(async move {
                    match select.count(&db).await {
                        Ok(total) => counts.keep(&filter, listings, total),
                        Err(err) => tracing::warn!(%err, "recounting store products failed"),
                    }
                    counts.recounted();
                });
                total
            }
            counts::Kept::Missing => {
                let listings = self.counts.listings();
                let total = select.clone().count(&self.db).await?;
                self.counts.keep(filter, listings, total);
                total
            }
        };
        // A product no longer for sale (or a cursor made by offset) pages
        // by the cursor's offset.
        let anchor = self
            .anchor(
                after.map(|id| {
                    product::Entity::find_by_id(id).filter(product::Column::Available.eq(true))
                }),
                |product| sort.anchor(&product),
            )
            .await?;
        keyed_page(&self.db, select, &sort.keys(), anchor, page, total).await
    }

    /// Available products, best-selling first (the order of
    /// `ProductSort::BestSelling`), after `after` if given, without
    /// counting them all.
    pub async fn best_sellers(
        &self,
        after: Option<&product::Model>,
        limit: u64,
    ) -> ApiResult<Vec<product::Model>> {
        let available = product::Entity::find().filter(product::Column::Available.eq(true));
        let sort = ProductSort::BestSelling;
        let anchor = after.map(|product| sort.anchor(product));
        keyset::page(
            &self.db,
            available,
            &sort.keys(),
            anchor.as_deref(),
            0,
            limit,
        )
        .await
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
}

/// The rows of `E` whose `id` column is one of `ids`, keyed by `key` (the
/// same id): what the DataLoaders ask for every kind of the catalogue.
async fn by_id<E: EntityTrait>(
    db: &DatabaseConnection,
    id: E::Column,
    ids: &[i32],
    key: fn(&E::Model) -> i32,
) -> ApiResult<HashMap<i32, E::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = E::find()
        .filter(id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (key(&row), row)).collect())
}

fn average_rating() -> SimpleExpr {
    // The same expression as the index `idx_products_rated` is on.
    Expr::cust("(CAST(rating_sum AS DOUBLE PRECISION) / NULLIF(rating_count, 0))")
}
