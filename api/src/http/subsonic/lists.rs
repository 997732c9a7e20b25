//! Lists: albums by every `getAlbumList2` type, random songs, genres and
//! songs by genre, all of the caller's locker.

use super::browse::album_element;
use super::response::{body, Element, ErrorCode, Failure};
use super::songs;
use super::system::check_folder;
use super::{Call, Outcome};
use crate::domain::Page;
use crate::services::locker::{AlbumList, RandomSongs, MAX_LIST_SIZE};

fn year(call: &Call<'_>, name: &str) -> Result<Option<i32>, Failure> {
    Ok(call.params.int_in(name, 0, 9999)?.map(|year| year as i32))
}

/// `getAlbumList2` (`albumList2`, `AlbumID3`s) and `getAlbumList`
/// (`albumList`, folder `Child`ren). `highest` is empty: Cadenza rates
/// songs, not albums.
pub async fn album_list(call: &Call<'_>, name: &'static str) -> Outcome {
    check_folder(call)?;
    let kind = call.params.required("type")?;
    let list = match kind {
        "random" => AlbumList::Random,
        "newest" => AlbumList::Newest,
        "frequent" => AlbumList::Frequent,
        "recent" => AlbumList::Recent,
        "starred" => AlbumList::Starred,
        "alphabeticalByName" => AlbumList::AlphabeticalByName,
        "alphabeticalByArtist" => AlbumList::AlphabeticalByArtist,
        "byYear" => AlbumList::ByYear {
            from: year(call, "fromYear")?.ok_or_else(|| Failure::missing("fromYear"))?,
            to: year(call, "toYear")?.ok_or_else(|| Failure::missing("toYear"))?,
        },
        "byGenre" => AlbumList::ByGenre {
            genre: call.params.required("genre")?.to_owned(),
        },
        "highest" => {
            return Ok(body()
                .child(Element::new(name).list("album", Vec::new()))
                .into())
        }
        other => {
            return Err(Failure::new(
                ErrorCode::Generic,
                format!("unknown list type {other}: random, newest, frequent, recent, starred, alphabeticalByName, alphabeticalByArtist, byYear or byGenre"),
            ))
        }
    };
    let (size, offset) = call.params.window("size", "offset", 10, MAX_LIST_SIZE)?;
    let albums = call
        .services()
        .locker
        .album_list(
            call.player.user,
            &list,
            Page {
                offset,
                limit: size,
            },
        )
        .await?;
    let id3 = name == "albumList2";
    Ok(body()
        .child(
            Element::new(name).list(
                "album",
                albums
                    .iter()
                    .map(|album| album_element(album, id3))
                    .collect(),
            ),
        )
        .into())
}

pub async fn random_songs(call: &Call<'_>) -> Outcome {
    check_folder(call)?;
    let (size, _) = call.params.window("size", "offset", 10, MAX_LIST_SIZE)?;
    let pick = RandomSongs {
        size,
        genre: call.params.get("genre").map(str::to_owned),
        from_year: year(call, "fromYear")?,
        to_year: year(call, "toYear")?,
    };
    let items = call
        .services()
        .locker
        .random_songs(call.player.user, &pick)
        .await?;
    Ok(body()
        .child(Element::new("randomSongs").list("song", songs::children("song", &items)))
        .into())
}

pub async fn genres(call: &Call<'_>) -> Outcome {
    let genres = call.services().locker.genres(call.player.user).await?;
    Ok(body()
        .child(
            Element::new("genres").list(
                "genre",
                genres
                    .iter()
                    .map(|genre| {
                        Element::new("genre")
                            .attr("songCount", genre.song_count)
                            .attr("albumCount", genre.album_count)
                            .text(genre.name.as_str())
                    })
                    .collect(),
            ),
        )
        .into())
}

pub async fn songs_by_genre(call: &Call<'_>) -> Outcome {
    check_folder(call)?;
    let genre = call.params.required("genre")?;
    let (count, offset) = call.params.window("count", "offset", 10, MAX_LIST_SIZE)?;
    let items = call
        .services()
        .locker
        .songs_by_genre(
            call.player.user,
            genre,
            Page {
                offset,
                limit: count,
            },
        )
        .await?;
    Ok(body()
        .child(Element::new("songsByGenre").list("song", songs::children("song", &items)))
        .into())
}
