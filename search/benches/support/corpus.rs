//! A generated music catalogue and lockers for the search benchmarks:
//! deterministic, with skewed word frequencies like real titles, a share of
//! CJK names, and query sets of one to three words with and without typos.
//!
//! Shared by `benches/search.rs` (in-process) and `examples/corpus.rs`
//! (files for the server and PostgreSQL runs of `bench/search.sh`).

#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::Path;

use cadenza_search::{Document, Kind};

pub struct Sizes {
    pub artists: usize,
    pub albums_per_artist: usize,
    pub tracks_per_album: usize,
    pub users: usize,
    pub items_per_user: usize,
}

impl Sizes {
    /// The issue's size: 1,000,000 tracks (with 100,000 albums and 20,000
    /// artists) and 100,000 locker items over 1,000 users.
    pub const FULL: Sizes = Sizes {
        artists: 20_000,
        albums_per_artist: 5,
        tracks_per_album: 10,
        users: 1_000,
        items_per_user: 100,
    };
}

/// xorshift64*: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// Skewed towards small indices, like word frequencies.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u.powf(2.5)) * n as f64) as usize % n.max(1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ne", "to", "su", "vi", "da", "re", "mo", "li", "sa", "tu", "be", "no",
    "ga", "ri", "fe", "lu", "ze", "po", "ma", "si", "ko", "ta", "ni", "ve", "ru", "do", "shi",
    "bra", "tor", "len", "mar", "vin", "sel", "dor", "kai", "ron", "ish", "eth", "ana", "ol", "un",
    "er", "at", "is",
];

const CJK: &str = "愛夜空海風花雪月光星雨山川森道心夢音歌声街東京大阪春夏秋冬青赤白黒金銀時間人生恋明日今日未来世界少女少年天使悪魔太陽地球宇宙旅路君僕私達";

pub const GENRES: &[&str] = &[
    "Pop",
    "Rock",
    "Hip-Hop",
    "R&B",
    "Electronic",
    "Jazz",
    "Classical",
    "Folk",
    "Ambient",
    "Soul",
    "Metal",
    "Country",
];

pub struct Corpus {
    pub words: Vec<String>,
    pub artists: Vec<(String, &'static str)>,
    /// (artist index, title, genre)
    pub albums: Vec<(usize, String, &'static str)>,
    /// (album index, title, popularity)
    pub tracks: Vec<(usize, String, u64)>,
    /// (owner, title, artist, album, genre)
    pub locker: Vec<(usize, String, String, String, &'static str)>,
}

fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
    let mut words = Vec::with_capacity(size);
    let mut seen = std::collections::HashSet::new();
    while words.len() < size {
        let syllables = 2 + rng.below(3);
        let word: String = (0..syllables)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn name(rng: &mut Rng, words: &[String], min: usize, max: usize) -> String {
    let count = min + rng.below(max - min + 1);
    (0..count)
        .map(|_| capitalised(&words[rng.skewed(words.len())]))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cjk_name(rng: &mut Rng) -> String {
    let chars: Vec<char> = CJK.chars().collect();
    let len = 2 + rng.below(4);
    (0..len).map(|_| chars[rng.below(chars.len())]).collect()
}

impl Corpus {
    pub fn generate(sizes: &Sizes) -> Self {
        let mut rng = Rng::new(0x00C4_DE2A);
        let words = vocabulary(&mut rng, 8_000);
        let artists: Vec<(String, &'static str)> = (0..sizes.artists)
            .map(|_| {
                let name = if rng.below(20) == 0 {
                    cjk_name(&mut rng)
                } else {
                    name(&mut rng, &words, 1, 3)
                };
                (name, GENRES[rng.skewed(GENRES.len())])
            })
            .collect();
        let mut albums = Vec::with_capacity(sizes.artists * sizes.albums_per_artist);
        for (artist, (_, genre)) in artists.iter().enumerate() {
            for _ in 0..sizes.albums_per_artist {
                albums.push((artist, name(&mut rng, &words, 1, 3), *genre));
            }
        }
        let mut tracks = Vec::with_capacity(albums.len() * sizes.tracks_per_album);
        for album in 0..albums.len() {
            for _ in 0..sizes.tracks_per_album {
                let title = if rng.below(25) == 0 {
                    cjk_name(&mut rng)
                } else {
                    name(&mut rng, &words, 1, 4)
                };
                tracks.push((album, title, rng.skewed(100_000) as u64));
            }
        }
        let mut locker = Vec::with_capacity(sizes.users * sizes.items_per_user);
        for user in 1..=sizes.users {
            for _ in 0..sizes.items_per_user {
                // Mostly copies of catalogue tracks, some home recordings.
                if rng.below(5) > 0 && !tracks.is_empty() {
                    let (album, title, _) = &tracks[rng.skewed(tracks.len())];
                    let (artist, album_title, genre) = &albums[*album];
                    locker.push((
                        user,
                        title.clone(),
                        artists[*artist].0.clone(),
                        album_title.clone(),
                        *genre,
                    ));
                } else {
                    locker.push((
                        user,
                        name(&mut rng, &words, 1, 4),
                        name(&mut rng, &words, 1, 2),
                        name(&mut rng, &words, 1, 3),
                        GENRES[rng.below(GENRES.len())],
                    ));
                }
            }
        }
        Self {
            words,
            artists,
            albums,
            tracks,
            locker,
        }
    }

    /// Every document, as the API would index it.
    pub fn documents(&self) -> impl Iterator<Item = Document> + '_ {
        let artists = self
            .artists
            .iter()
            .enumerate()
            .map(|(i, (name, genre))| Document {
                kind: Kind::Artist,
                id: i as i64 + 1,
                owner: None,
                title: name.clone(),
                artist: name.clone(),
                album: String::new(),
                genre: Some((*genre).to_owned()),
                popularity: 0,
            });
        let albums = self
            .albums
            .iter()
            .enumerate()
            .map(|(i, (artist, title, genre))| Document {
                kind: Kind::Album,
                id: i as i64 + 1,
                owner: None,
                title: title.clone(),
                artist: self.artists[*artist].0.clone(),
                album: title.clone(),
                genre: Some((*genre).to_owned()),
                popularity: 0,
            });
        let tracks = self
            .tracks
            .iter()
            .enumerate()
            .map(|(i, (album, title, pop))| {
                let (artist, album_title, genre) = &self.albums[*album];
                Document {
                    kind: Kind::Track,
                    id: i as i64 + 1,
                    owner: None,
                    title: title.clone(),
                    artist: self.artists[*artist].0.clone(),
                    album: album_title.clone(),
                    genre: Some((*genre).to_owned()),
                    popularity: *pop,
                }
            });
        let locker =
            self.locker
                .iter()
                .enumerate()
                .map(|(i, (user, title, artist, album, genre))| Document {
                    kind: Kind::LockerItem,
                    id: i as i64 + 1,
                    owner: Some(*user as i64),
                    title: title.clone(),
                    artist: artist.clone(),
                    album: album.clone(),
                    genre: Some((*genre).to_owned()),
                    popularity: 0,
                });
        artists.chain(albums).chain(tracks).chain(locker)
    }

    /// `count` queries of each class: (class, text).
    pub fn queries(&self, count: usize) -> Vec<(&'static str, String)> {
        let mut rng = Rng::new(0x5EA2C4);
        let mut out = Vec::new();
        let latin = |s: &str| s.is_ascii();
        let pick_track = |rng: &mut Rng| loop {
            let (album, title, _) = &self.tracks[rng.skewed(self.tracks.len())];
            let artist = &self.artists[self.albums[*album].0].0;
            if latin(title) && latin(artist) {
                return (title.clone(), artist.clone());
            }
        };
        let words =
            |text: &str| -> Vec<String> { text.split(' ').map(str::to_lowercase).collect() };
        for typo in [false, true] {
            for terms in 1..=3 {
                let class = match (terms, typo) {
                    (1, false) => "1 word",
                    (2, false) => "2 words",
                    (3, false) => "3 words",
                    (1, true) => "1 word, typo",
                    (2, true) => "2 words, typo",
                    _ => "3 words, typo",
                };
                for _ in 0..count {
                    let (title, artist) = pick_track(&mut rng);
                    let mut query: Vec<String> = words(&title);
                    query.truncate(terms.min(2));
                    if query.len() < terms {
                        query.extend(words(&artist).into_iter().take(terms - query.len()));
                    }
                    if typo {
                        // One substitution in a word long enough to forgive it.
                        if let Some(word) = query.iter_mut().find(|w| w.len() >= 5) {
                            let mut chars: Vec<char> = word.chars().collect();
                            let at = 1 + rng.below(chars.len() - 2);
                            chars[at] = if chars[at] == 'x' { 'q' } else { 'x' };
                            *word = chars.into_iter().collect();
                        }
                    }
                    out.push((class, query.join(" ")));
                }
            }
        }
        for _ in 0..count {
            let title = loop {
                let (_, title, _) = &self.tracks[rng.below(self.tracks.len())];
                if !latin(title) {
                    break title;
                }
            };
            // Any two neighbouring characters of a CJK title.
            let chars: Vec<char> = title.chars().collect();
            let at = rng.below(chars.len() - 1);
            out.push(("CJK substring", chars[at..at + 2].iter().collect()));
        }
        out
    }

    /// Writes the catalogue feed (partner format), the lockers as CSV and the
    /// queries as TSV, for the server and PostgreSQL runs.
    pub fn write(&self, dir: &Path, queries: usize) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = |s: &str| serde_escape(s);
        let mut feed = BufWriter::new(std::fs::File::create(dir.join("feed.jsonl"))?);
        for (i, (name, genre)) in self.artists.iter().enumerate() {
            writeln!(
                feed,
                r#"{{"type":"artist","id":"ar{i}","name":{},"genres":[{}]}}"#,
                json(name),
                json(genre)
            )?;
        }
        for (i, (artist, title, genre)) in self.albums.iter().enumerate() {
            writeln!(
                feed,
                r#"{{"type":"album","id":"al{i}","artist":"ar{artist}","title":{},"year":2000,"genre":{}}}"#,
                json(title),
                json(genre)
            )?;
        }
        for (i, (album, title, _)) in self.tracks.iter().enumerate() {
            writeln!(
                feed,
                r#"{{"type":"track","id":"t{i}","album":"al{album}","title":{},"durationMs":200000}}"#,
                json(title)
            )?;
        }
        feed.flush()?;
        let mut locker = BufWriter::new(std::fs::File::create(dir.join("locker.tsv"))?);
        for (user, title, artist, album, genre) in &self.locker {
            writeln!(locker, "{user}\t{title}\t{artist}\t{album}\t{genre}")?;
        }
        locker.flush()?;
        let mut out = BufWriter::new(std::fs::File::create(dir.join("queries.tsv"))?);
        for (class, query) in self.queries(queries) {
            writeln!(out, "{class}\t{query}")?;
        }
        out.flush()
    }
}

fn serde_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
