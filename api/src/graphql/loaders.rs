//! Every parent-to-child lookup behind a DataLoader, registered in one place.
//!
//! One `CatalogueLoader` is built per request. It carries the viewer, so the
//! viewer-specific keys (what the viewer owns) can never leak between
//! requests, and its cache lives exactly as long as the request.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entities::{album, artist, locker_item, playlist_entry, product, review, track};

use crate::error::ApiError;
use crate::services::catalogue::{Catalogue, PlaylistStats};

/// Shared by the operations of one batch, which all carry the same viewer.
pub type Loaders = std::sync::Arc<DataLoader<CatalogueLoader, HashMapCache>>;

pub struct CatalogueLoader {
    catalogue: Catalogue,
    viewer: Option<i32>,
}

impl CatalogueLoader {
    pub fn for_request(catalogue: Catalogue, viewer: Option<i32>) -> Loaders {
        // The default batching window (1 ms on tokio's timer) is kept: with
        // none, a level's loads sometimes split into two fetches, and load
        // tests showed no throughput to win by dropping it.
        std::sync::Arc::new(DataLoader::with_cache(
            Self { catalogue, viewer },
            tokio::spawn,
            HashMapCache::default(),
        ))
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
    ($key:ident => $value:ty, |$catalogue:ident, $ids:ident| $body:expr) => {
        impl Loader<$key> for CatalogueLoader {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let $ids = unwrap_keys(keys, |key| key.0);
                let $catalogue = &self.catalogue;
                let loaded = $body.await.map_err(load_error)?;
                Ok(rekey(loaded, $key))
            }
        }
    };
}

loader!(ArtistById => artist::Model, |c, ids| c.artists_by_id(&ids));
loader!(AlbumById => album::Model, |c, ids| c.albums_by_id(&ids));
loader!(TrackById => track::Model, |c, ids| c.tracks_by_id(&ids));
loader!(ProductById => product::Model, |c, ids| c.products_by_id(&ids));
loader!(ReviewById => review::Model, |c, ids| c.reviews_by_id(&ids));
loader!(GenresOfArtist => Vec<String>, |c, ids| c.genres_of_artists(&ids));
loader!(AlbumsOfArtist => Vec<album::Model>, |c, ids| c.albums_of_artists(&ids));
loader!(TracksOfAlbum => Vec<track::Model>, |c, ids| c.tracks_of_albums(&ids));
loader!(TopTracksOfArtist => Vec<track::Model>, |c, ids| c.top_tracks_of_artists(&ids, MAX_RELATED));
loader!(ProductOfTrack => product::Model, |c, ids| c.products_of_tracks(&ids));
loader!(ProductOfAlbum => product::Model, |c, ids| c.products_of_albums(&ids));
loader!(ReviewsOfProduct => Vec<review::Model>, |c, ids| c.reviews_of_products(&ids));
loader!(SimilarArtists => Vec<i32>, |c, ids| c.similar_artists(&ids, MAX_RELATED));
loader!(AlsoBought => Vec<i32>, |c, ids| c.also_bought(&ids));
loader!(BoughtByListenersOf => Vec<i32>, |c, ids| c.bought_by_listeners_of(&ids));
loader!(PlaylistStatsOf => PlaylistStats, |c, ids| c.playlist_stats(&ids));
loader!(EntriesOfPlaylist => Vec<playlist_entry::Model>, |c, ids| c.entries_of_playlists(&ids));

impl Loader<LockerItemOfViewer> for CatalogueLoader {
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
            .catalogue
            .locker_items_of(viewer, &ids)
            .await
            .map_err(load_error)?;
        Ok(rekey(items, LockerItemOfViewer))
    }
}

impl Loader<OwnedByViewer> for CatalogueLoader {
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
            .catalogue
            .owned_by(viewer, &ids)
            .await
            .map_err(load_error)?;
        Ok(keys
            .iter()
            .map(|key| (*key, owned.contains(&key.0)))
            .collect())
    }
}
