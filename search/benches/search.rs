//! The search index at the size: 1,000,000 tracks with their albums
//! and artists, and 100,000 locker items over 1,000 users.
//!
//! `cargo bench -p cadenza-search` builds the index in a temporary directory
//! and prints the build rate and the index size, then the p50/p99 latency of
//! each query class over every query of the class (signed in as a locker
//! owner, scope ALL, first 20, with count and genre facets, as the API asks),
//! then criterion's own measurement per class. `CADENZA_BENCH_SCALE=0.1`
//! runs a tenth of the size.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use cadenza_search::{Scope, SearchIndex, SearchRequest, WriterOptions};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "support/corpus.rs"]
mod corpus;

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64 * scale).round() as usize).max(1)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn bench(c: &mut Criterion) {
    let scale: f64 = std::env::var("CADENZA_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let full = corpus::Sizes::FULL;
    let sizes = corpus::Sizes {
        artists: scaled(full.artists, scale),
        users: scaled(full.users, scale),
        ..full
    };
    let started = Instant::now();
    let corpus = corpus::Corpus::generate(&sizes);
    eprintln!(
        "corpus: {} artists, {} albums, {} tracks, {} locker items ({:.1} s to generate)",
        corpus.artists.len(),
        corpus.albums.len(),
        corpus.tracks.len(),
        corpus.locker.len(),
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = WriterOptions {
        threads: 2,
        heap_bytes: 1 << 30,
    };
    let (index, _) = SearchIndex::open(dir.path(), options).expect("the index opens");
    let started = Instant::now();
    let mut documents = 0u64;
    for doc in corpus.documents() {
        index.upsert(&doc).expect("indexed");
        documents += 1;
    }
    index.commit(1).expect("committed");
    let elapsed = started.elapsed();
    eprintln!(
        "build: {documents} documents in {:.1} s = {:.0} documents/s; index {:.0} MiB",
        elapsed.as_secs_f64(),
        documents as f64 / elapsed.as_secs_f64(),
        index.size_bytes() as f64 / (1024.0 * 1024.0)
    );

    let queries = corpus.queries(500);
    let mut classes: Vec<&str> = queries.iter().map(|(class, _)| *class).collect();
    classes.dedup();
    let users = sizes.users;
    fn request(text: &str, viewer: i64) -> SearchRequest<'_> {
        SearchRequest {
            text,
            viewer: Some(viewer),
            scope: Scope::All,
            genre: None,
            offset: 0,
            limit: 20,
        }
    }
    let viewer = |i: usize| (i % users) as i64 + 1;
    // Warm the page cache and the searcher.
    for (i, (_, text)) in queries.iter().enumerate() {
        let _ = index.search(&request(text, viewer(i)));
    }
    eprintln!("class                 p50 ms   p99 ms   mean ms   with hits");
    for class in &classes {
        let mut times = Vec::new();
        let mut with_hits = 0;
        for (i, (_, text)) in queries.iter().enumerate().filter(|(_, q)| q.0 == *class) {
            let started = Instant::now();
            let results = index.search(&request(text, viewer(i))).expect("searched");
            times.push(started.elapsed());
            with_hits += usize::from(!results.hits.is_empty());
        }
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        eprintln!(
            "{class:<20} {:>7.2}  {:>7.2}  {:>8.2}   {with_hits}/{}",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            mean.as_secs_f64() * 1e3,
            times.len()
        );
    }

    let mut group = c.benchmark_group("search");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for class in &classes {
        let texts: Vec<&str> = queries
            .iter()
            .filter(|(c, _)| c == class)
            .map(|(_, q)| q.as_str())
            .collect();
        let mut next = 0;
        group.bench_function(*class, |b| {
            b.iter(|| {
                next = (next + 1) % texts.len();
                index
                    .search(&request(texts[next], viewer(next)))
                    .expect("searched")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
