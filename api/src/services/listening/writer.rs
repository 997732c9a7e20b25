//! Group commit of plays: one writer task gathers the plays that arrive
//! together and writes them in one transaction, so a burst from every
//! player costs one commit, not one each. A caller is answered only after
//! its play's transaction committed, so an answer of `true` is durable.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entities::{locker_item, play, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{timeout_at, Instant};

use crate::db::begin_write;
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};
use crate::services::jobs::{Beat, Jobs};
use crate::services::privacy::settings_in;

/// How long the writer waits for more plays after the first of a batch.
const GATHER: Duration = Duration::from_millis(3);
/// The most plays one transaction writes.
const MAX_BATCH: usize = 500;
/// Plays waiting for the writer before callers wait to hand theirs over.
const QUEUE: usize = 4096;

struct Pending {
    play: play::ActiveModel,
    user: UserId,
    locker_item: Option<i32>,
    /// Whether it was stored: the settings are read again in the batch's
    /// transaction, so a setting turned off a moment ago is obeyed.
    reply: oneshot::Sender<ApiResult<bool>>,
}

#[derive(Clone)]
pub(super) struct PlayWriter {
    queue: mpsc::Sender<Pending>,
}

impl PlayWriter {
    /// Starts the writer as the `play-writer` job. The queue outlives a
    /// writer that fails: the next one takes it over.
    pub(super) fn start(db: DatabaseConnection, jobs: &Jobs) -> Self {
        let (queue, plays) = mpsc::channel(QUEUE);
        let plays = Arc::new(tokio::sync::Mutex::new(plays));
        jobs.follow("play-writer", move |beat| {
            let (db, plays) = (db.clone(), plays.clone());
            async move {
                let mut plays = plays.lock().await;
                run(&db, &mut plays, beat).await;
                Ok(())
            }
        });
        Self { queue }
    }

    /// Writes `play` in the next batch; `Ok(false)` when the listener's
    /// settings (read in that batch) say not to store it.
    pub(super) async fn write(
        &self,
        user: UserId,
        locker_item: Option<i32>,
        play: play::ActiveModel,
    ) -> ApiResult<bool> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            play,
            user,
            locker_item,
            reply,
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the play writer has stopped")))?;
        answer.await.map_err(|_| {
            ApiError::internal(anyhow::anyhow!("the play writer dropped a play unanswered"))
        })?
    }
}

/// Writes batches until the queue closes (the server stopping).
async fn run(db: &DatabaseConnection, plays: &mut mpsc::Receiver<Pending>, beat: Beat) {
    while let Some(first) = plays.recv().await {
        let mut batch = vec![first];
        let deadline = Instant::now() + GATHER;
        while batch.len() < MAX_BATCH {
            match timeout_at(deadline, plays.recv()).await {
                Ok(Some(pending)) => batch.push(pending),
                _ => break,
            }
        }
        let (replies, writes): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|p| (p.reply, (p.user, p.locker_item, p.play)))
            .unzip();
        match commit(db, writes).await {
            Ok(stored) => {
                beat.ok();
                for (reply, stored) in replies.into_iter().zip(stored) {
                    // A caller that went away needs no answer.
                    let _ = reply.send(Ok(stored));
                }
            }
            Err(err) => {
                beat.failed(&format!("a batch of plays could not be written: {err:?}"));
                for reply in replies {
                    let _ = reply.send(Err(ApiError::internal(anyhow::anyhow!(
                        "a batch of plays could not be written"
                    ))));
                }
            }
        }
    }
}

/// Writes the plays the settings allow, in one transaction; says for each
/// whether it was stored.
async fn commit(
    db: &DatabaseConnection,
    writes: Vec<(UserId, Option<i32>, play::ActiveModel)>,
) -> ApiResult<Vec<bool>> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // An account erased since its play was checked records nothing (and
    // its missing row must not fail the other listeners' plays).
    // (On PostgreSQL the rows are held until the commit, so no erasure
    // lands between this read and the insert.)
    let users: HashSet<i32> = writes.iter().map(|(user, _, _)| user.0).collect();
    let mut accounts = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(users));
    if txn.get_database_backend() == DbBackend::Postgres {
        accounts = accounts.lock_shared();
    }
    let existing: HashSet<i32> = accounts
        .into_tuple::<i32>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let mut allowed: HashMap<UserId, bool> = HashMap::new();
    for (user, _, _) in &writes {
        if !allowed.contains_key(user) {
            let settings = settings_in(&txn, *user, now).await?;
            allowed.insert(*user, existing.contains(&user.0) && settings.may_record());
        }
    }
    // An item removed since its play was checked takes its play with it.
    let items: HashSet<i32> = writes.iter().filter_map(|(_, item, _)| *item).collect();
    let present: HashSet<i32> = if items.is_empty() {
        HashSet::new()
    } else {
        locker_item::Entity::find()
            .select_only()
            .column(locker_item::Column::Id)
            .filter(locker_item::Column::Id.is_in(items))
            .into_tuple::<i32>()
            .all(&txn)
            .await?
            .into_iter()
            .collect()
    };
    let mut stored = Vec::with_capacity(writes.len());
    let mut rows = Vec::new();
    for (user, item, play) in writes {
        let keep = allowed.get(&user).copied().unwrap_or(false)
            && item.is_none_or(|item| present.contains(&item));
        if keep {
            rows.push(play);
        }
        stored.push(keep);
    }
    if !rows.is_empty() {
        play::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(stored)
}
