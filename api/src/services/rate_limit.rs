//! Fixed-window rate limits: counted in Redis (shared by all replicas) when
//! `REDIS_URL` is set, in process otherwise. While Redis is away each
//! replica counts on its own, so a limit holds per replica until Redis
//! answers again; a request is never refused because Redis is down.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

use crate::error::{ApiError, ApiResult};
use crate::redis_link::RedisLink;

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
pub struct RateLimiter {
    /// Bounded: past `KEYS_KEPT` the least recently seen keys are forgotten.
    local: Arc<Mutex<LruCache<String, (Instant, u32)>>>,
    shared: Option<RedisLink>,
}

/// Keys counted in process at most.
const KEYS_KEPT: usize = 100_000;

impl RateLimiter {
    pub fn in_process() -> Self {
        Self {
            local: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(KEYS_KEPT).unwrap_or(NonZeroUsize::MIN),
            ))),
            shared: None,
        }
    }

    /// Counted in Redis, and in process while Redis is away.
    pub fn shared(redis: RedisLink) -> Self {
        Self {
            shared: Some(redis),
            ..Self::in_process()
        }
    }

    /// Counts one attempt for `key`; past the limit it is RATE_LIMITED.
    pub async fn hit(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let count = match &self.shared {
            Some(redis) => match count_in_redis(redis, limit, key).await {
                Some(count) => count,
                None => self.count_here(limit, key),
            },
            None => self.count_here(limit, key),
        };
        if count > limit.max {
            return Err(ApiError::RateLimited(format!(
                "too many attempts; try again in {} minutes",
                limit.window.as_secs().div_ceil(60)
            )));
        }
        Ok(())
    }

    fn count_here(&self, limit: Limit, key: &str) -> u32 {
        let now = Instant::now();
        let mut windows = self
            .local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = windows.get_or_insert_mut(format!("{}:{key}", limit.name), || (now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

/// The window starts with its first attempt: the key is made with the
/// window's expiry only if it is not there, and counted, in one atomic
/// round trip. `None` when Redis does not answer.
async fn count_in_redis(redis: &RedisLink, limit: Limit, key: &str) -> Option<u32> {
    let redis_key = redis.key(&format!("rate:{}:{key}", limit.name));
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("SET")
        .arg(&redis_key)
        .arg(0)
        .arg("EX")
        .arg(limit.window.as_secs().max(1))
        .arg("NX")
        .ignore()
        .cmd("INCR")
        .arg(&redis_key);
    let (count,): (u32,) = redis.pipe(&pipe).await.ok()?;
    Some(count)
}
