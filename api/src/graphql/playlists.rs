//! Playlists as the API shows them.

use async_graphql::{Context, InputObject, Object, Result, Union, ID};
use chrono::{DateTime, Utc};
use entities::{playlist, playlist_entry};

use super::catalogue::Track;
use super::connection::{paged_slice, Paged};
use super::loaders::*;
use super::locker::LockerItem;
use super::{dangling, loaders};
use crate::error::ApiError;
use crate::ids::{list_complexity, GlobalId, NodeKind, Page};
use crate::services::playlists::{self as domain, Playable as PlayableRef};

/// A playlist entry plays either an item of the owner's locker or a catalogue track the owner owns.
#[derive(Union)]
pub enum Playable {
    LockerItem(LockerItem),
    Track(Track),
}

pub struct Playlist(pub playlist::Model);

#[Object]
impl Playlist {
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Playlist, self.0.id).encode()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn item_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let stats = loaders(ctx)?.load_one(PlaylistStatsOf(self.0.id)).await?;
        Ok(stats.map(|s| s.entries).unwrap_or(0))
    }

    async fn duration_ms(&self, ctx: &Context<'_>) -> Result<i32> {
        let stats = loaders(ctx)?.load_one(PlaylistStatsOf(self.0.id)).await?;
        Ok(stats.map(|s| s.duration_ms).unwrap_or(0))
    }

    /// In playlist order; positions count from 0.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<PlaylistEntry>> {
        let page = Page::parse(first, after.as_deref())?;
        let entries = loaders(ctx)?
            .load_one(EntriesOfPlaylist(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(paged_slice(&entries, page, PlaylistEntry))
    }

    /// Plays started from this playlist never feed recommendations or statistics.
    async fn excluded_from_taste_profile(&self) -> bool {
        self.0.exclude_from_taste_profile
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct PlaylistEntry(pub playlist_entry::Model);

#[Object]
impl PlaylistEntry {
    async fn id(&self) -> ID {
        GlobalId::new(NodeKind::PlaylistEntry, self.0.id).encode()
    }

    /// From 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn item(&self, ctx: &Context<'_>) -> Result<Playable> {
        let loaders = loaders(ctx)?;
        if let Some(id) = self.0.locker_item_id {
            return loaders
                .load_one(LockerItemOfViewer(id))
                .await?
                .map(|item| Playable::LockerItem(LockerItem(item)))
                .ok_or_else(|| dangling("playlist entry", "locker item"));
        }
        let id = self
            .0
            .track_id
            .ok_or_else(|| dangling("playlist entry", "item"))?;
        loaders
            .load_one(TrackById(id))
            .await?
            .map(|track| Playable::Track(Track(track)))
            .ok_or_else(|| dangling("playlist entry", "track"))
    }

    async fn added_at(&self) -> DateTime<Utc> {
        self.0.added_at
    }
}

#[derive(InputObject)]
pub struct CreatePlaylistInput {
    pub name: String,
    pub description: Option<String>,
    /// Locker item or catalogue track IDs, in order.
    pub item_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UpdatePlaylistInput {
    pub name: Option<String>,
    /// An empty string clears it.
    pub description: Option<String>,
    pub exclude_from_taste_profile: Option<bool>,
}

impl From<UpdatePlaylistInput> for domain::PlaylistEdit {
    fn from(input: UpdatePlaylistInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            exclude_from_taste_profile: input.exclude_from_taste_profile,
        }
    }
}

/// What the IDs name: locker items or catalogue tracks. Any other ID names
/// nothing playable, so it is NOT_FOUND.
pub fn playables(ids: &[ID]) -> Result<Vec<PlayableRef>, ApiError> {
    ids.iter()
        .map(|id| {
            let id = GlobalId::decode(id)?;
            match id.kind {
                NodeKind::LockerItem => Ok(PlayableRef::LockerItem(id.id)),
                NodeKind::Track => Ok(PlayableRef::Track(id.id)),
                _ => Err(ApiError::NotFound("item")),
            }
        })
        .collect()
}

pub fn decode_playlist_id(id: &ID) -> Result<i32, ApiError> {
    GlobalId::decode_as(id, NodeKind::Playlist)?.ok_or(ApiError::NotFound("playlist"))
}

pub fn decode_entry_id(id: &ID) -> Result<i32, ApiError> {
    GlobalId::decode_as(id, NodeKind::PlaylistEntry)?.ok_or(ApiError::NotFound("playlist entry"))
}
