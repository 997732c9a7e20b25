//! Playlists: the same playlists as GraphQL's, private to their owner.
//! Subsonic's `public` flag and other users' playlists do not exist here.

use std::collections::HashMap;

use entities::{locker_item, playlist, playlist_entry};

use super::ids;
use super::response::{body, Element, ErrorCode, Failure};
use super::songs::{self, date};
use super::{Call, Outcome};
use crate::domain::{Page, PlaylistEntryId, PlaylistId};
use crate::services::playlists::{Playable, PlaylistEdit};

/// Every playlist of the caller's, most recently changed first.
pub async fn list(call: &Call<'_>) -> Outcome {
    if let Some(name) = call.params.get("username") {
        if !name.trim().eq_ignore_ascii_case(&call.player.email) {
            return Err(Failure::new(
                ErrorCode::NotAuthorized,
                "you can only list your own playlists",
            ));
        }
    }
    let services = call.services();
    let mut playlists = Vec::new();
    let mut page = Page {
        offset: 0,
        limit: 500,
    };
    loop {
        let listing = services.playlists.list(call.player.user, page).await?;
        let got = listing.items.len() as u64;
        playlists.extend(listing.items);
        if got < page.limit || playlists.len() as u64 >= listing.total {
            break;
        }
        page.offset += got;
    }
    let ids: Vec<i32> = playlists.iter().map(|p| p.id).collect();
    let mut entries = services.playlists.entries_of(&ids).await?;
    let all: Vec<playlist_entry::Model> = entries.drain().flat_map(|(_, e)| e).collect();
    let mut totals: HashMap<i32, (i64, i64)> = HashMap::new();
    for (entry, song) in playable(call, &all).await? {
        let total = totals.entry(entry.playlist_id).or_default();
        total.0 += 1;
        total.1 += i64::from(song.duration_ms);
    }
    let elements = playlists
        .iter()
        .map(|playlist| {
            let (songs, duration) = totals.get(&playlist.id).copied().unwrap_or_default();
            header("playlist", playlist, &call.player.email, songs, duration)
        })
        .collect();
    Ok(body()
        .child(Element::new("playlists").list("playlist", elements))
        .into())
}

pub async fn get(call: &Call<'_>) -> Outcome {
    let id = ids::playlist_id(call.params.required("id")?)?;
    Ok(body().child(with_songs(call, id).await?).into())
}

/// A new playlist of `songId`s; with `playlistId`, that playlist's songs
/// replaced by them. Answers the playlist, as since Subsonic 1.14.
pub async fn create(call: &Call<'_>) -> Outcome {
    call.count_change().await?;
    let songs = song_ids(call, "songId")?;
    let services = call.services();
    let id = match call.params.get("playlistId") {
        Some(raw) => {
            let id = ids::playlist_id(raw)?;
            services
                .playlists
                .replace_entries(call.player.user, id, &songs)
                .await?;
            if let Some(name) = call.params.get("name") {
                let edit = PlaylistEdit {
                    name: Some(name.to_owned()),
                    ..Default::default()
                };
                services
                    .playlists
                    .update(call.player.user, id, edit)
                    .await?;
            }
            id
        }
        None => {
            let name = call.params.required("name")?;
            let created = services
                .playlists
                .create(call.player.user, name, None, &songs)
                .await?;
            PlaylistId(created.id)
        }
    };
    Ok(body().child(with_songs(call, id).await?).into())
}

/// Renames, re-describes, removes songs by index and adds songs, in that
/// order, as the specification lists them.
pub async fn update(call: &Call<'_>) -> Outcome {
    call.count_change().await?;
    let id = ids::playlist_id(call.params.required("playlistId")?)?;
    let user = call.player.user;
    let services = call.services();
    let adding = song_ids(call, "songIdToAdd")?;
    let mut removing = Vec::new();
    for raw in call.params.all("songIndexToRemove") {
        let index: usize = raw
            .trim()
            .parse()
            .map_err(|_| Failure::invalid("songIndexToRemove", "it is not an index"))?;
        removing.push(index);
    }
    let playlist = services
        .playlists
        .get(user, id)
        .await?
        .ok_or_else(|| Failure::not_found("playlist"))?;
    let edit = PlaylistEdit {
        name: call.params.get("name").map(str::to_owned),
        description: call
            .params
            .has("comment")
            .then(|| call.params.get("comment").unwrap_or("").to_owned()),
        exclude_from_taste_profile: None,
    };
    if edit.name.is_some() || edit.description.is_some() {
        services.playlists.update(user, id, edit).await?;
    }
    if !removing.is_empty() {
        // Indexes count the songs the player was shown (`getPlaylist`'s
        // entries), not catalogue tracks it could not list.
        let entries = playable(call, &entries_of(call, playlist.id).await?).await?;
        let mut doomed = Vec::new();
        for index in removing {
            let (entry, _) = entries.get(index).ok_or_else(|| {
                Failure::invalid(
                    "songIndexToRemove",
                    &format!("the playlist has {} songs", entries.len()),
                )
            })?;
            doomed.push(PlaylistEntryId(entry.id));
        }
        doomed.sort_unstable();
        doomed.dedup();
        services.playlists.remove(user, id, &doomed).await?;
    }
    if !adding.is_empty() {
        services.playlists.add(user, id, &adding, None).await?;
    }
    Ok(body().into())
}

pub async fn delete(call: &Call<'_>) -> Outcome {
    call.count_change().await?;
    let id = ids::playlist_id(call.params.required("id")?)?;
    call.services()
        .playlists
        .delete(call.player.user, id)
        .await?;
    Ok(body().into())
}

/// Songs named by every `name` parameter.
fn song_ids(call: &Call<'_>, name: &str) -> Result<Vec<Playable>, Failure> {
    call.params
        .all(name)
        .into_iter()
        .map(|raw| ids::song_id(raw).map(Playable::LockerItem))
        .collect()
}

/// The playlist with its songs (`entry`); a purchased track is its
/// locker item.
async fn with_songs(call: &Call<'_>, id: PlaylistId) -> Result<Element, Failure> {
    let services = call.services();
    let user = call.player.user;
    let playlist = services
        .playlists
        .get(user, id)
        .await?
        .ok_or_else(|| Failure::not_found("playlist"))?;
    let songs: Vec<locker_item::Model> = playable(call, &entries_of(call, playlist.id).await?)
        .await?
        .into_iter()
        .map(|(_, song)| song)
        .collect();
    let duration: i64 = songs.iter().map(|s| i64::from(s.duration_ms)).sum();
    Ok(header(
        "playlist",
        &playlist,
        &call.player.email,
        songs.len() as i64,
        duration,
    )
    .list("entry", songs::children("entry", &songs)))
}

/// One playlist's entries in order.
async fn entries_of(call: &Call<'_>, playlist: i32) -> Result<Vec<playlist_entry::Model>, Failure> {
    Ok(call
        .services()
        .playlists
        .entries_of(&[playlist])
        .await?
        .remove(&playlist)
        .unwrap_or_default())
}

/// The entries a player can play, in order, each with the locker item it
/// streams: a purchased catalogue track is its purchase; a catalogue track
/// not bought (GraphQL playlists may hold one) has nothing to stream and is
/// left out, of the songs, their count and their indexes alike.
async fn playable(
    call: &Call<'_>,
    entries: &[playlist_entry::Model],
) -> Result<Vec<(playlist_entry::Model, locker_item::Model)>, Failure> {
    let services = call.services();
    let user = call.player.user;
    let mut songs = Vec::with_capacity(entries.len());
    // In slices, so that every playlist of a large collection stays within
    // the databases' limits on bound parameters.
    for slice in entries.chunks(5_000) {
        let item_ids: Vec<i32> = slice.iter().filter_map(|e| e.locker_item_id).collect();
        let track_ids: Vec<i32> = slice.iter().filter_map(|e| e.track_id).collect();
        let items = services.locker.items_by_id(user, &item_ids).await?;
        let purchases = services
            .locker
            .purchases_of_tracks(user, &track_ids)
            .await?;
        songs.extend(slice.iter().filter_map(|entry| {
            let song = match (entry.locker_item_id, entry.track_id) {
                (Some(item), _) => items.get(&item),
                (None, Some(track)) => purchases.get(&track),
                (None, None) => None,
            }?;
            Some((entry.clone(), song.clone()))
        }));
    }
    Ok(songs)
}

fn header(
    name: &'static str,
    playlist: &playlist::Model,
    owner: &str,
    song_count: i64,
    duration_ms: i64,
) -> Element {
    Element::new(name)
        .attr("id", ids::playlist(playlist.id))
        .attr("name", playlist.name.as_str())
        .opt("comment", playlist.description.as_deref())
        .attr("owner", owner)
        .attr("public", false)
        .attr("songCount", song_count)
        .attr("duration", songs::seconds(duration_ms))
        .attr("created", date(playlist.created_at))
        .attr("changed", date(playlist.updated_at))
        .attr("readonly", false)
}
