//! The catalogue as the API shows it: lookups and browsing, the
//! storefront's shelves, and partners' writes (feeds and masters).

mod products;
mod types;

pub use products::{Money, ProductFilter, ProductKindGql, ProductSortGql};
pub use types::{Album, Artist, Genre, Product, Review, Track};

use async_graphql::{Context, Object, Result, Upload, ID};

use super::connection::list_complexity;
use super::connection::{paged_anchored, Paged};
use super::ids::{decode, require};
use super::loaders::*;
use super::uploads::received_file;
use super::{loaders, principal, services};
use crate::auth::Scope;
use crate::domain::{AlbumId, ArtistId, Page, ProductId, TrackId};
use crate::error::ApiError;
use crate::services::catalogue::{self, import::ImportReport, import::Rejection};

/// The orders of the artist and album lists, as their cursors name them.
const ARTISTS_BY_NAME: &str = "name";
const ALBUMS_BY_TITLE: &str = "title";

/// Catalogue lookups by ID, and browsing by artist and album.
#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    async fn artist(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Artist>> {
        let Some(id) = decode::<ArtistId>(&id)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(ArtistById(id.0)).await?.map(Artist))
    }

    async fn album(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Album>> {
        let Some(id) = decode::<AlbumId>(&id)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(AlbumById(id.0)).await?.map(Album))
    }

    async fn track(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Track>> {
        let Some(id) = decode::<TrackId>(&id)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(TrackById(id.0)).await?.map(Track))
    }

    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let Some(id) = decode::<ProductId>(&id)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(ProductById(id.0))
            .await?
            .map(Product))
    }

    /// By name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn artists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        genre: Option<String>,
    ) -> Result<Paged<Artist>> {
        let (page, after) = Page::parse_anchored(first, after.as_deref(), ARTISTS_BY_NAME)?;
        let listing = services(ctx)?
            .catalogue
            .artists(genre.as_deref(), page, after)
            .await?;
        let id = |artist: &entities::artist::Model| artist.id;
        Ok(paged_anchored(listing, page, ARTISTS_BY_NAME, id, Artist))
    }

    /// By title.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn albums(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        genre: Option<String>,
        artist_id: Option<ID>,
    ) -> Result<Paged<Album>> {
        let (page, after) = Page::parse_anchored(first, after.as_deref(), ALBUMS_BY_TITLE)?;
        let artist_id = match artist_id {
            None => None,
            Some(id) => Some(
                decode::<ArtistId>(&id)?
                    .ok_or_else(|| ApiError::bad_input("`artistId` is not an artist's ID"))?,
            ),
        };
        let listing = services(ctx)?
            .catalogue
            .albums(genre.as_deref(), artist_id, page, after)
            .await?;
        let id = |album: &entities::album::Model| album.id;
        Ok(paged_anchored(listing, page, ALBUMS_BY_TITLE, id, Album))
    }
}

/// The storefront's shelves: what is for sale, by genre and popularity.
#[derive(Default)]
pub struct ShelvesQuery;

#[Object]
impl ShelvesQuery {
    /// Products for sale (unavailable ones are left out), newest first unless
    /// `sort` says otherwise.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProductFilter>,
        sort: Option<ProductSortGql>,
    ) -> Result<Paged<Product>> {
        let filter = filter.unwrap_or_default().parse()?;
        let sort: catalogue::ProductSort = sort.unwrap_or_default().into();
        let (page, after) = Page::parse_anchored(first, after.as_deref(), sort.name())?;
        let listing = services(ctx)?
            .catalogue
            .products(&filter, sort, page, after)
            .await?;
        let id = |product: &entities::product::Model| product.id;
        Ok(paged_anchored(listing, page, sort.name(), id, Product))
    }

    /// Every genre of the catalogue, by name.
    async fn genres(&self, ctx: &Context<'_>) -> Result<Vec<Genre>> {
        let genres = services(ctx)?.catalogue.genres().await?;
        Ok(genres.into_iter().map(Genre::from).collect())
    }

    /// Best-sellers (default 10), optionally of one genre.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn popular_products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        genre: Option<String>,
    ) -> Result<Vec<Product>> {
        let first = Page::first(first, 10)?;
        let filter = catalogue::ProductFilter {
            genre,
            ..Default::default()
        };
        let page = Page {
            offset: 0,
            limit: first as u64,
        };
        let listing = services(ctx)?
            .catalogue
            .products(&filter, catalogue::ProductSort::BestSelling, page, None)
            .await?;
        Ok(listing.items.into_iter().map(Product).collect())
    }
}

/// Partners' writes: catalogue feeds and master audio.
#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// ADMIN or an API key with CATALOGUE_WRITE. JSON Lines as described in catalogue-feed.md; re-importing a line updates, never duplicates.
    async fn import_catalogue(&self, ctx: &Context<'_>, file: Upload) -> Result<ImportReportGql> {
        principal(ctx)?.require_admin_or_scope(Scope::CatalogueWrite)?;
        let feed = received_file(ctx, &file)?;
        let feed =
            tokio::io::BufReader::with_capacity(64 * 1024, tokio::fs::File::from_std(feed.content));
        let report = services(ctx)?.import.import(feed).await?;
        Ok(ImportReportGql(report))
    }

    /// ADMIN or an API key with CATALOGUE_WRITE. The master audio that buyers of the track receive.
    async fn attach_track_audio(
        &self,
        ctx: &Context<'_>,
        track_id: ID,
        file: Upload,
    ) -> Result<Track> {
        principal(ctx)?.require_admin_or_scope(Scope::CatalogueWrite)?;
        let track_id = require::<TrackId>(&track_id, "track")?;
        let file = received_file(ctx, &file)?;
        let track = services(ctx)?.masters.attach(track_id, file).await?;
        Ok(Track(track))
    }
}

pub struct ImportReportGql(ImportReport);

#[Object(name = "ImportReport")]
impl ImportReportGql {
    async fn artists_upserted(&self) -> i32 {
        clamp(self.0.artists_upserted)
    }

    async fn albums_upserted(&self) -> i32 {
        clamp(self.0.albums_upserted)
    }

    async fn tracks_upserted(&self) -> i32 {
        clamp(self.0.tracks_upserted)
    }

    async fn products_upserted(&self) -> i32 {
        clamp(self.0.products_upserted)
    }

    /// One line per rejected record: its line number and why.
    async fn rejected(&self) -> Vec<ImportRejection<'_>> {
        self.0.rejected.iter().map(ImportRejection).collect()
    }
}

pub struct ImportRejection<'a>(&'a Rejection);

#[Object]
impl ImportRejection<'_> {
    async fn line(&self) -> i32 {
        clamp(self.0.line)
    }

    async fn message(&self) -> &str {
        &self.0.message
    }
}

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
