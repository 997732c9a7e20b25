//! Browsing a locker: its items filtered and sorted. `groups` groups them
//! by artist and by album.

use entities::locker_item;
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, Order, QueryFilter, QueryOrder, Select};

use super::Locker;
use crate::db::text_eq;
use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerSource, Page, UserId};
use crate::error::ApiResult;
use crate::services::listing::{listing, Listing};

/// Which items a listing holds; each filter given narrows it. Names match
/// whole values, ignoring case.
#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    /// The items' artist, by name.
    pub artist: Option<String>,
    /// The items' album, by title (of whichever album artist).
    pub album: Option<String>,
    pub genre: Option<String>,
    pub source: Option<LockerSource>,
    /// The items' artist (not the album artist), by key.
    pub artist_key: Option<LockerArtistKey>,
    pub album_key: Option<LockerAlbumKey>,
    /// Only starred items (true), or only the others (false).
    pub starred: Option<bool>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemSort {
    #[default]
    AddedDesc,
    Title,
    ArtistAlbum,
}

/// The album artist, or the artist where none is tagged.
pub(super) const ALBUM_ARTIST: &str = "COALESCE(album_artist, artist)";

impl Locker {
    pub async fn items(
        &self,
        user: UserId,
        filter: &ItemFilter,
        sort: ItemSort,
        page: Page,
    ) -> ApiResult<Listing<locker_item::Model>> {
        let mut select = locker_item::Entity::find_owned_by(user.0);
        let lower_eq = |column: locker_item::Column, value: &str| text_eq(Expr::col(column), value);
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
        if let Some(key) = filter.artist_key {
            select = select.filter(locker_item::Column::ArtistKey.eq(key));
        }
        if let Some(key) = filter.album_key {
            select = select.filter(locker_item::Column::AlbumKey.eq(key));
        }
        select = match filter.starred {
            Some(true) => select.filter(locker_item::Column::StarredAt.is_not_null()),
            Some(false) => select.filter(locker_item::Column::StarredAt.is_null()),
            None => select,
        };
        let select = match sort {
            ItemSort::AddedDesc => select.order_by_desc(locker_item::Column::AddedAt),
            ItemSort::Title => select.order_by_asc(lower(locker_item::Column::Title)),
            ItemSort::ArtistAlbum => in_disc_order(
                select
                    .order_by_asc(lower(locker_item::Column::Artist))
                    .order_by_asc(lower(locker_item::Column::Album)),
            ),
        };
        let select = select.order_by_desc(locker_item::Column::Id);
        listing(&self.db, select, page).await
    }
}

/// The column in lower case, for orders and matches that ignore case.
pub(super) fn lower(column: locker_item::Column) -> SimpleExpr {
    Func::lower(Expr::col(column)).into()
}

/// `select` then ordered as an album plays: by disc, track and title.
pub(super) fn in_disc_order(select: Select<locker_item::Entity>) -> Select<locker_item::Entity> {
    select
        .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
        .order_by_with_nulls(
            locker_item::Column::TrackNumber,
            Order::Asc,
            sea_orm::sea_query::NullOrdering::Last,
        )
        .order_by_asc(lower(locker_item::Column::Title))
}
