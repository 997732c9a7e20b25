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

    /// Counts one attempt for `key`; past the limit it is RATE_LIMITED,
    /// with the time left in the window as when to try again.
    pub async fn hit(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let (count, left) = self.count(limit, key, 1).await;
        if count > limit.max {
            return Err(limited(limit, left));
        }
        Ok(())
    }

    /// RATE_LIMITED when `key` has used up its attempts, without counting
    /// one: for limits counted only on failure (a wrong password), checked
    /// before the attempt, so that a guess past the limit is refused
    /// whether or not it is right.
    pub async fn check(&self, limit: Limit, key: &str) -> ApiResult<()> {
        let (count, left) = self.count(limit, key, 0).await;
        if count >= limit.max {
            return Err(limited(limit, left));
        }
        Ok(())
    }

    /// Adds `add` attempts to `key`'s window: the count so far and the time
    /// left in it.
    async fn count(&self, limit: Limit, key: &str, add: u32) -> (u32, Duration) {
        match &self.shared {
            Some(redis) => match count_in_redis(redis, limit, key, add).await {
                Some(counted) => counted,
                None => self.count_here(limit, key, add),
            },
            None => self.count_here(limit, key, add),
        }
    }

    /// Forgets what was counted for `key` under the limit named `name`, here
    /// and in Redis (an erased account's counts name it). Best effort: a
    /// count left in Redis expires with its window.
    pub async fn forget(&self, name: &str, key: &str) {
        let counted = format!("{name}:{key}");
        self.local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop(&counted);
        if let Some(redis) = &self.shared {
            let deleted = redis
                .cmd::<i64>(redis::cmd("DEL").arg(redis.key(&format!("rate:{counted}"))))
                .await;
            if deleted.is_err() {
                tracing::warn!(
                    limit = name,
                    "a rate-limit count could not be removed from Redis"
                );
            }
        }
    }

    /// The attempts counted so far in `key`'s window, `add` included, and
    /// the time left in it.
    fn count_here(&self, limit: Limit, key: &str, add: u32) -> (u32, Duration) {
        let now = Instant::now();
        let mut windows = self
            .local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let counted = format!("{}:{key}", limit.name);
        if add == 0 {
            // Looking only: nothing is made for a key never counted.
            return match windows.get(&counted) {
                Some(&(start, count)) if now.duration_since(start) < limit.window => {
                    (count, limit.window - now.duration_since(start))
                }
                _ => (0, limit.window),
            };
        }
        let entry = windows.get_or_insert_mut(counted, || (now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(add);
        (
            entry.1,
            limit.window.saturating_sub(now.duration_since(entry.0)),
        )
    }
}

fn limited(limit: Limit, left: Duration) -> ApiError {
    let retry_after_secs = left.as_secs_f64().ceil().max(1.0) as u64;
    ApiError::RateLimited {
        message: format!(
            "too many {} attempts: at most {} in {}; try again in {}",
            limit.name,
            limit.max,
            spoken(limit.window.as_secs()),
            spoken(retry_after_secs),
        ),
        retry_after_secs,
    }
}

/// "1 second", "3 minutes", "1 hour": whole hours or minutes as such,
/// and past two minutes rounded up to the minute.
fn spoken(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 120 || (s >= 60 && s % 60 == 0) => (s.div_ceil(60), "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The window starts with its first attempt: the key is made with the
/// window's expiry only if it is not there, counted, and its time to live
/// read, in one atomic round trip. `None` when Redis does not answer.
async fn count_in_redis(
    redis: &RedisLink,
    limit: Limit,
    key: &str,
    add: u32,
) -> Option<(u32, Duration)> {
    let redis_key = redis.key(&format!("rate:{}:{key}", limit.name));
    if add == 0 {
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(&redis_key).cmd("PTTL").arg(&redis_key);
        let (count, ttl_ms): (Option<u32>, i64) = redis.pipe(&pipe).await.ok()?;
        let left = u64::try_from(ttl_ms).map_or(limit.window, Duration::from_millis);
        return Some((count.unwrap_or(0), left));
    }
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("SET")
        .arg(&redis_key)
        .arg(0)
        .arg("EX")
        .arg(limit.window.as_secs().max(1))
        .arg("NX")
        .ignore()
        .cmd("INCRBY")
        .arg(&redis_key)
        .arg(add)
        .cmd("PTTL")
        .arg(&redis_key);
    let (count, ttl_ms): (u32, i64) = redis.pipe(&pipe).await.ok()?;
    let left = u64::try_from(ttl_ms).map_or(limit.window, Duration::from_millis);
    Some((count, left))
}
