//! The subscription root, over graphql-transport-ws on `/graphql`.

use async_graphql::{Context, Enum, Object, Result, Subscription, ID};
use futures_util::{Stream, StreamExt};

use super::locker::LockerItem;
use super::{principal, services};
use crate::ids::{GlobalId, NodeKind};
use crate::services::events::{self, LockerEvent as Event};

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
        GlobalId::new(NodeKind::LockerItem, self.0.item_id).encode()
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

pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The viewer's locker changes, from any of their devices.
    async fn locker_events(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = LockerEvent>> {
        let user_id = principal(ctx)?.require_user()?;
        Ok(services(ctx)?
            .locker
            .events()
            .subscribe(user_id)
            .map(LockerEvent))
    }
}
