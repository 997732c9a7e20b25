//! A locker's artists and albums by id, stars and ratings, and lyrics.

use cadenza_api::domain::{GlobalId, KeyedId, LockerAlbumKey, LockerArtistKey, LockerItemId};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::audio::{id3v2_frames, uslt, wav, with_id3_chunk};
use crate::helpers::*;

fn uploaded(body: &Value) -> Value {
    data(body)["uploadTrack"].clone()
}

/// Uploads a WAV with these RIFF INFO tags (title, artist, album, track)
/// and returns the item.
async fn upload(app: &TestApp, auth: &Auth, tags: (&str, &str, &str, &str)) -> Value {
    let (title, artist, album, track) = tags;
    let tags = [
        ("INAM", title),
        ("IART", artist),
        ("IPRD", album),
        ("ITRK", track),
    ];
    // Each file its own length, so no two have the same bytes.
    let millis = 300 + 7 * (title.len() as u32 + album.len() as u32 * 3);
    uploaded(&app.upload(auth, "t.wav", wav(millis, &tags)).await)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.database().await;
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.unwrap();
    n
}

fn item_row(id: &Value) -> i32 {
    GlobalId::decode_as::<LockerItemId>(id.as_str().unwrap())
        .unwrap()
        .unwrap()
        .0
}

fn album_id(title: &str, artist: &str) -> Value {
    json!(LockerAlbumKey::of(title, artist).encode())
}

fn artist_id(name: &str) -> Value {
    json!(LockerArtistKey::of(name).encode())
}

const BROWSE: &str = "{ viewer { locker {
    artists { nodes { id name albumCount trackCount } }
    albums { nodes { id title artist artistId trackCount } } } } }";

#[tokio::test]
async fn artists_and_albums_have_ids_that_stay_put() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let blue = upload(&app, &listener, ("Blue", "Joni", "Court", "2")).await;
    let carey = upload(&app, &listener, ("Carey", "Joni", "Court", "1")).await;
    let river = upload(&app, &listener, ("River", "Joni", "Blue", "1")).await;
    let court = album_id("Court", "Joni");
    let joni = artist_id("Joni");
    // Derived from the names alone.
    assert_eq!(blue["albumId"], court);
    assert_eq!(carey["albumId"], court);
    assert_eq!(blue["artistId"], joni);
    assert_eq!(river["albumId"], album_id("blue ", "JONI"));

    let album = app.locker_album(&listener, &court).await;
    let album = &data(&album)["viewer"]["locker"]["album"];
    assert_eq!(album["id"], court);
    assert_eq!(album["title"], "Court");
    assert_eq!(album["artist"], "Joni");
    assert_eq!(album["artistId"], joni);
    assert_eq!(album["trackCount"], 2);
    assert_eq!(
        album["durationMs"].as_i64().unwrap(),
        blue["durationMs"].as_i64().unwrap() + carey["durationMs"].as_i64().unwrap()
    );
    assert_eq!(album["addedAt"], blue["addedAt"], "its first item's");
    assert_eq!(
        album["items"],
        json!([
            { "id": carey["id"], "title": "Carey", "trackNumber": 1 },
            { "id": blue["id"], "title": "Blue", "trackNumber": 2 },
        ])
    );
    let artist = app.locker_artist(&listener, &joni).await;
    assert_eq!(
        data(&artist)["viewer"]["locker"]["artist"],
        json!({ "id": joni, "name": "Joni", "albumCount": 2, "trackCount": 3,
                "starred": false, "starredAt": null })
    );
    let before = app.gql_as(&listener, BROWSE, json!({})).await;

    // Another item's tag edit moves that item only; a change of case
    // moves nothing.
    let edited = app
        .update_locker_item(&listener, &river["id"], json!({ "album": "Hejira" }))
        .await;
    assert_eq!(
        data(&edited)["updateLockerItem"]["albumId"],
        album_id("Hejira", "Joni")
    );
    let recased = app
        .update_locker_item(&listener, &carey["id"], json!({ "album": "COURT" }))
        .await;
    assert_eq!(data(&recased)["updateLockerItem"]["albumId"], court);
    let album = app.locker_album(&listener, &court).await;
    assert_eq!(data(&album)["viewer"]["locker"]["album"]["trackCount"], 2);
    let gone = app.locker_album(&listener, &album_id("Blue", "Joni")).await;
    assert!(data(&gone)["viewer"]["locker"]["album"].is_null(), "{gone}");

    // The same ids from another server on the same database, as after a
    // restart, and through every way of reaching them.
    let replica = spawn_replica_of(&app).await;
    let after = replica.gql_as(&listener, BROWSE, json!({})).await;
    let ids = |body: &Value, list: &str| -> Vec<Value> {
        data(body)["viewer"]["locker"][list]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["id"].clone())
            .collect()
    };
    assert_eq!(ids(&after, "artists"), ids(&before, "artists"));
    assert_eq!(ids(&after, "artists"), vec![joni.clone()]);
    assert!(ids(&after, "albums").contains(&court));
    let node = replica.node(&listener, &court).await;
    assert_eq!(data(&node)["node"]["id"], court, "{node}");
    let navigated = replica
        .gql_as(
            &listener,
            "query($album: ID!, $artist: ID!) { viewer { locker {
                byAlbum: items(filter: { albumId: $album }) { totalCount }
                byArtist: items(filter: { artistId: $artist }) { totalCount nodes { lockerAlbum { id } } }
                albums(artistId: $artist) { totalCount nodes { id } } } } }",
            json!({ "album": court, "artist": joni }),
        )
        .await;
    let locker = &data(&navigated)["viewer"]["locker"];
    assert_eq!(locker["byAlbum"]["totalCount"], 2);
    assert_eq!(locker["byArtist"]["totalCount"], 3);
    assert_eq!(locker["albums"]["totalCount"], 2);
    let via_items: Vec<&Value> = locker["byArtist"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| &node["lockerAlbum"]["id"])
        .collect();
    assert_eq!(via_items.iter().filter(|id| ***id == court).count(), 2);
}

#[tokio::test]
async fn another_listeners_artist_and_album_ids_name_nothing() {
    let app = spawn_app().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let item = upload(&app, &owner, ("Song", "Owner Band", "Owned", "1")).await;
    let (album, artist) = (item["albumId"].clone(), item["artistId"].clone());

    for auth in [&other, &Auth::Anonymous] {
        assert!(data(&app.node(auth, &album).await)["node"].is_null());
        assert!(data(&app.node(auth, &artist).await)["node"].is_null());
    }
    let theirs = app.locker_album(&other, &album).await;
    assert!(data(&theirs)["viewer"]["locker"]["album"].is_null());
    let theirs = app.locker_artist(&other, &artist).await;
    assert!(data(&theirs)["viewer"]["locker"]["artist"].is_null());
    let filtered = app
        .gql_as(
            &other,
            "query($album: ID!, $artist: ID!) { viewer { locker {
                items(filter: { albumId: $album }) { totalCount }
                albums(artistId: $artist) { totalCount } } } }",
            json!({ "album": album, "artist": artist }),
        )
        .await;
    assert_eq!(
        data(&filtered)["viewer"]["locker"],
        json!({ "items": { "totalCount": 0 }, "albums": { "totalCount": 0 } })
    );
    for ids in [[&album], [&artist], [&item["id"]]] {
        let starred = app.star(&other, &ids).await;
        assert_eq!(error_code(&starred), "NOT_FOUND", "{starred}");
    }

    // An id of another kind names nothing; one that is not an id is bad input.
    let wrong_kind = app.locker_album(&owner, &item["id"]).await;
    assert!(data(&wrong_kind)["viewer"]["locker"]["album"].is_null());
    let wrong_kind = app.locker_artist(&owner, &album).await;
    assert!(data(&wrong_kind)["viewer"]["locker"]["artist"].is_null());
    let played = app.record_play(&owner, &album, 100, None).await;
    assert_eq!(
        error_code(&played),
        "NOT_FOUND",
        "an album is no playable item"
    );
    let garbage = app.locker_album(&owner, &json!("not-an-id")).await;
    assert_eq!(error_code(&garbage), "BAD_USER_INPUT", "{garbage}");
    let both = app
        .gql_as(
            &owner,
            "query($artist: ID!) { viewer { locker { albums(artist: \"x\", artistId: $artist) { totalCount } } } }",
            json!({ "artist": artist }),
        )
        .await;
    assert_eq!(error_code(&both), "BAD_USER_INPUT", "{both}");
}

#[tokio::test]
async fn listeners_star_and_rate_their_own_items_albums_and_artists() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let other = app.customer().await;
    let item = upload(&app, &listener, ("One", "Starry", "Night", "1")).await;
    let second = upload(&app, &listener, ("Two", "Starry", "Night", "2")).await;
    let theirs = upload(&app, &other, ("Theirs", "Else", "Where", "1")).await;
    let (album, artist) = (item["albumId"].clone(), item["artistId"].clone());

    let starred = app.star(&listener, &[&item["id"], &album, &artist]).await;
    assert_eq!(
        data(&starred)["star"],
        json!([item["id"], album, artist]),
        "{starred}"
    );
    let first = app.locker_item(&listener, &item["id"]).await;
    let first = &data(&first)["item"];
    assert_eq!(first["starred"], true);
    let starred_at = first["starredAt"].clone();
    assert!(starred_at.is_string(), "{first}");
    // Starring again keeps the first star.
    data(&app.star(&listener, &[&item["id"]]).await);
    let again = app.locker_item(&listener, &item["id"]).await;
    assert_eq!(data(&again)["item"]["starredAt"], starred_at);
    let album_now = app.locker_album(&listener, &album).await;
    assert_eq!(
        data(&album_now)["viewer"]["locker"]["album"]["starred"],
        true
    );
    let artist_now = app.locker_artist(&listener, &artist).await;
    assert_eq!(
        data(&artist_now)["viewer"]["locker"]["artist"]["starred"],
        true
    );
    let only_starred = app
        .gql_as(
            &listener,
            "{ viewer { locker { yes: items(filter: { starred: true }) { nodes { id } }
                                 no: items(filter: { starred: false }) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let locker = &data(&only_starred)["viewer"]["locker"];
    assert_eq!(locker["yes"]["nodes"], json!([{ "id": item["id"] }]));
    assert_eq!(locker["no"]["nodes"], json!([{ "id": second["id"] }]));

    // Someone else's item, or an id of another kind, stars nothing, not
    // even the viewer's own ids beside it.
    let playlist = app.create_playlist(&listener, "Mix", [&item["id"]]).await;
    let playlist_id = data(&playlist)["createPlaylist"]["id"].clone();
    for wrong in [&theirs["id"], &playlist_id] {
        let refused = app.star(&listener, &[&second["id"], wrong]).await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    }
    let untouched = app.locker_item(&listener, &second["id"]).await;
    assert_eq!(data(&untouched)["item"]["starred"], false);
    let garbage = app.star(&listener, &[&json!("garbage")]).await;
    assert_eq!(error_code(&garbage), "BAD_USER_INPUT");

    // Ratings: 1 to 5, 0 removes; nothing else.
    let rated = app.rate_locker_item(&listener, &item["id"], 4).await;
    assert_eq!(data(&rated)["rateLockerItem"]["rating"], 4);
    let cleared = app.rate_locker_item(&listener, &item["id"], 0).await;
    assert!(data(&cleared)["rateLockerItem"]["rating"].is_null());
    for bad in [6, -1] {
        let refused = app.rate_locker_item(&listener, &item["id"], bad).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    }
    let refused = app.rate_locker_item(&listener, &theirs["id"], 3).await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
    let anonymous = app.rate_locker_item(&Auth::Anonymous, &item["id"], 3).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

    let unstarred = app.unstar(&listener, &[&item["id"], &artist]).await;
    assert!(unstarred["errors"].is_null(), "{unstarred}");
    let now = app.locker_item(&listener, &item["id"]).await;
    assert_eq!(data(&now)["item"]["starred"], false);
    assert!(data(&now)["item"]["starredAt"].is_null());

    // An album's star goes with its last item.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 1);
    data(&app.delete_locker_item(&listener, &item["id"]).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 1);
    data(&app.delete_locker_item(&listener, &second["id"]).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 0);

    // And when its last item is edited to name another.
    let solo = upload(&app, &listener, ("Solo", "Lone", "Lonely", "1")).await;
    data(
        &app.star(&listener, &[&solo["albumId"], &solo["artistId"]])
            .await,
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 2);
    data(
        &app.update_locker_item(&listener, &solo["id"], json!({ "title": "Solo!" }))
            .await,
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 2);
    data(
        &app.update_locker_item(&listener, &solo["id"], json!({ "album": "Elsewhere" }))
            .await,
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 1);
    data(
        &app.update_locker_item(&listener, &solo["id"], json!({ "artist": "Someone" }))
            .await,
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_stars").await, 0);
}

/// Interactions recording a star of the item with this row id.
async fn star_signals(app: &TestApp, kind: &str, item: Option<&Value>) -> i64 {
    let item = item.map_or(String::new(), |id| {
        format!(" AND locker_item_id = {}", item_row(id))
    });
    count(
        app,
        &format!("SELECT COUNT(*) FROM interactions WHERE kind = '{kind}'{item}"),
    )
    .await
}

#[tokio::test]
async fn a_star_is_a_taste_signal_only_as_the_listener_allows() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let items = [
        upload(&app, &listener, ("A", "Signal", "One", "1")).await,
        upload(&app, &listener, ("B", "Signal", "Two", "1")).await,
        upload(&app, &listener, ("C", "Signal", "Three", "1")).await,
        upload(&app, &listener, ("D", "Signal", "Four", "1")).await,
    ];

    data(
        &app.star(&listener, &[&items[0]["id"], &items[0]["albumId"]])
            .await,
    );
    assert_eq!(
        star_signals(&app, "STAR_LOCKER_ITEM", Some(&items[0]["id"])).await,
        1
    );
    assert_eq!(star_signals(&app, "STAR_LOCKER_ALBUM", None).await, 1);
    // A star already there is no new signal.
    data(&app.star(&listener, &[&items[0]["id"]]).await);
    assert_eq!(star_signals(&app, "STAR_LOCKER_ITEM", None).await, 1);

    // History off: starred all the same, recorded nowhere.
    data(
        &app.update_privacy_settings(&listener, json!({ "recordListeningHistory": false }))
            .await,
    );
    data(
        &app.star(&listener, &[&items[1]["id"], &items[1]["artistId"]])
            .await,
    );
    let starred = app.locker_item(&listener, &items[1]["id"]).await;
    assert_eq!(data(&starred)["item"]["starred"], true);
    assert_eq!(
        star_signals(&app, "STAR_LOCKER_ITEM", Some(&items[1]["id"])).await,
        0
    );
    assert_eq!(star_signals(&app, "STAR_LOCKER_ARTIST", None).await, 0);

    // History on in a private session: the same.
    data(
        &app.update_privacy_settings(&listener, json!({ "recordListeningHistory": true }))
            .await,
    );
    data(&app.start_private_session(&listener, 30).await);
    data(&app.star(&listener, &[&items[2]["id"]]).await);
    assert_eq!(
        star_signals(&app, "STAR_LOCKER_ITEM", Some(&items[2]["id"])).await,
        0
    );
    data(&app.start_private_session(&listener, 0).await);

    // An item kept out of the taste profile gives no signal either.
    data(
        &app.update_locker_item(
            &listener,
            &items[3]["id"],
            json!({ "excludeFromTasteProfile": true }),
        )
        .await,
    );
    data(&app.star(&listener, &[&items[3]["id"]]).await);
    assert_eq!(
        star_signals(&app, "STAR_LOCKER_ITEM", Some(&items[3]["id"])).await,
        0
    );
    assert_eq!(star_signals(&app, "STAR_LOCKER_ITEM", None).await, 1);
}

#[tokio::test]
async fn lyrics_come_from_the_files_tags() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let lyrics = "First line\r\nSecond line\n";
    let tag = id3v2_frames(&[
        ("TIT2", b"\0Sung".to_vec()),
        ("TPE1", b"\0Singer".to_vec()),
        ("USLT", uslt("eng", lyrics)),
    ]);
    let sung = uploaded(
        &app.upload(&listener, "sung.wav", with_id3_chunk(wav(400, &[]), &tag))
            .await,
    );
    assert_eq!(sung["title"], "Sung");
    assert_eq!(sung["lyrics"], "First line\nSecond line");
    let plain = upload(&app, &listener, ("Hummed", "Singer", "Plain", "1")).await;
    assert!(plain["lyrics"].is_null(), "{plain}");

    let other = app.customer().await;
    assert!(data(&app.locker_item(&other, &sung["id"]).await)["item"].is_null());
    let listed = app
        .gql_as(
            &listener,
            "{ viewer { locker { items { nodes { title lyrics } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&listed)["viewer"]["locker"]["items"]["nodes"],
        json!([
            { "title": "Hummed", "lyrics": null },
            { "title": "Sung", "lyrics": "First line\nSecond line" },
        ])
    );

    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_lyrics").await, 1);
    data(&app.delete_locker_item(&listener, &sung["id"]).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM locker_lyrics").await, 0);
}

#[tokio::test]
async fn items_stored_before_the_keys_are_keyed_by_the_migration() {
    use migration::{Migrator, MigratorTrait};

    let app = spawn_app().await;
    let listener = app.customer().await;
    let items = [
        upload(&app, &listener, ("One", "Old Band", "Old Album", "1")).await,
        upload(&app, &listener, ("Two", "old band ", "OLD ALBUM", "2")).await,
        upload(&app, &listener, ("Three", "Other", "Else", "1")).await,
    ];
    let db = app.database().await;
    // Back to before the keys (and what came after them), and forward
    // again over the stored items.
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    let keys = names
        .iter()
        .position(|name| name == "m20261206_000600_locker_keys_stars")
        .unwrap();
    let steps = u32::try_from(names.len() - keys).unwrap();
    Migrator::down(&db, Some(steps)).await.unwrap();
    let columns = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT * FROM locker_items",
        ))
        .await
        .unwrap();
    assert!(columns[0].try_get::<String>("", "album_key").is_err());
    Migrator::up(&db, None).await.unwrap();
    db.close().await.unwrap();
    for item in &items {
        let now = app.locker_item(&listener, &item["id"]).await;
        let now = &data(&now)["item"];
        assert_eq!(now["albumId"], item["albumId"], "{now}");
        assert_eq!(now["artistId"], item["artistId"], "{now}");
    }
    assert_eq!(items[0]["albumId"], items[1]["albumId"]);
    let album = app.locker_album(&listener, &items[0]["albumId"]).await;
    assert_eq!(data(&album)["viewer"]["locker"]["album"]["trackCount"], 2);
}
