//! What a player reports and marks: scrobbles (plays, through the same path
//! as GraphQL's `recordPlay`, so history off, private sessions and
//! exclusions hold), "now playing" and the play queue (the listener's one
//! playback state, shared with the web app and GraphQL), stars and ratings.

use chrono::{TimeZone, Utc};
use entities::{locker_item, playback_state};

use super::ids::{self, Named};
use super::response::{body, Element, Failure};
use super::songs::{self, date};
use super::{browse, Call, Outcome};
use crate::domain::{LockerItemId, Page};
use crate::services::listening::StarTarget;
use crate::services::listening::{queue_of, NewPlay, NewPlayback, Played, MAX_QUEUE};
use crate::services::locker::MAX_LIST_SIZE;

/// The device a player reports as: its `c`, so the web app can say which
/// player has the music.
fn device(call: &Call<'_>) -> String {
    let client: String = call
        .params
        .get("c")
        .unwrap_or("Subsonic player")
        .chars()
        .take(180)
        .collect();
    format!("subsonic:{client}")
}

/// `submission=true` (the default): each `id` a completed play, at `time`
/// when given. `submission=false`: "now playing", the listener's playback
/// state (never a play, never history).
pub async fn scrobble(call: &Call<'_>) -> Outcome {
    call.count_change().await?;
    let songs: Vec<LockerItemId> = call
        .params
        .all("id")
        .into_iter()
        .map(ids::song_id)
        .collect::<Result<_, _>>()?;
    if songs.is_empty() {
        return Err(Failure::missing("id"));
    }
    let submission = call.params.bool("submission", true)?;
    let services = call.services();
    let user = call.player.user;
    if !submission {
        let id = songs[songs.len() - 1];
        services
            .playback
            .update(
                user,
                NewPlayback {
                    device_id: device(call),
                    item: Some(Played::LockerItem(id)),
                    position_ms: 0,
                    playing: true,
                    queue: None,
                    queue_index: None,
                },
            )
            .await?;
        return Ok(body().into());
    }
    // Every song is the listener's before any play is written, so a
    // player retrying a batch never records its first plays twice.
    let raw: Vec<i32> = songs.iter().map(|id| id.0).collect();
    let found = services.locker.items_by_id(user, &raw).await?;
    if songs.iter().any(|id| !found.contains_key(&id.0)) {
        return Err(Failure::not_found("song"));
    }
    // Times and limits are checked before anything is written too.
    // The n-th `time` dates the n-th `id`; a blank one is "now".
    let mut times = Vec::new();
    for raw in call.params.by_place("time") {
        let Some(raw) = raw else {
            times.push(None);
            continue;
        };
        let ms: i64 = raw
            .trim()
            .parse()
            .map_err(|_| Failure::invalid("time", "it is not milliseconds since 1970"))?;
        times.push(Some(
            Utc.timestamp_millis_opt(ms)
                .single()
                .ok_or_else(|| Failure::invalid("time", "it is out of range"))?,
        ));
    }
    // Each play counts against the limit, as `recordPlay` does (the
    // request itself counted the first).
    for _ in 1..songs.len() {
        call.count_change().await?;
    }
    for (index, id) in songs.iter().enumerate() {
        let played_at = times.get(index).copied().flatten();
        let Some(item) = found.get(&id.0) else {
            return Err(Failure::not_found("song"));
        };
        // A scrobble says the song was listened to: all of it.
        services
            .listening
            .record_play(
                user,
                NewPlay {
                    item: Played::LockerItem(*id),
                    ms_played: item.duration_ms.max(0),
                    completed: true,
                    device_id: Some(device(call)),
                    context: None,
                    played_at,
                },
            )
            .await?;
    }
    Ok(body().into())
}

/// Only the caller's own devices, and only while one plays: Subsonic shows
/// everyone's, Cadenza never does.
pub async fn now_playing(call: &Call<'_>) -> Outcome {
    let services = call.services();
    let user = call.player.user;
    let mut entries = Vec::new();
    if let Some(state) = services.playback.current(user).await? {
        if let (true, Some(item_id)) = (state.playing, state.locker_item_id) {
            if let Some(item) = services.locker.item(user, LockerItemId(item_id)).await? {
                let minutes = (Utc::now() - state.updated_at).num_minutes().max(0);
                entries.push(
                    songs::child("entry", &item)
                        .attr("username", call.player.email.as_str())
                        .attr("minutesAgo", minutes)
                        .attr("playerId", player_id(&state.device_id))
                        .attr("playerName", player_name(&state.device_id))
                        .attr("state", "playing")
                        .attr("positionMs", state.position_ms),
                );
            }
        }
    }
    Ok(body()
        .child(Element::new("nowPlaying").list("entry", entries))
        .into())
}

/// A number for a device, stable for its name.
fn player_id(device: &str) -> i64 {
    device
        .bytes()
        .fold(17i64, |acc, b| (acc * 31 + i64::from(b)) % 1_000_000_007)
}

fn player_name(device: &str) -> &str {
    device.strip_prefix("subsonic:").unwrap_or(device)
}

/// The listener's queue and where they are in it; by index with
/// `by_index` (the `indexBasedQueue` extension).
pub async fn play_queue(call: &Call<'_>, by_index: bool) -> Outcome {
    let services = call.services();
    let user = call.player.user;
    let name = if by_index {
        "playQueueByIndex"
    } else {
        "playQueue"
    };
    let Some(state) = services.playback.current(user).await? else {
        // Nothing saved yet: no queue (the specification's empty answer).
        return Ok(body().into());
    };
    let mut queue = queue_of(&state);
    if queue.is_empty() {
        if let Some(current) = state.locker_item_id {
            queue.push(LockerItemId(current));
        }
    }
    let ids: Vec<i32> = queue.iter().map(|id| id.0).collect();
    let found = services.locker.items_by_id(user, &ids).await?;
    let entries: Vec<&locker_item::Model> = ids.iter().filter_map(|id| found.get(id)).collect();
    // The saved place, while the songs up to it are all still there;
    // else the current song's first place.
    let saved = state
        .queue_index
        .and_then(|index| usize::try_from(index).ok())
        .filter(|index| {
            entries.len() == ids.len()
                && entries.get(*index).map(|item| item.id) == state.locker_item_id
        });
    let current_index = saved.or_else(|| {
        state
            .locker_item_id
            .and_then(|current| entries.iter().position(|item| item.id == current))
    });
    let mut element = Element::new(name);
    element = if by_index {
        element.opt("currentIndex", current_index.map(|i| i as i64))
    } else {
        element.opt("current", current_index.map(|i| ids::song(entries[i].id)))
    };
    element = element
        .attr("position", i64::from(state.position_ms))
        .attr("username", call.player.email.as_str())
        .attr("changed", date(state.updated_at))
        .attr("changedBy", player_name(&state.device_id))
        .list("entry", songs::children("entry", entries));
    Ok(body().child(element).into())
}

/// Saves the queue as the listener's playback state: the web app and
/// GraphQL's `viewer.playback` see it at once. No `id` clears the queue.
pub async fn save_play_queue(call: &Call<'_>, by_index: bool) -> Outcome {
    call.count_change().await?;
    let queue: Vec<LockerItemId> = call
        .params
        .all("id")
        .into_iter()
        .map(ids::song_id)
        .collect::<Result<_, _>>()?;
    let (current, index) = if by_index {
        match call.params.int("currentIndex")? {
            Some(index) => {
                let index = usize::try_from(index)
                    .ok()
                    .filter(|index| *index < queue.len())
                    .ok_or_else(|| {
                        Failure::invalid(
                            "currentIndex",
                            &format!("the queue has {} songs", queue.len()),
                        )
                    })?;
                (Some(queue[index]), Some(index))
            }
            None if queue.is_empty() => (None, None),
            None => return Err(Failure::missing("currentIndex")),
        }
    } else {
        match call.params.get("current") {
            Some(raw) => (Some(ids::song_id(raw)?), None),
            None => (queue.first().copied(), None),
        }
    };
    let (queue, index) = kept_of_queue(queue, current, index);
    let position = call.params.int_in("position", 0, i64::from(i32::MAX))?;
    let services = call.services();
    let user = call.player.user;
    let device = device(call);
    // Saving a queue does not stop the music: a device that said it plays
    // still does.
    let playing = services
        .playback
        .current(user)
        .await?
        .is_some_and(|state: playback_state::Model| state.playing && state.device_id == device);
    services
        .playback
        .update(
            user,
            NewPlayback {
                device_id: device,
                item: current.map(Played::LockerItem),
                position_ms: if current.is_some() {
                    position.unwrap_or(0) as i32
                } else {
                    0
                },
                playing,
                queue: Some(queue),
                queue_index: index,
            },
        )
        .await?;
    Ok(body().into())
}

/// The part of a player's queue Cadenza keeps: all of it up to
/// `MAX_QUEUE` songs; of a longer one (a player queueing a whole library),
/// the `MAX_QUEUE` songs from the current one on, or the first ones, and
/// the current song's place in them. A player expects its queue saved, not
/// refused for its length.
fn kept_of_queue(
    queue: Vec<LockerItemId>,
    current: Option<LockerItemId>,
    index: Option<usize>,
) -> (Vec<LockerItemId>, Option<usize>) {
    if queue.len() <= MAX_QUEUE {
        return (queue, index);
    }
    let at = index
        .or_else(|| current.and_then(|current| queue.iter().position(|id| *id == current)))
        .unwrap_or(0);
    let start = at.min(queue.len() - MAX_QUEUE);
    let kept = queue[start..start + MAX_QUEUE].to_vec();
    (kept, index.map(|index| index - start))
}

/// `star` and `unstar`: songs, albums and artists by `id` (any of the
/// three), `albumId` and `artistId`; all of them or none.
pub async fn star(call: &Call<'_>, starred: bool) -> Outcome {
    call.count_change().await?;
    let mut targets = Vec::new();
    for raw in call.params.all("id") {
        targets.push(match ids::parse(raw) {
            Some(Named::Song(id)) => StarTarget::Item(id),
            Some(Named::Album(key)) => StarTarget::Album(key),
            Some(Named::Artist(key)) => StarTarget::Artist(key),
            _ => return Err(Failure::not_found("song, album or artist")),
        });
    }
    for raw in call.params.all("albumId") {
        targets.push(StarTarget::Album(ids::album_id(raw)?));
    }
    for raw in call.params.all("artistId") {
        targets.push(StarTarget::Artist(ids::artist_id(raw)?));
    }
    if targets.is_empty() {
        return Err(Failure::missing("id, albumId or artistId"));
    }
    let listening = &call.services().listening;
    if starred {
        listening.star(call.player.user, &targets).await?;
    } else {
        listening.unstar(call.player.user, &targets).await?;
    }
    Ok(body().into())
}

/// A song's rating, 1 to 5, or 0 to remove it. Albums and artists are not
/// rated in Cadenza: their ids are "not found" here.
pub async fn set_rating(call: &Call<'_>) -> Outcome {
    call.count_change().await?;
    let id = ids::song_id(call.params.required("id")?)?;
    let rating = call.params.required_int("rating")?;
    let rating =
        i32::try_from(rating).map_err(|_| Failure::invalid("rating", "it must be from 0 to 5"))?;
    call.services()
        .listening
        .rate(call.player.user, id, rating)
        .await?;
    Ok(body().into())
}

/// What the listener starred, latest first: artists, albums and songs
/// (500 of each at most).
pub async fn starred(call: &Call<'_>, name: &'static str) -> Outcome {
    let locker = &call.services().locker;
    let user = call.player.user;
    let page = Page {
        offset: 0,
        limit: MAX_LIST_SIZE,
    };
    let artists = locker.starred_artists(user, page).await?;
    let albums = locker.starred_albums(user, page).await?;
    let items = locker.starred_items(user, page).await?;
    let id3 = name == "starred2";
    Ok(body()
        .child(
            Element::new(name)
                .list(
                    "artist",
                    artists
                        .iter()
                        .map(|artist| browse::artist_element(artist, id3))
                        .collect(),
                )
                .list(
                    "album",
                    albums
                        .iter()
                        .map(|album| browse::album_element(album, id3))
                        .collect(),
                )
                .list("song", songs::children("song", &items)),
        )
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<i32>) -> Vec<LockerItemId> {
        range.map(LockerItemId).collect()
    }

    #[test]
    fn a_long_queue_keeps_the_songs_from_the_current_one_on() {
        let short = ids(0..10);
        assert_eq!(
            kept_of_queue(short.clone(), None, Some(3)),
            (short, Some(3))
        );

        let long = ids(0..MAX_QUEUE as i32 + 100);
        let (kept, index) = kept_of_queue(long.clone(), None, Some(40));
        assert_eq!(kept.len(), MAX_QUEUE);
        assert_eq!((kept[0], index), (LockerItemId(40), Some(0)));
        // Near the end, the last MAX_QUEUE, the current one among them.
        let (kept, index) = kept_of_queue(long.clone(), None, Some(MAX_QUEUE + 90));
        assert_eq!(kept.last(), long.last());
        assert_eq!(kept[index.unwrap()], LockerItemId(MAX_QUEUE as i32 + 90));
        // By id (the older form), and with no current song: the first.
        let (kept, index) = kept_of_queue(long.clone(), Some(LockerItemId(7)), None);
        assert_eq!((kept[0], index), (LockerItemId(7), None));
        let (kept, _) = kept_of_queue(long, None, None);
        assert_eq!(kept[0], LockerItemId(0));
    }
}
