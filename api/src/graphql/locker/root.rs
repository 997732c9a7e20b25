//! `viewer.locker`: the viewer's own music, listed, filtered, grouped by
//! artist, album and genre, and looked up by id.

use async_graphql::{Context, Object, Result, ID};
use entities::locker_item;

use super::groups::{LockerArtist, LockerGenre};
use super::types::{clamp, LockerAlbum, LockerFilter, LockerItem, LockerSortGql, LockerUsage};
use crate::domain::{LockerAlbumKey, LockerArtistKey, Page, UserId};
use crate::error::ApiError;
use crate::graphql::connection::{list_complexity, paged, Paged};
use crate::graphql::scalars::Int64;
use crate::graphql::services;
use crate::services::locker as domain;

/// The viewer's own music.
pub struct Locker {
    pub user: UserId,
}

#[Object]
impl Locker {
    async fn usage(&self, ctx: &Context<'_>) -> Result<LockerUsage> {
        let usage = services(ctx)?.locker.usage(self.user).await?;
        Ok(LockerUsage {
            item_count: i32::try_from(usage.item_count).unwrap_or(i32::MAX),
            used_bytes: Int64(usage.used_bytes),
            quota_bytes: Int64(usage.quota_bytes),
        })
    }

    /// Newest first unless `sort` says otherwise. Filters match whole
    /// values, ignoring case; an `artistId` or `albumId` of another kind or
    /// another listener's matches nothing.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<LockerFilter>,
        sort: Option<LockerSortGql>,
    ) -> Result<Paged<LockerItem>> {
        let page = Page::parse(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        // An id of another kind names no artist or album: no item has it.
        let artist_key = filter.artist_id.as_ref().map(keyed).transpose()?;
        let album_key = filter.album_id.as_ref().map(keyed).transpose()?;
        if matches!(artist_key, Some(None)) || matches!(album_key, Some(None)) {
            return Ok(paged(
                Vec::<locker_item::Model>::new(),
                0,
                page,
                LockerItem::from,
            ));
        }
        let (artist_key, album_key) = (artist_key.flatten(), album_key.flatten());
        let filter = domain::ItemFilter {
            artist: filter.artist,
            album: filter.album,
            genre: filter.genre,
            source: filter.source.map(Into::into),
            artist_key,
            album_key,
            starred: filter.starred,
        };
        let listing = services(ctx)?
            .locker
            .items(self.user, &filter, sort.unwrap_or_default().into(), page)
            .await?;
        Ok(paged(listing.items, listing.total, page, LockerItem::from))
    }

    /// Artists by name: everyone named as an item's artist or album
    /// artist, with how many albums (as album artist) and tracks of theirs
    /// the locker holds.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn artists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<LockerArtist>> {
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?.locker.artists(self.user, page).await?;
        Ok(paged(listing.items, listing.total, page, LockerArtist))
    }

    /// The artist with this id; null when the locker has none (an id of
    /// another listener's names nothing here).
    async fn artist(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LockerArtist>> {
        let Some(key) = keyed::<LockerArtistKey>(&id)? else {
            return Ok(None);
        };
        let artist = services(ctx)?.locker.artist(self.user, key).await?;
        Ok(artist.map(LockerArtist))
    }

    /// Albums (by album and album artist) by title, each with its items;
    /// with `artist` (a name) or `artistId`, only that album artist's.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn albums(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        artist: Option<String>,
        artist_id: Option<ID>,
    ) -> Result<Paged<LockerAlbum>> {
        let page = Page::parse(first, after.as_deref())?;
        let artist = match (artist, artist_id) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input("give `artist` or `artistId`, not both").into())
            }
            (Some(name), None) => Some(LockerArtistKey::of(&name)),
            (None, Some(id)) => match keyed::<LockerArtistKey>(&id)? {
                Some(key) => Some(key),
                None => return Ok(paged(Vec::new(), 0, page, LockerAlbum)),
            },
            (None, None) => None,
        };
        let listing = services(ctx)?
            .locker
            .albums(self.user, artist, page)
            .await?;
        Ok(paged(listing.items, listing.total, page, LockerAlbum))
    }

    /// The album with this id, with its items; null when the locker has
    /// none (an id of another listener's names nothing here).
    async fn album(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LockerAlbum>> {
        let Some(key) = keyed::<LockerAlbumKey>(&id)? else {
            return Ok(None);
        };
        let album = services(ctx)?.locker.album(self.user, key).await?;
        Ok(album.map(LockerAlbum))
    }

    /// The genres of the locker's items, by name, with how many items and
    /// albums have each.
    async fn genres(&self, ctx: &Context<'_>) -> Result<Vec<LockerGenre>> {
        let genres = services(ctx)?.locker.genres(self.user).await?;
        Ok(genres
            .into_iter()
            .map(|genre| LockerGenre {
                name: genre.name,
                track_count: clamp(genre.song_count),
                album_count: clamp(genre.album_count),
            })
            .collect())
    }
}

/// A locker artist's or album's id: `None` when it is a well-formed id of
/// another kind, BAD_USER_INPUT when it does not decode.
fn keyed<T: crate::domain::KeyedId>(id: &ID) -> Result<Option<T>, ApiError> {
    T::decode_as(id)
}
