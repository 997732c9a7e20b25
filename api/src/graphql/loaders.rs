//! Every parent-to-child lookup behind a loader, registered in one place,
//! batched per request by `batch::Batcher`.
//!
//! One `RequestLoader` is built per request. It carries the viewer, so the
//! viewer-specific keys (what the viewer owns, the viewer's locker items)
//! can never leak between requests, and its cache lives exactly as long as
//! the request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entities::{album, artist, locker_item, playlist_entry, product, review, track};

use super::batch::Batcher;
use crate::domain::{LockerAlbumKey, UserId};
use crate::error::ApiError;
use crate::services::locker::AlbumGroup;
use crate::services::playlists::PlaylistStats;
use crate::services::Services;

/// Shared by the operations of one batch, which all carry the same viewer.
pub type Loaders = std::sync::Arc<Batcher<RequestLoader>>;

pub struct RequestLoader {
    services: Services,
    viewer: Option<UserId>,
}

impl RequestLoader {
    pub fn for_request(services: Services, viewer: Option<UserId>) -> Loaders {
        std::sync::Arc::new(Batcher::new(Self { services, viewer }))
    }
}

/// Most top tracks, similar artists and so on a field will ever show.
pub const MAX_RELATED: usize = 100;

macro_rules! key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub i32);
    };
}

key!(ArtistById);
key!(AlbumById);
key!(TrackById);
key!(ProductById);
key!(ReviewById);
key!(
    /// An artist's genres.
    GenresOfArtist
);
key!(
    /// An artist's albums, newest first.
    AlbumsOfArtist
);
key!(
    /// An album's tracks in disc and track order.
    TracksOfAlbum
);
key!(TopTracksOfArtist);
key!(ProductOfTrack);
key!(ProductOfAlbum);
key!(ReviewsOfProduct);
key!(SimilarArtists);
key!(AlsoBought);
key!(BoughtByListenersOf);
key!(
    /// Whether the viewer owns a product.
    OwnedByViewer
);
key!(
    /// Entry count and duration of a playlist.
    PlaylistStatsOf
);
key!(
    /// A playlist's entries in position order.
    EntriesOfPlaylist
);
key!(
    /// A locker item of the viewer's; nobody else's ever loads.
    LockerItemOfViewer
);
key!(
    /// The lyrics of a locker item of the viewer's.
    LyricsOfViewerItem
);

/// An album of the viewer's locker, with its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockerAlbumOfViewer(pub LockerAlbumKey);

fn load_error(err: ApiError) -> async_graphql::Error {
    err.into()
}

fn unwrap_keys<K: Copy>(keys: &[K], id: impl Fn(K) -> i32) -> Vec<i32> {
    keys.iter().map(|key| id(*key)).collect()
}

fn rekey<K, V>(map: HashMap<i32, V>, key: impl Fn(i32) -> K) -> HashMap<K, V>
where
    K: std::hash::Hash + Eq,
{
    map.into_iter()
        .map(|(id, value)| (key(id), value))
        .collect()
}

macro_rules! loader {
    ($key:ident => $value:ty, |$services:ident, $ids:ident| $body:expr) => {
        impl Loader<$key> for RequestLoader {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let $ids = unwrap_keys(keys, |key| key.0);
                let $services = &self.services;
                let loaded = $body.await.map_err(load_error)?;
                Ok(rekey(loaded, $key))
            }
        }
    };
}

loader!(ArtistById => artist::Model, |s, ids| s.catalogue.artists_by_id(&ids));
loader!(AlbumById => album::Model, |s, ids| s.catalogue.albums_by_id(&ids));
loader!(TrackById => track::Model, |s, ids| s.catalogue.tracks_by_id(&ids));
loader!(ProductById => product::Model, |s, ids| s.catalogue.products_by_id(&ids));
loader!(ReviewById => review::Model, |s, ids| s.reviews.by_id(&ids));
loader!(GenresOfArtist => Vec<String>, |s, ids| s.catalogue.genres_of_artists(&ids));
loader!(AlbumsOfArtist => Vec<album::Model>, |s, ids| s.catalogue.albums_of_artists(&ids));
loader!(TracksOfAlbum => Vec<track::Model>, |s, ids| s.catalogue.tracks_of_albums(&ids));
loader!(TopTracksOfArtist => Vec<track::Model>, |s, ids| s.catalogue.top_tracks_of_artists(&ids, MAX_RELATED));
loader!(ProductOfTrack => product::Model, |s, ids| s.catalogue.products_of_tracks(&ids));
loader!(ProductOfAlbum => product::Model, |s, ids| s.catalogue.products_of_albums(&ids));
loader!(ReviewsOfProduct => Vec<review::Model>, |s, ids| s.reviews.of_products(&ids));
loader!(SimilarArtists => Vec<i32>, |s, ids| s.recommendations.similar_artists(&ids, MAX_RELATED));
loader!(AlsoBought => Vec<i32>, |s, ids| s.recommendations.also_bought(&ids));
loader!(BoughtByListenersOf => Vec<i32>, |s, ids| s.recommendations.bought_by_listeners_of(&ids));
loader!(PlaylistStatsOf => PlaylistStats, |s, ids| s.playlists.stats_of(&ids));
loader!(EntriesOfPlaylist => Vec<playlist_entry::Model>, |s, ids| s.playlists.entries_of(&ids));

impl Loader<LockerItemOfViewer> for RequestLoader {
    type Value = locker_item::Model;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[LockerItemOfViewer],
    ) -> Result<HashMap<LockerItemOfViewer, locker_item::Model>, Self::Error> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let ids = unwrap_keys(keys, |key| key.0);
        let items = self
            .services
            .locker
            .items_by_id(viewer, &ids)
            .await
            .map_err(load_error)?;
        Ok(rekey(items, LockerItemOfViewer))
    }
}

impl Loader<LyricsOfViewerItem> for RequestLoader {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[LyricsOfViewerItem],
    ) -> Result<HashMap<LyricsOfViewerItem, String>, Self::Error> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let ids = unwrap_keys(keys, |key| key.0);
        let lyrics = self
            .services
            .locker
            .lyrics_of(viewer, &ids)
            .await
            .map_err(load_error)?;
        Ok(rekey(lyrics, LyricsOfViewerItem))
    }
}

impl Loader<LockerAlbumOfViewer> for RequestLoader {
    type Value = AlbumGroup;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[LockerAlbumOfViewer],
    ) -> Result<HashMap<LockerAlbumOfViewer, AlbumGroup>, Self::Error> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let albums: Vec<LockerAlbumKey> = keys.iter().map(|key| key.0).collect();
        let groups = self
            .services
            .locker
            .albums_by_key(viewer, &albums)
            .await
            .map_err(load_error)?;
        Ok(groups
            .into_iter()
            .map(|(key, group)| (LockerAlbumOfViewer(key), group))
            .collect())
    }
}

impl Loader<OwnedByViewer> for RequestLoader {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[OwnedByViewer],
    ) -> Result<HashMap<OwnedByViewer, bool>, Self::Error> {
        let Some(viewer) = self.viewer else {
            return Ok(keys.iter().map(|key| (*key, false)).collect());
        };
        let ids = unwrap_keys(keys, |key| key.0);
        let owned = self
            .services
            .entitlements
            .owned_products(viewer, &ids)
            .await
            .map_err(load_error)?;
        Ok(keys
            .iter()
            .map(|key| (*key, owned.contains(&key.0)))
            .collect())
    }
}
