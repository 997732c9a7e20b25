//! Connecting to the database: SQLite in the data dir by default (WAL mode),
//! PostgreSQL when `DATABASE_URL` says so.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, PaginatorTrait, TransactionTrait,
};

use crate::metrics::Metrics;
use crate::services::{demo, import::Importer};
use crate::settings::Settings;

pub async fn connect(
    settings: &Settings,
    metrics: Option<Metrics>,
) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
    let sqlite = url.starts_with("sqlite:");
    if sqlite && settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(if sqlite { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // WAL lets readers run beside the one writer; the busy timeout makes
        // a second writer wait instead of failing at once. Set per connection.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    let mut db = Database::connect(options)
        .await
        .map_err(|err| anyhow::anyhow!("cannot connect to the database: {err}"))?;
    if let Some(metrics) = metrics {
        db.set_metric_callback(move |_| metrics.sql_statement());
    }
    Ok(db)
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once: a deferred transaction that reads first and writes later fails
/// with SQLITE_BUSY when another writer committed in between, and the busy
/// timeout cannot help it. (sea-orm offers no `BEGIN IMMEDIATE`; a write
/// that touches no row takes the same lock.)
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE users SET id = id WHERE 0")
            .await?;
    }
    Ok(txn)
}

/// Locks one row until the transaction ends (PostgreSQL). On SQLite the
/// transaction already holds the one write lock (`begin_write`).
pub async fn lock_row_for_update(
    txn: &DatabaseTransaction,
    table: &'static str,
    id: i32,
) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|err| anyhow::anyhow!("migrating the database failed: {err}"))?;
    backfill_title_keys(db)
        .await
        .map_err(|err| anyhow::anyhow!("filling in track title keys failed: {err}"))
}

/// Tracks stored before migration 6 have no title key, so uploads could not
/// be matched to them by name. The key is computed in Rust (the same
/// normalisation as matching), a batch at a time; a fresh or current
/// database costs one query.
async fn backfill_title_keys(db: &DatabaseConnection) -> Result<(), DbErr> {
    use entities::track;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

    let mut filled = 0;
    loop {
        let batch: Vec<(i32, String)> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::Title)
            .filter(track::Column::TitleKey.is_null())
            .order_by_asc(track::Column::Id)
            .limit(1_000)
            .into_tuple()
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        let txn = begin_write(db).await?;
        for (id, title) in &batch {
            track::Entity::update_many()
                .col_expr(
                    track::Column::TitleKey,
                    sea_orm::sea_query::Expr::value(crate::services::matching::title_key(title)),
                )
                .filter(track::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        filled += batch.len();
    }
    if filled > 0 {
        tracing::info!(tracks = filled, "filled in title keys for matching");
    }
    Ok(())
}

/// Seeds the demo catalogue when the catalogue is empty and the settings allow.
pub async fn seed_if_empty(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<()> {
    if !settings.seed_demo {
        return Ok(());
    }
    if entities::artist::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let report = demo::seed(
        &Importer::new(db.clone(), Default::default(), Default::default()),
        db,
    )
    .await
    .map_err(|err| anyhow::anyhow!("seeding the demo catalogue failed: {err:?}"))?;
    tracing::info!(
        artists = report.artists_upserted,
        albums = report.albums_upserted,
        tracks = report.tracks_upserted,
        products = report.products_upserted,
        "demo catalogue seeded"
    );
    Ok(())
}
