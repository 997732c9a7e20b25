//! A locker's artists and genres as the API shows them (its albums are
//! beside its items, in `types`). An artist's id is a key derived from its
//! name (`domain::locker_keys`): it stays the same across restarts and
//! edits of other items, and names nothing in another listener's locker.

use async_graphql::{Object, SimpleObject, ID};

use super::types::clamp;
use crate::graphql::ids::keyed_id_of;
use crate::graphql::scalars::DateTime;
use crate::services::locker::ArtistGroup;

/// An artist of the viewer's locker: a name some item gives as its artist
/// or album artist (ignoring case).
pub struct LockerArtist(pub ArtistGroup);

#[Object]
impl LockerArtist {
    pub async fn id(&self) -> ID {
        keyed_id_of(self.0.key)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The albums whose album artist it is.
    async fn album_count(&self) -> i32 {
        clamp(self.0.album_count)
    }

    /// The items whose artist it is.
    async fn track_count(&self) -> i32 {
        clamp(self.0.track_count)
    }

    async fn starred(&self) -> bool {
        self.0.starred_at.is_some()
    }

    /// When the viewer starred it; null when not starred.
    async fn starred_at(&self) -> Option<DateTime> {
        self.0.starred_at.map(Into::into)
    }
}

/// A genre of the viewer's locker, as its items spell it.
#[derive(SimpleObject)]
pub struct LockerGenre {
    pub name: String,
    pub track_count: i32,
    pub album_count: i32,
}
