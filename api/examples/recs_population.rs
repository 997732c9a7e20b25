//! Fills an empty Cadenza database with a population for the recompute
//! benchmark: 100,000 products (20,000 albums sold whole and 80,000 tracks
//! sold alone) by 2,000 artists, 50,000 listeners, 1,000,000 plays and
//! 100,000 purchases (50,000 fulfilled orders of two products). Tastes are
//! planted: albums fall into 200 groups; each listener takes most of what
//! they play and buy from two of them, the rest from the whole catalogue by
//! popularity (Zipf).
//!
//! The database is the one `cadenza` would use (`CADENZA_DATA_DIR`,
//! `DATABASE_URL`); it must be new. Rows are written with their ids, so it
//! is for benchmarks only. Then time the real job:
//!
//!   CADENZA_DATA_DIR=/tmp/recs cargo run --release -p cadenza-api --example recs_population
//!   CADENZA_DATA_DIR=/tmp/recs /usr/bin/time -v target/release/cadenza recompute-recommendations

use std::io::Write;
use std::time::Instant;

use cadenza_api::{db, startup, Settings};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value};

const ARTISTS: usize = 2_000;
const ALBUMS: usize = 20_000;
const TRACKS_PER_ALBUM: usize = 4;
const USERS: usize = 50_000;
const PLAYS: usize = 1_000_000;
const ORDERS: usize = 50_000;
const LINES_PER_ORDER: usize = 2;
const GROUPS: usize = 200;
const LOYALTY: f64 = 0.8;
const CHUNK: usize = 1_000;

/// Draws ranks 0..n with probability falling as 1 / (rank + 1).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Self {
        let mut total = 0.0;
        Self(
            (1..=n)
                .map(|rank| {
                    total += 1.0 / rank as f64;
                    total
                })
                .collect(),
        )
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let last = self.0.last().copied().unwrap_or(0.0);
        let target = rng.gen::<f64>() * last;
        self.0
            .partition_point(|c| *c < target)
            .min(self.0.len() - 1)
    }
}

struct Tastes {
    per_group: usize,
    in_group: Zipf,
    overall: Zipf,
}

impl Tastes {
    /// An album for a listener whose groups are `groups`.
    fn album(&self, rng: &mut StdRng, groups: (usize, usize)) -> usize {
        if rng.gen_bool(LOYALTY) {
            let group = if rng.gen_bool(0.5) {
                groups.0
            } else {
                groups.1
            };
            group * self.per_group + self.in_group.draw(rng)
        } else {
            // Popular albums are spread over the groups, not all in one.
            let rank = self.overall.draw(rng);
            (rank % GROUPS) * self.per_group + rank / GROUPS
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = db::connect(&settings, None).await?;
    startup::migrate(&db).await?;
    let started = Instant::now();
    let now = Utc::now();
    let mut out = std::io::stdout().lock();

    let artists = (1..=ARTISTS).map(|id| {
        vec![
            int(id),
            format!("bench-artist-{id}").into(),
            format!("Artist {id}").into(),
            now.into(),
            now.into(),
        ]
    });
    insert(
        &db,
        "artists",
        &["id", "external_id", "name", "created_at", "updated_at"],
        artists,
    )
    .await?;
    let albums = (1..=ALBUMS).map(|id| {
        vec![
            int(id),
            format!("bench-album-{id}").into(),
            int((id - 1) % ARTISTS + 1),
            format!("Album {id}").into(),
            now.into(),
            now.into(),
        ]
    });
    let album_columns = [
        "id",
        "external_id",
        "artist_id",
        "title",
        "created_at",
        "updated_at",
    ];
    insert(&db, "albums", &album_columns, albums).await?;
    let tracks = (1..=ALBUMS * TRACKS_PER_ALBUM).map(|id| {
        vec![
            int(id),
            format!("bench-track-{id}").into(),
            int((id - 1) / TRACKS_PER_ALBUM + 1),
            format!("Track {id}").into(),
            200_000.into(),
            now.into(),
            now.into(),
        ]
    });
    let track_columns = [
        "id",
        "external_id",
        "album_id",
        "title",
        "duration_ms",
        "created_at",
        "updated_at",
    ];
    insert(&db, "tracks", &track_columns, tracks).await?;
    // Product ids: album a is product a; track t is product ALBUMS + t.
    let products = (1..=ALBUMS + ALBUMS * TRACKS_PER_ALBUM).map(|id| {
        let (kind, album, track, price) = if id <= ALBUMS {
            ("ALBUM", id, None, 999)
        } else {
            let track = id - ALBUMS;
            (
                "TRACK",
                (track - 1) / TRACKS_PER_ALBUM + 1,
                Some(track),
                129,
            )
        };
        vec![
            int(id),
            format!("BENCH-{id}").into(),
            kind.into(),
            int(album),
            track.map(|t| t as i32).into(),
            (price as i64).into(),
            "USD".into(),
            "FLAC".into(),
            true.into(),
            now.into(),
            now.into(),
        ]
    });
    let product_columns = [
        "id",
        "sku",
        "kind",
        "album_id",
        "track_id",
        "price_minor",
        "currency",
        "audio_format",
        "available",
        "created_at",
        "updated_at",
    ];
    insert(&db, "products", &product_columns, products).await?;
    let users = (1..=USERS).map(|id| {
        vec![
            int(id),
            format!("listener{id}@bench.invalid").into(),
            "not a password hash".into(),
            format!("Listener {id}").into(),
            "customer".into(),
            now.into(),
        ]
    });
    let user_columns = [
        "id",
        "email",
        "password_hash",
        "display_name",
        "role",
        "created_at",
    ];
    insert(&db, "users", &user_columns, users).await?;
    writeln!(
        out,
        "catalogue and users written in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;

    let tastes = Tastes {
        per_group: ALBUMS / GROUPS,
        in_group: Zipf::new(ALBUMS / GROUPS),
        overall: Zipf::new(ALBUMS),
    };
    let mut rng = StdRng::seed_from_u64(2003);
    let groups: Vec<(usize, usize)> = (0..USERS)
        .map(|_| (rng.gen_range(0..GROUPS), rng.gen_range(0..GROUPS)))
        .collect();
    let plays_per_user = PLAYS / USERS;
    let plays = (0..PLAYS).map(|n| {
        let user = n / plays_per_user;
        let album = tastes.album(&mut rng, groups[user]);
        let track = album * TRACKS_PER_ALBUM + rng.gen_range(0..TRACKS_PER_ALBUM) + 1;
        let at = now - Duration::seconds((PLAYS - n) as i64);
        vec![
            int(n + 1),
            int(user + 1),
            (track as i32).into(),
            (track as i32).into(),
            150_000.into(),
            true.into(),
            false.into(),
            at.into(),
        ]
    });
    let play_columns = [
        "id",
        "user_id",
        "track_id",
        "stats_track_id",
        "ms_played",
        "completed",
        "excluded",
        "played_at",
    ];
    insert(&db, "plays", &play_columns, plays).await?;
    writeln!(
        out,
        "plays written at {:.1} s",
        started.elapsed().as_secs_f64()
    )?;

    let buyers: Vec<usize> = (0..ORDERS).map(|_| rng.gen_range(0..USERS)).collect();
    let orders = buyers.iter().enumerate().map(|(n, user)| {
        let at = now - Duration::seconds((ORDERS - n) as i64);
        vec![
            int(n + 1),
            format!("BENCH-{n:08}").into(),
            (*user as i32 + 1).into(),
            format!("bench-{n}").into(),
            "FULFILLED".into(),
            1998i64.into(),
            "USD".into(),
            at.into(),
            at.into(),
        ]
    });
    let order_columns = [
        "id",
        "number",
        "user_id",
        "idempotency_key",
        "status",
        "total_minor",
        "currency",
        "created_at",
        "paid_at",
    ];
    insert(&db, "orders", &order_columns, orders).await?;
    let lines = (0..ORDERS * LINES_PER_ORDER).map(|n| {
        let order = n / LINES_PER_ORDER;
        let album = tastes.album(&mut rng, groups[buyers[order]]);
        // Two in three purchases are whole albums.
        let product = if rng.gen_bool(2.0 / 3.0) {
            album + 1
        } else {
            ALBUMS + album * TRACKS_PER_ALBUM + rng.gen_range(0..TRACKS_PER_ALBUM) + 1
        };
        vec![
            int(n + 1),
            int(order + 1),
            (product as i32).into(),
            999i64.into(),
            "USD".into(),
        ]
    });
    let line_columns = ["id", "order_id", "product_id", "price_minor", "currency"];
    insert(&db, "order_lines", &line_columns, lines).await?;
    writeln!(
        out,
        "population written in {:.1} s: {ARTISTS} artists, {ALBUMS} albums, {} products, \
         {USERS} users, {PLAYS} plays, {} purchases",
        started.elapsed().as_secs_f64(),
        ALBUMS + ALBUMS * TRACKS_PER_ALBUM,
        ORDERS * LINES_PER_ORDER
    )?;
    Ok(())
}

fn int(n: usize) -> Value {
    Value::Int(Some(i32::try_from(n).unwrap_or(i32::MAX)))
}

/// Inserts `rows` in chunks, in one transaction.
async fn insert(
    db: &DatabaseConnection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Value>>,
) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut statement = Query::insert();
        statement
            .into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for row in rows.by_ref().take(CHUNK) {
            statement.values(row.into_iter().map(SimpleExpr::from))?;
        }
        txn.execute(backend.build(&statement)).await?;
    }
    txn.commit().await?;
    Ok(())
}
