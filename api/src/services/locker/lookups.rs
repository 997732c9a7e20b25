//! Look-ups players ask for (the OpenSubsonic API): when the locker last
//! changed, its artists and albums by a word of their names, the items of
//! some artists, an artist's songs by the listener's own plays, and the
//! locker items a listener's purchased tracks are. Each statement starts
//! with the listener, like every read of a locker.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{locker_item, locker_lyrics, play, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use super::Locker;
use crate::db::{text_contains, text_eq};
use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerSource, Page, UserId};
use crate::error::ApiResult;

/// The album artist, or the artist where none is tagged.
const ALBUM_ARTIST: &str = "COALESCE(album_artist, artist)";

impl Locker {
    /// When an item of the locker was last added, edited or removed;
    /// `None` for a locker that never held anything.
    pub async fn last_changed(&self, user: UserId) -> ApiResult<Option<DateTime<Utc>>> {
        #[derive(FromQueryResult)]
        struct Latest {
            latest: Option<DateTime<Utc>>,
        }
        let latest = locker_item::Entity::find_owned_by(user.0)
            .select_only()
            .column_as(Expr::col(locker_item::Column::UpdatedAt).max(), "latest")
            .into_model::<Latest>()
            .one(&self.db)
            .await?
            .and_then(|row| row.latest);
        let removed: Option<Option<DateTime<Utc>>> = user::Entity::find_by_id(user.0)
            .select_only()
            .column(user::Column::LockerRemovedAt)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(latest.max(removed.flatten()))
    }

    /// The album artists whose name holds `text` (ignoring case), by name.
    pub async fn album_artists_named(
        &self,
        user: UserId,
        text: &str,
        page: Page,
    ) -> ApiResult<Vec<LockerArtistKey>> {
        let keys: Vec<String> = locker_item::Entity::find_owned_by(user.0)
            .filter(text_contains(Expr::cust(ALBUM_ARTIST), text))
            .select_only()
            .column(locker_item::Column::AlbumArtistKey)
            .group_by(locker_item::Column::AlbumArtistKey)
            .order_by_asc(Expr::cust(format!("LOWER(MIN({ALBUM_ARTIST}))")))
            .offset(page.offset)
            .limit(page.limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(keys
            .iter()
            .map(|key| LockerArtistKey::of_row(key))
            .collect())
    }

    /// The albums whose title holds `text` (ignoring case), by title.
    pub async fn albums_named(
        &self,
        user: UserId,
        text: &str,
        page: Page,
    ) -> ApiResult<Vec<LockerAlbumKey>> {
        let keys: Vec<String> = locker_item::Entity::find_owned_by(user.0)
            .filter(text_contains(Expr::col(locker_item::Column::Album), text))
            .select_only()
            .column(locker_item::Column::AlbumKey)
            .group_by(locker_item::Column::AlbumKey)
            .order_by_asc(Expr::cust("LOWER(MIN(album))"))
            .offset(page.offset)
            .limit(page.limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(keys.iter().map(|key| LockerAlbumKey::of_row(key)).collect())
    }

    /// At most `limit` items whose artist or album artist is one of `keys`.
    pub async fn items_of_artists(
        &self,
        user: UserId,
        keys: &[LockerArtistKey],
        limit: u64,
    ) -> ApiResult<Vec<locker_item::Model>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        Ok(locker_item::Entity::find_owned_by(user.0)
            .filter(
                Condition::any()
                    .add(locker_item::Column::ArtistKey.is_in(keys.iter().copied()))
                    .add(locker_item::Column::AlbumArtistKey.is_in(keys.iter().copied())),
            )
            .order_by_desc(locker_item::Column::AddedAt)
            .order_by_desc(locker_item::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// The artist's items (as artist or album artist), most played by the
    /// listener first, then latest added; at most `limit`.
    pub async fn most_played_of_artist(
        &self,
        user: UserId,
        key: LockerArtistKey,
        limit: u64,
    ) -> ApiResult<Vec<locker_item::Model>> {
        let mut items = self.items_of_artists(user, &[key], 5_000).await?;
        if items.is_empty() {
            return Ok(items);
        }
        let ids: Vec<i32> = items.iter().map(|item| item.id).collect();
        let mut plays: HashMap<i32, i64> = HashMap::new();
        for chunk in ids.chunks(500) {
            let counts: Vec<(Option<i32>, i64)> = play::Entity::find_owned_by(user.0)
                .filter(play::Column::LockerItemId.is_in(chunk.iter().copied()))
                .select_only()
                .column(play::Column::LockerItemId)
                .column_as(Expr::col(play::Column::Id).count(), "plays")
                .group_by(play::Column::LockerItemId)
                .into_tuple()
                .all(&self.db)
                .await?;
            plays.extend(
                counts
                    .into_iter()
                    .filter_map(|(id, n)| id.map(|id| (id, n))),
            );
        }
        // Stable: ties keep the latest added first.
        items.sort_by_key(|item| std::cmp::Reverse(plays.get(&item.id).copied().unwrap_or(0)));
        items.truncate(limit as usize);
        Ok(items)
    }

    /// The first of the listener's items with lyrics whose artist and title
    /// are these (ignoring case; either may be left out), with its lyrics.
    pub async fn find_lyrics(
        &self,
        user: UserId,
        artist: Option<&str>,
        title: Option<&str>,
    ) -> ApiResult<Option<(locker_item::Model, String)>> {
        if artist.is_none() && title.is_none() {
            return Ok(None);
        }
        let mut select = locker_item::Entity::find_owned_by(user.0).filter(
            locker_item::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(locker_lyrics::Column::LockerItemId)
                    .from(locker_lyrics::Entity)
                    .and_where(Expr::col(locker_lyrics::Column::UserId).eq(user.0))
                    .to_owned(),
            ),
        );
        if let Some(artist) = artist {
            select = select.filter(text_eq(Expr::col(locker_item::Column::Artist), artist));
        }
        if let Some(title) = title {
            select = select.filter(text_eq(Expr::col(locker_item::Column::Title), title));
        }
        let Some(item) = select
            .order_by_asc(locker_item::Column::Id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let lyrics = self
            .lyrics(user, crate::domain::LockerItemId(item.id))
            .await?;
        Ok(lyrics.map(|lyrics| (item, lyrics)))
    }

    /// The listener's locker items of these catalogue tracks (what they
    /// bought), by track id.
    pub async fn purchases_of_tracks(
        &self,
        user: UserId,
        track_ids: &[i32],
    ) -> ApiResult<HashMap<i32, locker_item::Model>> {
        if track_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Source.eq(LockerSource::Purchase.as_str()))
            .filter(locker_item::Column::CatalogueTrackId.is_in(track_ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row.catalogue_track_id.map(|track| (track, row)))
            .collect())
    }
}
