//! Events addressed to one user's devices, for subscriptions. In one
//! process each listener with open subscriptions has a broadcast channel of
//! their own, so an event costs the same whoever else is listening and one
//! listener's flood never crowds out another's. With Redis every replica
//! publishes to one channel and hands what arrives on it to its own
//! listeners' channels, so a change made through any replica reaches the
//! user's devices on all.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::UserId;
use crate::redis_link::RedisLink;
use crate::services::jobs::Jobs;

/// Pause between attempts to subscribe again while Redis is away.
const RESUBSCRIBE_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Events buffered per subscriber before a slow one starts missing them.
const BUFFER: usize = 1024;
/// The same for whole-replica followers (caches), which see every event.
const ALL_BUFFER: usize = 4096;

/// An event for one user's devices, and the channel its kind travels on.
pub trait Addressed: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The Redis channel (within the deployment's namespace).
    const CHANNEL: &'static str;
    /// The name of the job that forwards the channel from Redis.
    const FORWARDER: &'static str;

    fn user_id(&self) -> UserId;
}

pub struct UserBus<E: Addressed> {
    local: Local<E>,
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
            local: Local::default(),
            redis: None,
            forwarding: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Publishes through Redis, and forwards the channel to this process's
    /// subscribers as a job of its own (`Addressed::FORWARDER`) that
    /// subscribes again whenever the subscription drops. Subscribing first,
    /// before returning, means nothing published after start-up is missed;
    /// if Redis is away at start-up, the job keeps trying and the server
    /// starts all the same.
    pub async fn with_redis(redis: RedisLink, jobs: &Jobs) -> Self {
        let channel = redis.key(E::CHANNEL);
        let local = Local::default();
        let first = redis.subscribe(&channel).await.ok();
        let forwarding = Arc::new(AtomicBool::new(first.is_some()));
        let first = Arc::new(Mutex::new(first));
        let (subscribed, forward) = (forwarding.clone(), local.clone());
        let (link, topic) = (redis.clone(), channel.clone());
        jobs.follow(E::FORWARDER, move |beat| {
            let (first, subscribed, forward) = (first.clone(), subscribed.clone(), forward.clone());
            let (link, topic) = (link.clone(), topic.clone());
            async move {
                let mut subscription = lock(&first).take();
                loop {
                    let Some(pubsub) = subscription.take() else {
                        tokio::time::sleep(RESUBSCRIBE_PAUSE).await;
                        subscription = link.subscribe(&topic).await.ok();
                        continue;
                    };
                    subscribed.store(true, Ordering::SeqCst);
                    beat.ok();
                    let mut messages = pubsub.into_on_message();
                    while let Some(message) = messages.next().await {
                        let Ok(payload) = message.get_payload::<String>() else {
                            continue;
                        };
                        match serde_json::from_str::<E>(&payload) {
                            Ok(event) => forward.deliver(event),
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
            self.local.deliver(event);
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
            self.local.deliver(event);
        }
    }

    /// Every event from now on, whoever's: for this replica's caches.
    pub fn subscribe_all(&self) -> broadcast::Receiver<E> {
        self.local.all.subscribe()
    }

    /// The events of `user_id` from now on.
    pub fn subscribe(&self, user_id: UserId) -> impl Stream<Item = E> + Send + 'static {
        let tap = self.local.tap(user_id);
        futures_util::stream::unfold(tap, |mut tap| async move {
            loop {
                match tap.receiver.recv().await {
                    Ok(event) => return Some((event, tap)),
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

    /// Listeners with a subscription open on this replica.
    pub fn listeners(&self) -> usize {
        lock(&self.local.listeners).len()
    }
}

/// This replica's side: a channel per listener with subscriptions open, and
/// one for followers of every event.
struct Local<E: Addressed> {
    listeners: Arc<Mutex<HashMap<UserId, broadcast::Sender<E>>>>,
    all: broadcast::Sender<E>,
}

impl<E: Addressed> Default for Local<E> {
    fn default() -> Self {
        Self {
            listeners: Arc::default(),
            all: broadcast::channel(ALL_BUFFER).0,
        }
    }
}

impl<E: Addressed> Clone for Local<E> {
    fn clone(&self) -> Self {
        Self {
            listeners: self.listeners.clone(),
            all: self.all.clone(),
        }
    }
}

impl<E: Addressed> Local<E> {
    /// Hands the event to its listener's subscriptions here, if any, and to
    /// the followers of every event. No one listening is fine.
    fn deliver(&self, event: E) {
        if self.all.receiver_count() > 0 {
            let _ = self.all.send(event.clone());
        }
        if let Some(sender) = lock(&self.listeners).get(&event.user_id()) {
            let _ = sender.send(event);
        }
    }

    fn tap(&self, user: UserId) -> Tap<E> {
        let receiver = lock(&self.listeners)
            .entry(user)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe();
        Tap {
            receiver,
            user,
            listeners: self.listeners.clone(),
        }
    }
}

/// One subscription's receiver; the listener's channel goes when their
/// last subscription does.
struct Tap<E: Addressed> {
    receiver: broadcast::Receiver<E>,
    user: UserId,
    listeners: Arc<Mutex<HashMap<UserId, broadcast::Sender<E>>>>,
}

impl<E: Addressed> Drop for Tap<E> {
    fn drop(&mut self) {
        let mut listeners = lock(&self.listeners);
        // This receiver still counts until the struct is gone.
        if listeners
            .get(&self.user)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            listeners.remove(&self.user);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        user: i32,
        n: u32,
    }

    impl Addressed for Ping {
        const CHANNEL: &'static str = "test-pings";
        const FORWARDER: &'static str = "redis-test-pings";

        fn user_id(&self) -> UserId {
            UserId(self.user)
        }
    }

    async fn next<S: Stream<Item = Ping> + Unpin>(stream: &mut S) -> Option<Ping> {
        tokio::time::timeout(std::time::Duration::from_millis(200), stream.next())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn events_reach_their_listeners_devices_and_no_one_else() {
        let bus = UserBus::<Ping>::in_process();
        let mut phone = Box::pin(bus.subscribe(UserId(1)));
        let mut laptop = Box::pin(bus.subscribe(UserId(1)));
        let mut other = Box::pin(bus.subscribe(UserId(2)));
        assert_eq!(bus.listeners(), 2);
        bus.publish(Ping { user: 1, n: 1 }).await;
        assert_eq!(next(&mut phone).await, Some(Ping { user: 1, n: 1 }));
        assert_eq!(next(&mut laptop).await, Some(Ping { user: 1, n: 1 }));
        assert_eq!(next(&mut other).await, None);
    }

    #[tokio::test]
    async fn another_listeners_flood_does_not_drown_ones_own_events() {
        let bus = UserBus::<Ping>::in_process();
        let mut mine = Box::pin(bus.subscribe(UserId(1)));
        let _theirs = Box::pin(bus.subscribe(UserId(2)));
        for n in 0..(BUFFER as u32 * 3) {
            bus.publish(Ping { user: 2, n }).await;
        }
        bus.publish(Ping { user: 1, n: 7 }).await;
        assert_eq!(next(&mut mine).await, Some(Ping { user: 1, n: 7 }));
    }

    #[tokio::test]
    async fn a_listeners_channel_goes_with_their_last_subscription() {
        let bus = UserBus::<Ping>::in_process();
        let first = bus.subscribe(UserId(1));
        let second = bus.subscribe(UserId(1));
        drop(first);
        assert_eq!(bus.listeners(), 1);
        drop(second);
        assert_eq!(bus.listeners(), 0);
        // Publishing to no one is fine, and followers of everything hear it.
        let mut all = bus.subscribe_all();
        bus.publish(Ping { user: 3, n: 1 }).await;
        assert_eq!(all.recv().await.ok(), Some(Ping { user: 3, n: 1 }));
    }
}
