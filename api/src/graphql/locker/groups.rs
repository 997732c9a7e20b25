//! A locker's artists, albums and genres as the API shows them. Their ids
//! are keys derived from their names (`domain::locker_keys`): they stay the
//! same across restarts and edits of other items, and name nothing in
//! another listener's locker.

use async_graphql::{Context, Object, Result, SimpleObject, ID};

use super::types::{clamp, LockerItem};
use crate::graphql::ids::keyed_id_of;
use crate::graphql::scalars::DateTime;
use crate::graphql::services;
use crate::services::locker::{self as domain, AlbumGroup, ArtistGroup};

/// An artist of the viewer's locker: a name some item gives as its artist
/// or album artist (ignoring case).
pub struct LockerArtist(pub ArtistGroup);

#[Object]
impl LockerArtist {
    pub async fn id(&self) -> ID {
        keyed_id_of(self.0.key)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The albums whose album artist it is.
    async fn album_count(&self) -> i32 {
        clamp(self.0.album_count)
    }

    /// The items whose artist it is.
    async fn track_count(&self) -> i32 {
        clamp(self.0.track_count)
    }

    async fn starred(&self) -> bool {
        self.0.starred_at.is_some()
    }

    /// When the viewer starred it; null when not starred.
    async fn starred_at(&self) -> Option<DateTime> {
        self.0.starred_at.map(Into::into)
    }
}

/// An album of the viewer's locker: the items with one title and album
/// artist (ignoring case).
pub struct LockerAlbum(pub AlbumGroup);

#[Object]
impl LockerAlbum {
    pub async fn id(&self) -> ID {
        keyed_id_of(self.0.album.key)
    }

    async fn title(&self) -> &str {
        &self.0.album.title
    }

    /// The album artist, or the artist where none is tagged.
    async fn artist(&self) -> &str {
        &self.0.album.artist
    }

    /// The id of its album artist (a `LockerArtist`).
    async fn artist_id(&self) -> ID {
        keyed_id_of(self.0.album.artist_key)
    }

    /// The latest year of its items.
    async fn year(&self) -> Option<i32> {
        self.0.album.year
    }

    /// The first, alphabetically, of its items' genres.
    async fn genre(&self) -> Option<&str> {
        self.0.album.genre.as_deref()
    }

    async fn track_count(&self) -> i32 {
        clamp(self.0.album.song_count)
    }

    async fn duration_ms(&self) -> i32 {
        clamp(self.0.album.duration_ms)
    }

    /// When its first item was added to the locker.
    async fn added_at(&self) -> DateTime {
        self.0.album.created.into()
    }

    async fn starred(&self) -> bool {
        self.0.album.starred_at.is_some()
    }

    /// When the viewer starred it; null when not starred.
    async fn starred_at(&self) -> Option<DateTime> {
        self.0.album.starred_at.map(Into::into)
    }

    /// How often the viewer played its items (as their history keeps it).
    async fn play_count(&self) -> i32 {
        clamp(self.0.album.play_count)
    }

    /// In disc and track order.
    async fn items(&self) -> Vec<LockerItem> {
        self.0.items.iter().cloned().map(LockerItem).collect()
    }

    /// The `coverUrl` of the album's first item (in disc and track order)
    /// that has a cover; null when none has.
    async fn cover_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 300)] size: i32,
    ) -> Result<Option<String>> {
        let size = domain::checked_size(size)?;
        let signer = &services(ctx)?.stream_urls;
        Ok(self
            .0
            .items
            .iter()
            .find_map(|item| signer.cover_url(item, size)))
    }
}

/// A genre of the viewer's locker, as its items spell it.
#[derive(SimpleObject)]
pub struct LockerGenre {
    pub name: String,
    pub track_count: i32,
    pub album_count: i32,
}
