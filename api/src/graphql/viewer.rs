//! The signed-in user's own corner of the API: each field is another
//! area's, reached from here.

use async_graphql::{Context, Object, Result};
use entities::user;

use super::accounts::User;
use super::connection::list_complexity;
use super::connection::{paged, Paged};
use super::listening::{PlayEvent, PlaybackState};
use super::locker::Locker;
use super::players::PlayerKey;
use super::playlists::Playlist;
use super::privacy::PrivacySettings;
use super::recommendations::Recommendation;
use super::store::{Cart, Order};
use super::{principal, services};
use crate::domain::page::DEFAULT_PAGE_SIZE;
use crate::domain::{Page, UserId};

pub struct Viewer {
    pub user: user::Model,
}

impl Viewer {
    fn id(&self) -> UserId {
        UserId(self.user.id)
    }
}

#[Object]
impl Viewer {
    async fn user(&self, _ctx: &Context<'_>) -> User {
        User(self.user.clone())
    }

    /// Most recently changed first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn playlists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<Playlist>> {
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?.playlists.list(self.id(), page).await?;
        Ok(paged(listing.items, listing.total, page, Playlist))
    }

    /// The keys of the viewer's player devices, newest first.
    async fn player_keys(&self, ctx: &Context<'_>) -> Result<Vec<PlayerKey>> {
        let keys = services(ctx)?.player_keys.list(self.id()).await?;
        Ok(keys.into_iter().map(PlayerKey).collect())
    }

    async fn locker(&self) -> Locker {
        Locker { user: self.id() }
    }

    /// The viewer's orders, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<Order>> {
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?.orders.list(self.id(), page).await?;
        Ok(paged(listing.items, listing.total, page, Order))
    }

    /// What the viewer means to buy, at today's prices.
    async fn cart(&self, ctx: &Context<'_>) -> Result<Cart> {
        Ok(Cart(services(ctx)?.cart.view(self.id()).await?))
    }

    /// The viewer's latest plays, newest first (20 unless `first` says
    /// otherwise, at most 100).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn recently_played(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Vec<PlayEvent>> {
        let first = Page::first(first, DEFAULT_PAGE_SIZE)?;
        let plays = services(ctx)?
            .listening
            .recently_played(self.id(), first as u64)
            .await?;
        Ok(plays.into_iter().map(PlayEvent).collect())
    }

    /// Where the viewer is, on which device, as their devices last said;
    /// null before any did.
    async fn playback(&self, ctx: &Context<'_>) -> Result<Option<PlaybackState>> {
        let state = services(ctx)?.playback.current(self.id()).await?;
        Ok(state.map(PlaybackState))
    }

    /// Products for the viewer, best first (10 unless `first` says
    /// otherwise, at most 100), never one they own, each with its reason:
    /// products like the albums they played or bought lately (from
    /// statistics that at least k consenting listeners support), then more
    /// by the same artists and genres, then best-sellers. With
    /// `personalizedRecommendations` off, best-sellers only.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Vec<Recommendation>> {
        let first = Page::first(first, 10)?;
        let suggestions = services(ctx)?
            .recommendations
            .for_viewer(self.id(), first)
            .await?;
        Ok(suggestions.into_iter().map(Recommendation).collect())
    }

    /// What the viewer allows to be recorded and used, read afresh on every
    /// request.
    async fn privacy(&self, ctx: &Context<'_>) -> Result<PrivacySettings> {
        let settings = services(ctx)?.privacy.settings(self.id()).await?;
        Ok(PrivacySettings {
            user: self.id(),
            settings,
        })
    }
}

/// Who is calling.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Null when the request carries no valid credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let Some(user_id) = principal(ctx)?.user_id() else {
            return Ok(None);
        };
        Ok(services(ctx)?
            .accounts
            .user(user_id)
            .await?
            .map(|user| Viewer { user }))
    }
}
