//! The locker as the API shows it: items, browsing, uploads and edits, and
//! the `lockerEvents` subscription. Every item reached here was loaded
//! through the owner-scoped locker service.

mod types;

pub use types::{
    Locker, LockerAlbum, LockerArtist, LockerFilter, LockerItem, LockerItemInput, LockerSortGql,
    LockerSourceGql, LockerUsage,
};

use async_graphql::{Context, Enum, Object, Result, Subscription, Upload, ID};
use futures_util::{Stream, StreamExt};

use super::ids::{id_of, require};
use super::uploads::received_file;
use super::{principal, services};
use crate::domain::LockerItemId;
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
        Ok(LockerItem(item))
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
        Ok(LockerItem(item))
    }

    /// Removes the item and, when nothing else refers to them, its bytes.
    async fn delete_locker_item(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let user = principal(ctx)?.require_user()?;
        let item = require::<LockerItemId>(&id, "locker item")?;
        services(ctx)?.locker.delete(user, item).await?;
        Ok(id)
    }
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
            .map(LockerItem))
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
