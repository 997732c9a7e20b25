//! Batching a request's loads within the request's own task.
//!
//! async-graphql's `DataLoader` collects keys for a fixed delay on a timer
//! (1 ms by default, and tokio's timer rounds even a zero delay up to its
//! next millisecond), on a task of its own. A page waited that delay at
//! every level of its tree: an album page with ownership on every track
//! took 10 ms at one connection, most of it waiting. Here the first load
//! of a kind yields once to the runtime and then fetches every key of that
//! kind registered meanwhile. The resolvers of one level are polled in the
//! same pass of the request's task, so all of them have registered by then,
//! and nothing waits on a clock.
//!
//! The values a request loaded stay for the rest of the request (what
//! `HashMapCache` did); a failed load is not kept, so a later one retries.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_graphql::dataloader::Loader;
use futures_util::future::{FutureExt, Shared};
use tokio::sync::oneshot;

/// Keys a loader is asked for at once (as async-graphql's `DataLoader`
/// had it): a larger batch is fetched in parts, so an `IN` list stays
/// well under every database's limit on bound parameters.
const MAX_BATCH: usize = 1_000;

/// Resolves when the batch holding a key has been fetched.
type Done<E> = Shared<oneshot::Receiver<Result<(), E>>>;

pub struct Batcher<T> {
    loader: T,
    kinds: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

/// What a request holds for one kind of key.
struct Kind<K, V, E> {
    /// Fetched: the value, or `None` when the loader had none.
    loaded: HashMap<K, Option<V>>,
    /// Registered and not yet fetched, with their batch.
    waiting: HashMap<K, Done<E>>,
    /// The batch still taking keys, if one is.
    gathering: Option<(Vec<K>, Done<E>)>,
}

impl<K, V, E> Default for Kind<K, V, E> {
    fn default() -> Self {
        Self {
            loaded: HashMap::new(),
            waiting: HashMap::new(),
            gathering: None,
        }
    }
}

impl<K, V, E> Kind<K, V, E>
where
    K: Hash + Eq + Clone,
    E: Clone,
{
    /// Forgets batches whose leader went away before fetching (its future
    /// was dropped): their keys are registered again.
    fn forget_abandoned(&mut self) {
        let abandoned = |done: &Done<E>| matches!(done.peek(), Some(Err(_)));
        self.waiting.retain(|_, done| !abandoned(done));
        if self
            .gathering
            .as_ref()
            .is_some_and(|(_, done)| abandoned(done))
        {
            self.gathering = None;
        }
    }
}

impl<T: Send + Sync + 'static> Batcher<T> {
    pub fn new(loader: T) -> Self {
        Self {
            loader,
            kinds: Mutex::new(HashMap::new()),
        }
    }

    fn kind<K, V, E>(&self) -> KindGuard<'_, K, V, E>
    where
        K: Send + 'static,
        V: Send + 'static,
        E: Send + Sync + 'static,
    {
        KindGuard {
            kinds: self.kinds.lock().unwrap_or_else(PoisonError::into_inner),
            marker: std::marker::PhantomData,
        }
    }

    pub async fn load_one<K>(&self, key: K) -> Result<Option<T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
        T::Error: Sync,
    {
        let mut values = self.load_many(std::iter::once(key.clone())).await?;
        Ok(values.remove(&key))
    }

    pub async fn load_many<K, I>(&self, keys: I) -> Result<HashMap<K, T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        I: IntoIterator<Item = K>,
        T: Loader<K>,
        T::Error: Sync,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        loop {
            let mut waits: Vec<Done<T::Error>> = Vec::new();
            let mut lead = None;
            {
                let mut guard = self.kind::<K, T::Value, T::Error>();
                let kind = guard.get();
                kind.forget_abandoned();
                for key in &keys {
                    if kind.loaded.contains_key(key) {
                        continue;
                    }
                    if let Some(done) = kind.waiting.get(key) {
                        if !waits.iter().any(|wait| wait.ptr_eq(done)) {
                            waits.push(done.clone());
                        }
                        continue;
                    }
                    let (batch, done) = kind.gathering.get_or_insert_with(|| {
                        let (sender, receiver) = oneshot::channel();
                        lead = Some(sender);
                        (Vec::new(), receiver.shared())
                    });
                    batch.push(key.clone());
                    let done = done.clone();
                    kind.waiting.insert(key.clone(), done.clone());
                    if !waits.iter().any(|wait| wait.ptr_eq(&done)) {
                        waits.push(done);
                    }
                }
            }
            if let Some(sender) = lead {
                // The other resolvers of this level register their keys
                // before the task is polled again.
                tokio::task::yield_now().await;
                let outcome = self.fetch::<K>().await;
                let _ = sender.send(outcome);
            }
            let mut abandoned = false;
            for done in waits {
                match done.await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Err(err),
                    Err(_) => abandoned = true,
                }
            }
            if abandoned {
                continue;
            }
            let mut guard = self.kind::<K, T::Value, T::Error>();
            let kind = guard.get();
            return Ok(keys
                .iter()
                .filter_map(|key| {
                    let value = kind.loaded.get(key)?.clone()?;
                    Some((key.clone(), value))
                })
                .collect());
        }
    }

    /// Fetches the batch that is gathering, and keeps what it loaded.
    async fn fetch<K>(&self) -> Result<(), T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
        T::Error: Sync,
    {
        let batch = {
            let mut guard = self.kind::<K, T::Value, T::Error>();
            guard.get().gathering.take().map(|(batch, _)| batch)
        };
        let Some(batch) = batch else {
            return Ok(());
        };
        let mut result = Ok(HashMap::new());
        for keys in batch.chunks(MAX_BATCH) {
            match (self.loader.load(keys).await, &mut result) {
                (Ok(values), Ok(all)) => all.extend(values),
                (Err(err), _) => {
                    result = Err(err);
                    break;
                }
                (Ok(_), Err(_)) => unreachable!("a failed batch stops"),
            }
        }
        let mut guard = self.kind::<K, T::Value, T::Error>();
        let kind = guard.get();
        for key in &batch {
            kind.waiting.remove(key);
        }
        let mut values = result?;
        for key in batch {
            let value = values.remove(&key);
            kind.loaded.insert(key, value);
        }
        Ok(())
    }
}

/// Which kind a guard hands out, without owning one.
type KindOf<K, V, E> = std::marker::PhantomData<fn() -> Kind<K, V, E>>;

/// The lock on every kind, handing out one.
struct KindGuard<'a, K, V, E> {
    kinds: MutexGuard<'a, HashMap<TypeId, Box<dyn Any + Send>>>,
    marker: KindOf<K, V, E>,
}

impl<K, V, E> KindGuard<'_, K, V, E>
where
    K: Send + 'static,
    V: Send + 'static,
    E: Send + Sync + 'static,
{
    fn get(&mut self) -> &mut Kind<K, V, E> {
        self.kinds
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(Kind::<K, V, E>::default()))
            .downcast_mut::<Kind<K, V, E>>()
            .unwrap_or_else(|| unreachable!("one kind of key, one kind of value"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Doubles each key; counts its batches; fails on a key of 13.
    struct Doubler {
        batches: AtomicUsize,
        seen: Mutex<Vec<Vec<i32>>>,
    }

    impl Loader<i32> for Doubler {
        type Value = i32;
        type Error = String;

        async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, i32>, String> {
            self.batches.fetch_add(1, Ordering::SeqCst);
            self.seen.lock().unwrap().push(keys.to_vec());
            if keys.contains(&13) {
                return Err("thirteen".into());
            }
            Ok(keys
                .iter()
                .filter(|key| **key >= 0)
                .map(|key| (*key, key * 2))
                .collect())
        }
    }

    fn batcher() -> Arc<Batcher<Doubler>> {
        Arc::new(Batcher::new(Doubler {
            batches: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
        }))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_loads_of_one_pass_are_one_batch_and_kept() {
        let batcher = batcher();
        let loads = (0..50).map(|key| batcher.load_one(key % 12));
        let values = futures_util::future::join_all(loads).await;
        assert_eq!(batcher.loader.batches.load(Ordering::SeqCst), 1);
        for (key, value) in values.into_iter().enumerate() {
            assert_eq!(value, Ok(Some((key as i32 % 12) * 2)));
        }
        // Loaded once for the request; a key the loader had none for is None.
        assert_eq!(batcher.load_one(3).await, Ok(Some(6)));
        assert_eq!(batcher.load_one(-1).await, Ok(None));
        assert_eq!(batcher.loader.batches.load(Ordering::SeqCst), 2);
        assert_eq!(batcher.load_one(-1).await, Ok(None));
        assert_eq!(batcher.loader.batches.load(Ordering::SeqCst), 2);
        let many = batcher.load_many([1, 2, -5, 2]).await.unwrap();
        assert_eq!(many, HashMap::from([(1, 2), (2, 4)]));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_batch_is_fetched_in_parts() {
        let batcher = batcher();
        let keys = 100..(100 + MAX_BATCH as i32 * 2 + 5);
        let values = batcher.load_many(keys.clone()).await.unwrap();
        assert_eq!(values.len(), keys.len());
        let sizes: Vec<usize> = batcher
            .loader
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [MAX_BATCH, MAX_BATCH, 5]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_batch_fails_its_loads_and_is_not_kept() {
        let batcher = batcher();
        let values =
            futures_util::future::join_all([batcher.load_one(13), batcher.load_one(4)]).await;
        assert_eq!(values, [Err("thirteen".into()), Err("thirteen".into())]);
        assert_eq!(batcher.load_one(4).await, Ok(Some(8)));
        assert_eq!(batcher.loader.batches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_leader_dropped_before_fetching_leaves_its_keys_to_the_others() {
        let batcher = batcher();
        let mut leader = Box::pin(batcher.load_one(7));
        // Registers 7 and yields, then goes away.
        assert!(futures_util::poll!(&mut leader).is_pending());
        let follower = batcher.load_one(7);
        drop(leader);
        assert_eq!(follower.await, Ok(Some(14)));
        assert_eq!(*batcher.loader.seen.lock().unwrap(), [vec![7]]);
    }
}
