//! A listener's pages are served by indexes that start with the listener.
//!
//! The binary runs on SQLite with its SQL logged (the statements' text, as
//! every request sends them); a listener goes through every personal page
//! (the locker in each sort and filter, its artists and albums, playlists,
//! plays, recommendations, cart, orders, the signed-in store), stars and
//! rates, and the locker service makes every album and song list the
//! Subsonic API serves. Each statement a request (or the service) sent is
//! then planned against the server's own database, and a full scan of a
//! table that holds listeners' rows fails the test: a new query or a
//! migration cannot bring one back unseen. (A scan is what made a locker
//! page cost the whole service's items instead of the listener's own.)
//!
//! On SQLite the plan is `EXPLAIN QUERY PLAN`'s, a `SCAN` of such a table
//! failing. On PostgreSQL (`CADENZA_TEST_DATABASE=postgres`) it is
//! `EXPLAIN` of the statement prepared with its parameters unknown (the
//! generic plan) and sequential scans disabled (and sorts, for a list of
//! products), since the planner would rightly scan and sort the test's
//! few rows: a `Seq Scan` of
//! such a table, or an index scan of one with no index condition (a whole
//! index read in order), is then a statement no index can serve, and a
//! `Sort` above a list of products an order no index fits.
//!
//! A store page after the first is read from where the previous page's
//! last product sits in its order (`services::keyset`): its statements
//! must seek there through an index, not read the order from its start,
//! and no page of the catalogue is read by offset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use std::sync::{Arc, Mutex};

use cadenza_api::domain::{GlobalId, LockerAlbumKey, LockerArtistKey, LockerItemId, Page, UserId};
use cadenza_api::services::locker::events::LockerEvents;
use cadenza_api::services::locker::{AlbumList, Locker, RandomSongs};
use cadenza_api::services::media::BlobStore;
use cadenza_api::services::search::Feed;
use cadenza_api::settings::StorageLocation;
use common::{cadenza, random_wav, Server, Store};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value as SqlValue,
};
use serde_json::{json, Value};

/// Tables whose rows belong to listeners: scanning one costs every
/// listener's rows.
const PER_LISTENER: &[&str] = &[
    "locker_items",
    "plays",
    "playlists",
    "playlist_entries",
    "cart_lines",
    "orders",
    "entitlements",
    "interactions",
    "refresh_tokens",
    "data_exports",
    "consent_changes",
    "playback_states",
    "privacy_settings",
    "locker_stars",
    "locker_lyrics",
];

const PAGES: &[&str] = &[
    "{ viewer { locker { usage { itemCount } items(first: 50) { totalCount nodes { id title artist album trackNumber durationMs format streamUrl } } } } }",
    "{ viewer { locker { items(first: 50, sort: TITLE) { totalCount nodes { title } } } } }",
    "{ viewer { locker { items(first: 50, sort: ARTIST_ALBUM) { totalCount nodes { title } } } } }",
    "{ viewer { locker { items(first: 50, filter: {artist: \"artist\"}) { totalCount nodes { title } } } } }",
    "{ viewer { locker { items(first: 50, filter: {album: \"album\"}) { totalCount nodes { title } } } } }",
    "{ viewer { locker { items(first: 50, filter: {source: UPLOAD}) { totalCount nodes { title } } } } }",
    "{ viewer { locker { artists(first: 20) { totalCount nodes { name } } albums(first: 20) { totalCount nodes { title trackCount } } } } }",
    "{ viewer { playlists(first: 20) { totalCount nodes { name itemCount durationMs entries(first: 50) { nodes { id } } } } } }",
    "{ viewer { recentlyPlayed(first: 20) { playedAt msPlayed } } }",
    "{ viewer { recommendations(first: 10) { score reason product { title } } } }",
    "{ viewer { cart { itemCount lines { id } } orders(first: 20) { totalCount nodes { id } } } }",
    "{ viewer { privacy { recordListeningHistory } playback { positionMs } } }",
    "{ viewer { locker { artists(first: 20) { nodes { id name starred } } albums(first: 20) { nodes { id artistId starred playCount durationMs items { id } } } genres { name } } } }",
    "{ viewer { locker { items(first: 50) { nodes { albumId starred rating lyrics lockerAlbum { id title trackCount } } } } } }",
    "{ viewer { locker { items(first: 50, filter: {starred: true}) { totalCount nodes { id } } } } }",
];

/// The catalogue's tables: a store page reads the few products it shows,
/// and a page of artists or albums the few it lists, through an index
/// that fits its filter and order, never the whole catalogue, and never
/// sorts it.
const CATALOGUE: &[&str] = &["products", "artists", "albums"];

/// The store's sorts and filters, each with every sort (`$artist` is an
/// artist of the catalogue). `ownedByViewer` makes each an answer for the
/// viewer alone, so the shared response cache cannot answer it.
const STORE_SORTS: &[&str] = &[
    "NEWEST",
    "BEST_SELLING",
    "PRICE_ASC",
    "PRICE_DESC",
    "TOP_RATED",
];
const STORE_FILTERS: &[&str] = &[
    "{}",
    "{genre: \"Rock\"}",
    "{kind: ALBUM}",
    "{genre: \"Rock\", kind: TRACK}",
    "{artistId: $artist}",
];

/// Pages that name a locker album and artist by id (`$album`, `$artist`).
const PAGES_BY_ID: &[&str] = &[
    "query($album: ID!, $artist: ID!) { viewer { locker { album(id: $album) { title items { id } } artist(id: $artist) { name albumCount } } } }",
    "query($album: ID!, $artist: ID!) { viewer { locker { byAlbum: items(first: 50, filter: {albumId: $album}) { totalCount nodes { id } } byArtist: items(first: 50, filter: {artistId: $artist}) { totalCount nodes { id } } albums(first: 20, artistId: $artist) { totalCount nodes { id } } } } }",
    "query($album: ID!, $artist: ID!) { a: node(id: $album) { id } b: node(id: $artist) { id } }",
];

#[tokio::test]
async fn no_personal_page_scans_a_table_of_every_listener() {
    let store = Store::new().await;
    let dir = &store.dir;
    let url = store.url();
    let seeded = cadenza(dir.path(), url.as_deref())
        .arg("seed-demo")
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let server = Server::start(
        dir.path(),
        url.as_deref(),
        &[(
            "RUST_LOG",
            "warn,cadenza::sql=debug,cadenza_api::http::telemetry=info",
        )],
    )
    .await;

    // Two listeners, so that each has someone else's rows beside theirs.
    for email in ["other@example.com", "listener@example.com"] {
        let token = server.register(email).await;
        for title in ["One", "Two", "Three"] {
            let tags = [("INAM", title), ("IART", "Artist"), ("IPRD", "Album")];
            server.upload(&token, random_wav(&tags)).await;
        }
        let items = server
            .gql(
                Some(&token),
                "{ viewer { locker { items(first: 10) { nodes { id } } } } }",
                json!({}),
            )
            .await;
        let ids: Vec<Value> = items["data"]["viewer"]["locker"]["items"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["id"].clone())
            .collect();
        let playlist = server
            .gql(
                Some(&token),
                "mutation($ids: [ID!]) { createPlaylist(input: {name: \"Mix\", itemIds: $ids}) { id } }",
                json!({ "ids": ids }),
            )
            .await;
        assert!(
            playlist["data"]["createPlaylist"]["id"].is_string(),
            "{playlist}"
        );
        // A star on an item, its album and its artist, and a rating.
        let first_item = server
            .gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on LockerItem { albumId artistId } } }",
                json!({ "id": ids[0] }),
            )
            .await;
        let node = &first_item["data"]["node"];
        let starred = server
            .gql(
                Some(&token),
                "mutation($ids: [ID!]!) { star(ids: $ids) }",
                json!({ "ids": [ids[0], node["albumId"], node["artistId"]] }),
            )
            .await;
        assert!(starred.get("errors").is_none(), "{starred}");
        let rated = server
            .gql(
                Some(&token),
                "mutation($id: ID!) { rateLockerItem(id: $id, rating: 4) { rating } }",
                json!({ "id": ids[1] }),
            )
            .await;
        assert_eq!(rated["data"]["rateLockerItem"]["rating"], 4, "{rated}");
        for id in &ids {
            let played = server
                .gql(
                    Some(&token),
                    "mutation($id: ID!) { recordPlay(input: {itemId: $id, msPlayed: 30000, completed: true}) }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(played["data"]["recordPlay"], true, "{played}");
        }
        let (album, _) = common::an_album(&server).await;
        let cart = server
            .gql(
                Some(&token),
                "mutation($id: ID!) { addToCart(productId: $id) { itemCount } }",
                json!({ "id": album }),
            )
            .await;
        assert!(cart["data"]["addToCart"]["itemCount"].is_number(), "{cart}");
    }
    let token = server.login("listener@example.com").await;
    for page in PAGES {
        let body = server.gql(Some(&token), page, json!({})).await;
        assert!(body.get("errors").is_none(), "{page}: {body}");
    }
    let named = server
        .gql(
            Some(&token),
            "{ viewer { user { id } locker { items(first: 1) { nodes { id albumId artistId } } } } }",
            json!({}),
        )
        .await;
    let viewer = &named["data"]["viewer"];
    let item = &viewer["locker"]["items"]["nodes"][0];
    let by_id = json!({ "album": item["albumId"], "artist": item["artistId"] });
    for page in PAGES_BY_ID {
        let body = server.gql(Some(&token), page, by_id.clone()).await;
        assert!(body.get("errors").is_none(), "{page}: {body}");
    }
    // The store, in each sort and filter.
    let catalogue_artist = server
        .gql(None, "{ artists(first: 1) { nodes { id } } }", json!({}))
        .await["data"]["artists"]["nodes"][0]["id"]
        .clone();
    for sort in STORE_SORTS {
        for filter in STORE_FILTERS {
            let variables = if filter.contains("$artist") {
                ", $artist: ID!"
            } else {
                ""
            };
            // The first page, and the one after it (after its last
            // product, read from where that product sits in the order).
            let mut after = Value::Null;
            for _ in 0..2 {
                let page = format!(
                    "query($after: String{variables}) {{ products(first: 5, sort: {sort}, \
                     filter: {filter}, after: $after) {{ totalCount \
                     pageInfo {{ endCursor }} nodes {{ id ownedByViewer }} }} }}"
                );
                let variables = json!({ "artist": catalogue_artist, "after": after });
                let body = server.gql(Some(&token), &page, variables).await;
                assert!(body.get("errors").is_none(), "{page}: {body}");
                let nodes = &body["data"]["products"]["nodes"];
                assert!(nodes[0].is_object(), "a page to plan: {page}: {body}");
                after = body["data"]["products"]["pageInfo"]["endCursor"].clone();
            }
        }
    }
    // The catalogue's artists and albums, alone and by genre or artist,
    // two pages each.
    let catalogue_lists = [
        ("artists", "artists(first: 2, after: $after)"),
        (
            "artists",
            "artists(first: 2, after: $after, genre: \"Rock\")",
        ),
        ("albums", "albums(first: 2, after: $after)"),
        ("albums", "albums(first: 2, after: $after, genre: \"Rock\")"),
        (
            "albums",
            "albums(first: 2, after: $after, artistId: $artist)",
        ),
    ];
    for (name, list) in catalogue_lists {
        let mut after = Value::Null;
        for _ in 0..2 {
            let artist = if list.contains("$artist") {
                ", $artist: ID"
            } else {
                ""
            };
            let page = format!(
                "query($after: String{artist}) {{ {list} {{ totalCount \
                 pageInfo {{ endCursor }} nodes {{ id }} }} }}"
            );
            let variables = json!({ "artist": catalogue_artist, "after": after });
            let body = server.gql(Some(&token), &page, variables).await;
            assert!(body.get("errors").is_none(), "{page}: {body}");
            after = body["data"][name]["pageInfo"]["endCursor"].clone();
            assert!(after.is_string(), "{page}: {body}");
        }
    }
    // A Subsonic player through the same pages (`/rest`).
    let key = server
        .gql(
            Some(&token),
            "mutation { createPlayerKey(name: \"plans\") { secret } }",
            json!({}),
        )
        .await["data"]["createPlayerKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let playlist = server
        .gql(
            Some(&token),
            "{ viewer { playlists(first: 1) { nodes { id } } } }",
            json!({}),
        )
        .await["data"]["viewer"]["playlists"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (song, album, artist) = (
        item["id"].as_str().unwrap(),
        item["albumId"].as_str().unwrap(),
        item["artistId"].as_str().unwrap(),
    );
    let rest: &[(&str, &[(&str, &str)])] = &[
        ("getArtists", &[]),
        ("getIndexes", &[]),
        ("getArtist", &[("id", artist)]),
        ("getAlbum", &[("id", album)]),
        ("getSong", &[("id", song)]),
        ("getMusicDirectory", &[("id", album)]),
        ("getMusicDirectory", &[("id", artist)]),
        ("getGenres", &[]),
        ("getAlbumList2", &[("type", "newest")]),
        ("getStarred2", &[]),
        ("getRandomSongs", &[]),
        ("search3", &[("query", "")]),
        ("search3", &[("query", "one")]),
        ("getCoverArt", &[("id", album)]),
        ("getLyricsBySongId", &[("id", song)]),
        ("getLyrics", &[("artist", "Artist"), ("title", "One")]),
        ("getPlaylists", &[]),
        ("getPlaylist", &[("id", &playlist)]),
        ("getPlayQueue", &[]),
        ("savePlayQueue", &[("id", song), ("current", song)]),
        ("getNowPlaying", &[]),
        ("getScanStatus", &[]),
        ("getTopSongs", &[("artist", "Artist")]),
        ("getSimilarSongs2", &[("id", artist)]),
        ("getArtistInfo2", &[("id", artist)]),
        ("scrobble", &[("id", song)]),
        ("setRating", &[("id", song), ("rating", "3")]),
    ];
    for (method, params) in rest {
        let mut query = vec![
            ("apiKey", key.as_str()),
            ("f", "json"),
            ("c", "plans"),
            ("v", "1.16.1"),
        ];
        query.extend_from_slice(params);
        let answer: Value = server
            .client
            .get(format!("{}/rest/{method}", server.address))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_else(|_| json!({ "subsonic-response": { "status": "ok" } }));
        let status = &answer["subsonic-response"]["status"];
        let error = &answer["subsonic-response"]["error"]["code"];
        // A cover the test files do not have is "not found"; nothing else fails.
        assert!(
            status == "ok" || (*method == "getCoverArt" && error == 70),
            "{method}: {answer}"
        );
    }
    let listener = GlobalId::decode_as::<UserId>(viewer["user"]["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    let item = GlobalId::decode_as::<LockerItemId>(item["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    server.kill();

    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let statements: BTreeSet<&str> = log
        .lines()
        .filter(|line| line.contains("request_id="))
        .filter_map(|line| {
            let (_, rest) = line.split_once(" sql=")?;
            let (sql, _) = rest.rsplit_once(" duration_ms=")?;
            Some(sql)
        })
        .filter(|sql| sql.starts_with("SELECT") || sql.starts_with("WITH"))
        .collect();
    assert!(
        statements.len() > 20,
        "the log holds the requests' statements: {statements:#?}"
    );

    let mut statements: BTreeSet<String> = statements.into_iter().map(str::to_owned).collect();
    statements.extend(subsonic_lists(&store, listener, item).await);
    let db = store.database().await;
    let mut scans = match db.get_database_backend() {
        DbBackend::Postgres => postgres_scans(&db, &statements).await,
        _ => sqlite_scans(&db, &statements).await,
    };
    scans.extend(
        statements
            .iter()
            .filter(|sql| by_offset(sql))
            .map(|sql| format!("a page of the catalogue by offset\n    in {sql}")),
    );
    db.close().await.unwrap();
    store.drop_database().await;
    assert!(
        scans.is_empty(),
        "statements that scan a table of every listener:\n{}",
        scans.join("\n")
    );
}

/// `EXPLAIN QUERY PLAN`'s `SCAN`s of a per-listener table.
async fn sqlite_scans(db: &DatabaseConnection, statements: &BTreeSet<String>) -> Vec<String> {
    let mut scans = Vec::new();
    for sql in statements {
        // The plan does not depend on the values; each parameter is bound
        // to NULL. (Values are always parameters, so a `?` in the text is
        // one.)
        let values = vec![SqlValue::Int(None); sql.matches('?').count()];
        let plan = db
            .query_all(Statement::from_sql_and_values(
                db.get_database_backend(),
                format!("EXPLAIN QUERY PLAN {sql}"),
                values,
            ))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        let details: Vec<String> = plan
            .iter()
            .map(|row| row.try_get("", "detail").unwrap())
            .collect();
        for detail in &details {
            let scanned = detail
                .strip_prefix("SCAN ")
                .map(|rest| rest.split_whitespace().next().unwrap_or(""));
            let whole_catalogue = scanned.is_some_and(|table| {
                CATALOGUE.contains(&table) && !detail.contains(" USING ") && !counts(sql)
            });
            let sorted_catalogue = lists_catalogue(sql)
                && detail.starts_with("USE TEMP B-TREE FOR")
                && !counts(sql)
                && !sorts_a_few(sql)
                && !details
                    .iter()
                    .any(|detail| detail.contains("(artist_id=?)"));
            // A page after a product seeks to it: a scan, even of an
            // index, reads the order from its start.
            let read_from_start =
                scanned.is_some_and(|table| CATALOGUE.contains(&table)) && pages_after(sql);
            if scanned.is_some_and(|table| PER_LISTENER.contains(&table))
                || whole_catalogue
                || sorted_catalogue
                || read_from_start
            {
                scans.push(format!("{detail}\n    in {sql}"));
            }
        }
    }
    scans
}

/// A list of the catalogue itself (its first table is the catalogue's), as
/// opposed to a listener's rows joined to the products they hold. Sorting
/// it is allowed only for one artist's products or albums (`artist_id=?`),
/// which are few, and one genre's artists (`sorts_a_few`).
fn lists_catalogue(sql: &str) -> bool {
    sql.split_once(" FROM ").is_some_and(|(_, from)| {
        CATALOGUE
            .iter()
            .any(|table| from.starts_with(&format!("\"{table}\"")))
    })
}

/// One genre's artists, by name: the planners read the genre's artists
/// (`artist_genres`) and sort them, since no index holds an artist's name
/// under its genres. That is a genre's artists, a fraction of the
/// catalogue's; an index of the names by genre would need a copy of each
/// name in `artist_genres`.
fn sorts_a_few(sql: &str) -> bool {
    sql.contains("FROM \"artist_genres\"")
}

/// A page of the catalogue that does not start at the top: read after a
/// product (a range of the order's keys), never by an offset, which steps
/// over every product before the page.
fn pages_after(sql: &str) -> bool {
    lists_catalogue(sql) && !counts(sql) && (sql.contains(" < ") || sql.contains(" > "))
}

/// A list of the catalogue by offset.
fn by_offset(sql: &str) -> bool {
    lists_catalogue(sql) && sql.contains(" OFFSET ")
}

/// A count of a store filter's products: kept between requests and
/// recounted in the background (`services::catalogue::counts`), so it may
/// read every match.
fn counts(sql: &str) -> bool {
    sql.starts_with("SELECT COUNT(*)")
}

/// PostgreSQL's generic plans, sequential scans disabled: a `Seq Scan` of a
/// per-listener table, or an index scan of one without an index condition.
async fn postgres_scans(db: &DatabaseConnection, statements: &BTreeSet<String>) -> Vec<String> {
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(
        "SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan",
    )
    .await
    .unwrap();
    let mut scans = Vec::new();
    for sql in statements {
        let parameters = (1..).take_while(|n| sql.contains(&format!("${n}"))).count();
        txn.execute_unprepared(&format!("PREPARE planned AS {sql}"))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        // A listener's few cart lines or orders may be sorted; a list of the
        // catalogue may not.
        let sort = if lists_catalogue(sql) { "off" } else { "on" };
        txn.execute_unprepared(&format!("SET LOCAL enable_sort = {sort}"))
            .await
            .unwrap();
        let arguments = vec!["NULL"; parameters].join(", ");
        let explain = if parameters == 0 {
            "EXPLAIN EXECUTE planned".to_owned()
        } else {
            format!("EXPLAIN EXECUTE planned({arguments})")
        };
        let plan: Vec<String> = txn
            .query_all(Statement::from_string(DbBackend::Postgres, explain))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        txn.execute_unprepared("DEALLOCATE planned").await.unwrap();
        // A sort above a list of the catalogue sorts every match.
        let one_artist = plan.iter().any(|line| line.contains("(artist_id = $"));
        if lists_catalogue(sql) && !counts(sql) && !one_artist && !sorts_a_few(sql) {
            let node = |line: &String| {
                line.trim_start()
                    .trim_start_matches("->")
                    .trim_start()
                    .to_owned()
            };
            if let Some(sort) = plan.iter().map(node).find(|node| node.starts_with("Sort")) {
                scans.push(format!("{sort}\n    in {sql}"));
            }
        }
        for (at, line) in plan.iter().enumerate() {
            // Nodes are the first line and those under an arrow; the lines
            // between are a node's details ("Index Cond: ...").
            if at > 0 && !line.contains("->") {
                continue;
            }
            let node = line.trim_start().trim_start_matches("->").trim_start();
            // "Seq Scan on t", "Index Scan using i on t", "Bitmap Heap Scan on t".
            let Some((scan_kind, rest)) = node.split_once(" on ") else {
                continue;
            };
            let table = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('"');
            let index_kind =
                scan_kind.starts_with("Index Scan") || scan_kind.starts_with("Index Only Scan");
            let conditioned = || {
                plan[at + 1..]
                    .iter()
                    .take_while(|next| !next.contains("->"))
                    .any(|next| next.trim_start().starts_with("Index Cond:"))
            };
            if CATALOGUE.contains(&table)
                && ((scan_kind.starts_with("Seq Scan") && !counts(sql))
                    || (index_kind && pages_after(sql) && !conditioned()))
            {
                scans.push(format!("{}\n    in {sql}", plan.join("\n      ")));
                break;
            }
            if !PER_LISTENER.contains(&table) {
                continue;
            }
            if scan_kind.starts_with("Seq Scan") || (index_kind && !conditioned()) {
                scans.push(format!("{}\n    in {sql}", plan.join("\n      ")));
                break;
            }
        }
    }
    txn.rollback().await.unwrap();
    scans
}

/// The statements of every list the Subsonic API asks the locker service
/// for, made by the service itself over the server's database.
async fn subsonic_lists(store: &Store, listener: UserId, item: LockerItemId) -> Vec<String> {
    let data_dir = store.dir.path();
    let mut db = store.database().await;
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    db.set_metric_callback(move |info| log.lock().unwrap().push(info.statement.sql.clone()));
    let blobs = BlobStore::open(&StorageLocation::Local(data_dir.join("blobs"))).unwrap();
    let locker = Locker::new(
        db,
        blobs,
        LockerEvents::in_process(),
        Feed::default(),
        1 << 30,
    );
    let page = Page {
        offset: 0,
        limit: 50,
    };
    let lists = [
        AlbumList::Random,
        AlbumList::Newest,
        AlbumList::Frequent,
        AlbumList::Recent,
        AlbumList::Starred,
        AlbumList::AlphabeticalByName,
        AlbumList::AlphabeticalByArtist,
        AlbumList::ByYear {
            from: 2020,
            to: 1990,
        },
        AlbumList::ByGenre {
            genre: "rock".into(),
        },
    ];
    for list in &lists {
        locker.album_list(listener, list, page).await.unwrap();
    }
    let (album, artist) = (
        LockerAlbumKey::of("Album", "Artist"),
        LockerArtistKey::of("Artist"),
    );
    assert!(locker.album(listener, album).await.unwrap().is_some());
    assert!(locker.artist(listener, artist).await.unwrap().is_some());
    locker.albums_of_artist(listener, artist).await.unwrap();
    locker.album_artists(listener, page).await.unwrap();
    locker.genres(listener).await.unwrap();
    locker.songs_by_genre(listener, "rock", page).await.unwrap();
    let random = RandomSongs {
        size: 20,
        genre: Some("rock".into()),
        from_year: Some(1990),
        to_year: Some(2020),
    };
    locker.random_songs(listener, &random).await.unwrap();
    assert_eq!(locker.starred_items(listener, page).await.unwrap().len(), 1);
    assert_eq!(
        locker.starred_albums(listener, page).await.unwrap().len(),
        1
    );
    assert_eq!(
        locker.starred_artists(listener, page).await.unwrap().len(),
        1
    );
    assert_eq!(locker.lyrics(listener, item).await.unwrap(), None);
    let sent = sent.lock().unwrap().clone();
    assert!(sent.len() > 20, "the service's statements: {sent:#?}");
    sent
}
