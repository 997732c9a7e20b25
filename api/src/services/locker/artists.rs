//! A locker's artists: everyone an item names as its artist or album
//! artist, grouped by key (`domain::locker_keys`), listed, looked up, and
//! counted. Every statement reads the owner's rows only, through an index
//! that starts with the owner.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::locker_item;
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult, Order};

use super::browse::ALBUM_ARTIST;
use super::stars::{stars_of, StarKind};
use super::Locker;
use crate::domain::{LockerArtistKey, Page, UserId};
use crate::error::ApiResult;
use crate::services::listing::Listing;

/// An artist of a locker: a name some item gives as its artist or album
/// artist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtistGroup {
    pub key: LockerArtistKey,
    pub name: String,
    /// The albums whose album artist it is.
    pub album_count: i64,
    /// The items whose artist it is.
    pub track_count: i64,
    /// When the listener starred it; `None` when not starred.
    pub starred_at: Option<DateTime<Utc>>,
}

impl Locker {
    /// The locker's artists, by name: everyone named as an item's artist
    /// or album artist.
    pub async fn artists(&self, user: UserId, page: Page) -> ApiResult<Listing<ArtistGroup>> {
        self.artist_listing(user, ArtistRole::Any, page).await
    }

    /// The locker's album artists, by name: the artists with at least one
    /// album (what Subsonic's artist index lists).
    pub async fn album_artists(&self, user: UserId, page: Page) -> ApiResult<Listing<ArtistGroup>> {
        self.artist_listing(user, ArtistRole::AlbumArtist, page)
            .await
    }

    /// The artist with `key` in `user`'s locker; `None` when no item of
    /// theirs names it (another listener's key finds nothing).
    pub async fn artist(
        &self,
        user: UserId,
        key: LockerArtistKey,
    ) -> ApiResult<Option<ArtistGroup>> {
        Ok(self.artists_by_key(user, &[key]).await?.remove(&key))
    }

    /// The artists with these keys that `user`'s locker has.
    pub async fn artists_by_key(
        &self,
        user: UserId,
        keys: &[LockerArtistKey],
    ) -> ApiResult<HashMap<LockerArtistKey, ArtistGroup>> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let groups = self
            .artist_groups(grouped_artists(user, ArtistRole::Any, Some(keys)))
            .await?;
        Ok(self
            .with_artist_stars(user, groups)
            .await?
            .into_iter()
            .map(|artist| (artist.key, artist))
            .collect())
    }

    async fn artist_listing(
        &self,
        user: UserId,
        role: ArtistRole,
        page: Page,
    ) -> ApiResult<Listing<ArtistGroup>> {
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        let mut counted = Query::select();
        counted
            .expr_as(Expr::cust("COUNT(DISTINCT artist_key)"), Alias::new("n"))
            .from_subquery(artist_roles(user, role, None), Alias::new("roles"));
        let total = Count::find_by_statement(self.db.get_database_backend().build(&counted))
            .one(&self.db)
            .await?
            .map_or(0, |count| count.n);
        let mut grouped = grouped_artists(user, role, None);
        grouped
            .order_by_expr(Expr::cust("LOWER(MIN(name))"), Order::Asc)
            .order_by(Alias::new("artist_key"), Order::Asc)
            .offset(page.offset)
            .limit(page.limit);
        let groups = self.artist_groups(grouped).await?;
        let items = self.with_artist_stars(user, groups).await?;
        Ok(Listing {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn artist_groups(&self, grouped: SelectStatement) -> ApiResult<Vec<ArtistGroup>> {
        #[derive(FromQueryResult)]
        struct Row {
            artist_key: String,
            name: String,
            album_count: i64,
            track_count: i64,
        }
        let rows = Row::find_by_statement(self.db.get_database_backend().build(&grouped))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ArtistGroup {
                key: LockerArtistKey::of_row(&row.artist_key),
                name: row.name,
                album_count: row.album_count,
                track_count: row.track_count,
                starred_at: None,
            })
            .collect())
    }

    async fn with_artist_stars(
        &self,
        user: UserId,
        mut groups: Vec<ArtistGroup>,
    ) -> ApiResult<Vec<ArtistGroup>> {
        let keys: Vec<LockerArtistKey> = groups.iter().map(|group| group.key).collect();
        let stars = stars_of(&self.db, user, StarKind::Artist, keys.iter()).await?;
        for group in &mut groups {
            group.starred_at = stars.get(&group.key.to_string()).copied();
        }
        Ok(groups)
    }
}

/// Which of an item's artists a listing counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArtistRole {
    /// Its artist and its album artist.
    Any,
    AlbumArtist,
}

/// Every item once as its artist's (counting a track) and once as its
/// album artist's (counting its album), the artist's name beside: the rows
/// the artists are grouped from. Each half reads the owner's rows through
/// an index on `(user_id, artist_key)` or `(user_id, album_artist_key)`.
fn artist_roles(
    user: UserId,
    role: ArtistRole,
    keys: Option<&[LockerArtistKey]>,
) -> SelectStatement {
    let owned = Expr::col(locker_item::Column::UserId).eq(user.0);
    let mut credited = Query::select();
    credited
        .expr_as(
            Expr::col(locker_item::Column::AlbumArtistKey),
            Alias::new("artist_key"),
        )
        .expr_as(Expr::cust(ALBUM_ARTIST), Alias::new("name"))
        .expr_as(
            Expr::col(locker_item::Column::AlbumKey),
            Alias::new("album_key"),
        )
        .expr_as(Expr::cust("0"), Alias::new("track"))
        .from(locker_item::Entity)
        .and_where(owned.clone());
    if let Some(keys) = keys {
        credited.and_where(locker_item::Column::AlbumArtistKey.is_in(keys.iter().copied()));
    }
    if role == ArtistRole::AlbumArtist {
        return credited;
    }
    let mut performed = Query::select();
    performed
        .expr_as(
            Expr::col(locker_item::Column::ArtistKey),
            Alias::new("artist_key"),
        )
        .expr_as(Expr::col(locker_item::Column::Artist), Alias::new("name"))
        .expr_as(Expr::cust("NULL"), Alias::new("album_key"))
        .expr_as(Expr::cust("1"), Alias::new("track"))
        .from(locker_item::Entity)
        .and_where(owned);
    if let Some(keys) = keys {
        performed.and_where(locker_item::Column::ArtistKey.is_in(keys.iter().copied()));
    }
    performed.union(UnionType::All, credited);
    performed
}

/// The artists of `artist_roles`, one row each with its counts.
fn grouped_artists(
    user: UserId,
    role: ArtistRole,
    keys: Option<&[LockerArtistKey]>,
) -> SelectStatement {
    let mut grouped = Query::select();
    grouped
        .column(Alias::new("artist_key"))
        .expr_as(Expr::cust("MIN(name)"), Alias::new("name"))
        .expr_as(
            Expr::cust("COUNT(DISTINCT album_key)"),
            Alias::new("album_count"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(track) AS BIGINT)"),
            Alias::new("track_count"),
        )
        .from_subquery(artist_roles(user, role, keys), Alias::new("roles"))
        .group_by_col(Alias::new("artist_key"));
    grouped
}
