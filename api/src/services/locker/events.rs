//! Locker events for the `lockerEvents` subscription, on the user bus
//! (`services::bus`): a change made through any replica reaches the
//! owner's devices on all.

use serde::{Deserialize, Serialize};

use crate::domain::{LockerItemId, UserId};
use crate::services::bus::{Addressed, UserBus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockerChange {
    Added,
    Updated,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockerEvent {
    pub user_id: UserId,
    pub change: LockerChange,
    pub item_id: LockerItemId,
}

impl Addressed for LockerEvent {
    const CHANNEL: &'static str = "locker-events";
    const FORWARDER: &'static str = "redis-locker-events";

    fn user_id(&self) -> UserId {
        self.user_id
    }
}

pub type LockerEvents = UserBus<LockerEvent>;
