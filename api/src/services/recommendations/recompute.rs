//! The recompute job: reads who played and bought what (consenting users
//! only, excluded plays never), computes the item-to-item similarities in
//! memory, and replaces the three affinity tables in one transaction.
//!
//! The unit of taste is the album (a record): a play counts for the album
//! of the catalogue track it counts as, a purchase for the album of the
//! product bought, so the track and album products of one record never
//! compete as "related" to each other. Rows are written per product:
//! every product of an album points at the headline product (the album's,
//! else its first track's) of each similar album.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, StreamTrait};

use super::similarity::{similarities, Baskets, Limits, Neighbour};
use super::{MAX_ITEMS_PER_USER, MAX_NEIGHBOURS};
use crate::db::begin_write;
use crate::error::{ApiError, ApiResult};

/// Rows one INSERT statement carries (4 parameters each, well under
/// SQLite's and PostgreSQL's parameter limits).
const INSERT_CHUNK: usize = 2_000;

/// What a recompute did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Consenting users with at least one play or purchase that counts.
    pub users: usize,
    pub plays_read: usize,
    pub purchases_read: usize,
    pub product_rows: usize,
    pub track_rows: usize,
    pub artist_rows: usize,
    pub read: Duration,
    pub computed: Duration,
    pub written: Duration,
}

/// The catalogue as the job needs it: dense indexes for ids.
#[derive(Default)]
struct Catalogue {
    album_index: HashMap<i32, u32>,
    albums: Vec<i32>,
    artist_of_album: Vec<u32>,
    artists: Vec<i32>,
    track_index: HashMap<i32, u32>,
    tracks: Vec<i32>,
    album_of_track: Vec<u32>,
    tracks_of_album: Vec<Vec<u32>>,
    /// Every product of each album (album index), and the one shown as
    /// the album's when it is related to something.
    products_of_album: Vec<Vec<i32>>,
    headline: Vec<Option<i32>>,
    album_of_product: HashMap<i32, u32>,
    track_of_product: HashMap<i32, u32>,
}

/// One consenting user's signal: tracks played or bought and albums played
/// or bought, most recent first, capped.
#[derive(Default)]
struct Signal {
    tracks: Vec<u32>,
    albums: Vec<u32>,
}

impl Signal {
    fn add(list: &mut Vec<u32>, item: u32) {
        // A full list takes nothing more: its user's most recent items are
        // what count, and one heavy user costs no more than any other.
        if list.len() < MAX_ITEMS_PER_USER && !list.contains(&item) {
            list.push(item);
        }
    }
}

/// Recomputes the affinity tables from the database as it is now.
pub async fn recompute(db: &DatabaseConnection, k_anonymity: u32) -> ApiResult<Report> {
    let started = Instant::now();
    let mut report = Report::default();
    let catalogue = load_catalogue(db).await?;
    let signals = load_signals(db, &catalogue, &mut report).await?;
    report.users = signals.len();
    report.read = started.elapsed();

    let computing = Instant::now();
    let limits = Limits {
        min_supporters: k_anonymity.max(1),
        max_neighbours: MAX_NEIGHBOURS,
    };
    let (rows, catalogue) = tokio::task::spawn_blocking(move || {
        let rows = compute(&catalogue, signals, limits);
        (rows, catalogue)
    })
    .await
    .map_err(|err| ApiError::internal(anyhow::anyhow!("the recompute task failed: {err}")))?;
    drop(catalogue);
    report.computed = computing.elapsed();

    let writing = Instant::now();
    report.product_rows = rows.products.len();
    report.track_rows = rows.tracks.len();
    report.artist_rows = rows.artists.len();
    write(db, &rows).await?;
    report.written = writing.elapsed();
    Ok(report)
}

async fn load_catalogue(db: &DatabaseConnection) -> ApiResult<Catalogue> {
    let mut c = Catalogue::default();
    let mut artist_index: HashMap<i32, u32> = HashMap::new();
    for row in all(db, "SELECT id, artist_id FROM albums ORDER BY id").await? {
        let (album, artist): (i32, i32) = (row.try_get("", "id")?, row.try_get("", "artist_id")?);
        let next = artist_index.len() as u32;
        let artist_ix = *artist_index.entry(artist).or_insert_with(|| {
            c.artists.push(artist);
            next
        });
        c.album_index.insert(album, c.albums.len() as u32);
        c.albums.push(album);
        c.artist_of_album.push(artist_ix);
    }
    for row in all(db, "SELECT id, album_id FROM tracks ORDER BY id").await? {
        let (track, album): (i32, i32) = (row.try_get("", "id")?, row.try_get("", "album_id")?);
        if let Some(album_ix) = c.album_index.get(&album) {
            c.track_index.insert(track, c.tracks.len() as u32);
            c.tracks.push(track);
            c.album_of_track.push(*album_ix);
        }
    }
    c.tracks_of_album = vec![Vec::new(); c.albums.len()];
    for (track_ix, album_ix) in c.album_of_track.iter().enumerate() {
        c.tracks_of_album[*album_ix as usize].push(track_ix as u32);
    }
    c.products_of_album = vec![Vec::new(); c.albums.len()];
    c.headline = vec![None; c.albums.len()];
    let mut headline_is_album = vec![false; c.albums.len()];
    let sql = "SELECT id, album_id, track_id FROM products ORDER BY id";
    for row in all(db, sql).await? {
        let product: i32 = row.try_get("", "id")?;
        let album: i32 = row.try_get("", "album_id")?;
        let track: Option<i32> = row.try_get("", "track_id")?;
        let Some(album_ix) = c.album_index.get(&album).copied() else {
            continue;
        };
        let slot = album_ix as usize;
        c.products_of_album[slot].push(product);
        c.album_of_product.insert(product, album_ix);
        match track.and_then(|t| c.track_index.get(&t).copied()) {
            Some(track_ix) => {
                c.track_of_product.insert(product, track_ix);
                if c.headline[slot].is_none() {
                    c.headline[slot] = Some(product);
                }
            }
            None if !headline_is_album[slot] => {
                c.headline[slot] = Some(product);
                headline_is_album[slot] = true;
            }
            None => {}
        }
    }
    Ok(c)
}

/// The plays and purchases that may feed statistics: of users whose
/// `contributeToAggregates` is on now, plays not excluded, purchases of
/// fulfilled orders (a refunded one is no longer a purchase).
async fn load_signals(
    db: &DatabaseConnection,
    c: &Catalogue,
    report: &mut Report,
) -> ApiResult<Vec<Signal>> {
    let refusing: HashSet<i32> = all(
        db,
        "SELECT user_id FROM privacy_settings WHERE contribute_to_aggregates = false",
    )
    .await?
    .into_iter()
    .map(|row| row.try_get::<i32>("", "user_id"))
    .collect::<Result<_, _>>()?;
    let mut by_user: HashMap<i32, Signal> = HashMap::new();

    let backend = db.get_database_backend();
    // Newest first, so a capped list keeps each user's latest.
    let plays = "SELECT user_id, stats_track_id FROM plays \
                 WHERE excluded = false AND stats_track_id IS NOT NULL \
                 ORDER BY played_at DESC, id DESC";
    let mut rows = db.stream(Statement::from_string(backend, plays)).await?;
    while let Some(row) = rows.try_next().await? {
        let user: i32 = row.try_get("", "user_id")?;
        let track: i32 = row.try_get("", "stats_track_id")?;
        report.plays_read += 1;
        if refusing.contains(&user) {
            continue;
        }
        let Some(track_ix) = c.track_index.get(&track).copied() else {
            continue;
        };
        let signal = by_user.entry(user).or_default();
        Signal::add(&mut signal.tracks, track_ix);
        Signal::add(&mut signal.albums, c.album_of_track[track_ix as usize]);
    }
    drop(rows);

    let purchases = "SELECT o.user_id AS user_id, l.product_id AS product_id \
                     FROM order_lines l JOIN orders o ON o.id = l.order_id \
                     WHERE o.status = 'FULFILLED' AND o.user_id IS NOT NULL \
                     ORDER BY o.id DESC, l.id";
    let mut rows = db
        .stream(Statement::from_string(backend, purchases))
        .await?;
    while let Some(row) = rows.try_next().await? {
        let user: i32 = row.try_get("", "user_id")?;
        let product: i32 = row.try_get("", "product_id")?;
        report.purchases_read += 1;
        if refusing.contains(&user) {
            continue;
        }
        let Some(album_ix) = c.album_of_product.get(&product).copied() else {
            continue;
        };
        let signal = by_user.entry(user).or_default();
        // A buyer is a listener of what they bought: the track, or every
        // track of the album.
        match c.track_of_product.get(&product) {
            Some(track_ix) => Signal::add(&mut signal.tracks, *track_ix),
            None => {
                for track_ix in &c.tracks_of_album[album_ix as usize] {
                    Signal::add(&mut signal.tracks, *track_ix);
                }
            }
        }
        Signal::add(&mut signal.albums, album_ix);
    }
    drop(rows);
    // In user order, so the same data always gives the same tables.
    let mut users: Vec<(i32, Signal)> = by_user.into_iter().collect();
    users.sort_unstable_by_key(|(user, _)| *user);
    Ok(users.into_iter().map(|(_, signal)| signal).collect())
}

/// The rows of the three tables: (subject, related, supporters, score).
#[derive(Default)]
struct Rows {
    products: Vec<(i32, i32, u32, f64)>,
    tracks: Vec<(i32, i32, u32, f64)>,
    artists: Vec<(i32, i32, u32, f64)>,
}

fn compute(c: &Catalogue, signals: Vec<Signal>, limits: Limits) -> Rows {
    let mut albums = Baskets::new(c.albums.len());
    let mut tracks = Baskets::new(c.tracks.len());
    let mut artists = Baskets::new(c.artists.len());
    for signal in signals {
        artists.push(
            signal
                .albums
                .iter()
                .map(|a| c.artist_of_album[*a as usize])
                .collect(),
        );
        albums.push(signal.albums);
        tracks.push(signal.tracks);
    }
    let mut rows = Rows::default();
    let album_table = similarities(&albums, &albums, limits, |a, b| a != b);
    for (album, neighbours) in album_table.iter().enumerate() {
        for product in &c.products_of_album[album] {
            push_rows(&mut rows.products, *product, neighbours, |b| {
                c.headline[b as usize]
            });
        }
    }
    drop(album_table);
    let track_table = similarities(&tracks, &albums, limits, |t, a| {
        c.album_of_track[t as usize] != a
    });
    for (track, neighbours) in track_table.iter().enumerate() {
        push_rows(&mut rows.tracks, c.tracks[track], neighbours, |b| {
            c.headline[b as usize]
        });
    }
    drop(track_table);
    let artist_table = similarities(&artists, &artists, limits, |a, b| a != b);
    for (artist, neighbours) in artist_table.iter().enumerate() {
        push_rows(&mut rows.artists, c.artists[artist], neighbours, |b| {
            Some(c.artists[b as usize])
        });
    }
    rows
}

fn push_rows(
    rows: &mut Vec<(i32, i32, u32, f64)>,
    subject: i32,
    neighbours: &[Neighbour],
    related: impl Fn(u32) -> Option<i32>,
) {
    for n in neighbours {
        if let Some(related) = related(n.item) {
            rows.push((subject, related, n.supporters, n.score));
        }
    }
}

/// Replaces the three tables in one transaction: readers see the old
/// statistics or the new, never a mix or none.
async fn write(db: &DatabaseConnection, rows: &Rows) -> ApiResult<()> {
    let txn = begin_write(db).await?;
    for (table, subject, related, rows) in [
        (
            "product_affinity",
            "product_id",
            "related_product_id",
            &rows.products,
        ),
        ("track_affinity", "track_id", "product_id", &rows.tracks),
        (
            "artist_affinity",
            "artist_id",
            "related_artist_id",
            &rows.artists,
        ),
    ] {
        let backend = txn.get_database_backend();
        txn.execute(backend.build(Query::delete().from_table(Alias::new(table))))
            .await?;
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut insert = Query::insert();
            insert.into_table(Alias::new(table)).columns([
                Alias::new(subject),
                Alias::new(related),
                Alias::new("supporters"),
                Alias::new("score"),
            ]);
            for (s, r, supporters, score) in chunk {
                insert
                    .values([
                        Expr::val(*s).into(),
                        Expr::val(*r).into(),
                        Expr::val(i32::try_from(*supporters).unwrap_or(i32::MAX)).into(),
                        Expr::val(*score).into(),
                    ])
                    .map_err(|err| ApiError::internal(anyhow::anyhow!("{err}")))?;
            }
            txn.execute(backend.build(&insert)).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

async fn all(db: &DatabaseConnection, sql: &str) -> ApiResult<Vec<sea_orm::QueryResult>> {
    let backend = db.get_database_backend();
    Ok(db.query_all(Statement::from_string(backend, sql)).await?)
}
