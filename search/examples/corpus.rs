//! Writes the benchmark corpus (`feed.jsonl`, `locker.tsv`, `queries.tsv`)
//! for `bench/search.sh`: `cargo run --release -p cadenza-search --example
//! corpus -- <dir> [scale]`.

#![allow(clippy::print_stdout)]

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "target/bench-corpus".into());
    let scale: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let full = corpus::Sizes::FULL;
    let sizes = corpus::Sizes {
        artists: ((full.artists as f64 * scale) as usize).max(1),
        users: ((full.users as f64 * scale) as usize).max(1),
        ..full
    };
    let corpus = corpus::Corpus::generate(&sizes);
    corpus.write(std::path::Path::new(&dir), 500)?;
    eprintln!(
        "corpus written to {dir}: {} artists, {} albums, {} tracks, {} locker items",
        corpus.artists.len(),
        corpus.albums.len(),
        corpus.tracks.len(),
        corpus.locker.len()
    );
    Ok(())
}
