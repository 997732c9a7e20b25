//! Listening: plays, interactions and the playback state.

use chrono::{DateTime, Utc};
use entities::{interaction, play, playback_state};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;

use super::{global, page_by_id};
use crate::domain::{
    AlbumId, ArtistId, KeyedId, LockerAlbumKey, LockerArtistKey, LockerItemId, PlayEventId,
    ProductId, TrackId, UserId,
};
use crate::error::ApiResult;
use crate::services::privacy::export::document::PAGE_ROWS;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Play {
    id: String,
    locker_item_id: Option<String>,
    track_id: Option<String>,
    /// The catalogue track the play counts as in statistics.
    statistics_track_id: Option<String>,
    ms_played: i32,
    completed: bool,
    device_id: Option<String>,
    context: Option<String>,
    /// Kept in the history, never fed to a statistic.
    excluded_from_statistics: bool,
    played_at: DateTime<Utc>,
}

/// Every play, oldest first.
pub(in crate::services::privacy::export) async fn plays(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Play)>> {
    let select = play::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, play::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                Play {
                    id: global::<PlayEventId>(row.id),
                    locker_item_id: row.locker_item_id.map(global::<LockerItemId>),
                    track_id: row.track_id.map(global::<TrackId>),
                    statistics_track_id: row.stats_track_id.map(global::<TrackId>),
                    ms_played: row.ms_played,
                    completed: row.completed,
                    device_id: row.device_id,
                    context: row.context,
                    excluded_from_statistics: row.excluded,
                    played_at: row.played_at,
                },
            )
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Interaction {
    /// As the API's `InteractionKind` names it.
    kind: String,
    artist_id: Option<String>,
    album_id: Option<String>,
    product_id: Option<String>,
    genre: Option<String>,
    query: Option<String>,
    occurred_at: DateTime<Utc>,
    /// The locker item, album or artist starred.
    locker_item_id: Option<String>,
    locker_album_id: Option<String>,
    locker_artist_id: Option<String>,
}

/// Every interaction, oldest first.
pub(in crate::services::privacy::export) async fn interactions(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Interaction)>> {
    let select = interaction::Entity::find().filter(interaction::Column::UserId.eq(user.0));
    let rows = page_by_id(db, select, interaction::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = row.locker_key.as_deref();
            let (locker_album_id, locker_artist_id) = match row.kind.as_str() {
                "STAR_LOCKER_ALBUM" => (key.map(|k| LockerAlbumKey::of_row(k).encode()), None),
                "STAR_LOCKER_ARTIST" => (None, key.map(|k| LockerArtistKey::of_row(k).encode())),
                _ => (None, None),
            };
            (
                row.id,
                Interaction {
                    kind: row.kind,
                    artist_id: row.artist_id.map(global::<ArtistId>),
                    album_id: row.album_id.map(global::<AlbumId>),
                    product_id: row.product_id.map(global::<ProductId>),
                    genre: row.genre,
                    query: row.query,
                    occurred_at: row.occurred_at,
                    locker_item_id: row.locker_item_id.map(global::<LockerItemId>),
                    locker_album_id,
                    locker_artist_id,
                },
            )
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Playback {
    device_id: String,
    locker_item_id: Option<String>,
    track_id: Option<String>,
    position_ms: i32,
    playing: bool,
    updated_at: DateTime<Utc>,
    queue: Vec<String>,
    queue_index: Option<i32>,
}

/// Where playback stands across devices; null when never reported.
pub(in crate::services::privacy::export) async fn playback(
    db: &DatabaseConnection,
    user: UserId,
) -> ApiResult<Option<Playback>> {
    let row = playback_state::Entity::find_owned_by(user.0)
        .one(db)
        .await?;
    Ok(row.map(|row| Playback {
        queue: row
            .queue_ids()
            .into_iter()
            .map(global::<LockerItemId>)
            .collect(),
        queue_index: row.queue_index,
        device_id: row.device_id,
        locker_item_id: row.locker_item_id.map(global::<LockerItemId>),
        track_id: row.track_id.map(global::<TrackId>),
        position_ms: row.position_ms,
        playing: row.playing,
        updated_at: row.updated_at,
    }))
}
