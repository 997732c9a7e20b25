//! Each playlist's entries and totals, for many playlists at once (the
//! DataLoaders ask with every playlist of a page). Only ever asked for
//! playlists already found to be the viewer's.

use std::collections::HashMap;

use entities::{locker_item, playlist_entry, track};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Playlists;
use crate::error::ApiResult;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaylistStats {
    pub entries: i32,
    pub duration_ms: i32,
}

impl Playlists {
    /// How many entries each playlist has and how long it plays.
    pub async fn stats_of(&self, ids: &[i32]) -> ApiResult<HashMap<i32, PlaylistStats>> {
        let entries = playlist_entry::Entity::find()
            .filter(playlist_entry::Column::PlaylistId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        let items: Vec<i32> = entries.iter().filter_map(|e| e.locker_item_id).collect();
        let tracks: Vec<i32> = entries.iter().filter_map(|e| e.track_id).collect();
        let item_durations: HashMap<i32, i32> = locker_item::Entity::find()
            .select_only()
            .column(locker_item::Column::Id)
            .column(locker_item::Column::DurationMs)
            .filter(locker_item::Column::Id.is_in(items))
            .into_tuple::<(i32, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let track_durations: HashMap<i32, i32> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::DurationMs)
            .filter(track::Column::Id.is_in(tracks))
            .into_tuple::<(i32, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut stats: HashMap<i32, PlaylistStats> = HashMap::new();
        for entry in entries {
            let duration = entry
                .locker_item_id
                .and_then(|id| item_durations.get(&id))
                .or_else(|| entry.track_id.and_then(|id| track_durations.get(&id)))
                .copied()
                .unwrap_or(0);
            let playlist = stats.entry(entry.playlist_id).or_default();
            playlist.entries += 1;
            playlist.duration_ms = playlist.duration_ms.saturating_add(duration);
        }
        Ok(stats)
    }

    /// Each playlist's entries in position order. Only ever asked for
    /// playlists already found to be the viewer's.
    pub async fn entries_of(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<playlist_entry::Model>>> {
        let rows = playlist_entry::Entity::find()
            .filter(playlist_entry::Column::PlaylistId.is_in(ids.iter().copied()))
            .order_by_asc(playlist_entry::Column::Position)
            .order_by_asc(playlist_entry::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_playlist: HashMap<i32, Vec<playlist_entry::Model>> = HashMap::new();
        for row in rows {
            by_playlist.entry(row.playlist_id).or_default().push(row);
        }
        Ok(by_playlist)
    }
}
