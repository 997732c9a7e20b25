//! The query root: thin resolvers over the services.

use async_graphql::{Context, Interface, Object, Result, ID};

use super::accounts::{User, Viewer};
use super::catalogue::{
    Album, Artist, Genre, Product, ProductFilter, ProductSortGql, Review, Track,
};
use super::connection::{paged, Paged};
use super::loaders::*;
use super::locker::LockerItem;
use super::playlists::Playlist;
use super::search::{SearchResults, SearchScope};
use super::{loaders, principal, services};
use crate::error::ApiError;
use crate::ids::{list_complexity, GlobalId, NodeKind, Page};
use crate::services::catalogue;

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Artist(Artist),
    Album(Album),
    Track(Track),
    Product(Product),
    Review(Review),
    LockerItem(LockerItem),
    Playlist(Playlist),
}

pub struct Query;

#[Object]
impl Query {
    /// Any object by its global ID; null when it does not exist or is not
    /// the viewer's to see.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let id = GlobalId::decode(&id)?;
        let loaders = loaders(ctx)?;
        Ok(match id.kind {
            NodeKind::User => {
                // Accounts are private: only the viewer's own resolves.
                if principal(ctx)?.user_id() != Some(id.id) {
                    return Ok(None);
                }
                services(ctx)?
                    .accounts
                    .user(id.id)
                    .await?
                    .map(|u| Node::User(User(u)))
            }
            NodeKind::ApiKey => None,
            NodeKind::Artist => loaders
                .load_one(ArtistById(id.id))
                .await?
                .map(|m| Node::Artist(Artist(m))),
            NodeKind::Album => loaders
                .load_one(AlbumById(id.id))
                .await?
                .map(|m| Node::Album(Album(m))),
            NodeKind::Track => loaders
                .load_one(TrackById(id.id))
                .await?
                .map(|m| Node::Track(Track(m))),
            NodeKind::Product => loaders
                .load_one(ProductById(id.id))
                .await?
                .map(|m| Node::Product(Product(m))),
            NodeKind::Review => loaders
                .load_one(ReviewById(id.id))
                .await?
                .map(|m| Node::Review(Review(m))),
            NodeKind::LockerItem => {
                // Locker items are private: only the viewer's own resolve.
                let Some(viewer) = principal(ctx)?.user_id() else {
                    return Ok(None);
                };
                services(ctx)?
                    .locker
                    .item(viewer, id.id)
                    .await?
                    .map(|m| Node::LockerItem(LockerItem(m)))
            }
            NodeKind::Playlist => {
                let Some(viewer) = principal(ctx)?.user_id() else {
                    return Ok(None);
                };
                services(ctx)?
                    .playlists
                    .get(viewer, id.id)
                    .await?
                    .map(|m| Node::Playlist(Playlist(m)))
            }
            NodeKind::PlaylistEntry => None,
        })
    }

    /// Null when the request carries no valid credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let Some(user_id) = principal(ctx)?.user_id() else {
            return Ok(None);
        };
        Ok(services(ctx)?
            .accounts
            .user(user_id)
            .await?
            .map(|user| Viewer { user }))
    }

    async fn artist(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Artist>> {
        let Some(id) = GlobalId::decode_as(&id, NodeKind::Artist)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(ArtistById(id)).await?.map(Artist))
    }

    async fn album(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Album>> {
        let Some(id) = GlobalId::decode_as(&id, NodeKind::Album)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(AlbumById(id)).await?.map(Album))
    }

    async fn track(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Track>> {
        let Some(id) = GlobalId::decode_as(&id, NodeKind::Track)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(TrackById(id)).await?.map(Track))
    }

    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let Some(id) = GlobalId::decode_as(&id, NodeKind::Product)? else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(ProductById(id)).await?.map(Product))
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
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?
            .catalogue
            .artists(genre.as_deref(), page)
            .await?;
        Ok(paged(listing.items, listing.total, page, Artist))
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
        let page = Page::parse(first, after.as_deref())?;
        let artist_id = match artist_id {
            None => None,
            Some(id) => match GlobalId::decode_as(&id, NodeKind::Artist)? {
                Some(id) => Some(id),
                None => return Err(ApiError::bad_input("`artistId` is not an artist's ID").into()),
            },
        };
        let listing = services(ctx)?
            .catalogue
            .albums(genre.as_deref(), artist_id, page)
            .await?;
        Ok(paged(listing.items, listing.total, page, Album))
    }

    /// LOCKER and ALL search the viewer's own locker only; anonymous callers
    /// get the catalogue. `scope` defaults to ALL. Case, accents and typos
    /// (one edit from 4 letters, two from 8) are forgiven, the last word
    /// matches as a prefix, and names in CJK scripts are found by any two or
    /// more consecutive characters. At most 200 characters and 16 words.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        scope: Option<SearchScope>,
        genre: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchResults> {
        super::search::search(ctx, query, scope, genre, first, after).await
    }

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
        let page = Page::parse(first, after.as_deref())?;
        let filter = product_filter(filter.unwrap_or_default())?;
        let sort = sort.unwrap_or_default().into();
        let listing = services(ctx)?
            .catalogue
            .products(&filter, sort, page)
            .await?;
        Ok(paged(listing.items, listing.total, page, Product))
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
            .products(&filter, catalogue::ProductSort::BestSelling, page)
            .await?;
        Ok(listing.items.into_iter().map(Product).collect())
    }
}

fn product_filter(filter: ProductFilter) -> Result<catalogue::ProductFilter, ApiError> {
    let artist_id = match filter.artist_id {
        None => None,
        Some(id) => Some(
            GlobalId::decode_as(&id, NodeKind::Artist)?
                .ok_or_else(|| ApiError::bad_input("`filter.artistId` is not an artist's ID"))?,
        ),
    };
    if let (Some(min), Some(max)) = (filter.min_price_minor, filter.max_price_minor) {
        if min > max {
            return Err(ApiError::bad_input(
                "`filter.minPriceMinor` must not exceed `filter.maxPriceMinor`",
            ));
        }
    }
    if filter.min_price_minor.is_some_and(|min| min < 0)
        || filter.max_price_minor.is_some_and(|max| max < 0)
    {
        return Err(ApiError::bad_input(
            "prices in `filter` must not be negative",
        ));
    }
    Ok(catalogue::ProductFilter {
        genre: filter.genre,
        artist_id,
        kind: filter.kind.map(Into::into),
        min_price_minor: filter.min_price_minor.map(i64::from),
        max_price_minor: filter.max_price_minor.map(i64::from),
    })
}
