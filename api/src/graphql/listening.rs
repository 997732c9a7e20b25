//! Plays as the API shows them, and recording them.

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};
use entities::play;

use super::ids::{id_of, require};
use super::playlists::Playable;
use super::{principal, services};
use crate::domain::{
    AlbumId, ArtistId, GlobalId, LockerItemId, NodeKind, PlayEventId, ProductId, TrackId,
};
use crate::error::ApiError;
use crate::services::listening::{NewInteraction, NewPlay, Played};

/// One play in the viewer's history.
pub struct PlayEvent(pub play::Model);

#[Object]
impl PlayEvent {
    async fn id(&self) -> ID {
        id_of(PlayEventId(self.0.id))
    }

    async fn item(&self, ctx: &Context<'_>) -> Result<Playable> {
        Playable::of_row(ctx, self.0.locker_item_id, self.0.track_id, "play").await
    }

    async fn played_at(&self) -> DateTime<Utc> {
        self.0.played_at
    }

    async fn ms_played(&self) -> i32 {
        self.0.ms_played
    }

    async fn completed(&self) -> bool {
        self.0.completed
    }
}

#[derive(InputObject)]
pub struct RecordPlayInput {
    /// A locker item of the viewer's, or a catalogue track they own.
    pub item_id: ID,
    /// From 0 to the item's length plus ten minutes.
    pub ms_played: i32,
    pub completed: bool,
    pub device_id: Option<String>,
    /// Where the play started: album, artist, playlist, search, recommendation.
    /// A playlist's ID names that playlist: a play from one excluded from the
    /// taste profile stays in the history but never feeds a statistic.
    pub context: Option<String>,
}

impl RecordPlayInput {
    fn into_play(self) -> Result<NewPlay, ApiError> {
        let id = GlobalId::decode(&self.item_id)?;
        let item = match id.kind {
            NodeKind::LockerItem => Played::LockerItem(LockerItemId(id.id)),
            NodeKind::Track => Played::Track(TrackId(id.id)),
            _ => return Err(ApiError::NotFound("item")),
        };
        Ok(NewPlay {
            item,
            ms_played: self.ms_played,
            completed: self.completed,
            device_id: self.device_id,
            context: self.context,
        })
    }
}

#[derive(Default)]
pub struct ListeningMutation;

#[Object]
impl ListeningMutation {
    /// Records a play as the viewer's privacy settings allow: true when it
    /// was stored (and is durable), false when the settings say not to
    /// store it (history off or a private session).
    async fn record_play(&self, ctx: &Context<'_>, input: RecordPlayInput) -> Result<bool> {
        let user = principal(ctx)?.require_user()?;
        let play = input.into_play()?;
        Ok(services(ctx)?.listening.record_play(user, play).await?)
    }

    /// Records an interaction as the viewer's privacy settings allow: true
    /// when it was stored, false when the settings say not to store it.
    async fn record_interaction(&self, ctx: &Context<'_>, input: InteractionInput) -> Result<bool> {
        let user = principal(ctx)?.require_user()?;
        let interaction = input.into_interaction()?;
        Ok(services(ctx)?
            .listening
            .record_interaction(user, interaction)
            .await?)
    }

    /// Removes the viewer's whole listening history (plays and
    /// interactions); returns how many were removed. They leave every statistic at its next recompute.
    async fn clear_listening_history(&self, ctx: &Context<'_>) -> Result<i32> {
        let user = principal(ctx)?.require_user()?;
        let removed = services(ctx)?.listening.clear_history(user).await?;
        Ok(i32::try_from(removed).unwrap_or(i32::MAX))
    }
}

/// What a listener did, as `recordInteraction` reports it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    ViewArtist,
    ViewAlbum,
    ViewProduct,
    BrowseGenre,
    Search,
    ClickRecommendation,
}

#[derive(InputObject)]
pub struct InteractionInput {
    pub kind: InteractionKind,
    /// The artist, album or product viewed, or the product of the
    /// recommendation clicked.
    pub target_id: Option<ID>,
    /// The genre browsed (BROWSE_GENRE).
    pub genre: Option<String>,
    /// The words searched for (SEARCH).
    pub query: Option<String>,
}

impl InteractionInput {
    fn into_interaction(self) -> Result<NewInteraction, ApiError> {
        let target = || {
            self.target_id.as_ref().ok_or_else(|| {
                ApiError::bad_input("`targetId` is required for this kind of interaction")
            })
        };
        let text = |value: &Option<String>, field: &str| {
            value.clone().ok_or_else(|| {
                ApiError::bad_input(format!(
                    "`{field}` is required for this kind of interaction"
                ))
            })
        };
        Ok(match self.kind {
            InteractionKind::ViewArtist => {
                NewInteraction::ViewArtist(require::<ArtistId>(target()?, "artist")?)
            }
            InteractionKind::ViewAlbum => {
                NewInteraction::ViewAlbum(require::<AlbumId>(target()?, "album")?)
            }
            InteractionKind::ViewProduct => {
                NewInteraction::ViewProduct(require::<ProductId>(target()?, "product")?)
            }
            InteractionKind::ClickRecommendation => {
                NewInteraction::ClickRecommendation(require::<ProductId>(target()?, "product")?)
            }
            InteractionKind::BrowseGenre => {
                NewInteraction::BrowseGenre(text(&self.genre, "genre")?)
            }
            InteractionKind::Search => NewInteraction::Search(text(&self.query, "query")?),
        })
    }
}
