//! Fixed-window rate limits: in process by default, in Redis (shared by all
//! replicas) when `REDIS_URL` is set.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

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
    /// Bounded: past `KEYS_KEPT` the least recently seen keys are forgotten.
    InProcess(Arc<Mutex<LruCache<String, (Instant, u32)>>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        namespace: String,
    },
}

/// Keys counted in process at most.
const KEYS_KEPT: usize = 100_000;

impl RateLimiter {
    pub fn in_process() -> Self {
        Self::InProcess(Arc::new(Mutex::new(LruCache::new(
            NonZeroUsize::new(KEYS_KEPT).unwrap_or(NonZeroUsize::MIN),
        ))))
    }

    /// Counts one attempt for `key`; past the limit it is RATE_LIMITED.
    pub async fn hit(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let count = match self {
            RateLimiter::InProcess(windows) => {
                let now = Instant::now();
                let mut windows = windows.lock().map_err(|_| {
                    ApiError::internal(anyhow::anyhow!("rate limiter lock poisoned"))
                })?;
                let key = format!("{}:{key}", limit.name);
                let entry = windows.get_or_insert_mut(key, || (now, 0));
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
                let count: u32 = redis::cmd("INCR")
                    .arg(&redis_key)
                    .query_async(&mut connection)
                    .await
                    .map_err(ApiError::internal)?;
                if count == 1 {
                    // The window starts with its first attempt.
                    let _: () = redis::cmd("EXPIRE")
                        .arg(&redis_key)
                        .arg(limit.window.as_secs())
                        .query_async(&mut connection)
                        .await
                        .map_err(ApiError::internal)?;
                }
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
