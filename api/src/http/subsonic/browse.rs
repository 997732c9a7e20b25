//! Browsing by tags (`getArtists`, `getArtist`, `getAlbum`, `getSong`) and
//! by folders, for older players (`getIndexes`, `getMusicDirectory`): the
//! folders are the tags too, artist → album → songs.

use entities::locker_item;

use super::ids::{self, Named};
use super::response::{body, Element, Failure};
use super::songs::{self, date};
use super::system::{check_folder, LOCKER_FOLDER};
use super::{Call, Outcome};
use crate::domain::{Page, UserId};
use crate::services::locker::{AlbumSummary, ArtistGroup, Locker};

/// The articles an index ignores at the start of a name.
pub const IGNORED_ARTICLES: &str = "The El La Los Las Le Les";

/// An artist: `ArtistID3` (`id3`), or Subsonic's folder `Artist`.
pub fn artist_element(artist: &ArtistGroup, id3: bool) -> Element {
    let element = Element::new("artist")
        .attr("id", ids::artist(artist.key))
        .attr("name", artist.name.as_str());
    if id3 {
        element
            .attr("coverArt", ids::artist(artist.key))
            .attr("albumCount", artist.album_count)
            .opt("starred", artist.starred_at.map(date))
    } else {
        element.opt("starred", artist.starred_at.map(date))
    }
}

/// An album: `AlbumID3` (`id3`), or a folder `Child` (what `getAlbumList`
/// and `getStarred` give).
pub fn album_element(album: &AlbumSummary, id3: bool) -> Element {
    let id = ids::album(album.key);
    let cover = album.cover_item.map(|item| ids::song(item.0));
    if !id3 {
        return Element::new("album")
            .attr("id", id)
            .attr("parent", ids::artist(album.artist_key))
            .attr("isDir", true)
            .attr("title", album.title.as_str())
            .attr("album", album.title.as_str())
            .attr("artist", album.artist.as_str())
            .opt("year", album.year)
            .opt("genre", album.genre.as_deref())
            .opt("coverArt", cover)
            .attr("duration", songs::seconds(album.duration_ms))
            .attr("playCount", album.play_count)
            .attr("created", date(album.created))
            .opt("starred", album.starred_at.map(date))
            .attr("artistId", ids::artist(album.artist_key));
    }
    id3_album("album", album)
}

fn id3_album(name: &'static str, album: &AlbumSummary) -> Element {
    Element::new(name)
        .attr("id", ids::album(album.key))
        .attr("name", album.title.as_str())
        .attr("artist", album.artist.as_str())
        .attr("artistId", ids::artist(album.artist_key))
        .opt("coverArt", album.cover_item.map(|item| ids::song(item.0)))
        .attr("songCount", album.song_count)
        .attr("duration", songs::seconds(album.duration_ms))
        .attr("playCount", album.play_count)
        .attr("created", date(album.created))
        .opt("starred", album.starred_at.map(date))
        .opt("year", album.year)
        .opt("genre", album.genre.as_deref())
        .opt("played", album.last_played.map(date))
        .attr("displayArtist", album.artist.as_str())
        .list(
            "genres",
            album
                .genre
                .iter()
                .map(|genre| Element::new("genres").attr("name", genre.as_str()))
                .collect(),
        )
        .list(
            "artists",
            vec![Element::new("artists")
                .attr("id", ids::artist(album.artist_key))
                .attr("name", album.artist.as_str())],
        )
}

/// Every album artist of the locker, a page at a time.
async fn all_album_artists(locker: &Locker, user: UserId) -> Result<Vec<ArtistGroup>, Failure> {
    let mut artists = Vec::new();
    let mut page = Page {
        offset: 0,
        limit: 500,
    };
    loop {
        let listing = locker.album_artists(user, page).await?;
        let got = listing.items.len() as u64;
        artists.extend(listing.items);
        if got < page.limit {
            return Ok(artists);
        }
        page.offset += got;
    }
}

/// The letter a name is indexed under: its first after an ignored
/// article, in upper case; `#` for anything but a letter.
fn index_letter(name: &str) -> String {
    let trimmed = name.trim();
    let mut rest = trimmed;
    for article in IGNORED_ARTICLES.split(' ') {
        if let Some(after) = trimmed
            .get(..article.len())
            .filter(|start| start.eq_ignore_ascii_case(article))
            .and_then(|_| trimmed.get(article.len()..))
            .filter(|after| after.starts_with(' '))
        {
            rest = after.trim_start();
            break;
        }
    }
    match rest.chars().next() {
        Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
        _ => "#".to_owned(),
    }
}

/// Artists grouped by index letter, letters in order (`#` last).
fn indexed(artists: &[ArtistGroup], id3: bool) -> Vec<Element> {
    let mut groups: Vec<(String, Vec<Element>)> = Vec::new();
    let mut sorted: Vec<(String, &ArtistGroup)> = artists
        .iter()
        .map(|artist| (index_letter(&artist.name), artist))
        .collect();
    sorted.sort_by(|(a, x), (b, y)| {
        (a == "#")
            .cmp(&(b == "#"))
            .then_with(|| a.cmp(b))
            .then_with(|| x.name.to_lowercase().cmp(&y.name.to_lowercase()))
    });
    for (letter, artist) in sorted {
        let element = artist_element(artist, id3);
        match groups.last_mut() {
            Some((last, members)) if *last == letter => members.push(element),
            _ => groups.push((letter, vec![element])),
        }
    }
    groups
        .into_iter()
        .map(|(letter, members)| {
            Element::new("index")
                .attr("name", letter)
                .list("artist", members)
        })
        .collect()
}

pub async fn artists(call: &Call<'_>) -> Outcome {
    check_folder(call)?;
    let artists = all_album_artists(&call.services().locker, call.player.user).await?;
    Ok(body()
        .child(
            Element::new("artists")
                .attr("ignoredArticles", IGNORED_ARTICLES)
                .list("index", indexed(&artists, true)),
        )
        .into())
}

/// The folder index. With `ifModifiedSince` (milliseconds) and nothing
/// changed since, the index is left out, as the specification allows.
pub async fn indexes(call: &Call<'_>) -> Outcome {
    check_folder(call)?;
    let locker = &call.services().locker;
    let user = call.player.user;
    let last_modified = locker
        .last_changed(user)
        .await?
        .map(|at| at.timestamp_millis())
        .unwrap_or(0);
    let mut element = Element::new("indexes")
        .attr("ignoredArticles", IGNORED_ARTICLES)
        .attr("lastModified", last_modified);
    let unchanged = call
        .params
        .int("ifModifiedSince")?
        .is_some_and(|since| since >= last_modified);
    if !unchanged {
        let artists = all_album_artists(locker, user).await?;
        element = element.list("index", indexed(&artists, false));
    }
    Ok(body().child(element).into())
}

pub async fn artist(call: &Call<'_>) -> Outcome {
    let key = ids::artist_id(call.params.required("id")?)?;
    let locker = &call.services().locker;
    let user = call.player.user;
    let artist = locker
        .artist(user, key)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))?;
    let albums = locker.albums_of_artist(user, key).await?;
    Ok(body()
        .child(
            artist_element(&artist, true).list(
                "album",
                albums
                    .iter()
                    .map(|album| album_element(album, true))
                    .collect(),
            ),
        )
        .into())
}

pub async fn album(call: &Call<'_>) -> Outcome {
    let key = ids::album_id(call.params.required("id")?)?;
    let group = call
        .services()
        .locker
        .album(call.player.user, key)
        .await?
        .ok_or_else(|| Failure::not_found("album"))?;
    Ok(body()
        .child(id3_album("album", &group.album).list("song", songs::children("song", &group.items)))
        .into())
}

pub async fn song(call: &Call<'_>) -> Outcome {
    let id = ids::song_id(call.params.required("id")?)?;
    let item: locker_item::Model = call
        .services()
        .locker
        .item(call.player.user, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    Ok(body().child(songs::child("song", &item)).into())
}

/// A folder: the music folder (its artists), an artist (their albums) or
/// an album (its songs).
pub async fn directory(call: &Call<'_>) -> Outcome {
    let raw = call.params.required("id")?;
    let locker = &call.services().locker;
    let user = call.player.user;
    let directory = match ids::parse(raw) {
        Some(Named::Folder) => {
            let artists = all_album_artists(locker, user).await?;
            Element::new("directory")
                .attr("id", LOCKER_FOLDER)
                .attr("name", "Locker")
                .list(
                    "child",
                    artists
                        .iter()
                        .map(|artist| {
                            Element::new("child")
                                .attr("id", ids::artist(artist.key))
                                .attr("parent", LOCKER_FOLDER)
                                .attr("isDir", true)
                                .attr("title", artist.name.as_str())
                                .attr("artist", artist.name.as_str())
                                .opt("starred", artist.starred_at.map(date))
                        })
                        .collect(),
                )
        }
        Some(Named::Artist(key)) => {
            let artist = locker
                .artist(user, key)
                .await?
                .ok_or_else(|| Failure::not_found("artist"))?;
            let albums = locker.albums_of_artist(user, key).await?;
            Element::new("directory")
                .attr("id", ids::artist(key))
                .attr("parent", LOCKER_FOLDER)
                .attr("name", artist.name.as_str())
                .opt("starred", artist.starred_at.map(date))
                .list(
                    "child",
                    albums
                        .iter()
                        .map(|album| album_element(album, false).renamed("child"))
                        .collect(),
                )
        }
        Some(Named::Album(key)) => {
            let group = locker
                .album(user, key)
                .await?
                .ok_or_else(|| Failure::not_found("album"))?;
            Element::new("directory")
                .attr("id", ids::album(key))
                .attr("parent", ids::artist(group.album.artist_key))
                .attr("name", group.album.title.as_str())
                .opt("starred", group.album.starred_at.map(date))
                .attr("playCount", group.album.play_count)
                .list("child", songs::children("child", &group.items))
        }
        _ => return Err(Failure::not_found("directory")),
    };
    Ok(body().child(directory).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_index_under_their_first_letter_after_an_article() {
        assert_eq!(index_letter("The Beatles"), "B");
        assert_eq!(index_letter("theatre of tragedy"), "T");
        assert_eq!(index_letter("Los Lobos"), "L");
        assert_eq!(index_letter("élodie"), "É");
        assert_eq!(index_letter("2Pac"), "#");
        assert_eq!(index_letter(""), "#");
        assert_eq!(index_letter("The"), "T");
    }
}
