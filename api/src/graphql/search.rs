//! `Query.search`: one index over the catalogue and the viewer's locker.

use std::collections::HashMap;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, Object, Result, SimpleObject, Union};

use super::catalogue::{Album, Artist, Product, Track};
use super::connection::list_complexity;
use super::loaders::*;
use super::locker::LockerItem;
use super::{loaders, principal, services};
use crate::domain::page::encode_cursor;
use crate::domain::Page;
use crate::error::ApiError;
use crate::services::search::{self, Hit};

/// At most this many characters in a search.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchScope {
    CATALOGUE,
    LOCKER,
    #[default]
    ALL,
}

#[derive(Union)]
pub enum SearchHitItem {
    Artist(Artist),
    Album(Album),
    Track(Track),
    Product(Product),
    LockerItem(LockerItem),
}

pub struct SearchHit {
    item: SearchHitItem,
    score: f64,
    highlight: Option<String>,
}

#[Object]
impl SearchHit {
    async fn item(&self) -> &SearchHitItem {
        &self.item
    }

    /// Relevance; only comparable within one result.
    async fn score(&self) -> f64 {
        self.score
    }

    /// The matched text with the matching terms wrapped in <em></em>: the
    /// matching fields (title, artist, album) joined by " — ", with the rest
    /// HTML-escaped, so it can be shown as HTML as it is.
    async fn highlight(&self) -> Option<&str> {
        self.highlight.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct SearchHitEdge {
    cursor: String,
    node: SearchHit,
}

#[derive(SimpleObject)]
pub struct FacetCount {
    value: String,
    count: i32,
}

pub struct SearchResults {
    total: usize,
    edges: Vec<SearchHitEdge>,
    page_info: PageInfo,
    genres: Vec<FacetCount>,
}

#[Object]
impl SearchResults {
    /// Every match, exact (not only the page). Pages reach the first 1,000
    /// matches; past that `hasNextPage` is false even when `totalCount` is
    /// larger: refine the query instead.
    async fn total_count(&self) -> i32 {
        i32::try_from(self.total).unwrap_or(i32::MAX)
    }

    async fn edges(&self) -> &[SearchHitEdge] {
        &self.edges
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// Genres over every match, most frequent first.
    async fn genre_facets(&self) -> &[FacetCount] {
        &self.genres
    }
}

/// Runs the search for the viewer and resolves its hits, in order. A hit
/// whose object is gone by the time it is loaded is left out.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
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
        search(ctx, query, scope, genre, first, after).await
    }
}

async fn search(
    ctx: &Context<'_>,
    query: String,
    scope: Option<SearchScope>,
    genre: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<SearchResults> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_input(format!(
            "`query` must be at most {MAX_QUERY_CHARS} characters"
        ))
        .into());
    }
    if genre.as_ref().is_some_and(|g| g.chars().count() > 100) {
        return Err(ApiError::bad_input("`genre` must be at most 100 characters").into());
    }
    let page = Page::parse(first, after.as_deref())?;
    let scope = match scope.unwrap_or_default() {
        SearchScope::CATALOGUE => search::Scope::Catalogue,
        SearchScope::LOCKER => search::Scope::Locker,
        SearchScope::ALL => search::Scope::All,
    };
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let results = services(ctx)?
        .search
        .search(search::Request {
            text: query,
            viewer: principal(ctx)?.user_id(),
            scope,
            genre: genre.filter(|g| !g.trim().is_empty()),
            offset,
            limit: usize::try_from(page.limit).unwrap_or(0),
        })
        .await?;

    let served = results.total.min(cadenza_search::MAX_DEPTH);
    let returned = results.hits.len();
    let items = resolve(ctx, &results.hits).await?;
    let edges: Vec<SearchHitEdge> = results
        .hits
        .into_iter()
        .zip(items)
        .enumerate()
        .filter_map(|(at, (hit, item))| {
            Some(SearchHitEdge {
                cursor: encode_cursor(page.offset + at as u64),
                node: SearchHit {
                    item: item?,
                    score: f64::from(hit.score),
                    highlight: hit.highlight,
                },
            })
        })
        .collect();
    let page_info = PageInfo {
        has_previous_page: offset > 0,
        has_next_page: offset + returned < served,
        start_cursor: edges.first().map(|edge| edge.cursor.clone()),
        end_cursor: edges.last().map(|edge| edge.cursor.clone()),
    };
    Ok(SearchResults {
        total: results.total,
        edges,
        page_info,
        genres: results
            .genres
            .into_iter()
            .map(|g| FacetCount {
                value: g.genre,
                count: i32::try_from(g.count).unwrap_or(i32::MAX),
            })
            .collect(),
    })
}

/// The objects of `hits`, loaded a kind at a time.
async fn resolve(ctx: &Context<'_>, hits: &[Hit]) -> Result<Vec<Option<SearchHitItem>>> {
    use cadenza_search::Kind;
    let loaders = loaders(ctx)?;
    let ids = |kind: Kind| -> Vec<i32> {
        hits.iter()
            .filter(|hit| hit.kind == kind)
            .filter_map(|hit| i32::try_from(hit.id).ok())
            .collect()
    };
    let (artists, albums, tracks, products, items) = futures_util::try_join!(
        loaders.load_many(ids(Kind::Artist).into_iter().map(ArtistById)),
        loaders.load_many(ids(Kind::Album).into_iter().map(AlbumById)),
        loaders.load_many(ids(Kind::Track).into_iter().map(TrackById)),
        loaders.load_many(ids(Kind::Product).into_iter().map(ProductById)),
        loaders.load_many(ids(Kind::LockerItem).into_iter().map(LockerItemOfViewer)),
    )?;
    let mut artists: HashMap<_, _> = artists;
    let mut albums: HashMap<_, _> = albums;
    let mut tracks: HashMap<_, _> = tracks;
    let mut products: HashMap<_, _> = products;
    let mut items: HashMap<_, _> = items;
    Ok(hits
        .iter()
        .map(|hit| {
            let id = i32::try_from(hit.id).ok()?;
            Some(match hit.kind {
                Kind::Artist => SearchHitItem::Artist(Artist(artists.remove(&ArtistById(id))?)),
                Kind::Album => SearchHitItem::Album(Album(albums.remove(&AlbumById(id))?)),
                Kind::Track => SearchHitItem::Track(Track(tracks.remove(&TrackById(id))?)),
                Kind::Product => {
                    SearchHitItem::Product(Product(products.remove(&ProductById(id))?))
                }
                Kind::LockerItem => SearchHitItem::LockerItem(LockerItem::from(
                    items.remove(&LockerItemOfViewer(id))?,
                )),
            })
        })
        .collect())
}
