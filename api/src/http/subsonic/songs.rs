//! A locker item as Subsonic's `Child` (a song), under whichever name the
//! answer gives it (`song`, `entry`, `child`).

use chrono::{DateTime, SecondsFormat, Utc};
use entities::locker_item;

use super::ids;
use super::response::{Element, Value};

/// A date as Subsonic writes them (ISO 8601, UTC).
pub fn date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whole seconds, rounded as the web app shows them.
pub fn seconds(duration_ms: i64) -> i64 {
    (duration_ms + 500) / 1000
}

/// The file name suffix of a format, as players pick a decoder by it.
pub fn suffix(item: &locker_item::Model) -> String {
    match item.format.as_str() {
        "AAC" | "ALAC" | "MP4" | "M4A" => "m4a".to_owned(),
        "VORBIS" | "OGG" => "ogg".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

/// `items` as `Child` elements called `name`: every list of songs a
/// method answers (`song`, an album's or a queue's `entry`, a folder's
/// `child`).
pub fn children<'a>(
    name: &'static str,
    items: impl IntoIterator<Item = &'a locker_item::Model>,
) -> Vec<Element> {
    items.into_iter().map(|item| child(name, item)).collect()
}

/// `item` as a `Child` element called `name`.
pub fn child(name: &'static str, item: &locker_item::Model) -> Element {
    let album_artist = item.album_artist.as_deref().unwrap_or(&item.artist);
    let album_id = ids::album_of(item);
    let artist_id = ids::artist_of(item);
    let song_id = ids::song(item.id);
    Element::new(name)
        .attr("id", song_id.as_str())
        .attr("parent", album_id.as_str())
        .attr("isDir", false)
        .attr("title", item.title.as_str())
        .attr("album", item.album.as_str())
        .attr("artist", item.artist.as_str())
        .opt("track", item.track_number)
        .opt("year", item.year)
        .opt("genre", item.genre.as_deref())
        .opt("coverArt", item.cover_key.as_ref().map(|_| song_id.clone()))
        .attr("size", item.size_bytes)
        .attr("contentType", item.mime_type.as_str())
        .attr("suffix", suffix(item))
        .attr("duration", seconds(i64::from(item.duration_ms)))
        .opt("bitRate", item.bitrate_kbps)
        .opt("samplingRate", item.sample_rate_hz)
        .opt("channelCount", item.channels)
        .attr("path", path(item))
        .attr("isVideo", false)
        .opt("userRating", item.rating.filter(|rating| *rating > 0))
        .opt("discNumber", item.disc_number)
        .attr("created", date(item.added_at))
        .opt("starred", item.starred_at.map(date))
        .attr("albumId", album_id.as_str())
        .attr("artistId", artist_id.as_str())
        .attr("type", "music")
        .attr("mediaType", "song")
        .attr("displayArtist", item.artist.as_str())
        .attr("displayAlbumArtist", album_artist)
        .values(
            "isrc",
            item.isrc
                .iter()
                .map(|isrc| Value::from(isrc.as_str()))
                .collect(),
        )
        .list(
            "genres",
            item.genre
                .iter()
                .map(|genre| Element::new("genres").attr("name", genre.as_str()))
                .collect(),
        )
        .list(
            "artists",
            vec![Element::new("artists")
                .attr("id", artist_id.as_str())
                .attr("name", item.artist.as_str())],
        )
        .list(
            "albumArtists",
            vec![Element::new("albumArtists")
                .attr("id", ids::album_artist_of(item).as_str())
                .attr("name", album_artist)],
        )
}

/// A path as folder-browsing players show it: artist/album/track - title.
fn path(item: &locker_item::Model) -> String {
    let clean = |text: &str| text.replace('/', "_");
    let artist = clean(item.album_artist.as_deref().unwrap_or(&item.artist));
    let track = item
        .track_number
        .map(|n| format!("{n:02} - "))
        .unwrap_or_default();
    format!(
        "{artist}/{}/{track}{}.{}",
        clean(&item.album),
        clean(&item.title),
        suffix(item)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_to_the_nearest_second() {
        assert_eq!(seconds(11_499), 11);
        assert_eq!(seconds(11_500), 12);
        assert_eq!(seconds(0), 0);
    }
}
