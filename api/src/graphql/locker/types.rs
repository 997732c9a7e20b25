//! The locker's items and albums as the API shows them (an item names its
//! album, an album holds its items). Every item reached here was loaded
//! through the owner-scoped locker service. An album's id is a key derived
//! from its title and album artist (`domain::locker_keys`).

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use entities::locker_item;

use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerItemId, LockerSource};
use crate::graphql::catalogue::{Product, Track};
use crate::graphql::ids::{id_of, keyed_id_of};
use crate::graphql::loaders::*;
use crate::graphql::scalars::DateTime;
use crate::graphql::scalars::Int64;
use crate::graphql::{loaders, services};
use crate::services::locker::{self as domain, AlbumGroup};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "LockerSource")]
pub enum LockerSourceGql {
    Upload,
    Purchase,
}

impl From<LockerSourceGql> for LockerSource {
    fn from(source: LockerSourceGql) -> Self {
        match source {
            LockerSourceGql::Upload => LockerSource::Upload,
            LockerSourceGql::Purchase => LockerSource::Purchase,
        }
    }
}

/// Boxed: the row is large, and enums of GraphQL objects (`Node`,
/// `Playable`, `SearchHitItem`) hold it beside smaller ones.
pub struct LockerItem(pub Box<locker_item::Model>);

impl From<locker_item::Model> for LockerItem {
    fn from(item: locker_item::Model) -> Self {
        Self(Box::new(item))
    }
}

#[Object]
impl LockerItem {
    pub async fn id(&self) -> ID {
        id_of(LockerItemId(self.0.id))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn artist(&self) -> &str {
        &self.0.artist
    }

    async fn album(&self) -> &str {
        &self.0.album
    }

    async fn album_artist(&self) -> Option<&str> {
        self.0.album_artist.as_deref()
    }

    async fn genre(&self) -> Option<&str> {
        self.0.genre.as_deref()
    }

    async fn track_number(&self) -> Option<i32> {
        self.0.track_number
    }

    async fn disc_number(&self) -> Option<i32> {
        self.0.disc_number
    }

    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }

    /// MP3, FLAC, OGG, OPUS, M4A, WAV, AIFF, ...
    async fn format(&self) -> &str {
        &self.0.format
    }

    async fn mime_type(&self) -> &str {
        &self.0.mime_type
    }

    async fn bitrate_kbps(&self) -> Option<i32> {
        self.0.bitrate_kbps
    }

    async fn sample_rate_hz(&self) -> Option<i32> {
        self.0.sample_rate_hz
    }

    async fn channels(&self) -> Option<i32> {
        self.0.channels
    }

    async fn size_bytes(&self) -> Int64 {
        Int64(self.0.size_bytes)
    }

    /// Hex SHA-256 of the stored bytes, which are the uploaded bytes unchanged.
    async fn content_hash(&self) -> &str {
        &self.0.content_hash
    }

    async fn source(&self) -> LockerSourceGql {
        match LockerSource::of_row(&self.0.source) {
            LockerSource::Purchase => LockerSourceGql::Purchase,
            LockerSource::Upload => LockerSourceGql::Upload,
        }
    }

    async fn added_at(&self) -> DateTime {
        self.0.added_at.into()
    }

    /// Short-lived signed URL (an hour): a plain GET, with or without Range,
    /// streams the original bytes. A path on this server.
    async fn stream_url(&self, ctx: &Context<'_>) -> Result<String> {
        let signer = &services(ctx)?.stream_urls;
        Ok(signer.url(&self.0))
    }

    /// Short-lived signed URL (an hour) of the picture embedded in the
    /// uploaded file, as a JPEG at most `size` pixels on a side (64, 300 or
    /// 600; others are BAD_USER_INPUT). Null when the file had none it could
    /// read, and for purchases. A path on this server, private to the owner.
    async fn cover_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 300)] size: i32,
    ) -> Result<Option<String>> {
        let size = domain::checked_size(size)?;
        Ok(services(ctx)?.stream_urls.cover_url(&self.0, size))
    }

    /// False for a purchase whose master audio is not attached yet (its
    /// `streamUrl` answers 404 until then); it becomes streamable as soon
    /// as the master is attached. Uploads always are.
    async fn streamable(&self) -> bool {
        self.0.blob_id.is_some()
    }

    /// The catalogue track this item was matched to (by ISRC).
    async fn catalogue_track(&self, ctx: &Context<'_>) -> Result<Option<Track>> {
        let Some(track_id) = self.0.catalogue_track_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(TrackById(track_id))
            .await?
            .map(Track))
    }

    /// Products related to this item that the viewer does not own yet: the
    /// matched track's own product and its album's.
    async fn buy_options(&self, ctx: &Context<'_>) -> Result<Vec<Product>> {
        let Some(track_id) = self.0.catalogue_track_id else {
            return Ok(Vec::new());
        };
        let loaders = loaders(ctx)?;
        let mut products = Vec::new();
        if let Some(product) = loaders.load_one(ProductOfTrack(track_id)).await? {
            products.push(product);
        }
        if let Some(track) = loaders.load_one(TrackById(track_id)).await? {
            if let Some(product) = loaders.load_one(ProductOfAlbum(track.album_id)).await? {
                products.push(product);
            }
        }
        let owned = loaders
            .load_many(products.iter().map(|p| OwnedByViewer(p.id)))
            .await?;
        Ok(products
            .into_iter()
            .filter(|p| p.available && !owned.get(&OwnedByViewer(p.id)).copied().unwrap_or(false))
            .map(Product)
            .collect())
    }

    /// Plays of this item never feed recommendations or statistics.
    async fn excluded_from_taste_profile(&self) -> bool {
        self.0.exclude_from_taste_profile
    }

    /// Its album's id (a `LockerAlbum`: its title and album artist).
    async fn album_id(&self) -> ID {
        keyed_id_of(LockerAlbumKey::of_row(&self.0.album_key))
    }

    /// Its artist's id (a `LockerArtist`).
    async fn artist_id(&self) -> ID {
        keyed_id_of(LockerArtistKey::of_row(&self.0.artist_key))
    }

    /// Its album, with the album's other items.
    async fn locker_album(&self, ctx: &Context<'_>) -> Result<Option<LockerAlbum>> {
        let key = LockerAlbumKey::of_row(&self.0.album_key);
        Ok(loaders(ctx)?
            .load_one(LockerAlbumOfViewer(key))
            .await?
            .map(LockerAlbum))
    }

    async fn starred(&self) -> bool {
        self.0.starred_at.is_some()
    }

    /// When the viewer starred it; null when not starred.
    async fn starred_at(&self) -> Option<DateTime> {
        self.0.starred_at.map(Into::into)
    }

    /// The viewer's rating, 1 to 5; null when unrated.
    async fn rating(&self) -> Option<i32> {
        self.0.rating
    }

    /// The unsynchronised lyrics its file's tags held (ID3v2 USLT, Vorbis
    /// LYRICS or UNSYNCEDLYRICS, MP4 ©lyr), lines apart by `\n`, at most
    /// 64 KiB; null when it held none, and for purchases.
    async fn lyrics(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        loaders(ctx)?.load_one(LyricsOfViewerItem(self.0.id)).await
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
        self.0.items.iter().cloned().map(LockerItem::from).collect()
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

#[derive(SimpleObject)]
pub struct LockerUsage {
    pub item_count: i32,
    pub used_bytes: Int64,
    pub quota_bytes: Int64,
}

#[derive(InputObject, Default)]
pub struct LockerFilter {
    /// The items' artist, by name.
    pub artist: Option<String>,
    /// The items' album, by title (of any album artist).
    pub album: Option<String>,
    pub genre: Option<String>,
    pub source: Option<LockerSourceGql>,
    /// The items whose artist (not album artist) is this `LockerArtist`.
    pub artist_id: Option<ID>,
    /// The items of this `LockerAlbum`.
    pub album_id: Option<ID>,
    /// Only starred items (true), or only the others (false).
    pub starred: Option<bool>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(name = "LockerSort")]
pub enum LockerSortGql {
    /// Newest first.
    #[default]
    AddedDesc,
    Title,
    /// By artist, album, disc and track.
    ArtistAlbum,
}

impl From<LockerSortGql> for domain::ItemSort {
    fn from(sort: LockerSortGql) -> Self {
        match sort {
            LockerSortGql::AddedDesc => domain::ItemSort::AddedDesc,
            LockerSortGql::Title => domain::ItemSort::Title,
            LockerSortGql::ArtistAlbum => domain::ItemSort::ArtistAlbum,
        }
    }
}

#[derive(InputObject, Default)]
pub struct LockerItemInput {
    pub exclude_from_taste_profile: Option<bool>,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// An empty string clears it.
    pub album_artist: Option<String>,
    /// An empty string clears it.
    pub genre: Option<String>,
    /// 0 clears it.
    pub track_number: Option<i32>,
    /// 0 clears it.
    pub disc_number: Option<i32>,
    /// 0 clears it.
    pub year: Option<i32>,
}

impl From<LockerItemInput> for domain::ItemEdit {
    fn from(input: LockerItemInput) -> Self {
        Self {
            exclude_from_taste_profile: input.exclude_from_taste_profile,
            title: input.title,
            artist: input.artist,
            album: input.album,
            album_artist: input.album_artist,
            genre: input.genre,
            track_number: input.track_number,
            disc_number: input.disc_number,
            year: input.year,
        }
    }
}

pub(super) fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
