//! Plays as the API shows them, and recording them.

use async_graphql::{Context, Enum, InputObject, Object, Result, Subscription, ID};
use entities::{play, playback_state};
use futures_util::{Stream, StreamExt};

use super::ids::{id_of, require};
use super::locker::LockerItem;
use super::playlists::Playable;
use super::{principal, services};
use crate::domain::{
    AlbumId, ArtistId, GlobalId, LockerItemId, NodeKind, PlayEventId, ProductId, TrackId, UserId,
};
use crate::error::ApiError;
use crate::graphql::scalars::DateTime;
use crate::services::listening::{queue_of, NewInteraction, NewPlay, NewPlayback, Played};

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

    async fn played_at(&self) -> DateTime {
        self.0.played_at.into()
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

/// A locker item or a catalogue track by its ID; any other kind of ID
/// names nothing playable (NOT_FOUND).
fn played(id: &ID) -> Result<Played, ApiError> {
    let id = GlobalId::decode(id)?;
    match id.kind {
        NodeKind::LockerItem => Ok(Played::LockerItem(LockerItemId(id.id))),
        NodeKind::Track => Ok(Played::Track(TrackId(id.id))),
        _ => Err(ApiError::NotFound("item")),
    }
}

impl RecordPlayInput {
    fn into_play(self) -> Result<NewPlay, ApiError> {
        Ok(NewPlay {
            item: played(&self.item_id)?,
            ms_played: self.ms_played,
            completed: self.completed,
            device_id: self.device_id,
            context: self.context,
            played_at: None,
        })
    }
}

/// Where the viewer is, on which device, right now.
pub struct PlaybackState(pub playback_state::Model);

#[Object]
impl PlaybackState {
    /// The device that reported it last.
    async fn device_id(&self) -> &str {
        &self.0.device_id
    }

    /// What is loaded; null when nothing is (or it was removed since).
    async fn item(&self, ctx: &Context<'_>) -> Result<Option<Playable>> {
        if self.0.locker_item_id.is_none() && self.0.track_id.is_none() {
            return Ok(None);
        }
        Playable::of_row(
            ctx,
            self.0.locker_item_id,
            self.0.track_id,
            "playback state",
        )
        .await
        .map(Some)
    }

    async fn position_ms(&self) -> i32 {
        self.0.position_ms
    }

    /// Never true with nothing loaded. Read from `viewer.playback`, a
    /// playing state its device has not updated for 20 seconds (a closed
    /// or killed device) is false: a playing device reports its position
    /// every few seconds.
    async fn playing(&self) -> bool {
        self.0.playing
    }

    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }

    /// The play queue a device saved (a Subsonic player's `savePlayQueue`
    /// too), in order; items removed since are left out.
    async fn queue(&self, ctx: &Context<'_>) -> Result<Vec<LockerItem>> {
        let queue = queue_of(&self.0);
        if queue.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = queue.iter().map(|id| id.0).collect();
        let found = services(ctx)?
            .locker
            .items_by_id(UserId(self.0.user_id), &ids)
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned())
            .map(LockerItem::from)
            .collect())
    }
}

#[derive(InputObject)]
pub struct PlaybackInput {
    /// The reporting device, as the player names it: 1 to 200 characters.
    pub device_id: String,
    /// A locker item of the viewer's, or a catalogue track they own; none:
    /// nothing loaded.
    pub item_id: Option<ID>,
    /// From 0 to the item's length plus ten minutes; 0 with no item.
    pub position_ms: i32,
    pub playing: bool,
    /// The play queue: locker items of the viewer's, in order, at most
    /// 5,000. Omitted keeps the saved queue; `[]` clears it.
    pub queue: Option<Vec<ID>>,
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

    /// Replaces the viewer's playback state (only the latest is kept; it is
    /// not history and feeds no statistic) and shows it on their other
    /// devices through the `playback` subscription. Someone else's item is
    /// NOT_FOUND.
    async fn update_playback(
        &self,
        ctx: &Context<'_>,
        input: PlaybackInput,
    ) -> Result<PlaybackState> {
        let user = principal(ctx)?.require_user()?;
        let new = NewPlayback {
            device_id: input.device_id,
            item: input.item_id.as_ref().map(played).transpose()?,
            position_ms: input.position_ms,
            playing: input.playing,
            queue: input
                .queue
                .as_ref()
                .map(|ids| {
                    ids.iter()
                        .map(|id| require::<LockerItemId>(id, "item"))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            queue_index: None,
        };
        Ok(PlaybackState(
            services(ctx)?.playback.update(user, new).await?,
        ))
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

#[derive(Default)]
pub struct ListeningSubscription;

#[Subscription]
impl ListeningSubscription {
    /// The viewer's playback state as any of their devices updates it.
    async fn playback(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = PlaybackState>> {
        let user = principal(ctx)?.require_user()?;
        Ok(services(ctx)?.playback.subscribe(user).map(PlaybackState))
    }
}
