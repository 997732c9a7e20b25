//! A locker's artists and albums: its items grouped by the keys their tags
//! give them (`domain::locker_keys`), looked up by key, listed, and
//! summed up (counts, duration, dates, cover, stars, plays). Every
//! statement reads the owner's rows only, through an index that starts
//! with the owner.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{locker_item, locker_star, play};
use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::browse::{in_disc_order, ALBUM_ARTIST};
use super::Locker;
use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerItemId, Page, UserId};
use crate::error::ApiResult;
use crate::services::listing::Listing;

/// What a star in `locker_stars` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StarKind {
    Album,
    Artist,
}

impl StarKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StarKind::Album => "ALBUM",
            StarKind::Artist => "ARTIST",
        }
    }
}

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

/// When the listener starred each of `keys` (of `kind`), by key as stored.
pub(super) async fn stars_of<K: ToString>(
    db: &impl ConnectionTrait,
    user: UserId,
    kind: StarKind,
    keys: impl Iterator<Item = K>,
) -> ApiResult<HashMap<String, DateTime<Utc>>> {
    let keys: Vec<String> = keys.map(|key| key.to_string()).collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let stars: Vec<(String, DateTime<Utc>)> = locker_star::Entity::find_owned_by(user.0)
        .filter(locker_star::Column::Kind.eq(kind.as_str()))
        .filter(locker_star::Column::Key.is_in(keys))
        .select_only()
        .column(locker_star::Column::Key)
        .column(locker_star::Column::StarredAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(stars.into_iter().collect())
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
