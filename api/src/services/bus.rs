//! Events addressed to one user's devices, for subscriptions. In one
//! process they go through an in-memory broadcast; with Redis every replica
//! publishes to one channel and forwards what arrives on it to its own
//! subscribers, so a change made through any replica reaches the user's
//! devices on all.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::UserId;
use crate::redis_link::RedisLink;

/// Pause between attempts to subscribe again while Redis is away.
const RESUBSCRIBE_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Events buffered per subscriber before a slow one starts missing them.
const BUFFER: usize = 1024;

/// An event for one user's devices, and the channel its kind travels on.
pub trait Addressed: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The Redis channel (within the deployment's namespace).
    const CHANNEL: &'static str;

    fn user_id(&self) -> UserId;
}

pub struct UserBus<E: Addressed> {
    local: broadcast::Sender<E>,
    redis: Option<(RedisLink, String)>,
    /// Whether this replica is subscribed to the Redis channel right now:
    /// while it is not, what it publishes reaches its own subscribers
    /// directly, or they would miss it.
    forwarding: Arc<AtomicBool>,
}

impl<E: Addressed> Clone for UserBus<E> {
    fn clone(&self) -> Self {
        Self {
            local: self.local.clone(),
            redis: self.redis.clone(),
            forwarding: self.forwarding.clone(),
        }
    }
}

impl<E: Addressed> UserBus<E> {
    pub fn in_process() -> Self {
        Self {
            local: broadcast::channel(BUFFER).0,
            redis: None,
            forwarding: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Publishes through Redis, and forwards the channel to this process's
    /// subscribers from a background task that subscribes again whenever
    /// the subscription drops. Subscribing first, before returning, means
    /// nothing published after start-up is missed; if Redis is away at
    /// start-up, the task keeps trying and the server starts all the same.
    pub async fn with_redis(redis: RedisLink) -> Self {
        let channel = redis.key(E::CHANNEL);
        let local = broadcast::channel(BUFFER).0;
        let first = redis.subscribe(&channel).await.ok();
        let forwarding = Arc::new(AtomicBool::new(first.is_some()));
        let subscribed = forwarding.clone();
        let forward = local.clone();
        let (link, topic) = (redis.clone(), channel.clone());
        tokio::spawn(async move {
            let mut subscription = first;
            loop {
                let Some(pubsub) = subscription.take() else {
                    tokio::time::sleep(RESUBSCRIBE_PAUSE).await;
                    subscription = link.subscribe(&topic).await.ok();
                    continue;
                };
                subscribed.store(true, Ordering::SeqCst);
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    let Ok(payload) = message.get_payload::<String>() else {
                        continue;
                    };
                    match serde_json::from_str::<E>(&payload) {
                        Ok(event) => {
                            // No subscriber right now is fine.
                            let _ = forward.send(event);
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, channel = E::CHANNEL, "an unreadable event on Redis")
                        }
                    }
                }
                subscribed.store(false, Ordering::SeqCst);
                tracing::warn!(
                    channel = E::CHANNEL,
                    "a Redis subscription ended; subscribing again"
                );
            }
        });
        Self {
            local,
            redis: Some((redis, channel)),
            forwarding,
        }
    }

    /// Tells the user's devices. Through Redis when it answers; otherwise,
    /// or while this replica is not subscribed to the channel, to this
    /// replica's subscribers directly. A failure is never passed on: the
    /// change itself has been made.
    pub async fn publish(&self, event: E) {
        let Some((redis, channel)) = &self.redis else {
            let _ = self.local.send(event);
            return;
        };
        let payload = match serde_json::to_string(&event) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(error = %err, channel = E::CHANNEL, "an event could not be serialised");
                return;
            }
        };
        let published = redis
            .cmd::<i64>(redis::cmd("PUBLISH").arg(channel).arg(payload))
            .await;
        if published.is_err() || !self.forwarding.load(Ordering::SeqCst) {
            let _ = self.local.send(event);
        }
    }

    /// Every event from now on, whoever's.
    pub fn subscribe_all(&self) -> broadcast::Receiver<E> {
        self.local.subscribe()
    }

    /// The events of `user_id` from now on.
    pub fn subscribe(&self, user_id: UserId) -> impl Stream<Item = E> + Send + 'static {
        futures_util::stream::unfold(self.local.subscribe(), move |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if event.user_id() == user_id => return Some((event, receiver)),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            missed,
                            channel = E::CHANNEL,
                            "a slow subscriber missed events"
                        );
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}
