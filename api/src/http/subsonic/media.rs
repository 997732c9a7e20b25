//! Media: a song's original bytes (`stream`, `download`), its cover
//! (`getCoverArt`) and its lyrics as the file's tags carry them.

use actix_web::http::header;
use actix_web::HttpResponse;

use super::ids::{self, Named};
use super::response::{body, Element, ErrorCode, Failure};
use super::{Answer, Call, Outcome};
use crate::domain::LockerItemId;
use crate::http::stream;
use crate::services::media::cover::THUMBNAIL_SIZES;

/// `stream` and `download`: the bytes exactly as uploaded (a purchase, its
/// master), with Range. Nothing is transcoded, whatever `format` or
/// `maxBitRate` ask: players play the original.
pub async fn stream(call: &Call<'_>) -> Outcome {
    let id = ids::song_id(call.params.required("id")?)?;
    match stream::send(call.req, call.state, call.player.user, id).await {
        Ok(response) => Ok(Answer::Raw(response)),
        Err(stream::Failure::NotFound) => Err(Failure::not_found("song")),
        Err(stream::Failure::Internal(err)) => {
            tracing::error!(error = %err, "streaming over /rest failed");
            Err(Failure::new(ErrorCode::Generic, "internal error"))
        }
    }
}

/// The thumbnail size for `size`: the smallest made at least that large,
/// or the largest; none asked is the largest.
fn thumbnail_for(size: Option<i64>) -> u32 {
    let largest = THUMBNAIL_SIZES[THUMBNAIL_SIZES.len() - 1];
    match size {
        None => largest,
        Some(size) => THUMBNAIL_SIZES
            .into_iter()
            .find(|made| i64::from(*made) >= size)
            .unwrap_or(largest),
    }
}

/// A cover by a song's, an album's or an artist's id (the first of the
/// album's or artist's songs that has one), as a JPEG.
pub async fn cover_art(call: &Call<'_>) -> Outcome {
    let raw = call.params.required("id")?;
    let size = thumbnail_for(call.params.int_in("size", 1, 10_000)?);
    let user = call.player.user;
    let locker = &call.services().locker;
    let item: Option<LockerItemId> = match ids::parse(raw) {
        Some(Named::Song(id)) => Some(id),
        Some(Named::Album(key)) => locker
            .album(user, key)
            .await?
            .and_then(|group| group.album.cover_item),
        Some(Named::Artist(key)) => locker
            .albums_of_artist(user, key)
            .await?
            .iter()
            .find_map(|album| album.cover_item),
        _ => None,
    };
    let Some(item) = item else {
        return Err(Failure::not_found("cover art"));
    };
    let cover = locker
        .cover(user, item, size)
        .await?
        .ok_or_else(|| Failure::not_found("cover art"))?;
    Ok(Answer::Raw(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/jpeg"))
            .insert_header((header::ETAG, cover.etag))
            .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(cover.bytes),
    ))
}

/// `getLyricsBySongId` (the `songLyrics` extension): the lyrics the file's
/// tags carry, timed when they are in LRC form; an empty list when none.
pub async fn lyrics_by_song_id(call: &Call<'_>) -> Outcome {
    let id = ids::song_id(call.params.required("id")?)?;
    let locker = &call.services().locker;
    let item = locker
        .item(call.player.user, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    let lyrics = locker.lyrics(call.player.user, id).await?;
    let structured: Vec<Element> = lyrics
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            let lines = parse_lyrics(text);
            let synced = lines.iter().all(|(start, _)| start.is_some());
            Element::new("structuredLyrics")
                .attr("displayArtist", item.artist.as_str())
                .attr("displayTitle", item.title.as_str())
                .attr("lang", "und")
                .attr("synced", synced)
                .list(
                    "line",
                    lines
                        .into_iter()
                        .map(|(start, text)| {
                            Element::new("line")
                                .opt("start", start.filter(|_| synced))
                                .text(text)
                        })
                        .collect(),
                )
        })
        .into_iter()
        .collect();
    Ok(body()
        .child(Element::new("lyricsList").list("structuredLyrics", structured))
        .into())
}

/// `getLyrics` (Subsonic's own): by artist and title, among the caller's
/// songs; the first match's lyrics as plain text, empty when none.
pub async fn lyrics(call: &Call<'_>) -> Outcome {
    let artist = call.params.get("artist");
    let title = call.params.get("title");
    let found = call
        .services()
        .locker
        .find_lyrics(call.player.user, artist, title)
        .await?;
    let mut element = Element::new("lyrics");
    if let Some((item, lyrics)) = &found {
        element = element
            .attr("artist", item.artist.as_str())
            .attr("title", item.title.as_str());
        let text: Vec<String> = parse_lyrics(lyrics)
            .into_iter()
            .map(|(_, line)| line)
            .collect();
        element = element.text(text.join("\n"));
    }
    Ok(body().child(element).into())
}

/// Lines of lyrics, each with its start in milliseconds when the text is
/// LRC (`[mm:ss.xx]line`); LRC's tags (`[ar:…]`) are left out.
fn parse_lyrics(text: &str) -> Vec<(Option<i64>, String)> {
    let mut lines = Vec::new();
    for raw in text.lines() {
        let raw = raw.trim_end_matches('\r');
        match lrc_line(raw) {
            Some(LrcLine::Timed(starts, line)) => {
                for start in starts {
                    lines.push((Some(start), line.clone()));
                }
            }
            Some(LrcLine::Tag) => {}
            None => lines.push((None, raw.to_owned())),
        }
    }
    // Timed lines in time order, as LRC allows them in any.
    if lines.iter().all(|(start, _)| start.is_some()) {
        lines.sort_by_key(|(start, _)| *start);
    }
    // No trailing blank lines.
    while lines.last().is_some_and(|(_, line)| line.trim().is_empty()) {
        lines.pop();
    }
    lines
}

enum LrcLine {
    Timed(Vec<i64>, String),
    Tag,
}

fn lrc_line(raw: &str) -> Option<LrcLine> {
    let mut rest = raw.trim_start();
    if !rest.starts_with('[') {
        return None;
    }
    let mut starts = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let (stamp, after) = inner.split_once(']')?;
        match timestamp(stamp) {
            Some(ms) => starts.push(ms),
            None if starts.is_empty() && stamp.contains(':') => return Some(LrcLine::Tag),
            None => return None,
        }
        rest = after;
    }
    Some(LrcLine::Timed(starts, rest.trim().to_owned()))
}

/// `mm:ss`, `mm:ss.xx` or `mm:ss.xxx` in milliseconds.
fn timestamp(stamp: &str) -> Option<i64> {
    let (minutes, seconds) = stamp.split_once(':')?;
    let minutes: u32 = minutes.trim().parse().ok()?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
    let whole: i64 = whole.trim().parse().ok()?;
    if !(0..60).contains(&whole) || fraction.is_empty() || fraction.len() > 3 {
        return None;
    }
    let fraction_ms: i64 = format!("{fraction:0<3}").parse().ok()?;
    i64::from(minutes)
        .checked_mul(60_000)?
        .checked_add(whole * 1000 + fraction_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lyrics_are_lines_without_times() {
        let lines = parse_lyrics("First line\r\nSecond line\n\n");
        assert_eq!(
            lines,
            vec![
                (None, "First line".to_owned()),
                (None, "Second line".to_owned())
            ]
        );
    }

    #[test]
    fn lrc_lyrics_are_timed_and_sorted() {
        let lines = parse_lyrics("[ar:Someone]\n[00:12.50]Second\n[00:01.00][00:20.1]Twice\n");
        assert_eq!(
            lines,
            vec![
                (Some(1_000), "Twice".to_owned()),
                (Some(12_500), "Second".to_owned()),
                (Some(20_100), "Twice".to_owned()),
            ]
        );
    }

    #[test]
    fn sizes_pick_a_thumbnail_at_least_as_large() {
        assert_eq!(thumbnail_for(Some(50)), 64);
        assert_eq!(thumbnail_for(Some(64)), 64);
        assert_eq!(thumbnail_for(Some(200)), 300);
        assert_eq!(thumbnail_for(Some(2000)), 600);
        assert_eq!(thumbnail_for(None), 600);
    }
}
