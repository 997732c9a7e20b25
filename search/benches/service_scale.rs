//! A listener's search as the service grows around them.
//!
//! A catalogue the size of the demo's (1,500 tracks) and one listener with
//! 300 locker items, searched for "song" (which matches every locker item)
//! in each scope, with count and genre facets as the API asks: first
//! alone, then with OTHERS (default 300,000) other listeners' items in the
//! same index, all matching "song" too. A search should cost what the
//! catalogue and the listener's own locker hold, not what everyone holds.
//!
//! `cargo bench -p cadenza-search --bench service_scale`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cadenza_search::{Document, Kind, Scope, SearchIndex, SearchRequest, WriterOptions};
use criterion::{criterion_group, criterion_main, Criterion};

const LISTENER: i64 = 1;
const GENRES: [&str; 3] = ["Rock", "Jazz", "Folk"];

fn locker_item(id: i64, owner: i64) -> Document {
    Document {
        kind: Kind::LockerItem,
        id,
        owner: Some(owner),
        title: format!("Song {}", id % 1000),
        artist: format!("Artist {}", id % 50),
        album: format!("Album {}", id % 100),
        genre: Some(GENRES[id as usize % 3].to_owned()),
        popularity: 0,
    }
}

fn index_of(others: i64) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let options = WriterOptions {
        threads: 1,
        heap_bytes: 1 << 30,
    };
    let (index, _) = SearchIndex::open(dir.path(), options).unwrap();
    for id in 0..1_500 {
        index
            .upsert(&Document {
                kind: Kind::Track,
                id,
                owner: None,
                title: if id % 10 == 0 {
                    format!("Love song {id}")
                } else {
                    format!("Track {id}")
                },
                artist: format!("Band {}", id % 40),
                album: format!("Record {}", id % 120),
                genre: Some(GENRES[id as usize % 3].to_owned()),
                popularity: id as u64,
            })
            .unwrap();
    }
    for id in 0..300 {
        index.upsert(&locker_item(id, LISTENER)).unwrap();
    }
    for n in 0..others {
        index
            .upsert(&locker_item(1_000 + n, 2 + n % 1_000))
            .unwrap();
    }
    index.commit(1).unwrap();
    (dir, index)
}

fn bench(c: &mut Criterion) {
    let others: i64 = std::env::var("OTHERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300_000);
    let mut group = c.benchmark_group("service_scale");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for (label, others) in [("alone", 0), ("among_others", others)] {
        let (_dir, index) = index_of(others);
        for (scope_name, scope) in [
            ("all", Scope::All),
            ("locker", Scope::Locker),
            ("catalogue", Scope::Catalogue),
        ] {
            let request = SearchRequest {
                text: "song",
                viewer: Some(LISTENER),
                scope,
                genre: None,
                offset: 0,
                limit: 20,
            };
            let found = index.search(&request).unwrap();
            eprintln!("{label}/{scope_name}: {} matches", found.total);
            group.bench_function(format!("{label}/{scope_name}"), |b| {
                b.iter(|| index.search(&request).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
