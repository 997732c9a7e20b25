//! The subscription fan-out benchmark: `cargo run --release -p cadenza-api
//! --example fanout`.
//!
//! 1,000 listeners, each with an equal share of N open subscriptions (N from
//! 100 to 5,000), and 1,000 events a second, each for a random listener,
//! through the bus the `lockerEvents` and `playback` subscriptions read
//! (`services::bus::UserBus`, in process). Every subscriber checks that each
//! event it gets is its listener's; at the end every listener's devices must
//! have had every one of their listener's events. It prints, for each N, the
//! CPU time the process spent per event (all threads, from
//! /proc/self/task/*/schedstat) and the events lost or misdelivered.
//!
//! `--before` runs the same load through the design it replaced: one
//! broadcast channel for everyone, each subscription filtering every event.

#![allow(clippy::print_stdout)] // a report for the terminal

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cadenza_api::domain::{LockerItemId, UserId};
use cadenza_api::services::locker::events::{LockerChange, LockerEvent, LockerEvents};
use futures_util::StreamExt;
use tokio::sync::broadcast;

const LISTENERS: i32 = 1_000;
const EVENTS_PER_SECOND: u64 = 1_000;
const SECONDS: u64 = 5;

/// Nanoseconds every thread of this process has run.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[derive(Default)]
struct Tally {
    delivered: AtomicU64,
    misdelivered: AtomicU64,
}

fn event(user: i32, n: u64) -> LockerEvent {
    LockerEvent {
        user_id: UserId(user),
        change: LockerChange::Updated,
        item_id: LockerItemId(i32::try_from(n % 1_000_000).unwrap_or(0)),
    }
}

/// Runs the load; returns CPU ns per event, events a listener's device
/// missed, and events that reached someone else's.
async fn run(subscriptions: usize, before: bool) -> (f64, u64, u64) {
    let tally = Arc::new(Tally::default());
    let bus = LockerEvents::in_process();
    let everyone = broadcast::channel::<LockerEvent>(1024).0;
    let mut devices = vec![0u64; LISTENERS as usize];
    let mut tasks = Vec::new();
    for n in 0..subscriptions {
        let user = i32::try_from(n).unwrap_or(0) % LISTENERS;
        devices[user as usize] += 1;
        let tally = tally.clone();
        if before {
            let mut receiver = everyone.subscribe();
            tasks.push(tokio::spawn(async move {
                loop {
                    match receiver.recv().await {
                        Ok(event) if event.user_id == UserId(user) => {
                            tally.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }));
        } else {
            let mut stream = Box::pin(bus.subscribe(UserId(user)));
            tasks.push(tokio::spawn(async move {
                while let Some(event) = stream.next().await {
                    let counter = if event.user_id == UserId(user) {
                        &tally.delivered
                    } else {
                        &tally.misdelivered
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut expected = 0u64;
    let total = EVENTS_PER_SECOND * SECONDS;
    let started_cpu = cpu_ns();
    let started = Instant::now();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for n in 0..total {
        // xorshift: a cheap, repeatable choice of listener.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let user = i32::try_from(seed % LISTENERS as u64).unwrap_or(0);
        expected += devices[user as usize];
        if before {
            let _ = everyone.send(event(user, n));
        } else {
            bus.publish(event(user, n)).await;
        }
        let due = started + Duration::from_micros(n * 1_000_000 / EVENTS_PER_SECOND);
        tokio::time::sleep_until(due.into()).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = cpu_ns().saturating_sub(started_cpu);
    let delivered = tally.delivered.load(Ordering::Relaxed);
    let misdelivered = tally.misdelivered.load(Ordering::Relaxed);
    drop(bus);
    drop(everyone);
    for task in tasks {
        task.abort();
    }
    (
        cpu as f64 / total as f64,
        expected.saturating_sub(delivered),
        misdelivered,
    )
}

#[tokio::main]
async fn main() {
    let before = std::env::args().any(|arg| arg == "--before");
    println!(
        "{} listeners, {EVENTS_PER_SECOND} events/s for {SECONDS} s, {}",
        LISTENERS,
        if before {
            "one channel for everyone (before)"
        } else {
            "a channel per listener"
        }
    );
    println!("subscriptions  cpu µs/event  lost  misdelivered");
    for subscriptions in [100, 1_000, 2_500, 5_000] {
        let (cpu, lost, misdelivered) = run(subscriptions, before).await;
        println!(
            "{subscriptions:>13}  {:>12.1}  {lost:>4}  {misdelivered:>12}",
            cpu / 1000.0
        );
    }
}
