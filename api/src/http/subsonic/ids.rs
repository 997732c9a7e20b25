//! Ids as players see them: the GraphQL API's own global IDs, so a song,
//! a playlist, an album or an artist has one id in both APIs. An id that
//! does not decode, or names another kind, is "not found" (error 70),
//! exactly like another listener's.

use entities::locker_item;

use super::response::Failure;
use crate::domain::{AnyId, KeyedId, LockerAlbumKey, LockerArtistKey, NodeKind};
use crate::domain::{EntityId, LockerItemId, PlaylistId};

pub fn song(id: i32) -> String {
    LockerItemId(id).global().encode()
}

pub fn playlist(id: i32) -> String {
    PlaylistId(id).global().encode()
}

pub fn album(key: LockerAlbumKey) -> String {
    key.encode()
}

pub fn artist(key: LockerArtistKey) -> String {
    key.encode()
}

pub fn album_of(item: &locker_item::Model) -> String {
    album(LockerAlbumKey::of_row(&item.album_key))
}

/// The track artist's id.
pub fn artist_of(item: &locker_item::Model) -> String {
    artist(LockerArtistKey::of_row(&item.artist_key))
}

/// The album artist's id (the track artist where none is tagged).
pub fn album_artist_of(item: &locker_item::Model) -> String {
    artist(LockerArtistKey::of_row(&item.album_artist_key))
}

/// What an id names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Song(LockerItemId),
    Album(LockerAlbumKey),
    Artist(LockerArtistKey),
    Playlist(PlaylistId),
    /// The music folder (`getMusicDirectory` of the folder itself).
    Folder,
}

pub fn parse(raw: &str) -> Option<Named> {
    let raw = raw.trim();
    if raw == super::system::LOCKER_FOLDER.to_string() {
        return Some(Named::Folder);
    }
    match AnyId::decode(raw).ok()? {
        AnyId::LockerAlbum(key) => Some(Named::Album(key)),
        AnyId::LockerArtist(key) => Some(Named::Artist(key)),
        AnyId::Row(global) => match global.kind {
            NodeKind::LockerItem => Some(Named::Song(LockerItemId(global.id))),
            NodeKind::Playlist => Some(Named::Playlist(PlaylistId(global.id))),
            _ => None,
        },
    }
}

/// A song's id, or error 70.
pub fn song_id(raw: &str) -> Result<LockerItemId, Failure> {
    match parse(raw) {
        Some(Named::Song(id)) => Ok(id),
        _ => Err(Failure::not_found("song")),
    }
}

pub fn album_id(raw: &str) -> Result<LockerAlbumKey, Failure> {
    match parse(raw) {
        Some(Named::Album(key)) => Ok(key),
        _ => Err(Failure::not_found("album")),
    }
}

pub fn artist_id(raw: &str) -> Result<LockerArtistKey, Failure> {
    match parse(raw) {
        Some(Named::Artist(key)) => Ok(key),
        _ => Err(Failure::not_found("artist")),
    }
}

pub fn playlist_id(raw: &str) -> Result<PlaylistId, Failure> {
    match parse(raw) {
        Some(Named::Playlist(id)) => Ok(id),
        _ => Err(Failure::not_found("playlist")),
    }
}
