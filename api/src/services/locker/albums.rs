//! A locker's albums: the items with one album key (a title and its album
//! artist, ignoring case), summed up (counts, duration, dates, cover,
//! stars, plays), listed and looked up. Every statement reads the owner's
//! rows only, through an index that starts with the owner.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{locker_item, play};
use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::browse::{in_disc_order, ALBUM_ARTIST};
use super::stars::{stars_of, StarKind};
use super::Locker;
use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerItemId, Page, UserId};
use crate::error::ApiResult;
use crate::services::listing::Listing;

/// An album of a locker, summed up: the items with one album key (a title
/// and its album artist, ignoring case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumSummary {
    pub key: LockerAlbumKey,
    pub title: String,
    /// The album artist, or the artist where none is tagged.
    pub artist: String,
    pub artist_key: LockerArtistKey,
    /// The latest year of its items.
    pub year: Option<i32>,
    /// The first, alphabetically, of its items' genres.
    pub genre: Option<String>,
    pub song_count: i64,
    pub duration_ms: i64,
    /// When its first item was added to the locker.
    pub created: DateTime<Utc>,
    /// When its latest item was added.
    pub last_added: DateTime<Utc>,
    /// Its earliest added item with a cover, whose cover stands for the
    /// album; `None` when no item has one.
    pub cover_item: Option<LockerItemId>,
    /// When the listener starred it; `None` when not starred.
    pub starred_at: Option<DateTime<Utc>>,
    /// The listener's plays of its items.
    pub play_count: i64,
    pub last_played: Option<DateTime<Utc>>,
}

/// An album with its items, in disc and track order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbumGroup {
    pub album: AlbumSummary,
    pub items: Vec<locker_item::Model>,
}

impl Locker {
    /// The albums whose album artist is `key`, by year then title, each
    /// summed up; empty for a key the locker does not have.
    pub async fn albums_of_artist(
        &self,
        user: UserId,
        key: LockerArtistKey,
    ) -> ApiResult<Vec<AlbumSummary>> {
        let keys = album_keys_in_order(
            &self.db,
            locker_item::Entity::find_owned_by(user.0)
                .filter(locker_item::Column::AlbumArtistKey.eq(key)),
            &[("MAX(year)", Order::Asc), ("LOWER(MIN(album))", Order::Asc)],
            None,
        )
        .await?;
        self.summaries_in_order(user, &keys).await
    }

    /// Albums by title (then album artist), each with its items; with
    /// `artist`, only the albums whose album artist it is.
    pub async fn albums(
        &self,
        user: UserId,
        artist: Option<LockerArtistKey>,
        page: Page,
    ) -> ApiResult<Listing<AlbumGroup>> {
        let mut scope = locker_item::Entity::find_owned_by(user.0);
        if let Some(artist) = artist {
            scope = scope.filter(locker_item::Column::AlbumArtistKey.eq(artist));
        }
        let total = scope
            .clone()
            .select_only()
            .column(locker_item::Column::AlbumKey)
            .distinct()
            .count(&self.db)
            .await?;
        let keys = album_keys_in_order(
            &self.db,
            scope,
            &[
                ("LOWER(MIN(album))", Order::Asc),
                (&format!("LOWER(MIN({ALBUM_ARTIST}))"), Order::Asc),
            ],
            Some(page),
        )
        .await?;
        let mut albums = self.albums_by_key(user, &keys).await?;
        let items = keys.iter().filter_map(|key| albums.remove(key)).collect();
        Ok(Listing { items, total })
    }

    /// The album with `key` in `user`'s locker, with its items; `None`
    /// when they have no item on it (another listener's key finds
    /// nothing).
    pub async fn album(&self, user: UserId, key: LockerAlbumKey) -> ApiResult<Option<AlbumGroup>> {
        Ok(self.albums_by_key(user, &[key]).await?.remove(&key))
    }

    /// The albums with these keys that `user`'s locker has, each with its
    /// items; one statement for all their items.
    pub async fn albums_by_key(
        &self,
        user: UserId,
        keys: &[LockerAlbumKey],
    ) -> ApiResult<HashMap<LockerAlbumKey, AlbumGroup>> {
        let summaries = self.summaries(user, keys).await?;
        if summaries.is_empty() {
            return Ok(HashMap::new());
        }
        let items = in_disc_order(
            locker_item::Entity::find_owned_by(user.0)
                .filter(locker_item::Column::AlbumKey.is_in(summaries.keys().copied())),
        )
        .order_by_asc(locker_item::Column::Id)
        .all(&self.db)
        .await?;
        let mut groups: HashMap<LockerAlbumKey, AlbumGroup> = summaries
            .into_iter()
            .map(|(key, album)| {
                let items = Vec::new();
                (key, AlbumGroup { album, items })
            })
            .collect();
        for item in items {
            if let Some(group) = groups.get_mut(&LockerAlbumKey::of_row(&item.album_key)) {
                group.items.push(item);
            }
        }
        Ok(groups)
    }

    /// The summaries of these albums, in the order of `keys`; keys the
    /// locker does not have are left out.
    pub(super) async fn summaries_in_order(
        &self,
        user: UserId,
        keys: &[LockerAlbumKey],
    ) -> ApiResult<Vec<AlbumSummary>> {
        let mut summaries = self.summaries(user, keys).await?;
        Ok(keys
            .iter()
            .filter_map(|key| summaries.remove(key))
            .collect())
    }

    /// Three statements whatever the number of albums: their items summed
    /// up, their stars, their plays.
    async fn summaries(
        &self,
        user: UserId,
        keys: &[LockerAlbumKey],
    ) -> ApiResult<HashMap<LockerAlbumKey, AlbumSummary>> {
        #[derive(FromQueryResult)]
        struct Row {
            album_key: String,
            title: String,
            artist: String,
            artist_key: String,
            year: Option<i32>,
            genre: Option<String>,
            song_count: i64,
            duration_ms: i64,
            created: DateTime<Utc>,
            last_added: DateTime<Utc>,
            cover_item: Option<i32>,
        }
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::AlbumKey.is_in(keys.iter().copied()))
            .select_only()
            .column(locker_item::Column::AlbumKey)
            .column_as(Expr::cust("MIN(album)"), "title")
            .column_as(Expr::cust(format!("MIN({ALBUM_ARTIST})")), "artist")
            .column_as(Expr::cust("MIN(album_artist_key)"), "artist_key")
            .column_as(Expr::cust("MAX(year)"), "year")
            .column_as(Expr::cust("MIN(genre)"), "genre")
            .column_as(Expr::cust("COUNT(*)"), "song_count")
            .column_as(
                Expr::cust("CAST(SUM(duration_ms) AS BIGINT)"),
                "duration_ms",
            )
            .column_as(Expr::cust("MIN(added_at)"), "created")
            .column_as(Expr::cust("MAX(added_at)"), "last_added")
            .column_as(
                Expr::cust("MIN(CASE WHEN cover_key IS NOT NULL THEN id END)"),
                "cover_item",
            )
            .group_by(locker_item::Column::AlbumKey)
            .into_model::<Row>()
            .all(&self.db)
            .await?;
        let present: Vec<LockerAlbumKey> = rows
            .iter()
            .map(|row| LockerAlbumKey::of_row(&row.album_key))
            .collect();
        let stars = stars_of(&self.db, user, StarKind::Album, present.iter()).await?;
        let plays = plays_of_albums(&self.db, user, &present).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let key = LockerAlbumKey::of_row(&row.album_key);
                let (play_count, last_played) = plays.get(&key).copied().unwrap_or((0, None));
                let summary = AlbumSummary {
                    key,
                    title: row.title,
                    artist: row.artist,
                    artist_key: LockerArtistKey::of_row(&row.artist_key),
                    year: row.year,
                    genre: row.genre,
                    song_count: row.song_count,
                    duration_ms: row.duration_ms,
                    created: row.created,
                    last_added: row.last_added,
                    cover_item: row.cover_item.map(LockerItemId),
                    starred_at: stars.get(&key.to_string()).copied(),
                    play_count,
                    last_played,
                };
                (key, summary)
            })
            .collect())
    }
}

/// The album keys of `scope`'s items, grouped, in the order `order` gives
/// (aggregate SQL, then the key); a page of them, or all.
pub(super) async fn album_keys_in_order(
    db: &impl ConnectionTrait,
    scope: Select<locker_item::Entity>,
    order: &[(&str, Order)],
    page: Option<Page>,
) -> ApiResult<Vec<LockerAlbumKey>> {
    let mut keys = scope
        .select_only()
        .column(locker_item::Column::AlbumKey)
        .group_by(locker_item::Column::AlbumKey);
    for (expr, direction) in order {
        keys = keys.order_by(Expr::cust(*expr), direction.clone());
    }
    keys = keys.order_by_asc(locker_item::Column::AlbumKey);
    if let Some(page) = page {
        keys = keys.offset(page.offset).limit(page.limit);
    }
    let keys: Vec<String> = keys.into_tuple().all(db).await?;
    Ok(keys.iter().map(|key| LockerAlbumKey::of_row(key)).collect())
}

/// How often, and when last, the listener played each album's items.
async fn plays_of_albums(
    db: &impl ConnectionTrait,
    user: UserId,
    keys: &[LockerAlbumKey],
) -> ApiResult<HashMap<LockerAlbumKey, (i64, Option<DateTime<Utc>>)>> {
    #[derive(FromQueryResult)]
    struct Row {
        album_key: String,
        play_count: i64,
        last_played: Option<DateTime<Utc>>,
    }
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut counted = played_albums(user);
    counted
        .and_where(
            Expr::col((Alias::new("li"), locker_item::Column::AlbumKey))
                .is_in(keys.iter().map(|key| key.to_string())),
        )
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("play_count"))
        .expr_as(Expr::cust("MAX(p.played_at)"), Alias::new("last_played"));
    let rows = Row::find_by_statement(db.get_database_backend().build(&counted))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                LockerAlbumKey::of_row(&row.album_key),
                (row.play_count, row.last_played),
            )
        })
        .collect())
}

/// The listener's plays of their locker items, grouped by album (`p` the
/// play, `li` the item), selecting the album's key.
pub(super) fn played_albums(user: UserId) -> SelectStatement {
    let (p, li) = (Alias::new("p"), Alias::new("li"));
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((li.clone(), locker_item::Column::AlbumKey)),
            Alias::new("album_key"),
        )
        .from_as(play::Entity, p.clone())
        .join_as(
            JoinType::InnerJoin,
            locker_item::Entity,
            li.clone(),
            Expr::col((li.clone(), locker_item::Column::Id))
                .equals((p.clone(), play::Column::LockerItemId)),
        )
        .and_where(Expr::col((p.clone(), play::Column::UserId)).eq(user.0))
        .and_where(Expr::col((li.clone(), locker_item::Column::UserId)).eq(user.0))
        .group_by_col((li, locker_item::Column::AlbumKey));
    select
}
