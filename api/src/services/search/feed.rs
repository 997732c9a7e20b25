//! The change feed: every write that changes something searchable records
//! the change in the `search_changes` table inside its own transaction, so
//! a change is in the feed exactly when it is in the database.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use entities::search_change;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement};
use tokio::sync::Notify;

use super::CHUNK;

/// The PostgreSQL advisory lock that orders writers of the feed.
const FEED_LOCK: i64 = 4_357_819_284_756_601;

/// A change to something searchable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Artist(i32),
    Album(i32),
    Track(i32),
    Product(i32),
    LockerItem(i32),
    /// An erased account: every document of its locker goes, and the
    /// index is purged of them.
    UserErased(i32),
}

impl Change {
    pub(super) fn kind(self) -> &'static str {
        match self {
            Change::Artist(_) => "artist",
            Change::Album(_) => "album",
            Change::Track(_) => "track",
            Change::Product(_) => "product",
            Change::LockerItem(_) => "locker_item",
            Change::UserErased(_) => "user_erased",
        }
    }

    pub(super) fn id(self) -> i32 {
        match self {
            Change::Artist(id)
            | Change::Album(id)
            | Change::Track(id)
            | Change::Product(id)
            | Change::LockerItem(id)
            | Change::UserErased(id) => id,
        }
    }

    pub(super) fn parse(kind: &str, id: i32) -> Option<Self> {
        Some(match kind {
            "artist" => Change::Artist(id),
            "album" => Change::Album(id),
            "track" => Change::Track(id),
            "product" => Change::Product(id),
            "locker_item" => Change::LockerItem(id),
            "user_erased" => Change::UserErased(id),
            _ => return None,
        })
    }
}

/// Records changes in the feed. Cheap to clone; writers hold one.
#[derive(Clone, Default)]
pub struct Feed {
    pub(super) wake: Arc<Notify>,
}

impl Feed {
    /// Records `changes` in the writer's transaction `txn`. Call it last,
    /// just before the commit: on PostgreSQL it takes a lock that orders
    /// feed writers until they commit, so that sequence numbers become
    /// visible in order and a follower never skips one that commits late.
    /// (SQLite has one writer at a time already.)
    pub async fn record(
        &self,
        txn: &impl ConnectionTrait,
        changes: impl IntoIterator<Item = Change>,
    ) -> Result<(), DbErr> {
        let changes: BTreeSet<Change> = changes.into_iter().collect();
        if changes.is_empty() {
            return Ok(());
        }
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"),
            ))
            .await?;
        }
        let now = Utc::now();
        let rows: Vec<search_change::ActiveModel> = changes
            .into_iter()
            .map(|change| search_change::ActiveModel {
                seq: sea_orm::NotSet,
                kind: sea_orm::Set(change.kind().to_owned()),
                entity_id: sea_orm::Set(change.id()),
                changed_at: sea_orm::Set(now),
            })
            .collect();
        for chunk in rows.chunks(CHUNK) {
            search_change::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }

    /// Tells this replica's follower that the feed moved (after the commit).
    pub fn changed(&self) {
        self.wake.notify_one();
    }
}
