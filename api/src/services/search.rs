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

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cadenza_search::{Document, Kind, Opened, SearchIndex, WriterOptions};
use chrono::Utc;
use entities::{album, artist, artist_genre, locker_item, product, search_change, track};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use tokio::sync::Notify;

pub use cadenza_search::{Hit, Scope, SearchResults};

use crate::error::{ApiError, ApiResult};

/// Rows loaded per query while indexing.
const CHUNK: usize = 1_000;
/// How often a replica looks for changes made by the others.
pub const POLL: Duration = Duration::from_millis(250);

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
}

impl Change {
    fn kind(self) -> &'static str {
        match self {
            Change::Artist(_) => "artist",
            Change::Album(_) => "album",
            Change::Track(_) => "track",
            Change::Product(_) => "product",
            Change::LockerItem(_) => "locker_item",
        }
    }

    fn id(self) -> i32 {
        match self {
            Change::Artist(id)
            | Change::Album(id)
            | Change::Track(id)
            | Change::Product(id)
            | Change::LockerItem(id) => id,
        }
    }

    fn parse(kind: &str, id: i32) -> Option<Self> {
        Some(match kind {
            "artist" => Change::Artist(id),
            "album" => Change::Album(id),
            "track" => Change::Track(id),
            "product" => Change::Product(id),
            "locker_item" => Change::LockerItem(id),
            _ => return None,
        })
    }
}

/// Records changes in the feed. Cheap to clone; writers hold one.
#[derive(Clone, Default)]
pub struct Feed {
    wake: Arc<Notify>,
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
}

/// What a search asks, owned so it can move to a blocking thread.
#[derive(Debug, Clone)]
pub struct Request {
    pub text: String,
    pub viewer: Option<i32>,
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
        Ok(search)
    }

    /// Opens (or creates) the index without bringing it up to date.
    async fn open_index(
        db: DatabaseConnection,
        dir: &Path,
        feed: Feed,
    ) -> anyhow::Result<(Self, Opened)> {
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
            }),
        };
        Ok((search, opened))
    }

    /// `cadenza reindex`: rebuilds the index in `dir` from the database.
    pub async fn reindex(db: DatabaseConnection, dir: &Path) -> anyhow::Result<RebuildReport> {
        let (search, _) = Self::open_index(db, dir, Feed::default()).await?;
        search.rebuild().await
    }

    /// Follows the feed until the process ends: woken by this replica's
    /// writes, and polling for the other replicas'.
    pub fn follow(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(POLL, this.inner.feed.wake.notified()).await;
                if let Err(err) = this.catch_up().await {
                    tracing::error!(error = %err, "the search index could not catch up");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
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
                    viewer: request.viewer.map(i64::from),
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
        let seq: Option<i64> = search_change::Entity::find()
            .select_only()
            .column_as(search_change::Column::Seq.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(&self.inner.db)
            .await?
            .flatten();
        let seq = seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
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
            if let Some(seq) = seq {
                index.commit(seq)?;
                this.inner.applied.store(seq, Ordering::Release);
            }
            Ok(())
        })
        .await?
    }
}

pub struct RebuildReport {
    pub documents: usize,
    pub elapsed: Duration,
}

/// Documents to (re)write and documents to remove.
#[derive(Default)]
struct Batch {
    upserts: Vec<Document>,
    removals: Vec<(Kind, i64)>,
}

#[derive(Default)]
struct Ids {
    artists: BTreeSet<i32>,
    albums: BTreeSet<i32>,
    tracks: BTreeSet<i32>,
    products: BTreeSet<i32>,
    locker_items: BTreeSet<i32>,
}

impl Ids {
    fn of(changes: impl IntoIterator<Item = Change>) -> Self {
        let mut ids = Self::default();
        for change in changes {
            match change {
                Change::Artist(id) => ids.artists.insert(id),
                Change::Album(id) => ids.albums.insert(id),
                Change::Track(id) => ids.tracks.insert(id),
                Change::Product(id) => ids.products.insert(id),
                Change::LockerItem(id) => ids.locker_items.insert(id),
            };
        }
        ids
    }
}

impl Batch {
    /// The documents for `changes` and for everything that shows their text:
    /// an artist's name is in its albums, tracks and products, an album's
    /// title in its tracks and products.
    async fn load(db: &DatabaseConnection, changes: BTreeSet<Change>) -> Result<Self, DbErr> {
        let mut ids = Ids::of(changes);
        for chunk in chunks(&ids.artists) {
            ids.albums.extend(
                album::Entity::find()
                    .select_only()
                    .column(album::Column::Id)
                    .filter(album::Column::ArtistId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        for chunk in chunks(&ids.albums) {
            ids.tracks.extend(
                track::Entity::find()
                    .select_only()
                    .column(track::Column::Id)
                    .filter(track::Column::AlbumId.is_in(chunk.clone()))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
            ids.products.extend(
                product::Entity::find()
                    .select_only()
                    .column(product::Column::Id)
                    .filter(product::Column::AlbumId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        for chunk in chunks(&ids.tracks) {
            ids.products.extend(
                product::Entity::find()
                    .select_only()
                    .column(product::Column::Id)
                    .filter(product::Column::TrackId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        Self::load_ids(db, ids).await
    }

    /// The documents for exactly these changes.
    async fn load_exact(
        db: &DatabaseConnection,
        changes: impl IntoIterator<Item = Change>,
    ) -> Result<Self, DbErr> {
        Self::load_ids(db, Ids::of(changes)).await
    }

    async fn load_ids(db: &DatabaseConnection, ids: Ids) -> Result<Self, DbErr> {
        let mut batch = Batch::default();
        let mut names = Names::default();
        batch.artists(db, &ids.artists).await?;
        batch.albums(db, &ids.albums, &mut names).await?;
        batch.tracks(db, &ids.tracks, &mut names).await?;
        batch.products(db, &ids.products, &mut names).await?;
        batch.locker_items(db, &ids.locker_items).await?;
        Ok(batch)
    }

    /// Upserts the documents found and removes the ids not found.
    fn found(&mut self, kind: Kind, asked: &BTreeSet<i32>, docs: Vec<Document>) {
        let found: BTreeSet<i64> = docs.iter().map(|doc| doc.id).collect();
        self.removals.extend(
            asked
                .iter()
                .map(|&id| i64::from(id))
                .filter(|id| !found.contains(id))
                .map(|id| (kind, id)),
        );
        self.upserts.extend(docs);
    }

    async fn artists(&mut self, db: &DatabaseConnection, ids: &BTreeSet<i32>) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = artist::Entity::find()
                .filter(artist::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            let mut genres: HashMap<i32, String> = HashMap::new();
            for genre in artist_genre::Entity::find()
                .filter(artist_genre::Column::ArtistId.is_in(chunk.clone()))
                .order_by_asc(artist_genre::Column::Genre)
                .all(db)
                .await?
            {
                genres.entry(genre.artist_id).or_insert(genre.genre);
            }
            let docs = rows
                .into_iter()
                .map(|row| Document {
                    kind: Kind::Artist,
                    id: row.id.into(),
                    owner: None,
                    genre: genres.remove(&row.id),
                    artist: row.name.clone(),
                    title: row.name,
                    album: String::new(),
                    popularity: non_negative(row.popularity),
                })
                .collect();
            self.found(Kind::Artist, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn albums(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = album::Entity::find()
                .filter(album::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            names
                .load_artists(db, rows.iter().map(|album| album.artist_id))
                .await?;
            #[derive(FromQueryResult)]
            struct Plays {
                album_id: i32,
                popularity: Option<i64>,
            }
            let plays: HashMap<i32, i64> = track::Entity::find()
                .select_only()
                .column(track::Column::AlbumId)
                // SUM of a bigint is numeric on PostgreSQL.
                .column_as(
                    Expr::col(track::Column::Popularity)
                        .sum()
                        .cast_as(Alias::new("bigint")),
                    "popularity",
                )
                .filter(track::Column::AlbumId.is_in(chunk.clone()))
                .group_by(track::Column::AlbumId)
                .into_model::<Plays>()
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.album_id, p.popularity.unwrap_or(0)))
                .collect();
            let docs = rows
                .into_iter()
                .map(|row| Document {
                    kind: Kind::Album,
                    id: row.id.into(),
                    owner: None,
                    artist: names.artist(row.artist_id),
                    popularity: non_negative(plays.get(&row.id).copied().unwrap_or(0)),
                    genre: row.genre.clone(),
                    title: row.title.clone(),
                    album: row.title,
                })
                .collect();
            self.found(Kind::Album, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn tracks(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = track::Entity::find()
                .filter(track::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            names
                .load_albums(db, rows.iter().map(|track| track.album_id))
                .await?;
            let docs = rows
                .into_iter()
                .filter_map(|row| {
                    let album = names.albums.get(&row.album_id)?;
                    Some(Document {
                        kind: Kind::Track,
                        id: row.id.into(),
                        owner: None,
                        title: row.title,
                        artist: names.artist(album.artist_id),
                        album: album.title.clone(),
                        genre: row.genre.or_else(|| album.genre.clone()),
                        popularity: non_negative(row.popularity),
                    })
                })
                .collect();
            self.found(Kind::Track, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn products(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            // Products no longer for sale are not found.
            let rows = product::Entity::find()
                .filter(product::Column::Id.is_in(chunk.clone()))
                .filter(product::Column::Available.eq(true))
                .all(db)
                .await?;
            names
                .load_albums(db, rows.iter().map(|product| product.album_id))
                .await?;
            let track_ids: Vec<i32> = rows.iter().filter_map(|p| p.track_id).collect();
            let track_titles: HashMap<i32, String> = track::Entity::find()
                .select_only()
                .column(track::Column::Id)
                .column(track::Column::Title)
                .filter(track::Column::Id.is_in(track_ids))
                .into_tuple::<(i32, String)>()
                .all(db)
                .await?
                .into_iter()
                .collect();
            let docs = rows
                .into_iter()
                .filter_map(|row| {
                    let album = names.albums.get(&row.album_id)?;
                    let title = match row.track_id {
                        Some(track) => track_titles.get(&track)?.clone(),
                        None => album.title.clone(),
                    };
                    Some(Document {
                        kind: Kind::Product,
                        id: row.id.into(),
                        owner: None,
                        title,
                        artist: names.artist(album.artist_id),
                        album: album.title.clone(),
                        genre: album.genre.clone(),
                        popularity: non_negative(row.sales_count),
                    })
                })
                .collect();
            self.found(Kind::Product, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn locker_items(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = locker_item::Entity::find()
                .filter(locker_item::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            let docs = rows
                .into_iter()
                .map(|row| {
                    let artist = match &row.album_artist {
                        Some(album_artist) if *album_artist != row.artist => {
                            format!("{} / {album_artist}", row.artist)
                        }
                        _ => row.artist,
                    };
                    Document {
                        kind: Kind::LockerItem,
                        id: row.id.into(),
                        owner: Some(row.user_id.into()),
                        title: row.title,
                        artist,
                        album: row.album,
                        genre: row.genre,
                        popularity: 0,
                    }
                })
                .collect();
            self.found(Kind::LockerItem, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }
}

/// Artist names and albums looked up while building a batch.
#[derive(Default)]
struct Names {
    artists: HashMap<i32, String>,
    albums: HashMap<i32, album::Model>,
}

impl Names {
    fn artist(&self, id: i32) -> String {
        self.artists.get(&id).cloned().unwrap_or_default()
    }

    async fn load_artists(
        &mut self,
        db: &DatabaseConnection,
        ids: impl Iterator<Item = i32>,
    ) -> Result<(), DbErr> {
        let missing: BTreeSet<i32> = ids.filter(|id| !self.artists.contains_key(id)).collect();
        for chunk in chunks(&missing) {
            self.artists.extend(
                artist::Entity::find()
                    .select_only()
                    .column(artist::Column::Id)
                    .column(artist::Column::Name)
                    .filter(artist::Column::Id.is_in(chunk))
                    .into_tuple::<(i32, String)>()
                    .all(db)
                    .await?,
            );
        }
        Ok(())
    }

    async fn load_albums(
        &mut self,
        db: &DatabaseConnection,
        ids: impl Iterator<Item = i32>,
    ) -> Result<(), DbErr> {
        let missing: BTreeSet<i32> = ids.filter(|id| !self.albums.contains_key(id)).collect();
        for chunk in chunks(&missing) {
            let albums = album::Entity::find()
                .filter(album::Column::Id.is_in(chunk))
                .all(db)
                .await?;
            self.load_artists(db, albums.iter().map(|album| album.artist_id))
                .await?;
            self.albums
                .extend(albums.into_iter().map(|album| (album.id, album)));
        }
        Ok(())
    }
}

fn chunks(ids: &BTreeSet<i32>) -> Vec<Vec<i32>> {
    let ids: Vec<i32> = ids.iter().copied().collect();
    ids.chunks(CHUNK).map(<[i32]>::to_vec).collect()
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
