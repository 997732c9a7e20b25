//! Browsing a locker: its items filtered and sorted, and grouped by artist
//! and by album.

use entities::locker_item;
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::Locker;
use crate::domain::{LockerSource, Page, UserId};
use crate::error::ApiResult;
use crate::services::listing::{listing, Listing};

#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub source: Option<LockerSource>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemSort {
    #[default]
    AddedDesc,
    Title,
    ArtistAlbum,
}

/// An artist of a locker, with counts.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ArtistGroup {
    pub name: String,
    pub album_count: i64,
    pub track_count: i64,
}

/// An album of a locker: items grouped by album and album artist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumGroup {
    pub title: String,
    pub artist: String,
    pub year: Option<i32>,
    pub items: Vec<locker_item::Model>,
}

/// The album artist, or the artist where none is tagged.
const ALBUM_ARTIST: &str = "COALESCE(album_artist, artist)";

impl Locker {
    pub async fn items(
        &self,
        user: UserId,
        filter: &ItemFilter,
        sort: ItemSort,
        page: Page,
    ) -> ApiResult<Listing<locker_item::Model>> {
        let mut select = locker_item::Entity::find_owned_by(user.0);
        let lower_eq = |column: locker_item::Column, value: &str| {
            Expr::expr(Func::lower(Expr::col(column))).eq(value.to_lowercase())
        };
        if let Some(artist) = &filter.artist {
            select = select.filter(lower_eq(locker_item::Column::Artist, artist));
        }
        if let Some(album) = &filter.album {
            select = select.filter(lower_eq(locker_item::Column::Album, album));
        }
        if let Some(genre) = &filter.genre {
            select = select.filter(lower_eq(locker_item::Column::Genre, genre));
        }
        if let Some(source) = filter.source {
            select = select.filter(locker_item::Column::Source.eq(source.as_str()));
        }
        let select = match sort {
            ItemSort::AddedDesc => select.order_by_desc(locker_item::Column::AddedAt),
            ItemSort::Title => select.order_by_asc(lower(locker_item::Column::Title)),
            ItemSort::ArtistAlbum => select
                .order_by_asc(lower(locker_item::Column::Artist))
                .order_by_asc(lower(locker_item::Column::Album))
                .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
                .order_by_with_nulls(
                    locker_item::Column::TrackNumber,
                    Order::Asc,
                    sea_orm::sea_query::NullOrdering::Last,
                )
                .order_by_asc(lower(locker_item::Column::Title)),
        };
        let select = select.order_by_desc(locker_item::Column::Id);
        listing(&self.db, select, page).await
    }

    pub async fn artists(&self, user: UserId, page: Page) -> ApiResult<Listing<ArtistGroup>> {
        let grouped = locker_item::Entity::find_owned_by(user.0)
            .select_only()
            .column_as(locker_item::Column::Artist, "name")
            .column_as(Expr::cust("COUNT(DISTINCT album)"), "album_count")
            .column_as(Expr::cust("COUNT(*)"), "track_count")
            .group_by(locker_item::Column::Artist);
        let total = locker_item::Entity::find_owned_by(user.0)
            .select_only()
            .column(locker_item::Column::Artist)
            .distinct()
            .count(&self.db)
            .await?;
        let items = grouped
            .order_by_asc(lower(locker_item::Column::Artist))
            .order_by_asc(locker_item::Column::Artist)
            .offset(page.offset)
            .limit(page.limit)
            .into_model::<ArtistGroup>()
            .all(&self.db)
            .await?;
        Ok(Listing { items, total })
    }

    /// Albums by title; with `artist`, only that (album) artist's.
    pub async fn albums(
        &self,
        user: UserId,
        artist: Option<&str>,
        page: Page,
    ) -> ApiResult<Listing<AlbumGroup>> {
        #[derive(FromQueryResult)]
        struct Key {
            title: String,
            artist: String,
            year: Option<i32>,
        }
        let mut scope = locker_item::Entity::find_owned_by(user.0);
        if let Some(artist) = artist {
            scope = scope.filter(
                Expr::expr(Func::lower(Expr::cust(ALBUM_ARTIST))).eq(artist.to_lowercase()),
            );
        }
        let keys = scope
            .clone()
            .select_only()
            .column_as(locker_item::Column::Album, "title")
            .column_as(Expr::cust(ALBUM_ARTIST), "artist")
            .column_as(Expr::cust("MAX(year)"), "year")
            .group_by(locker_item::Column::Album)
            .group_by(Expr::cust(ALBUM_ARTIST));
        let total = keys.clone().into_model::<Key>().count(&self.db).await?;
        let keys: Vec<Key> = keys
            .order_by_asc(lower(locker_item::Column::Album))
            .order_by_asc(Expr::cust(ALBUM_ARTIST))
            .offset(page.offset)
            .limit(page.limit)
            .into_model::<Key>()
            .all(&self.db)
            .await?;
        // One query for the items of every album on the page.
        let items = scope
            .filter(locker_item::Column::Album.is_in(keys.iter().map(|k| k.title.clone())))
            .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
            .order_by_with_nulls(
                locker_item::Column::TrackNumber,
                Order::Asc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .order_by_asc(lower(locker_item::Column::Title))
            .all(&self.db)
            .await?;
        let albums = keys
            .into_iter()
            .map(|key| AlbumGroup {
                items: items
                    .iter()
                    .filter(|item| {
                        item.album == key.title
                            && item.album_artist.as_deref().unwrap_or(&item.artist) == key.artist
                    })
                    .cloned()
                    .collect(),
                title: key.title,
                artist: key.artist,
                year: key.year,
            })
            .collect();
        Ok(Listing {
            items: albums,
            total,
        })
    }
}

/// The column in lower case, for orders and matches that ignore case.
fn lower(column: locker_item::Column) -> SimpleExpr {
    Func::lower(Expr::col(column)).into()
}
