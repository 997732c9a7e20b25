//! The library: locker items (with a stream URL for each that has audio,
//! which is how the export hands over the audio itself, a cover URL for
//! each with a cover, their stars, ratings and lyrics), the locker's
//! starred albums and artists, and playlists with their entries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{locker_item, locker_lyrics, locker_star, playlist, playlist_entry};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::{global, page_by_id};
use crate::domain::{
    KeyedId, LockerAlbumKey, LockerArtistKey, LockerItemId, LockerSource, PlaylistEntryId,
    PlaylistId, TrackId, UserId,
};
use crate::error::ApiResult;
use crate::services::privacy::export::document::PAGE_ROWS;
use crate::services::signed_urls::SignedUrls;

/// Playlists read per page: each brings all its entries (up to 10,000),
/// so a page of them stays about the size of a page of other rows.
const PLAYLISTS_PER_PAGE: u64 = 20;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct LockerItem {
    id: String,
    source: &'static str,
    title: String,
    artist: String,
    album: String,
    album_artist: Option<String>,
    genre: Option<String>,
    track_number: Option<i32>,
    disc_number: Option<i32>,
    year: Option<i32>,
    isrc: Option<String>,
    duration_ms: i32,
    format: String,
    mime_type: String,
    bitrate_kbps: Option<i32>,
    sample_rate_hz: Option<i32>,
    channels: Option<i32>,
    size_bytes: i64,
    content_hash: String,
    catalogue_track_id: Option<String>,
    excluded_from_taste_profile: bool,
    added_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Streams the item's bytes until the export expires; null for a
    /// purchase whose master audio is not attached yet.
    stream_url: Option<String>,
    /// The item's cover as a JPEG of at most `EXPORT_COVER_SIZE` pixels a
    /// side until the export expires; null when it has none.
    cover_url: Option<String>,
    /// The ids of its artist, album artist and album, as the API and the
    /// `lockerStars` section name them.
    locker_artist_id: String,
    locker_album_artist_id: String,
    locker_album_id: String,
    starred_at: Option<DateTime<Utc>>,
    rating: Option<i32>,
    /// The lyrics its file's tags held.
    lyrics: Option<String>,
}

/// The size of the covers an export links: the largest there is.
const EXPORT_COVER_SIZE: u32 = 600;

pub(in crate::services::privacy::export) async fn locker(
    db: &DatabaseConnection,
    stream_urls: &SignedUrls,
    user: UserId,
    expires: i64,
    after: i32,
) -> ApiResult<Vec<(i32, LockerItem)>> {
    let select = locker_item::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, locker_item::Column::Id, after, PAGE_ROWS).await?;
    let mut lyrics: HashMap<i32, String> = locker_lyrics::Entity::find_owned_by(user.0)
        .filter(locker_lyrics::Column::LockerItemId.is_in(rows.iter().map(|row| row.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.locker_item_id, row.lyrics))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let stream_url = row
                .blob_id
                .is_some()
                .then(|| stream_urls.url_until(&row, expires));
            let cover_url = stream_urls.cover_url_until(&row, EXPORT_COVER_SIZE, expires);
            (
                row.id,
                LockerItem {
                    id: global::<LockerItemId>(row.id),
                    source: LockerSource::of_row(&row.source).as_str(),
                    title: row.title,
                    artist: row.artist,
                    album: row.album,
                    album_artist: row.album_artist,
                    genre: row.genre,
                    track_number: row.track_number,
                    disc_number: row.disc_number,
                    year: row.year,
                    isrc: row.isrc,
                    duration_ms: row.duration_ms,
                    format: row.format,
                    mime_type: row.mime_type,
                    bitrate_kbps: row.bitrate_kbps,
                    sample_rate_hz: row.sample_rate_hz,
                    channels: row.channels,
                    size_bytes: row.size_bytes,
                    content_hash: row.content_hash,
                    catalogue_track_id: row.catalogue_track_id.map(global::<TrackId>),
                    excluded_from_taste_profile: row.exclude_from_taste_profile,
                    added_at: row.added_at,
                    updated_at: row.updated_at,
                    stream_url,
                    cover_url,
                    locker_artist_id: LockerArtistKey::of_row(&row.artist_key).encode(),
                    locker_album_artist_id: LockerArtistKey::of_row(&row.album_artist_key).encode(),
                    locker_album_id: LockerAlbumKey::of_row(&row.album_key).encode(),
                    starred_at: row.starred_at,
                    rating: row.rating,
                    lyrics: lyrics.remove(&row.id),
                },
            )
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct LockerStar {
    /// `LOCKER_ALBUM` or `LOCKER_ARTIST`.
    kind: &'static str,
    /// The album's or artist's id, as the locker items name it.
    id: String,
    starred_at: DateTime<Utc>,
}

/// The albums and artists of the locker the listener starred (items carry
/// their own `starredAt`), oldest first.
pub(in crate::services::privacy::export) async fn locker_stars(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, LockerStar)>> {
    let select = locker_star::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, locker_star::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (kind, id) = if row.kind == locker_star::KIND_ALBUM {
                ("LOCKER_ALBUM", LockerAlbumKey::of_row(&row.key).encode())
            } else {
                ("LOCKER_ARTIST", LockerArtistKey::of_row(&row.key).encode())
            };
            let star = LockerStar {
                kind,
                id,
                starred_at: row.starred_at,
            };
            (row.id, star)
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Playlist {
    id: String,
    name: String,
    description: Option<String>,
    excluded_from_taste_profile: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    entries: Vec<PlaylistEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlaylistEntry {
    id: String,
    position: i32,
    locker_item_id: Option<String>,
    track_id: Option<String>,
    added_at: DateTime<Utc>,
}

/// Playlists, each with its entries in their order.
pub(in crate::services::privacy::export) async fn playlists(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Playlist)>> {
    let select = playlist::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, playlist::Column::Id, after, PLAYLISTS_PER_PAGE).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let entries = playlist_entry::Entity::find()
        .filter(playlist_entry::Column::PlaylistId.is_in(rows.iter().map(|p| p.id)))
        .order_by_asc(playlist_entry::Column::PlaylistId)
        .order_by_asc(playlist_entry::Column::Position)
        .all(db)
        .await?;
    let mut by_playlist: HashMap<i32, Vec<PlaylistEntry>> = HashMap::new();
    for entry in entries {
        by_playlist
            .entry(entry.playlist_id)
            .or_default()
            .push(PlaylistEntry {
                id: global::<PlaylistEntryId>(entry.id),
                position: entry.position,
                locker_item_id: entry.locker_item_id.map(global::<LockerItemId>),
                track_id: entry.track_id.map(global::<TrackId>),
                added_at: entry.added_at,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                Playlist {
                    id: global::<PlaylistId>(row.id),
                    entries: by_playlist.remove(&row.id).unwrap_or_default(),
                    name: row.name,
                    description: row.description,
                    excluded_from_taste_profile: row.exclude_from_taste_profile,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                },
            )
        })
        .collect())
}
