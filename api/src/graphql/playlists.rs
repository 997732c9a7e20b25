//! Playlists as the API shows them, and their edits.

use async_graphql::{Context, InputObject, Object, Result, Union, ID};
use entities::{playlist, playlist_entry};

use super::catalogue::Track;
use super::connection::list_complexity;
use super::connection::{paged_slice, Paged};
use super::error::dangling;
use super::ids::{id_of, require};
use super::loaders::*;
use super::locker::LockerItem;
use super::{loaders, principal, services};
use crate::domain::{GlobalId, LockerItemId, NodeKind, Page, PlaylistEntryId, PlaylistId, TrackId};
use crate::error::ApiError;
use crate::graphql::scalars::DateTime;
use crate::services::playlists::{self as domain, Playable as PlayableRef};

/// A playlist entry plays either an item of the owner's locker or a catalogue track the owner owns.
#[derive(Union)]
pub enum Playable {
    LockerItem(LockerItem),
    /// Boxed, as `LockerItem` boxes its row: the two stay the same size.
    Track(Box<Track>),
}

impl Playable {
    /// What a row naming a locker item or a catalogue track (a playlist
    /// entry, a play) plays, through the request's loaders; `from` names
    /// the row in the error should it point at nothing.
    pub async fn of_row(
        ctx: &Context<'_>,
        locker_item_id: Option<i32>,
        track_id: Option<i32>,
        from: &str,
    ) -> Result<Self> {
        let loaders = loaders(ctx)?;
        if let Some(id) = locker_item_id {
            return loaders
                .load_one(LockerItemOfViewer(id))
                .await?
                .map(|item| Playable::LockerItem(LockerItem::from(item)))
                .ok_or_else(|| dangling(from, "locker item"));
        }
        let id = track_id.ok_or_else(|| dangling(from, "item"))?;
        loaders
            .load_one(TrackById(id))
            .await?
            .map(|track| Playable::Track(Box::new(Track(track))))
            .ok_or_else(|| dangling(from, "track"))
    }
}

pub struct Playlist(pub playlist::Model);

#[Object]
impl Playlist {
    pub async fn id(&self) -> ID {
        id_of(PlaylistId(self.0.id))
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

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }

    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

pub struct PlaylistEntry(pub playlist_entry::Model);

#[Object]
impl PlaylistEntry {
    async fn id(&self) -> ID {
        id_of(PlaylistEntryId(self.0.id))
    }

    /// From 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn item(&self, ctx: &Context<'_>) -> Result<Playable> {
        Playable::of_row(
            ctx,
            self.0.locker_item_id,
            self.0.track_id,
            "playlist entry",
        )
        .await
    }

    async fn added_at(&self) -> DateTime {
        self.0.added_at.into()
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
fn playables(ids: &[ID]) -> Result<Vec<PlayableRef>, ApiError> {
    ids.iter()
        .map(|id| {
            let id = GlobalId::decode(id)?;
            match id.kind {
                NodeKind::LockerItem => Ok(PlayableRef::LockerItem(LockerItemId(id.id))),
                NodeKind::Track => Ok(PlayableRef::Track(TrackId(id.id))),
                _ => Err(ApiError::NotFound("item")),
            }
        })
        .collect()
}

#[derive(Default)]
pub struct PlaylistsMutation;

#[Object]
impl PlaylistsMutation {
    async fn create_playlist(
        &self,
        ctx: &Context<'_>,
        input: CreatePlaylistInput,
    ) -> Result<Playlist> {
        let user = principal(ctx)?.require_user()?;
        let items = playables(input.item_ids.as_deref().unwrap_or_default())?;
        let created = services(ctx)?
            .playlists
            .create(user, &input.name, input.description, &items)
            .await?;
        Ok(Playlist(created))
    }

    async fn update_playlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePlaylistInput,
    ) -> Result<Playlist> {
        let user = principal(ctx)?.require_user()?;
        let updated = services(ctx)?
            .playlists
            .update(user, require::<PlaylistId>(&id, "playlist")?, input.into())
            .await?;
        Ok(Playlist(updated))
    }

    /// Inserts the items at `position` (from 0; the end when left out).
    async fn add_to_playlist(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        item_ids: Vec<ID>,
        position: Option<i32>,
    ) -> Result<Playlist> {
        let user = principal(ctx)?.require_user()?;
        let id = require::<PlaylistId>(&playlist_id, "playlist")?;
        let playlist = services(ctx)?
            .playlists
            .add(user, id, &playables(&item_ids)?, position)
            .await?;
        Ok(Playlist(playlist))
    }

    async fn remove_from_playlist(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        entry_ids: Vec<ID>,
    ) -> Result<Playlist> {
        let user = principal(ctx)?.require_user()?;
        let id = require::<PlaylistId>(&playlist_id, "playlist")?;
        let entries = entry_ids
            .iter()
            .map(|entry| require::<PlaylistEntryId>(entry, "playlist entry"))
            .collect::<Result<Vec<_>, _>>()?;
        let playlist = services(ctx)?.playlists.remove(user, id, &entries).await?;
        Ok(Playlist(playlist))
    }

    /// Moves an entry to `toPosition` (from 0); the others close ranks.
    async fn move_playlist_entry(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        entry_id: ID,
        to_position: i32,
    ) -> Result<Playlist> {
        let user = principal(ctx)?.require_user()?;
        let id = require::<PlaylistId>(&playlist_id, "playlist")?;
        let entry = require::<PlaylistEntryId>(&entry_id, "playlist entry")?;
        let playlist = services(ctx)?
            .playlists
            .move_entry(user, id, entry, to_position)
            .await?;
        Ok(Playlist(playlist))
    }

    async fn delete_playlist(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let user = principal(ctx)?.require_user()?;
        services(ctx)?
            .playlists
            .delete(user, require::<PlaylistId>(&id, "playlist")?)
            .await?;
        Ok(id)
    }
}
