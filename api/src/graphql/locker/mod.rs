//! The locker as the API shows it: items, albums and artists by id,
//! browsing, uploads and edits, stars and ratings, and the `lockerEvents`
//! subscription. Every item reached here was loaded through the
//! owner-scoped locker service.

mod groups;
mod root;
mod types;

pub use groups::{LockerArtist, LockerGenre};
pub use root::Locker;
pub use types::{
    LockerAlbum, LockerFilter, LockerItem, LockerItemInput, LockerSortGql, LockerSourceGql,
    LockerUsage,
};

use async_graphql::{Context, Enum, Object, Result, Subscription, Upload, ID};
use futures_util::{Stream, StreamExt};

use super::ids::{id_of, require};
use super::uploads::received_file;
use super::{principal, services};
use crate::domain::{AnyId, LockerItemId, NodeKind};
use crate::error::ApiError;
use crate::services::listening::StarTarget;
use crate::services::locker::events::{self, LockerEvent as Event};

#[derive(Default)]
pub struct LockerMutation;

#[Object]
impl LockerMutation {
    /// GraphQL multipart request spec. Stores the bytes unchanged and reads their tags.
    async fn upload_track(&self, ctx: &Context<'_>, file: Upload) -> Result<LockerItem> {
        let user = principal(ctx)?.require_user()?;
        let file = received_file(ctx, &file)?;
        let item = services(ctx)?.locker.upload(user, file).await?;
        Ok(LockerItem::from(item))
    }

    /// Edits the metadata Cadenza keeps, never the stored bytes.
    async fn update_locker_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LockerItemInput,
    ) -> Result<LockerItem> {
        let user = principal(ctx)?.require_user()?;
        let id = require::<LockerItemId>(&id, "locker item")?;
        let item = services(ctx)?.locker.update(user, id, input.into()).await?;
        Ok(LockerItem::from(item))
    }

    /// Removes the item and, when nothing else refers to them, its bytes.
    async fn delete_locker_item(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let user = principal(ctx)?.require_user()?;
        let item = require::<LockerItemId>(&id, "locker item")?;
        services(ctx)?.locker.delete(user, item).await?;
        Ok(id)
    }

    /// Stars items, albums and artists of the viewer's locker (any mix of
    /// `LockerItem`, `LockerAlbum` and `LockerArtist` ids, at most 500);
    /// what is starred already keeps its first star. Any other id, or one
    /// not in the viewer's locker, is NOT_FOUND and nothing is starred. A
    /// new star is also recorded as an interaction (a taste signal) when
    /// the privacy settings allow, as a play is. Returns the ids.
    async fn star(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<ID>> {
        let user = principal(ctx)?.require_user()?;
        let targets = star_targets(&ids)?;
        services(ctx)?.listening.star(user, &targets).await?;
        Ok(ids)
    }

    /// Takes the viewer's stars off items, albums and artists of their
    /// locker, as `star` names them. Returns the ids.
    async fn unstar(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<ID>> {
        let user = principal(ctx)?.require_user()?;
        let targets = star_targets(&ids)?;
        services(ctx)?.listening.unstar(user, &targets).await?;
        Ok(ids)
    }

    /// Rates an item of the viewer's locker from 1 to 5; 0 removes the
    /// rating, anything else is BAD_USER_INPUT.
    async fn rate_locker_item(&self, ctx: &Context<'_>, id: ID, rating: i32) -> Result<LockerItem> {
        let user = principal(ctx)?.require_user()?;
        let item = require::<LockerItemId>(&id, "locker item")?;
        let rated = services(ctx)?.listening.rate(user, item, rating).await?;
        Ok(LockerItem::from(rated))
    }
}

/// What `star` and `unstar` name: locker items, albums and artists.
fn star_targets(ids: &[ID]) -> Result<Vec<StarTarget>, ApiError> {
    ids.iter()
        .map(|id| match AnyId::decode(id)? {
            AnyId::Row(row) if row.kind == NodeKind::LockerItem => {
                Ok(StarTarget::Item(LockerItemId(row.id)))
            }
            AnyId::LockerAlbum(key) => Ok(StarTarget::Album(key)),
            AnyId::LockerArtist(key) => Ok(StarTarget::Artist(key)),
            AnyId::Row(_) => Err(ApiError::NotFound("locker item, album or artist")),
        })
        .collect()
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "LockerChange")]
pub enum LockerChangeGql {
    Added,
    Updated,
    Removed,
}

pub struct LockerEvent(Event);

#[Object]
impl LockerEvent {
    async fn change(&self) -> LockerChangeGql {
        match self.0.change {
            events::LockerChange::Added => LockerChangeGql::Added,
            events::LockerChange::Updated => LockerChangeGql::Updated,
            events::LockerChange::Removed => LockerChangeGql::Removed,
        }
    }

    async fn item_id(&self) -> ID {
        id_of(self.0.item_id)
    }

    /// The item as it is now; null once it is removed.
    async fn item(&self, ctx: &Context<'_>) -> Result<Option<LockerItem>> {
        Ok(services(ctx)?
            .locker
            .item(self.0.user_id, self.0.item_id)
            .await?
            .map(LockerItem::from))
    }
}

#[derive(Default)]
pub struct LockerSubscription;

#[Subscription]
impl LockerSubscription {
    /// The viewer's locker changes, from any of their devices.
    async fn locker_events(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = LockerEvent>> {
        let user = principal(ctx)?.require_user()?;
        Ok(services(ctx)?
            .locker
            .events()
            .subscribe(user)
            .map(LockerEvent))
    }
}
