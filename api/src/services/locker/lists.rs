//! The lists a Subsonic player asks a locker for: albums by kind of list
//! (newest, most played, starred, by year, ...), genres with their counts,
//! songs of a genre, random songs, and what the listener starred. Each is
//! a page of at most `MAX_LIST_SIZE`, read from the owner's rows only
//! through indexes that start with the owner.

use chrono::{DateTime, Utc};
use entities::{locker_item, locker_star};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::albums::{album_keys_in_order, played_albums, AlbumSummary};
use super::artists::ArtistGroup;
use super::browse::lower;
use super::stars::StarKind;
use super::Locker;
use crate::db::text_eq;
use crate::domain::{LockerAlbumKey, LockerArtistKey, Page, UserId};
use crate::error::{ApiError, ApiResult};

/// The longest list one call returns (Subsonic's own limit).
pub const MAX_LIST_SIZE: u64 = 500;

/// Which albums a list holds, in which order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlbumList {
    /// In a new random order at every call.
    Random,
    /// Latest added first.
    Newest,
    /// Most played by the listener first; only albums they played.
    Frequent,
    /// Latest played by the listener first; only albums they played.
    Recent,
    /// Latest starred first.
    Starred,
    AlphabeticalByName,
    /// By album artist, then title.
    AlphabeticalByArtist,
    /// Albums of the years from `from` to `to`, in that order (from > to
    /// lists the latest first).
    ByYear {
        from: i32,
        to: i32,
    },
    /// Albums with an item of the genre (ignoring case), by title.
    ByGenre {
        genre: String,
    },
}

/// A genre of a locker's items, as they spell it (the first spelling,
/// alphabetically, of those that differ only in case).
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct GenreCount {
    pub name: String,
    pub song_count: i64,
    pub album_count: i64,
}

/// What `random_songs` picks from; `None` leaves a bound open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RandomSongs {
    pub size: u64,
    pub genre: Option<String>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
}

impl Locker {
    /// A page of the listener's albums, as `list` chooses and orders them;
    /// `page.limit` at most `MAX_LIST_SIZE` (else BAD_USER_INPUT).
    pub async fn album_list(
        &self,
        user: UserId,
        list: &AlbumList,
        page: Page,
    ) -> ApiResult<Vec<AlbumSummary>> {
        check_size(page.limit, "size")?;
        let owned = || locker_item::Entity::find_owned_by(user.0);
        let (scope, order): (Select<locker_item::Entity>, Vec<(&str, Order)>) = match list {
            AlbumList::Random => (owned(), vec![("RANDOM()", Order::Asc)]),
            AlbumList::Newest => {
                let keys = self.newest_album_keys(user, page).await?;
                return self.summaries_in_order(user, &keys).await;
            }
            AlbumList::AlphabeticalByName => (owned(), vec![("LOWER(MIN(album))", Order::Asc)]),
            AlbumList::AlphabeticalByArtist => (
                owned(),
                vec![
                    ("LOWER(MIN(COALESCE(album_artist, artist)))", Order::Asc),
                    ("LOWER(MIN(album))", Order::Asc),
                ],
            ),
            AlbumList::ByYear { from, to } => {
                let direction = if from > to { Order::Desc } else { Order::Asc };
                let scope = owned().having(
                    Expr::expr(Expr::cust("MAX(year)")).between(*from.min(to), *from.max(to)),
                );
                (
                    scope,
                    vec![("MAX(year)", direction), ("LOWER(MIN(album))", Order::Asc)],
                )
            }
            AlbumList::ByGenre { genre } => (
                owned().filter(genre_is(genre)),
                vec![("LOWER(MIN(album))", Order::Asc)],
            ),
            AlbumList::Frequent => return self.played_album_list(user, true, page).await,
            AlbumList::Recent => return self.played_album_list(user, false, page).await,
            AlbumList::Starred => return self.starred_albums(user, page).await,
        };
        let keys = album_keys_in_order(&self.db, scope, &order, Some(page)).await?;
        self.summaries_in_order(user, &keys).await
    }

    /// The albums by their latest added item, newest first: the order in
    /// which walking the items newest first (the `(user_id, added_at, id)`
    /// index) meets them. It reads the items of the page's albums and the
    /// ones before it, not the whole locker, a window of items at a time,
    /// each window grouped by album in the database so only its albums
    /// cross to the server (a profile showed the per-row hand-off from
    /// SQLite's thread costing more than the reading). Grouping every item
    /// by album (`MAX(added_at)`) cost the whole locker on every request
    /// (167 requests/s at 20,000 items).
    async fn newest_album_keys(&self, user: UserId, page: Page) -> ApiResult<Vec<LockerAlbumKey>> {
        const WINDOW: u64 = 500;
        #[derive(FromQueryResult)]
        struct Seen {
            album_key: String,
            items: i64,
        }
        let wanted = usize::try_from(page.offset + page.limit).unwrap_or(usize::MAX);
        let mut seen = std::collections::HashSet::new();
        let mut keys = Vec::new();
        // Where the last window ended: each starts after it (keyset), so a
        // deep page costs the items before it once, not once per window.
        let mut after: Option<(DateTime<Utc>, i32)> = None;
        loop {
            let window = Self::newest_window(user, after).limit(WINDOW).to_owned();
            // An album's place is its first item's, walking newest first;
            // only the window's albums cross to the server.
            let placed = Query::select()
                .column(Alias::new("album_key"))
                .expr_as(
                    Expr::cust("ROW_NUMBER() OVER (ORDER BY added_at DESC, id DESC)"),
                    Alias::new("place"),
                )
                .from_subquery(window, Alias::new("w"))
                .to_owned();
            let grouped = Query::select()
                .column(Alias::new("album_key"))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("items"))
                .from_subquery(placed, Alias::new("p"))
                .group_by_col(Alias::new("album_key"))
                .order_by_expr(Expr::cust("MIN(place)"), Order::Asc)
                .to_owned();
            let rows = Seen::find_by_statement(self.db.get_database_backend().build(&grouped))
                .all(&self.db)
                .await?;
            let in_window: i64 = rows.iter().map(|row| row.items).sum();
            for row in rows {
                if keys.len() < wanted && seen.insert(row.album_key.clone()) {
                    keys.push(LockerAlbumKey::of_row(&row.album_key));
                }
            }
            if keys.len() >= wanted || (in_window as u64) < WINDOW {
                break;
            }
            // The window's last item, where the next one starts: asked only
            // when a page reaches past the first window.
            let last = Self::newest_window(user, after)
                .offset(WINDOW - 1)
                .limit(1)
                .to_owned();
            let boundary = self
                .db
                .query_one(self.db.get_database_backend().build(&last))
                .await?;
            // Gone: items were removed meanwhile, and the page ends here.
            let Some(boundary) = boundary else {
                break;
            };
            after = Some((
                boundary.try_get::<DateTime<Utc>>("", "added_at")?,
                boundary.try_get::<i32>("", "id")?,
            ));
        }
        Ok(keys
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .collect())
    }

    /// The listener's items newest first (the `(user_id, added_at, id)`
    /// index), after `after` when given: album key, added time and id.
    fn newest_window(
        user: UserId,
        after: Option<(DateTime<Utc>, i32)>,
    ) -> sea_orm::sea_query::SelectStatement {
        let mut window = Query::select()
            .columns([
                locker_item::Column::AlbumKey,
                locker_item::Column::AddedAt,
                locker_item::Column::Id,
            ])
            .from(locker_item::Entity)
            .and_where(Expr::col(locker_item::Column::UserId).eq(user.0))
            .order_by(locker_item::Column::AddedAt, Order::Desc)
            .order_by(locker_item::Column::Id, Order::Desc)
            .to_owned();
        if let Some((added_at, id)) = after {
            window.and_where(
                Expr::tuple([
                    Expr::col(locker_item::Column::AddedAt).into(),
                    Expr::col(locker_item::Column::Id).into(),
                ])
                .lt(Expr::tuple([Expr::value(added_at), Expr::value(id)])),
            );
        }
        window
    }

    /// The albums the listener played, most played (`by_count`) or latest
    /// played first.
    async fn played_album_list(
        &self,
        user: UserId,
        by_count: bool,
        page: Page,
    ) -> ApiResult<Vec<AlbumSummary>> {
        #[derive(FromQueryResult)]
        struct Key {
            album_key: String,
        }
        let mut keys = played_albums(user);
        let (first, second) = if by_count {
            ("COUNT(*)", "MAX(p.played_at)")
        } else {
            ("MAX(p.played_at)", "COUNT(*)")
        };
        keys.order_by_expr(Expr::cust(first), Order::Desc)
            .order_by_expr(Expr::cust(second), Order::Desc)
            .order_by(Alias::new("album_key"), Order::Asc)
            .offset(page.offset)
            .limit(page.limit);
        let keys: Vec<LockerAlbumKey> =
            Key::find_by_statement(self.db.get_database_backend().build(&keys))
                .all(&self.db)
                .await?
                .iter()
                .map(|key| LockerAlbumKey::of_row(&key.album_key))
                .collect();
        self.summaries_in_order(user, &keys).await
    }

    /// The albums the listener starred, latest starred first.
    pub async fn starred_albums(&self, user: UserId, page: Page) -> ApiResult<Vec<AlbumSummary>> {
        check_size(page.limit, "size")?;
        let in_locker = Query::select()
            .column(locker_item::Column::AlbumKey)
            .from(locker_item::Entity)
            .and_where(Expr::col(locker_item::Column::UserId).eq(user.0))
            .to_owned();
        let keys = starred_keys(&self.db, user, StarKind::Album, [in_locker], page).await?;
        let keys: Vec<LockerAlbumKey> = keys.iter().map(|k| LockerAlbumKey::of_row(k)).collect();
        self.summaries_in_order(user, &keys).await
    }

    /// The artists the listener starred, latest starred first.
    pub async fn starred_artists(&self, user: UserId, page: Page) -> ApiResult<Vec<ArtistGroup>> {
        check_size(page.limit, "size")?;
        let named = |column: locker_item::Column| {
            Query::select()
                .column(column)
                .from(locker_item::Entity)
                .and_where(Expr::col(locker_item::Column::UserId).eq(user.0))
                .to_owned()
        };
        let in_locker = [
            named(locker_item::Column::ArtistKey),
            named(locker_item::Column::AlbumArtistKey),
        ];
        let keys = starred_keys(&self.db, user, StarKind::Artist, in_locker, page).await?;
        let keys: Vec<LockerArtistKey> = keys.iter().map(|k| LockerArtistKey::of_row(k)).collect();
        let mut artists = self.artists_by_key(user, &keys).await?;
        Ok(keys.iter().filter_map(|key| artists.remove(key)).collect())
    }

    /// The items the listener starred, latest starred first.
    pub async fn starred_items(
        &self,
        user: UserId,
        page: Page,
    ) -> ApiResult<Vec<locker_item::Model>> {
        check_size(page.limit, "size")?;
        Ok(locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::StarredAt.is_not_null())
            .order_by_desc(locker_item::Column::StarredAt)
            .order_by_desc(locker_item::Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.db)
            .await?)
    }

    /// The genres of the listener's items, by name, each with how many
    /// items and albums have it.
    pub async fn genres(&self, user: UserId) -> ApiResult<Vec<GenreCount>> {
        Ok(locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Genre.is_not_null())
            .select_only()
            .column_as(Expr::cust("MIN(genre)"), "name")
            .column_as(Expr::cust("COUNT(*)"), "song_count")
            .column_as(Expr::cust("COUNT(DISTINCT album_key)"), "album_count")
            .group_by(Expr::cust("LOWER(genre)"))
            .order_by_asc(Expr::cust("LOWER(MIN(genre))"))
            .into_model::<GenreCount>()
            .all(&self.db)
            .await?)
    }

    /// A page of the items of `genre` (ignoring case), by artist, album,
    /// disc and track.
    pub async fn songs_by_genre(
        &self,
        user: UserId,
        genre: &str,
        page: Page,
    ) -> ApiResult<Vec<locker_item::Model>> {
        check_size(page.limit, "count")?;
        let select = locker_item::Entity::find_owned_by(user.0)
            .filter(genre_is(genre))
            .order_by_asc(lower(locker_item::Column::Artist))
            .order_by_asc(lower(locker_item::Column::Album));
        Ok(super::browse::in_disc_order(select)
            .order_by_asc(locker_item::Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.db)
            .await?)
    }

    /// Up to `pick.size` items in a random order, of the genre and years
    /// asked for (an item without a year is outside any bound).
    pub async fn random_songs(
        &self,
        user: UserId,
        pick: &RandomSongs,
    ) -> ApiResult<Vec<locker_item::Model>> {
        check_size(pick.size, "size")?;
        let mut select = locker_item::Entity::find_owned_by(user.0);
        if let Some(genre) = &pick.genre {
            select = select.filter(genre_is(genre));
        }
        if let Some(from) = pick.from_year {
            select = select.filter(locker_item::Column::Year.gte(from));
        }
        if let Some(to) = pick.to_year {
            select = select.filter(locker_item::Column::Year.lte(to));
        }
        Ok(select
            .order_by_asc(Expr::cust("RANDOM()"))
            .limit(pick.size)
            .all(&self.db)
            .await?)
    }
}

/// Items whose genre is `genre`, ignoring case.
fn genre_is(genre: &str) -> sea_orm::sea_query::SimpleExpr {
    text_eq(Expr::col(locker_item::Column::Genre), genre)
}

fn check_size(size: u64, field: &str) -> ApiResult<()> {
    if size > MAX_LIST_SIZE {
        return Err(ApiError::bad_input(format!(
            "`{field}` must be at most {MAX_LIST_SIZE}, got {size}"
        )));
    }
    Ok(())
}

/// The keys the listener starred of `kind`, latest starred first, that
/// some statement of `in_locker` still selects (stars outlive nothing in
/// principle; this keeps a page whole if one did).
async fn starred_keys<const N: usize>(
    db: &impl ConnectionTrait,
    user: UserId,
    kind: StarKind,
    in_locker: [sea_orm::sea_query::SelectStatement; N],
    page: Page,
) -> ApiResult<Vec<String>> {
    let mut present = Condition::any();
    for keys in in_locker {
        present = present.add(locker_star::Column::Key.in_subquery(keys));
    }
    let keys: Vec<(String, DateTime<Utc>)> = locker_star::Entity::find_owned_by(user.0)
        .filter(locker_star::Column::Kind.eq(kind.as_str()))
        .filter(present)
        .select_only()
        .column(locker_star::Column::Key)
        .column(locker_star::Column::StarredAt)
        .order_by_desc(locker_star::Column::StarredAt)
        .order_by_asc(locker_star::Column::Key)
        .offset(page.offset)
        .limit(page.limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().map(|(key, _)| key).collect())
}
