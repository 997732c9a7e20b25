//! The demo catalogue: deterministic, so tests and examples can rely on it.
//!
//! It is written as a catalogue feed and imported through the same importer
//! partners use, so the demo exercises the real path. A few artists are
//! written out by hand (accented and CJK names, a track with punctuation) so
//! that search and browsing have realistic material; the rest is generated
//! from word lists by a fixed-seed generator.

use serde_json::json;

use entities::artist;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

use super::import::{ImportReport, Importer};
use super::CatalogueVersion;
use crate::error::ApiResult;
use crate::services::search::Feed;
use crate::services::webhooks::Outbox;

pub const GENRES: &[&str] = &[
    "R&B",
    "Pop",
    "Rock",
    "Electronic",
    "Jazz",
    "Classical",
    "Hip-Hop",
    "Folk",
    "Ambient",
    "Soul",
];

struct Curated {
    id: &'static str,
    name: &'static str,
    genres: &'static [&'static str],
    albums: &'static [(&'static str, i32, &'static [&'static str])],
}

const CURATED: &[Curated] = &[
    Curated {
        id: "usher",
        name: "Usher",
        genres: &["R&B", "Pop"],
        albums: &[(
            "Confessions",
            2004,
            &[
                "Intro",
                "Yeah!",
                "Throwback",
                "Confessions Part II",
                "Burn",
                "Caught Up",
                "Superstar",
                "Truth Hurts",
                "Simple Things",
                "My Boo",
            ],
        )],
    },
    Curated {
        id: "beyonce",
        name: "Beyoncé",
        genres: &["R&B", "Pop"],
        albums: &[(
            "Dangerously in Love",
            2003,
            &[
                "Crazy in Love",
                "Naughty Girl",
                "Baby Boy",
                "Hip Hop Star",
                "Be With You",
                "Me, Myself and I",
                "Yes",
                "Signs",
                "Speechless",
                "That's How You Like It",
            ],
        )],
    },
    Curated {
        id: "sigur-ros",
        name: "Sigur Rós",
        genres: &["Ambient", "Rock"],
        albums: &[(
            "Ágætis byrjun",
            1999,
            &[
                "Intro",
                "Svefn-g-englar",
                "Starálfur",
                "Flugufrelsarinn",
                "Ný batterí",
                "Hjartað hamast",
                "Viðrar vel til loftárása",
                "Olsen Olsen",
                "Ágætis byrjun",
                "Avalon",
            ],
        )],
    },
    Curated {
        id: "bjork",
        name: "Björk",
        genres: &["Electronic", "Pop"],
        albums: &[(
            "Homogenic",
            1997,
            &[
                "Hunter",
                "Jóga",
                "Unravel",
                "Bachelorette",
                "All Neon Like",
                "5 Years",
                "Immature",
                "Alarm Call",
                "Pluto",
                "All Is Full of Love",
            ],
        )],
    },
    Curated {
        id: "utada",
        name: "宇多田ヒカル",
        genres: &["Pop"],
        albums: &[(
            "First Love",
            1999,
            &[
                "Automatic",
                "Movin' on without you",
                "In My Room",
                "First Love",
                "甘いワナ",
                "time will tell",
                "Never Let Go",
                "B&C",
                "Another Chance",
                "Give Me A Reason",
            ],
        )],
    },
    Curated {
        id: "sakamoto",
        name: "坂本龍一",
        genres: &["Classical", "Electronic"],
        albums: &[(
            "戦場のメリークリスマス",
            1983,
            &[
                "戦場のメリークリスマス",
                "The Seed and the Sower",
                "A Hearty Breakfast",
                "Before the War",
                "The Night",
                "Ride, Ride, Ride",
                "Germination",
                "Batavia",
                "Sowing the Seed",
                "Last Regrets",
            ],
        )],
    },
];

const ADJECTIVES: &[&str] = &[
    "Silver", "Midnight", "Golden", "Electric", "Quiet", "Velvet", "Northern", "Crimson", "Hollow",
    "Wild", "Paper", "Neon", "Broken", "Distant", "Lucky", "Frozen", "Burning", "Secret", "Lonely",
    "Bright", "Salt", "Glass", "Iron", "Amber",
];
const NOUNS: &[&str] = &[
    "River",
    "Echo",
    "Harbor",
    "Garden",
    "Signal",
    "Lantern",
    "Orchard",
    "Comet",
    "Meadow",
    "Circuit",
    "Canyon",
    "Mirror",
    "Engine",
    "Season",
    "Island",
    "Forest",
    "Window",
    "Highway",
    "Ocean",
    "Station",
    "Compass",
    "Thunder",
    "Feather",
    "Satellite",
];
const BAND_FORMS: &[&str] = &[
    "The {a} {n}s",
    "{a} {n}",
    "{n} of {a}",
    "{a} {n} Collective",
];
const TITLE_FORMS: &[&str] = &[
    "{a} {n}",
    "The {n}",
    "{n} Song",
    "Back to the {n}",
    "{a} Nights",
    "Under the {a} {n}",
    "{n} in {a}",
    "Lights of the {n}",
    "Love Like a {n}",
    "{a}",
];

/// SplitMix64: a tiny, fixed, well-distributed generator. Hand-written so the
/// demo stays identical whatever version of `rand` the build resolves.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn phrase(&mut self, forms: &[&str]) -> String {
        let form = self.pick(forms);
        let adjective = self.pick(ADJECTIVES);
        let noun = self.pick(NOUNS);
        form.replace("{a}", adjective).replace("{n}", noun)
    }
}

/// Generated artists, besides the curated ones.
const GENERATED_ARTISTS: usize = 42;
const ALBUMS_PER_GENERATED_ARTIST: usize = 3;

/// The demo catalogue as feed lines.
pub fn feed() -> String {
    let mut rng = SplitMix(0xCADE_2026);
    let mut lines: Vec<serde_json::Value> = Vec::new();
    let push_album = |rng: &mut SplitMix,
                      lines: &mut Vec<serde_json::Value>,
                      artist: &str,
                      album_id: String,
                      title: &str,
                      year: i32,
                      genre: &str,
                      track_titles: Vec<String>| {
        lines.push(json!({
            "type": "album", "id": album_id, "artist": artist, "title": title,
            "year": year, "genre": genre,
            "coverUrl": format!("https://covers.cadenza.example/{album_id}.jpg"),
        }));
        let album_price = 799 + 100 * rng.below(6) as i64;
        lines.push(json!({
            "type": "product", "sku": format!("{album_id}-alb"), "kind": "ALBUM", "ref": album_id,
            "priceMinor": album_price, "currency": "USD", "audioFormat": "MP3 320",
        }));
        for (index, track_title) in track_titles.iter().enumerate() {
            let track_id = format!("{album_id}-t{:02}", index + 1);
            // In steps of 30 seconds: tracks of one length share one demo
            // master (see `demo_audio`).
            let duration_ms =
                150_000 + i64::from(super::demo_audio::STEP_MS) * (rng.below(210) as i64 / 30);
            lines.push(json!({
                "type": "track", "id": track_id, "album": album_id, "title": track_title,
                "trackNumber": index + 1, "discNumber": 1, "durationMs": duration_ms,
                "isrc": format!("QZDEM{:02}{:05}", year % 100, rng.below(100_000)),
            }));
            let track_price = if rng.below(3) == 0 { 99 } else { 129 };
            lines.push(json!({
                "type": "product", "sku": format!("{track_id}-trk"), "kind": "TRACK", "ref": track_id,
                "priceMinor": track_price, "currency": "USD", "audioFormat": "MP3 320",
            }));
        }
    };

    for artist in CURATED {
        let artist_id = format!("demo-ar-{}", artist.id);
        lines.push(json!({"type": "artist", "id": artist_id, "name": artist.name, "genres": artist.genres}));
        for (index, (title, year, tracks)) in artist.albums.iter().enumerate() {
            let album_id = format!("demo-al-{}-{}", artist.id, index + 1);
            let titles = tracks.iter().map(|t| t.to_string()).collect();
            push_album(
                &mut rng,
                &mut lines,
                &artist_id,
                album_id,
                title,
                *year,
                artist.genres[0],
                titles,
            );
        }
    }
    for n in 0..GENERATED_ARTISTS {
        let artist_id = format!("demo-ar-{:03}", n + 1);
        let name = rng.phrase(BAND_FORMS);
        let primary = GENRES[n % GENRES.len()];
        let secondary = GENRES[(n * 7 + 3) % GENRES.len()];
        let genres: Vec<&str> = if primary == secondary {
            vec![primary]
        } else {
            vec![primary, secondary]
        };
        lines.push(json!({"type": "artist", "id": artist_id, "name": name, "genres": genres}));
        for a in 0..ALBUMS_PER_GENERATED_ARTIST {
            let album_id = format!("demo-al-{:03}-{}", n + 1, a + 1);
            let title = rng.phrase(TITLE_FORMS);
            let year = 1965 + rng.below(60) as i32;
            let track_count = 8 + rng.below(6);
            let titles = (0..track_count).map(|_| rng.phrase(TITLE_FORMS)).collect();
            let genre = if a == 2 { secondary } else { primary };
            push_album(
                &mut rng, &mut lines, &artist_id, album_id, &title, year, genre, titles,
            );
        }
    }
    let mut feed = String::new();
    for line in lines {
        feed.push_str(&line.to_string());
        feed.push('\n');
    }
    feed
}

/// Imports the demo catalogue (again: the feed's ids make it idempotent),
/// then gives it the popularity a real store would have, deterministically.
/// Runs before the server serves, so no cached answer or search follower
/// needs telling.
pub async fn seed(db: &DatabaseConnection) -> ApiResult<ImportReport> {
    let importer = Importer::new(
        db.clone(),
        CatalogueVersion::default(),
        Feed::default(),
        Outbox::default(),
    );
    let feed = feed();
    let report = importer.import(feed.as_bytes()).await?;
    // Spread by a multiplicative hash of the row id: stable for a fresh
    // database, and plain SQL that SQLite and PostgreSQL both run.
    for statement in [
        "UPDATE artists SET popularity = (CAST(id AS BIGINT) * 7919) % 1000",
        "UPDATE tracks SET popularity = (CAST(id AS BIGINT) * 104729) % 10000",
        "UPDATE products SET sales_count = (CAST(id AS BIGINT) * 15485863) % 5000",
    ] {
        db.execute_unprepared(statement).await?;
    }
    Ok(report)
}

/// Seeds the demo into a database whose catalogue is empty; `None` when
/// there was a catalogue already.
pub async fn seed_if_empty(db: &DatabaseConnection) -> ApiResult<Option<ImportReport>> {
    if artist::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    seed(db).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_deterministic_and_big_enough() {
        let feed = feed();
        assert_eq!(feed, super::feed());
        let count = |kind: &str| {
            feed.lines()
                .filter(|l| l.contains(&format!("\"type\":\"{kind}\"")))
                .count()
        };
        assert!(count("artist") >= 40);
        assert!(count("album") >= 120);
        assert!(count("track") >= 1200);
        assert!(count("product") >= 1320);
        assert!(GENRES.len() >= 8);
    }
}
