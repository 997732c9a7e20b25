//! Where players have a place for recommendations: similar artists
//! (`getArtistInfo2`), songs like an artist's (`getSimilarSongs2`) and an
//! artist's top songs (`getTopSongs`). Similar artists come from the same
//! k-anonymous statistics as GraphQL's (`Artist.similarArtists`): pairs that
//! enough distinct consenting listeners share, then shared genres, so no
//! one person's habits show. Top songs are the caller's own most played.

use rand::seq::SliceRandom;

use super::browse::artist_element;
use super::ids::{self, Named};
use super::response::{body, Element, Failure};
use super::songs;
use super::{Call, Outcome};
use crate::domain::{LockerArtistKey, UserId};
use crate::services::locker::{ArtistGroup, MAX_LIST_SIZE};

/// The artist an id names: an artist's own, or a song's or an album's
/// (album) artist.
async fn artist_of(call: &Call<'_>, raw: &str) -> Result<ArtistGroup, Failure> {
    let user = call.player.user;
    let locker = &call.services().locker;
    let key = match ids::parse(raw) {
        Some(Named::Artist(key)) => key,
        Some(Named::Song(id)) => {
            let item = locker
                .item(user, id)
                .await?
                .ok_or_else(|| Failure::not_found("song"))?;
            LockerArtistKey::of_row(&item.artist_key)
        }
        Some(Named::Album(key)) => {
            let album = locker
                .album(user, key)
                .await?
                .ok_or_else(|| Failure::not_found("album"))?;
            album.album.artist_key
        }
        _ => return Err(Failure::not_found("artist")),
    };
    locker
        .artist(user, key)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))
}

/// Artists like `artist` that the caller's locker has, most similar first.
async fn similar_in_locker(
    call: &Call<'_>,
    user: UserId,
    artist: &ArtistGroup,
    count: usize,
) -> Result<(Vec<ArtistGroup>, Vec<String>), Failure> {
    let services = call.services();
    // Ask for more than wanted: not every similar artist is in the locker.
    let names = services
        .recommendations
        .similar_artist_names(&artist.name, count * 4 + 10)
        .await?;
    let keys: Vec<LockerArtistKey> = names.iter().map(|name| LockerArtistKey::of(name)).collect();
    let mut present = services.locker.artists_by_key(user, &keys).await?;
    let mut found = Vec::new();
    let mut absent = Vec::new();
    for (key, name) in keys.iter().zip(names) {
        if *key == artist.key {
            continue;
        }
        match present.remove(key) {
            Some(group) => found.push(group),
            None => absent.push(name),
        }
    }
    found.truncate(count);
    Ok((found, absent))
}

/// `getArtistInfo2` / `getArtistInfo`: similar artists in the locker;
/// with `includeNotPresent`, the catalogue's others too, by name (an id a
/// player can search the store by, not browse).
pub async fn artist_info(call: &Call<'_>, name: &'static str) -> Outcome {
    let artist = artist_of(call, call.params.required("id")?).await?;
    let (count, _) = call.params.window("count", "offset", 20, 100)?;
    let include_absent = call.params.bool("includeNotPresent", false)?;
    let (found, absent) =
        similar_in_locker(call, call.player.user, &artist, count as usize).await?;
    let element_name = "similarArtist";
    let mut similar: Vec<Element> = found
        .iter()
        .map(|group| artist_element(group, true).renamed(element_name))
        .collect();
    if include_absent {
        for name in absent
            .iter()
            .take((count as usize).saturating_sub(similar.len()))
        {
            similar.push(
                Element::new(element_name)
                    .attr("id", ids::artist(LockerArtistKey::of(name)))
                    .attr("name", name.as_str())
                    .attr("albumCount", 0),
            );
        }
    }
    Ok(body()
        .child(Element::new(name).list(element_name, similar))
        .into())
}

/// `getSimilarSongs2` / `getSimilarSongs`: songs of the locker by the
/// artist and artists like them, shuffled.
pub async fn similar_songs(call: &Call<'_>, name: &'static str) -> Outcome {
    let artist = artist_of(call, call.params.required("id")?).await?;
    let (count, _) = call.params.window("count", "offset", 50, MAX_LIST_SIZE)?;
    let user = call.player.user;
    let (similar, _) = similar_in_locker(call, user, &artist, 20).await?;
    let mut keys = vec![artist.key];
    keys.extend(similar.iter().map(|group| group.key));
    let mut items = call
        .services()
        .locker
        .items_of_artists(user, &keys, MAX_LIST_SIZE)
        .await?;
    items.shuffle(&mut rand::thread_rng());
    items.truncate(count as usize);
    Ok(body()
        .child(Element::new(name).list("song", songs::children("song", &items)))
        .into())
}

/// `getTopSongs`: by `artist` name (or `id`, the `topSongsByArtistId`
/// way), the caller's songs by them, most played by the caller first.
pub async fn top_songs(call: &Call<'_>) -> Outcome {
    let key = match (call.params.get("id"), call.params.get("artist")) {
        (Some(raw), _) => artist_of(call, raw).await?.key,
        (None, Some(name)) => LockerArtistKey::of(name),
        (None, None) => return Err(Failure::missing("artist")),
    };
    let (count, _) = call.params.window("count", "offset", 50, MAX_LIST_SIZE)?;
    let items = call
        .services()
        .locker
        .most_played_of_artist(call.player.user, key, count)
        .await?;
    Ok(body()
        .child(Element::new("topSongs").list("song", songs::children("song", &items)))
        .into())
}
