//! Fixed-window rate limits: in process by default, in Redis (shared by all
//! replicas) when `REDIS_URL` is set.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ApiError, ApiResult};

/// One limit: at most `max` attempts per `window` for one key.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub max: u32,
    pub window: Duration,
}

/// Sign-in attempts per account (by normalised email).
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login",
    max: 20,
    window: Duration::from_secs(15 * 60),
};

#[derive(Clone)]
pub enum RateLimiter {
    InProcess(Arc<Mutex<HashMap<String, (Instant, u32)>>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        namespace: String,
    },
}

/// Keys kept in process before expired windows are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    pub fn in_process() -> Self {
        Self::InProcess(Arc::default())
    }

    /// Counts one attempt for `key`; past the limit it is RATE_LIMITED.
    pub async fn hit(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let count = match self {
            RateLimiter::InProcess(windows) => {
                let now = Instant::now();
                let mut windows = windows.lock().map_err(|_| {
                    ApiError::internal(anyhow::anyhow!("rate limiter lock poisoned"))
                })?;
                if windows.len() >= SWEEP_AT {
                    windows.retain(|_, (start, _)| now.duration_since(*start) < limit.window);
                }
                let entry = windows
                    .entry(format!("{}:{key}", limit.name))
                    .or_insert((now, 0));
                if now.duration_since(entry.0) >= limit.window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                entry.1
            }
            RateLimiter::Redis {
                connection,
                namespace,
            } => {
                let redis_key = format!("{namespace}:rate:{}:{key}", limit.name);
                let mut connection = connection.clone();
                let (count,): (u32,) = redis::pipe()
                    .atomic()
                    .incr(&redis_key, 1)
                    .expire(&redis_key, limit.window.as_secs() as i64)
                    .arg("NX")
                    .ignore()
                    .query_async(&mut connection)
                    .await
                    .map_err(ApiError::internal)?;
                count
            }
        };
        if count > limit.max {
            return Err(ApiError::RateLimited(format!(
                "too many attempts; try again in {} minutes",
                limit.window.as_secs().div_ceil(60)
            )));
        }
        Ok(())
    }
}
