//! `search3`: the caller's locker by words, songs from the search index
//! (typo-tolerant, as GraphQL's `search`), artists and albums by name. An
//! empty query pages through the whole library, which is how players sync
//! (500 a page of each kind).

use std::collections::HashMap;

use cadenza_search::Kind;

use super::browse::{album_element, artist_element};
use super::response::{body, Element};
use super::songs;
use super::system::check_folder;
use super::{Call, Outcome};
use crate::domain::Page;
use crate::services::locker::{AlbumList, ItemFilter, ItemSort, MAX_LIST_SIZE};
use crate::services::search::{Request, Scope};

pub async fn search3(call: &Call<'_>) -> Outcome {
    check_folder(call)?;
    let params = call.params;
    // Some players send the empty query as two quotes.
    let query = params.get("query").unwrap_or("").trim();
    let query = query.trim_matches('"').trim();
    let (artist_count, artist_offset) =
        params.window("artistCount", "artistOffset", 20, MAX_LIST_SIZE)?;
    let (album_count, album_offset) =
        params.window("albumCount", "albumOffset", 20, MAX_LIST_SIZE)?;
    let (song_count, song_offset) = params.window("songCount", "songOffset", 20, MAX_LIST_SIZE)?;
    let services = call.services();
    let locker = &services.locker;
    let user = call.player.user;
    let page = |limit: u64, offset: u64| Page { offset, limit };

    let (artists, albums, songs) = if query.is_empty() {
        let artists = if artist_count > 0 {
            locker
                .album_artists(user, page(artist_count, artist_offset))
                .await?
                .items
        } else {
            Vec::new()
        };
        let albums = if album_count > 0 {
            locker
                .album_list(
                    user,
                    &AlbumList::AlphabeticalByName,
                    page(album_count, album_offset),
                )
                .await?
        } else {
            Vec::new()
        };
        let songs = if song_count > 0 {
            locker
                .items(
                    user,
                    &ItemFilter::default(),
                    ItemSort::AddedDesc,
                    page(song_count, song_offset),
                )
                .await?
                .items
        } else {
            Vec::new()
        };
        (artists, albums, songs)
    } else {
        let artists = if artist_count > 0 {
            let keys = locker
                .album_artists_named(user, query, page(artist_count, artist_offset))
                .await?;
            let mut found = locker.artists_by_key(user, &keys).await?;
            keys.iter().filter_map(|key| found.remove(key)).collect()
        } else {
            Vec::new()
        };
        let albums = if album_count > 0 {
            let keys = locker
                .albums_named(user, query, page(album_count, album_offset))
                .await?;
            let mut found = locker.albums_by_key(user, &keys).await?;
            keys.iter()
                .filter_map(|key| found.remove(key).map(|group| group.album))
                .collect()
        } else {
            Vec::new()
        };
        let songs = if song_count > 0 {
            let results = services
                .search
                .search(Request {
                    text: query.to_owned(),
                    viewer: Some(user),
                    scope: Scope::Locker,
                    genre: None,
                    offset: song_offset as usize,
                    limit: song_count as usize,
                })
                .await?;
            let ids: Vec<i32> = results
                .hits
                .iter()
                .filter(|hit| hit.kind == Kind::LockerItem)
                .filter_map(|hit| i32::try_from(hit.id).ok())
                .collect();
            let mut found: HashMap<i32, _> = locker.items_by_id(user, &ids).await?;
            ids.iter().filter_map(|id| found.remove(id)).collect()
        } else {
            Vec::new()
        };
        (artists, albums, songs)
    };
    Ok(body()
        .child(
            Element::new("searchResult3")
                .list(
                    "artist",
                    artists
                        .iter()
                        .map(|artist| artist_element(artist, true))
                        .collect(),
                )
                .list(
                    "album",
                    albums
                        .iter()
                        .map(|album| album_element(album, true))
                        .collect(),
                )
                .list("song", songs::children("song", &songs)),
        )
        .into())
}
