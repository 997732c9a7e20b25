//! What every test of Cadenza shares, whichever crate it is in: the audio
//! files they upload, where the local services are, waiting for something
//! to happen, and files on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod audio;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The PostgreSQL server the suites use on PostgreSQL
/// (`CADENZA_TEST_POSTGRES_URL`), without a database name.
pub fn postgres_server_url() -> String {
    std::env::var("CADENZA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The Redis the suites use (`CADENZA_TEST_REDIS_URL`).
pub fn redis_url() -> String {
    std::env::var("CADENZA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// True when the suite runs on PostgreSQL and Redis
/// (`CADENZA_TEST_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    matches!(
        std::env::var("CADENZA_TEST_DATABASE").as_deref(),
        Ok("postgres") | Ok("postgresql")
    )
}

/// Asks `check` every 50 ms until it answers `Some`, for at most `wait`:
/// for what the server does in the background (the search index following
/// a change, an event crossing replicas). `None` if it never did.
pub async fn eventually<T, F, Fut>(wait: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(found) = check().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every file under `dir`, however deep.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}
