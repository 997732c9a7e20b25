//! Search: keeping this replica's index current from the database, and
//! asking it.
//!
//! Every write that changes something searchable records the change in the
//! `search_changes` feed inside its own transaction ([`Feed::record`]), so a
//! change is in the feed exactly when it is in the database. Each replica
//! follows the feed ([`Search::follow`]): it loads the changed rows, updates
//! its index and commits it with the sequence number of the last change it
//! applied. After a restart or a crash it catches up from that number; an
//! index that is missing or unreadable is rebuilt from the tables.

mod documents;
mod feed;

pub use feed::{Change, Feed};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cadenza_search::{Opened, SearchIndex, WriterOptions};
use entities::{album, artist, locker_item, product, search_change, track};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub use cadenza_search::{Hit, Scope, SearchResults};

use self::documents::Batch;
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};
use crate::services::jobs::Beat;

/// Rows loaded per query while indexing.
const CHUNK: usize = 1_000;
/// How often a replica looks for changes made by the others.
pub const POLL: Duration = Duration::from_millis(250);

/// The file in the index's directory that says a purge is pending.
const PURGE_MARKER: &str = "purge-pending";

/// This replica's index and what it has applied of the feed.
#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

struct Inner {
    index: SearchIndex,
    db: DatabaseConnection,
    feed: Feed,
    applied: AtomicU64,
    /// Present from before an erasure's commit until the index has been
    /// purged of it, so a crash in between is finished at the next start.
    purge_marker: PathBuf,
}

/// What a search asks, owned so it can move to a blocking thread.
#[derive(Debug, Clone)]
pub struct Request {
    pub text: String,
    pub viewer: Option<UserId>,
    pub scope: Scope,
    pub genre: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

impl Search {
    /// Opens the index in `dir` and brings it up to date with the database:
    /// rebuilt from the tables when there was none or it could not be read,
    /// otherwise caught up from the last change it committed.
    pub async fn open(db: DatabaseConnection, dir: &Path, feed: Feed) -> anyhow::Result<Self> {
        let (search, opened) = Self::open_index(db, dir, feed).await?;
        match opened {
            Opened::Empty => {
                let report = search.rebuild().await?;
                tracing::info!(
                    documents = report.documents,
                    seconds = report.elapsed.as_secs_f64(),
                    "search index built"
                );
            }
            Opened::Existing { committed_seq } => {
                search.inner.applied.store(committed_seq, Ordering::Release);
                let applied = search.catch_up().await?;
                tracing::info!(committed_seq, applied, "search index caught up");
            }
        }
        if search.inner.purge_marker.exists() {
            let this = search.clone();
            tokio::task::spawn_blocking(move || this.purge()).await??;
            tracing::info!("search index purged of an erasure interrupted before");
        }
        Ok(search)
    }

    /// Opens (or creates) the index without bringing it up to date.
    async fn open_index(
        db: DatabaseConnection,
        dir: &Path,
        feed: Feed,
    ) -> anyhow::Result<(Self, Opened)> {
        let purge_marker = dir.join(PURGE_MARKER);
        let dir = dir.to_owned();
        let (index, opened) = tokio::task::spawn_blocking(move || {
            SearchIndex::open(&dir, WriterOptions::default()).map_err(|err| match err {
                cadenza_search::SearchError::Busy => anyhow::anyhow!(
                    "the search index in {} is in use by a running server \
                     (CADENZA_SEARCH_DIR); stop it first",
                    dir.display()
                ),
                other => anyhow::anyhow!("search index {}: {other}", dir.display()),
            })
        })
        .await??;
        let search = Self {
            inner: Arc::new(Inner {
                index,
                db,
                feed,
                applied: AtomicU64::new(0),
                purge_marker,
            }),
        };
        Ok((search, opened))
    }

    /// `cadenza reindex`: rebuilds the index in `dir` from the database.
    pub async fn reindex(db: DatabaseConnection, dir: &Path) -> anyhow::Result<RebuildReport> {
        let (search, _) = Self::open_index(db, dir, Feed::default()).await?;
        search.rebuild().await
    }

    /// Follows the feed for as long as the server runs (the `search` job):
    /// woken by this replica's writes, and polling for the other replicas'.
    /// A round that fails is tried again a second later.
    pub async fn follow(&self, beat: Beat) -> anyhow::Result<()> {
        loop {
            let _ = tokio::time::timeout(POLL, self.inner.feed.wake.notified()).await;
            match self.catch_up().await {
                Ok(_) => beat.ok(),
                Err(err) if crate::error::out_of_space(&err) => {
                    // Said once a while, not every second: it is waiting.
                    beat.failed(
                        "the search index is out of disk space; it catches up by itself once space is freed",
                    );
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Err(err) => {
                    beat.failed(&format!("the search index could not catch up: {err:#}"));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// The last change of the feed this index holds.
    pub fn applied_seq(&self) -> u64 {
        self.inner.applied.load(Ordering::Acquire)
    }

    pub fn num_docs(&self) -> u64 {
        self.inner.index.num_docs()
    }

    pub async fn search(&self, request: Request) -> ApiResult<SearchResults> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            this.inner
                .index
                .search(&cadenza_search::SearchRequest {
                    text: &request.text,
                    viewer: request.viewer.map(|user| i64::from(user.0)),
                    scope: request.scope,
                    genre: request.genre.as_deref(),
                    offset: request.offset,
                    limit: request.limit,
                })
                .map_err(|err| match err {
                    cadenza_search::SearchError::TooManyTerms => ApiError::bad_input(format!(
                        "`query` may have at most {} words",
                        cadenza_search::MAX_QUERY_TERMS
                    )),
                    other => ApiError::internal(other),
                })
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Applies every change recorded after the last one applied; returns how
    /// many it applied.
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut applied = 0;
        loop {
            let after = self.applied_seq();
            let rows = search_change::Entity::find()
                .filter(search_change::Column::Seq.gt(after as i64))
                .order_by_asc(search_change::Column::Seq)
                .limit(CHUNK as u64 * 5)
                .all(&self.inner.db)
                .await?;
            let Some(last) = rows.last().map(|row| row.seq) else {
                return Ok(applied);
            };
            let changes: BTreeSet<Change> = rows
                .iter()
                .filter_map(|row| Change::parse(&row.kind, row.entity_id))
                .collect();
            applied += rows.len();
            let batch = Batch::load(&self.inner.db, changes).await?;
            let seq = u64::try_from(last).unwrap_or(0);
            self.apply(batch, Some(seq)).await?;
        }
    }

    /// Empties the index and indexes every searchable row again. Changes
    /// made meanwhile are in the feed after the number read first, so the
    /// follower applies them (again) afterwards.
    pub async fn rebuild(&self) -> anyhow::Result<RebuildReport> {
        let started = Instant::now();
        let seq = self.latest_seq().await?;
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.inner.index.remove_all()).await??;

        let mut documents = 0;
        documents += self
            .rebuild_kind::<artist::Entity, _>(artist::Column::Id, Change::Artist)
            .await?;
        documents += self
            .rebuild_kind::<album::Entity, _>(album::Column::Id, Change::Album)
            .await?;
        documents += self
            .rebuild_kind::<track::Entity, _>(track::Column::Id, Change::Track)
            .await?;
        documents += self
            .rebuild_kind::<product::Entity, _>(product::Column::Id, Change::Product)
            .await?;
        documents += self
            .rebuild_kind::<locker_item::Entity, _>(locker_item::Column::Id, Change::LockerItem)
            .await?;
        self.apply(Batch::default(), Some(seq)).await?;
        Ok(RebuildReport {
            documents,
            elapsed: started.elapsed(),
        })
    }

    async fn rebuild_kind<E, C>(&self, id: C, change: fn(i32) -> Change) -> anyhow::Result<usize>
    where
        E: EntityTrait,
        C: ColumnTrait,
    {
        let mut after = 0;
        let mut documents = 0;
        loop {
            let ids: Vec<i32> = E::find()
                .select_only()
                .column(id)
                .filter(id.gt(after))
                .order_by_asc(id)
                .limit(CHUNK as u64 * 5)
                .into_tuple()
                .all(&self.inner.db)
                .await?;
            let Some(&last) = ids.last() else {
                return Ok(documents);
            };
            after = last;
            let batch = Batch::load_exact(&self.inner.db, ids.into_iter().map(change)).await?;
            documents += batch.upserts.len();
            self.apply(batch, None).await?;
        }
    }

    /// Writes a batch to the index; with `seq`, commits it as holding the
    /// feed up to there.
    async fn apply(&self, batch: Batch, seq: Option<u64>) -> anyhow::Result<()> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let index = &this.inner.index;
            for (kind, id) in batch.removals {
                index.remove(kind, id);
            }
            for doc in &batch.upserts {
                index.upsert(doc)?;
            }
            if !batch.erased_owners.is_empty() {
                std::fs::File::create(&this.inner.purge_marker)?.sync_all()?;
            }
            for owner in &batch.erased_owners {
                index.remove_owner(*owner);
            }
            if let Some(seq) = seq {
                index.commit(seq)?;
            }
            if !batch.erased_owners.is_empty() {
                // Committed first: the purge rewrites what the commit deleted.
                this.purge()?;
                tracing::info!(
                    users = batch.erased_owners.len(),
                    "search index purged of erased accounts"
                );
            }
            if let Some(seq) = seq {
                this.inner.applied.store(seq, Ordering::Release);
            }
            Ok(())
        })
        .await?
    }
}

impl Search {
    /// The last change committed to the feed by anyone.
    async fn latest_seq(&self) -> anyhow::Result<u64> {
        let seq: Option<i64> = search_change::Entity::find()
            .select_only()
            .column_as(search_change::Column::Seq.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(&self.inner.db)
            .await?
            .flatten();
        Ok(seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
    }

    /// Waits until this replica's index holds every change committed so
    /// far (purges included), or `timeout` passes; whether it does.
    pub async fn settle(&self, timeout: Duration) -> anyhow::Result<bool> {
        let target = self.latest_seq().await?;
        self.inner.feed.changed();
        let deadline = Instant::now() + timeout;
        while self.applied_seq() < target {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(true)
    }

    /// Rewrites the segments holding deleted documents and forgets the
    /// marker of a pending purge.
    fn purge(&self) -> anyhow::Result<()> {
        self.inner.index.purge_deleted()?;
        match std::fs::remove_file(&self.inner.purge_marker) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}

pub struct RebuildReport {
    pub documents: usize,
    pub elapsed: Duration,
}
