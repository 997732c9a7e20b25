//! Connecting to the database: SQLite in the data dir by default (WAL mode),
//! PostgreSQL when `DATABASE_URL` says so.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{BinOper, Expr, Func, SimpleExpr};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, TransactionTrait,
};

use crate::metrics::Metrics;
use crate::settings::Settings;

pub async fn connect(
    settings: &Settings,
    metrics: Option<Metrics>,
) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
    let sqlite = settings.uses_sqlite();
    if sqlite && settings.database.url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let mut options = ConnectOptions::new(url.expose());
    options
        .max_connections(
            settings
                .database
                .max_connections
                .unwrap_or(if sqlite { 4 } else { 16 }),
        )
        // A SQLite connection is a file in this process and cannot drop;
        // pinging it before every statement cost a round trip to its
        // worker thread each time. PostgreSQL connections can drop (a
        // restart), so the pool checks them before use.
        .test_before_acquire(!sqlite)
        .min_connections(1)
        // During an outage a request fails within seconds (INTERNAL), and
        // the pool connects again by itself once the database is back.
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false)
        // WAL lets readers run beside the one writer; the busy timeout makes
        // a second writer wait instead of failing at once. Set per connection.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Deleted rows are overwritten with zeros, not left in free
                // pages: an erased account is not readable in the file.
                .pragma("secure_delete", "ON")
                // 32 MiB of pages per connection (SQLite's default is 2
                // MiB): at service scale the indexes a page reads stay in
                // SQLite's own cache rather than a system call away.
                .pragma("cache_size", "-32768")
        });
    let mut db = Database::connect(options)
        .await
        .map_err(|err| anyhow::anyhow!("cannot connect to the database: {err}"))?;
    // Each statement is counted, and logged at debug in the span of the
    // request that sent it: its text only, never its values (they can be
    // anyone's email or title).
    db.set_metric_callback(move |info| {
        if let Some(metrics) = &metrics {
            metrics.sql_statement();
        }
        tracing::debug!(
            target: "cadenza::sql",
            sql = %info.statement.sql,
            duration_ms = info.elapsed.as_secs_f64() * 1000.0,
            failed = info.failed,
            "sql"
        );
    });
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

/// Applies pending migrations. Backfills that need the application's own
/// rules run after it (see `startup::prepare_database`).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|err| anyhow::anyhow!("migrating the database failed: {err}"))
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// `expr` equals `value`, ignoring case: both sides are folded by the
/// database's own `LOWER`, so that the two always fold alike. (SQLite's
/// folds ASCII letters only: a value folded in Rust instead would never
/// match a stored "Électro".)
pub fn text_eq(expr: impl Into<SimpleExpr>, value: &str) -> SimpleExpr {
    Expr::expr(Func::lower(expr.into())).eq(Func::lower(Expr::val(value.trim())))
}

/// `expr` holds `text`, ignoring case as `text_eq` does; `%`, `_` and `\`
/// in `text` are literal.
pub fn text_contains(expr: impl Into<SimpleExpr>, text: &str) -> SimpleExpr {
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    // `LOWER(expr) LIKE LOWER(pattern) ESCAPE '\'`, as sea-query writes a
    // LIKE with an escape, for either database.
    let pattern = SimpleExpr::Binary(
        Box::new(Func::lower(Expr::val(format!("%{escaped}%"))).into()),
        BinOper::Escape,
        Box::new(SimpleExpr::Constant('\\'.into())),
    );
    Expr::expr(Func::lower(expr.into())).binary(BinOper::Like, pattern)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    #[test]
    fn text_is_compared_by_the_databases_own_lower() {
        let q = Query::select()
            .column(Alias::new("a"))
            .from(Alias::new("t"))
            .and_where(text_contains(Expr::col(Alias::new("a")), "mi_les"))
            .and_where(text_eq(Expr::col(Alias::new("b")), "x"))
            .to_owned();
        let (sql, values) = q.build(SqliteQueryBuilder);
        assert_eq!(
            sql,
            r#"SELECT "a" FROM "t" WHERE LOWER("a") LIKE LOWER(?) ESCAPE '\' AND LOWER("b") = LOWER(?)"#
        );
        assert_eq!(values.0[0], sea_orm::Value::from("%mi\\_les%"));
        let (sql, _) = q.build(PostgresQueryBuilder);
        assert!(
            sql.contains(r#"LOWER("a") LIKE LOWER($1) ESCAPE E'\\'"#),
            "{sql}"
        );
    }
}
