//! Redis, when `REDIS_URL` is set: the bus and the shared counters of
//! several replicas, never the source of truth.
//!
//! Every call has a deadline. A call that fails or runs out of time returns
//! `Unavailable` at once, and the caller falls back (rate limits counted by
//! this replica alone, locker events to this replica's devices only). The
//! link logs the start of an outage once and its end once, never per call.
//! Nothing waits for Redis to come back: a lost connection is re-made on a
//! later call; after a failure, calls fall back at once for a second rather
//! than each waiting out the deadline; and everything uses Redis again as
//! soon as it answers, without a restart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::FromRedisValue;

/// Longest any one Redis call may take, connecting included.
pub const DEADLINE: Duration = Duration::from_millis(500);

/// How long after a failure calls fall back without trying Redis.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Redis did not answer in time, or answered with an error.
#[derive(Debug)]
pub struct Unavailable;

#[derive(Clone)]
pub struct RedisLink {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    namespace: String,
    connection: Mutex<Connection>,
    /// What the log last said: Redis answering or not.
    up: AtomicBool,
}

#[derive(Default)]
struct Connection {
    manager: Option<ConnectionManager>,
    /// When a call last failed: for a second after, calls fall back at once
    /// instead of each waiting out the deadline on a Redis that is away.
    last_failure: Option<Instant>,
}

impl RedisLink {
    /// Checks the URL; connects on first use, so a server starts (and
    /// serves) while Redis is down.
    pub fn new(url: &str, namespace: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|err| anyhow::anyhow!("REDIS_URL: {err}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                namespace: namespace.to_owned(),
                connection: Mutex::new(Connection::default()),
                up: AtomicBool::new(true),
            }),
        })
    }

    /// `<namespace>:<name>`: every key and channel is under the namespace,
    /// so deployments can share one Redis.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.inner.namespace)
    }

    /// Runs one command.
    pub async fn cmd<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, Unavailable> {
        let started = Instant::now();
        let mut connection = self.manager().await?;
        let left = DEADLINE.saturating_sub(started.elapsed());
        self.settle(tokio::time::timeout(left, cmd.query_async(&mut connection)).await)
    }

    /// Runs a pipeline (atomic if it says so) in one round trip.
    pub async fn pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline) -> Result<T, Unavailable> {
        let started = Instant::now();
        let mut connection = self.manager().await?;
        let left = DEADLINE.saturating_sub(started.elapsed());
        self.settle(tokio::time::timeout(left, pipe.query_async(&mut connection)).await)
    }

    /// Whether Redis answers a PING now.
    pub async fn ping(&self) -> bool {
        self.cmd::<String>(&redis::cmd("PING")).await.is_ok()
    }

    /// A connection of its own for SUBSCRIBE, subscribed to `channel`.
    pub async fn subscribe(&self, channel: &str) -> Result<PubSub, Unavailable> {
        let connecting = async {
            let mut pubsub = self.inner.client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        self.settle(tokio::time::timeout(DEADLINE, connecting).await)
    }

    /// The shared connection, made if there is none yet; nothing while the
    /// last failure is under a second old.
    async fn manager(&self) -> Result<ConnectionManager, Unavailable> {
        {
            let connection = self.lock();
            if connection
                .last_failure
                .is_some_and(|at| at.elapsed() < RETRY_PAUSE)
            {
                return Err(Unavailable);
            }
            if let Some(manager) = &connection.manager {
                return Ok(manager.clone());
            }
        }
        // The manager re-makes a lost connection by itself; these bounds keep
        // each of its attempts, and each command, within the deadline.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(DEADLINE)
            .set_response_timeout(DEADLINE)
            .set_number_of_retries(1)
            .set_max_delay(DEADLINE.as_millis() as u64);
        let made = tokio::time::timeout(
            DEADLINE,
            ConnectionManager::new_with_config(self.inner.client.clone(), config),
        )
        .await;
        let manager = self.settle(made)?;
        self.lock().manager = Some(manager.clone());
        Ok(manager)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.inner
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The outcome of a call, noting in the log when Redis goes or comes back.
    fn settle<T>(
        &self,
        outcome: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, Unavailable> {
        match outcome {
            Ok(Ok(value)) => {
                self.lock().last_failure = None;
                if !self.inner.up.swap(true, Ordering::AcqRel) {
                    tracing::info!("Redis answers again: rate limits and locker events are shared by every replica again");
                }
                Ok(value)
            }
            // An answer, if an error (a key of the wrong type, say): Redis
            // is there, this one call failed.
            Ok(Err(err))
                if !(err.is_io_error()
                    || err.is_timeout()
                    || err.is_connection_dropped()
                    || err.is_connection_refusal()) =>
            {
                tracing::error!(error = %err, "a Redis command failed");
                Err(Unavailable)
            }
            Ok(Err(err)) => {
                self.down(&err.to_string());
                Err(Unavailable)
            }
            Err(_) => {
                self.down("no answer within the deadline");
                Err(Unavailable)
            }
        }
    }

    fn down(&self, why: &str) {
        self.lock().last_failure = Some(Instant::now());
        if self.inner.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                error = why,
                "Redis is unreachable: rate limits fall back to each replica's own count, and locker events reach this replica's devices only, until it answers again"
            );
        }
    }
}
