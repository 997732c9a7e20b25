//! Locker events for the `lockerEvents` subscription. In one process they go
//! through an in-memory broadcast; with Redis every replica publishes to one
//! channel and forwards what arrives on it to its own subscribers, so a
//! change made through any replica reaches the owner's devices on all.

use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::domain::{LockerItemId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockerChange {
    Added,
    Updated,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockerEvent {
    pub user_id: UserId,
    pub change: LockerChange,
    pub item_id: LockerItemId,
}

#[derive(Clone)]
pub struct LockerEvents {
    local: broadcast::Sender<LockerEvent>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
}

/// Events buffered per subscriber before a slow one starts missing them.
const BUFFER: usize = 1024;

impl LockerEvents {
    pub fn in_process() -> Self {
        Self {
            local: broadcast::channel(BUFFER).0,
            redis: None,
        }
    }

    /// Publishes through Redis, and forwards the channel to this process's
    /// subscribers from a background task that reconnects when Redis drops.
    pub async fn with_redis(
        client: redis::Client,
        publisher: redis::aio::ConnectionManager,
        namespace: &str,
    ) -> anyhow::Result<Self> {
        let channel = format!("{namespace}:locker-events");
        let local = broadcast::channel(BUFFER).0;
        // Subscribe before returning, so nothing published after start-up
        // is missed.
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&channel).await?;
        let forward = local.clone();
        let topic = channel.clone();
        tokio::spawn(async move {
            loop {
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    let Ok(payload) = message.get_payload::<String>() else {
                        continue;
                    };
                    match serde_json::from_str::<LockerEvent>(&payload) {
                        Ok(event) => {
                            // No subscriber right now is fine.
                            let _ = forward.send(event);
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "an unreadable locker event on Redis")
                        }
                    }
                }
                drop(messages);
                tracing::warn!("the Redis locker-event subscription ended; reconnecting");
                pubsub = loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    match client.get_async_pubsub().await {
                        Ok(mut fresh) => match fresh.subscribe(&topic).await {
                            Ok(()) => break fresh,
                            Err(err) => {
                                tracing::warn!(error = %err, "resubscribing to locker events failed")
                            }
                        },
                        Err(err) => tracing::warn!(error = %err, "reconnecting to Redis failed"),
                    }
                };
            }
        });
        Ok(Self {
            local,
            redis: Some((publisher, channel)),
        })
    }

    /// Tells the owner's devices. A failure to publish is logged, never
    /// passed on: the change itself has been made.
    pub async fn publish(&self, event: LockerEvent) {
        match &self.redis {
            None => {
                let _ = self.local.send(event);
            }
            Some((publisher, channel)) => {
                let payload = match serde_json::to_string(&event) {
                    Ok(payload) => payload,
                    Err(err) => {
                        tracing::error!(error = %err, "a locker event could not be serialised");
                        return;
                    }
                };
                let mut connection = publisher.clone();
                let published: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async(&mut connection)
                    .await;
                if let Err(err) = published {
                    tracing::error!(error = %err, "a locker event could not be published");
                }
            }
        }
    }

    /// Every event from now on, whoever's locker.
    pub fn subscribe_all(&self) -> broadcast::Receiver<LockerEvent> {
        self.local.subscribe()
    }

    /// The events of `user_id`'s locker from now on.
    pub fn subscribe(&self, user_id: UserId) -> impl Stream<Item = LockerEvent> + Send + 'static {
        futures_util::stream::unfold(self.local.subscribe(), move |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if event.user_id == user_id => return Some((event, receiver)),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a slow subscriber missed locker events");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}
