//! `Query.search` through the API: the judged query set, privacy, freshness,
//! replicas, paging, facets and bad input.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

/// What a hit is, as `Kind:name`.
fn label(edge: &Value) -> String {
    let item = &edge["node"]["item"];
    let kind = item["__typename"].as_str().unwrap_or("?");
    let name = item["name"]
        .as_str()
        .or(item["title"].as_str())
        .or(item["sku"].as_str())
        .unwrap_or("?");
    format!("{kind}:{name}")
}

/// The results of a search that must succeed.
async fn results(app: &TestApp, auth: &Auth, q: &str, scope: Option<&str>) -> Value {
    let args = SearchArgs {
        scope,
        ..SearchArgs::default()
    };
    let body = app.search(auth, q, args).await;
    assert!(body["errors"].is_null(), "{q}: {body}");
    body["data"]["search"].clone()
}

async fn labels(app: &TestApp, auth: &Auth, q: &str, scope: Option<&str>) -> Vec<String> {
    results(app, auth, q, scope).await["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(label)
        .collect()
}

/// Searches until `done` holds of the labels, for at most `wait`.
async fn eventually(
    app: &TestApp,
    auth: &Auth,
    q: &str,
    scope: Option<&str>,
    wait: Duration,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let started = Instant::now();
    loop {
        let found = labels(app, auth, q, scope).await;
        if done(&found) || started.elapsed() > wait {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Generous: the follower applies changes within a fraction of a second
/// (see the README's figures); this only bounds a stuck test.
const FRESH: Duration = Duration::from_secs(10);

fn tagged(title: &str, artist: &str, album: &str, genre: &str) -> Vec<u8> {
    wav(
        200,
        &[
            ("INAM", title),
            ("IART", artist),
            ("IPRD", album),
            ("IGNR", genre),
        ],
    )
}

/// The judged set: a query, the scope, and the expected top hit.
const JUDGED: &[(&str, Option<&str>, &str)] = &[
    // Exact names, any case.
    ("usher", None, "Artist:Usher"),
    ("USHER", None, "Artist:Usher"),
    ("confessions", None, "Album:Confessions"),
    ("yeah", None, "Track:Yeah!"),
    ("crazy in love", None, "Track:Crazy in Love"),
    ("dangerously in love", None, "Album:Dangerously in Love"),
    ("homogenic", None, "Album:Homogenic"),
    ("all is full of love", None, "Track:All Is Full of Love"),
    (
        "the seed and the sower",
        None,
        "Track:The Seed and the Sower",
    ),
    ("batavia", None, "Track:Batavia"),
    ("me myself and i", None, "Track:Me, Myself and I"),
    (
        "thats how you like it",
        None,
        "Track:That's How You Like It",
    ),
    ("first love", None, "Album:First Love"),
    ("my boo", None, "Track:My Boo"),
    // Accents and folded letters.
    ("beyonce", None, "Artist:Beyoncé"),
    ("Beyoncé", None, "Artist:Beyoncé"),
    ("sigur ros", None, "Artist:Sigur Rós"),
    ("SIGUR RÓS", None, "Artist:Sigur Rós"),
    ("bjork", None, "Artist:Björk"),
    ("joga", None, "Track:Jóga"),
    ("agaetis byrjun", None, "Album:Ágætis byrjun"),
    ("staralfur", None, "Track:Starálfur"),
    ("vidrar vel", None, "Track:Viðrar vel til loftárása"),
    // Typos.
    ("uhser", None, "Artist:Usher"),
    ("beyonse", None, "Artist:Beyoncé"),
    ("sigor ros", None, "Artist:Sigur Rós"),
    ("homogenik", None, "Album:Homogenic"),
    ("dangerusly in love", None, "Album:Dangerously in Love"),
    ("germinaton", None, "Track:Germination"),
    ("confesions", None, "Album:Confessions"),
    // Prefixes, as typed.
    ("confessions part", None, "Track:Confessions Part II"),
    ("crazy in lo", None, "Track:Crazy in Love"),
    ("that's how", None, "Track:That's How You Like It"),
    ("bachelo", None, "Track:Bachelorette"),
    ("svefn", None, "Track:Svefn-g-englar"),
    // Several fields at once.
    ("usher yeah", None, "Track:Yeah!"),
    ("yeah usher", None, "Track:Yeah!"),
    ("burn usher", None, "Track:Burn"),
    ("bjork joga", None, "Track:Jóga"),
    ("naughty girl beyonce", None, "Track:Naughty Girl"),
    // CJK: any substring of two or more characters.
    ("宇多田", None, "Artist:宇多田ヒカル"),
    ("ヒカル", None, "Artist:宇多田ヒカル"),
    ("多田ヒ", None, "Artist:宇多田ヒカル"),
    ("坂本龍一", None, "Artist:坂本龍一"),
    ("龍一", None, "Artist:坂本龍一"),
    ("メリークリスマス", None, "Album:戦場のメリークリスマス"),
    ("戦場の", None, "Album:戦場のメリークリスマス"),
    ("甘いワナ", None, "Track:甘いワナ"),
    // The viewer's locker.
    (
        "garage tape",
        Some("LOCKER"),
        "LockerItem:Garage Tape No. 3",
    ),
    ("grage tape", Some("LOCKER"), "LockerItem:Garage Tape No. 3"),
    ("demo fur oma", Some("LOCKER"), "LockerItem:Demo für Oma"),
    ("東京", Some("LOCKER"), "LockerItem:東京の夜"),
    ("garage", Some("ALL"), "LockerItem:Garage Tape No. 3"),
    ("usher yeah", Some("ALL"), "Track:Yeah!"),
];

#[tokio::test]
async fn judged_queries_find_the_expected_top_result() {
    let app = spawn_app().await;
    let me = app.customer().await;
    for (file, bytes) in [
        (
            "garage.wav",
            tagged("Garage Tape No. 3", "The Basement", "Tapes", "Rock"),
        ),
        ("oma.wav", tagged("Demo für Oma", "Familie", "Home", "Folk")),
        ("tokyo.wav", tagged("東京の夜", "夜の街", "夜", "Pop")),
    ] {
        let body = app.upload(&me, file, bytes).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    eventually(&app, &me, "東京", Some("LOCKER"), FRESH, |found| {
        !found.is_empty()
    })
    .await;

    let mut failures = Vec::new();
    let mut judged = 0;
    for (q, scope, expected) in JUDGED {
        judged += 1;
        let auth = if scope.is_some() {
            &me
        } else {
            &Auth::Anonymous
        };
        let found = labels(&app, auth, q, *scope).await;
        if found.first().map(String::as_str) != Some(*expected) {
            failures.push(format!(
                "{q:?} ({scope:?}): expected {expected}, got {:?}",
                &found[..found.len().min(3)]
            ));
        }
    }
    assert!(judged >= 40);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn hits_carry_highlights_scores_and_facets() {
    let app = spawn_app().await;
    let result = results(&app, &Auth::Anonymous, "usher yeah", None).await;
    let top = &result["edges"][0]["node"];
    assert_eq!(top["highlight"], "<em>Yeah</em>! — <em>Usher</em>");
    assert!(top["score"].as_f64().unwrap() > 0.0);

    let result = results(&app, &Auth::Anonymous, "love", None).await;
    let total = result["totalCount"].as_i64().unwrap();
    assert!(total > 20, "{result}");
    let facet_sum: i64 = result["genreFacets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_i64().unwrap())
        .sum();
    // Facets count every match, not the first page only.
    assert!(facet_sum > result["edges"].as_array().unwrap().len() as i64);

    // The genre filter keeps only that genre, and the facet agrees.
    let classical = SearchArgs {
        genre: Some("classical"),
        first: Some(100),
        ..SearchArgs::default()
    };
    let body = app.search(&Auth::Anonymous, "love", classical).await;
    let filtered = &body["data"]["search"];
    let facets = filtered["genreFacets"].as_array().unwrap();
    assert_eq!(facets.len(), 1, "{filtered}");
    assert_eq!(facets[0]["value"], "Classical");
    assert_eq!(facets[0]["count"], filtered["totalCount"]);
}

#[tokio::test]
async fn pages_follow_cursors_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let total = loop {
        let page = SearchArgs {
            first: Some(7),
            after: after.as_deref(),
            ..SearchArgs::default()
        };
        let body = app.search(&Auth::Anonymous, "love", page).await;
        let result = &body["data"]["search"];
        for edge in result["edges"].as_array().unwrap() {
            seen.push(edge["node"]["item"]["id"].as_str().unwrap().to_owned());
        }
        if !result["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break result["totalCount"].as_i64().unwrap();
        }
        assert_eq!(result["pageInfo"]["hasPreviousPage"], after.is_some());
        after = Some(result["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    };
    assert_eq!(seen.len() as i64, total);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code() {
    let app = spawn_app().await;
    let none = SearchArgs::default();
    let long_genre = "g".repeat(101);
    for (q, args, needle) in [
        ("a".repeat(201), none, "at most 200 characters"),
        (
            "a b c d e f g h i j k l m n o p q".to_owned(),
            none,
            "at most 16 words",
        ),
        (
            "love".to_owned(),
            SearchArgs {
                first: Some(101),
                ..none
            },
            "`first`",
        ),
        (
            "love".to_owned(),
            SearchArgs {
                after: Some("not-a-cursor"),
                ..none
            },
            "cursor",
        ),
        (
            "love".to_owned(),
            SearchArgs {
                genre: Some(&long_genre),
                ..none
            },
            "`genre`",
        ),
    ] {
        let body = app.search(&Auth::Anonymous, &q, args).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{q} {args:?}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{body}"
        );
    }
    // Nothing to search for is no error, and no match.
    let empty = results(&app, &Auth::Anonymous, " !? ", None).await;
    assert_eq!(empty["totalCount"], 0);
}

#[tokio::test]
async fn no_query_scope_or_cursor_reaches_another_users_locker() {
    let app = spawn_app().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let body = app
        .upload(
            &owner,
            "private.wav",
            tagged(
                "Zyxwv Private Diary",
                "Qqq Secretive",
                "Hidden Things",
                "Rock",
            ),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // The owner finds it...
    let found = eventually(&app, &owner, "zyxwv", Some("LOCKER"), FRESH, |found| {
        !found.is_empty()
    })
    .await;
    assert_eq!(found, ["LockerItem:Zyxwv Private Diary"]);

    // ...and no one else does, whatever they ask.
    let queries = [
        "zyxwv",
        "zyxw",
        "zyxwv private diary",
        "qqq secretive",
        "hidden things",
        "zyxwx",
        "private",
        "rock",
    ];
    for auth in [&other, &Auth::Anonymous] {
        for q in queries {
            for scope in [None, Some("LOCKER"), Some("ALL"), Some("CATALOGUE")] {
                let result = results(&app, auth, q, scope).await;
                let leaked = result["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|edge| edge["node"]["item"]["__typename"] == "LockerItem");
                assert!(!leaked, "{q} {scope:?}: {result}");
                // Facets and counts do not give it away either.
                let facets = result["genreFacets"].to_string();
                assert!(
                    !(q.starts_with("zyx") || q.starts_with("qqq") || q.starts_with("hidden"))
                        || (result["totalCount"] == 0 && facets == "[]"),
                    "{q} {scope:?}: {result}"
                );
            }
        }
    }
    // A cursor is only a position: paging with one from the owner's search
    // shows the other user nothing of the owner's.
    let locker = SearchArgs {
        scope: Some("LOCKER"),
        ..SearchArgs::default()
    };
    let owners = app
        .search(
            &owner,
            "zyxwv",
            SearchArgs {
                first: Some(1),
                ..locker
            },
        )
        .await;
    let cursor = owners["data"]["search"]["pageInfo"]["startCursor"].as_str();
    let body = app
        .search(
            &other,
            "zyxwv",
            SearchArgs {
                after: cursor,
                first: Some(5),
                ..locker
            },
        )
        .await;
    assert_eq!(body["data"]["search"]["edges"], json!([]), "{body}");
}

#[tokio::test]
async fn uploads_edits_deletes_and_imports_show_up_at_once() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let wait = |found: &[String], want: &str| found.first().map(String::as_str) == Some(want);

    let body = app
        .upload(
            &me,
            "x.wav",
            tagged("Quuxly Song", "Fresh Band", "Now", "Pop"),
        )
        .await;
    let id = data(&body)["uploadTrack"]["id"].clone();
    let found = eventually(&app, &me, "quuxly", Some("LOCKER"), FRESH, |f| {
        wait(f, "LockerItem:Quuxly Song")
    })
    .await;
    assert_eq!(found, ["LockerItem:Quuxly Song"]);

    // An edit: the new title is found, the old one no longer.
    let body = app
        .update_locker_item(&me, &id, json!({ "title": "Blorptastic" }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let found = eventually(&app, &me, "blorptastic", Some("LOCKER"), FRESH, |f| {
        wait(f, "LockerItem:Blorptastic")
    })
    .await;
    assert_eq!(found, ["LockerItem:Blorptastic"]);
    assert!(labels(&app, &me, "quuxly", Some("LOCKER")).await.is_empty());

    // A delete: gone, and it stays gone.
    let body = app.delete_locker_item(&me, &id).await;
    assert!(body["errors"].is_null(), "{body}");
    let found = eventually(&app, &me, "blorptastic", Some("ALL"), FRESH, |f| {
        f.is_empty()
    })
    .await;
    assert!(found.is_empty(), "{found:?}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(labels(&app, &me, "blorptastic", Some("ALL"))
        .await
        .is_empty());

    // An import, including a rename that reaches the artist's tracks.
    let partner = app.admin().await;
    let feed = concat!(
        r#"{"type":"artist","id":"fresh-1","name":"Wobbegong Unit","genres":["Jazz"]}"#,
        "\n",
        r#"{"type":"album","id":"fresh-al","artist":"fresh-1","title":"Tidal Shelf","year":2024,"genre":"Jazz"}"#,
        "\n",
        r#"{"type":"track","id":"fresh-t1","album":"fresh-al","title":"Kelp Waltz","trackNumber":1,"durationMs":200000}"#,
        "\n",
    );
    let body = app.import_feed(&partner, feed).await;
    assert!(body["errors"].is_null(), "{body}");
    let found = eventually(&app, &Auth::Anonymous, "kelp waltz", None, FRESH, |f| {
        wait(f, "Track:Kelp Waltz")
    })
    .await;
    assert_eq!(found.first().map(String::as_str), Some("Track:Kelp Waltz"));
    let rename = r#"{"type":"artist","id":"fresh-1","name":"Carpetshark Unit","genres":["Jazz"]}"#;
    app.import_feed(&partner, rename).await;
    let found = eventually(
        &app,
        &Auth::Anonymous,
        "carpetshark kelp",
        None,
        FRESH,
        |f| wait(f, "Track:Kelp Waltz"),
    )
    .await;
    assert_eq!(found.first().map(String::as_str), Some("Track:Kelp Waltz"));
    assert!(labels(&app, &Auth::Anonymous, "wobbegong", None)
        .await
        .is_empty());
}

#[tokio::test]
async fn every_replica_keeps_its_own_index_current_from_the_feed() {
    let first = spawn_app().await;
    let second = spawn_replica_of(&first).await;
    let me = first.customer().await;
    let body = first
        .upload(
            &me,
            "r.wav",
            tagged("Replicated Zebrafish", "Two Servers", "One DB", "Pop"),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    for app in [&first, &second] {
        let found = eventually(app, &me, "zebrafish", Some("LOCKER"), FRESH, |f| {
            !f.is_empty()
        })
        .await;
        assert_eq!(found, ["LockerItem:Replicated Zebrafish"]);
    }
    // And the other way round, for a delete.
    let id = data(&body)["uploadTrack"]["id"].clone();
    second.delete_locker_item(&me, &id).await;
    for app in [&first, &second] {
        let found = eventually(app, &me, "zebrafish", Some("LOCKER"), FRESH, |f| {
            f.is_empty()
        })
        .await;
        assert!(found.is_empty());
    }
}
