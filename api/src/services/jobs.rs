//! Background jobs, started in one place (`startup::start_jobs`) by name and
//! supervised: a job's error is logged with its name, a panic too, and
//! either way the job goes on after a pause that doubles with each failure
//! in a row (a second to a minute). Each job's last success, last failure
//! and restarts are kept for `/readyz` and `/metrics`; `stop` ends them all
//! when the server stops.
//!
//! Two shapes: a periodic job runs one round every so often (retention,
//! sweeps, the recompute); a follower runs a loop that only ends by
//! failing (the search index following the change feed, the webhook
//! worker), and reports each round it completes with `Beat::ok`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::task::JoinHandle;

/// The first pause after a failure; it doubles with each failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What is known of one job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobStatus {
    pub name: &'static str,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    /// Why it last failed (an error's text, or "panicked").
    pub last_error: Option<String>,
    /// Failures since it started.
    pub failures: u64,
    /// Failures since its last success: 0 when it is well.
    pub failing_for: u64,
}

#[derive(Clone, Default)]
pub struct Jobs {
    statuses: Arc<Mutex<BTreeMap<&'static str, JobStatus>>>,
    handles: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// A follower's way to say it completed a round.
#[derive(Clone)]
pub struct Beat {
    jobs: Jobs,
    name: &'static str,
}

impl Beat {
    pub fn ok(&self) {
        self.jobs.succeeded(self.name);
    }

    /// A round failed but the loop goes on (the follower pauses itself).
    pub fn failed(&self, why: &str) {
        self.jobs.failed(self.name, why.to_owned());
    }
}

impl Jobs {
    /// Runs `round` every `every`, the first time at once when `now`.
    pub fn every<F, Fut>(&self, name: &'static str, every: Duration, now: bool, round: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.register(name);
        let jobs = self.clone();
        self.keep(tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            if !now {
                tokio::time::sleep(every).await;
            }
            loop {
                let pause = match std::panic::AssertUnwindSafe(round()).catch_unwind().await {
                    Ok(Ok(())) => {
                        jobs.succeeded(name);
                        backoff = FIRST_BACKOFF;
                        every
                    }
                    Ok(Err(err)) => {
                        jobs.failed(name, format!("{err:#}"));
                        next_backoff(&mut backoff).min(every)
                    }
                    Err(_) => {
                        jobs.failed(name, "panicked".into());
                        next_backoff(&mut backoff).min(every)
                    }
                };
                tokio::time::sleep(pause).await;
            }
        }));
    }

    /// Runs `follow` for as long as the server does: when it fails or
    /// panics, it starts again after a pause; when it ends well (what it
    /// follows has closed, as the server stops), it stays ended.
    pub fn follow<F, Fut>(&self, name: &'static str, follow: F)
    where
        F: Fn(Beat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.register(name);
        let jobs = self.clone();
        self.keep(tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            loop {
                let beat = Beat {
                    jobs: jobs.clone(),
                    name,
                };
                let why = match std::panic::AssertUnwindSafe(follow(beat))
                    .catch_unwind()
                    .await
                {
                    Ok(Ok(())) => {
                        tracing::info!(job = name, "a background job ended");
                        return;
                    }
                    Ok(Err(err)) => format!("{err:#}"),
                    Err(_) => "panicked".to_owned(),
                };
                jobs.failed(name, format!("{why}; starting it again"));
                tokio::time::sleep(next_backoff(&mut backoff)).await;
            }
        }));
    }

    /// Every job, by name.
    pub fn statuses(&self) -> Vec<JobStatus> {
        lock(&self.statuses).values().cloned().collect()
    }

    /// Ends every job (at its next pause or wait).
    pub fn stop(&self) {
        for handle in lock(&self.handles).drain(..) {
            handle.abort();
        }
    }

    fn register(&self, name: &'static str) {
        lock(&self.statuses).insert(
            name,
            JobStatus {
                name,
                ..JobStatus::default()
            },
        );
    }

    fn keep(&self, handle: JoinHandle<()>) {
        lock(&self.handles).push(handle);
    }

    fn succeeded(&self, name: &'static str) {
        if let Some(status) = lock(&self.statuses).get_mut(name) {
            status.last_success = Some(Utc::now());
            status.failing_for = 0;
        }
    }

    fn failed(&self, name: &'static str, why: String) {
        tracing::error!(job = name, error = %why, "a background job failed");
        if let Some(status) = lock(&self.statuses).get_mut(name) {
            status.last_failure = Some(Utc::now());
            status.last_error = Some(why);
            status.failures += 1;
            status.failing_for += 1;
        }
    }
}

fn next_backoff(backoff: &mut Duration) -> Duration {
    let pause = *backoff;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
    pause
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn status(jobs: &Jobs, name: &str) -> JobStatus {
        jobs.statuses()
            .into_iter()
            .find(|status| status.name == name)
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_periodic_job_that_fails_or_panics_goes_on() {
        let jobs = Jobs::default();
        let rounds = Arc::new(AtomicU32::new(0));
        let counter = rounds.clone();
        jobs.every("flaky", Duration::from_secs(10), true, move || {
            let round = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                match round {
                    0 => anyhow::bail!("the database is away"),
                    1 => panic!("a bug"),
                    _ => Ok(()),
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let after_error = status(&jobs, "flaky");
        assert_eq!(after_error.failures, 1);
        assert_eq!(
            after_error.last_error.as_deref(),
            Some("the database is away")
        );
        assert!(after_error.last_success.is_none());
        tokio::time::sleep(Duration::from_secs(4)).await;
        let recovered = status(&jobs, "flaky");
        assert_eq!(recovered.failures, 2, "the panic was caught and counted");
        assert_eq!(recovered.failing_for, 0);
        assert!(recovered.last_success.is_some());
        assert!(rounds.load(Ordering::SeqCst) >= 3);
        jobs.stop();
    }

    #[tokio::test(start_paused = true)]
    async fn a_follower_that_stops_is_started_again() {
        let jobs = Jobs::default();
        let starts = Arc::new(AtomicU32::new(0));
        let counter = starts.clone();
        jobs.follow("follower", move |beat| {
            let start = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                beat.ok();
                if start == 0 {
                    panic!("lost its way");
                }
                std::future::pending::<()>().await;
                Ok(())
            }
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(starts.load(Ordering::SeqCst), 2);
        let follower = status(&jobs, "follower");
        assert_eq!(follower.failures, 1);
        assert!(follower.last_error.unwrap().starts_with("panicked"));
        jobs.stop();
    }
}
