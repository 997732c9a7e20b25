//! The library as players browse it: by tags and by folders, lists,
//! search (and the empty query players sync with), the bytes, covers and
//! lyrics, and nothing of another listener's.

use std::time::Duration;

use cadenza_tests::audio;
use serde_json::{json, Value};

use super::listener;
use crate::helpers::{data, spawn_app, Auth, TestApp};

/// Three songs on two albums: "Blue" by Joni Mitchell (Folk, 1971, two
/// tracks, the first with a cover and lyrics) and "Kind of Blue" by The
/// Miles Davis Quintet (Jazz, 1959).
pub struct Library {
    pub auth: Auth,
    /// Song ids (GraphQL `LockerItem` ids) and the bytes uploaded.
    pub songs: Vec<(String, Vec<u8>)>,
}

pub const LYRICS: &str = "[00:01.00]I am on a lonely road\n[00:04.50]and I am traveling";

fn uslt(text: &str) -> Vec<u8> {
    // An ID3v2.3 USLT frame: encoding (ISO-8859-1), language, empty
    // description, the text.
    let mut content = vec![0];
    content.extend_from_slice(b"eng");
    content.push(0);
    content.extend_from_slice(text.as_bytes());
    let mut frame = b"USLT".to_vec();
    frame.extend_from_slice(&(content.len() as u32).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&content);
    frame
}

/// The first song: a WAV whose ID3 tag has text frames, a cover and lyrics.
fn tagged_song() -> Vec<u8> {
    let cover = audio::noise_png(400, 400);
    let mut tag = audio::id3v2(
        &[
            ("TIT2", "All I Want"),
            ("TPE1", "Joni Mitchell"),
            ("TALB", "Blue"),
            ("TCON", "Folk"),
            ("TYER", "1971"),
            ("TRCK", "1"),
        ],
        &[("image/png", 3, &cover)],
    );
    // Append the lyrics frame and fix the tag's size.
    tag.extend_from_slice(&uslt(LYRICS));
    let size = (tag.len() - 10) as u32;
    tag[6..10].copy_from_slice(&[
        (size >> 21) as u8 & 0x7F,
        (size >> 14) as u8 & 0x7F,
        (size >> 7) as u8 & 0x7F,
        size as u8 & 0x7F,
    ]);
    audio::with_id3_chunk(audio::random_wav(&[]), &tag)
}

pub async fn library(app: &TestApp, auth: Auth) -> Library {
    let files = vec![
        ("all-i-want.wav", tagged_song()),
        (
            "my-old-man.wav",
            audio::random_wav(&[
                ("INAM", "My Old Man"),
                ("IART", "Joni Mitchell"),
                ("IPRD", "Blue"),
                ("IGNR", "Folk"),
                ("ICRD", "1971"),
                ("ITRK", "2"),
            ]),
        ),
        (
            "so-what.wav",
            audio::random_wav(&[
                ("INAM", "So What"),
                ("IART", "The Miles Davis Quintet"),
                ("IPRD", "Kind of Blue"),
                ("IGNR", "Jazz"),
                ("ICRD", "1959"),
                ("ITRK", "1"),
            ]),
        ),
    ];
    let mut songs = Vec::new();
    for (name, bytes) in files {
        let body = app.upload(&auth, name, bytes.clone()).await;
        let id = data(&body)["uploadTrack"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        songs.push((id, bytes));
    }
    Library { auth, songs }
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item[field].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn players_browse_by_tags_and_by_folders() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;

    let artists = player.ok("getArtists", &[]).await;
    let index = &artists["artists"]["index"];
    assert_eq!(
        names(index, "name"),
        vec!["J", "M"],
        "articles are ignored: {artists:#}"
    );
    let joni = &index[0]["artist"][0];
    assert_eq!(joni["name"], "Joni Mitchell");
    assert_eq!(joni["albumCount"], 1);
    let joni_id = joni["id"].as_str().unwrap();

    let artist = player.ok("getArtist", &[("id", joni_id)]).await;
    let blue = &artist["artist"]["album"][0];
    assert_eq!(blue["name"], "Blue");
    assert_eq!(blue["songCount"], 2);
    assert_eq!(blue["year"], 1971);
    let blue_id = blue["id"].as_str().unwrap();

    let album = player.ok("getAlbum", &[("id", blue_id)]).await;
    let songs = &album["album"]["song"];
    assert_eq!(names(songs, "title"), vec!["All I Want", "My Old Man"]);
    assert_eq!(
        songs[0]["id"],
        lib.songs[0].0.as_str(),
        "a song's id is its GraphQL id"
    );
    assert_eq!(songs[0]["albumId"], blue_id);
    assert_eq!(songs[0]["artistId"], joni_id);
    assert_eq!(songs[0]["track"], 1);
    assert_eq!(songs[0]["suffix"], "wav");
    assert_eq!(songs[0]["size"], lib.songs[0].1.len());
    assert!(songs[0]["coverArt"].is_string());
    assert!(songs[1].get("coverArt").is_none());

    // The same ids in GraphQL.
    let graphql = app
        .gql_as(
            &lib.auth,
            "{ viewer { locker { albums(first: 10) { nodes { id title } } artists(first: 10) { nodes { id name } } } } }",
            json!({}),
        )
        .await;
    let locker = &data(&graphql)["viewer"]["locker"];
    let album_ids: Vec<&Value> = locker["albums"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|album| album["title"] == "Blue")
        .map(|album| &album["id"])
        .collect();
    assert_eq!(album_ids, vec![&json!(blue_id)], "{graphql}");
    assert!(locker["artists"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|artist| artist["id"] == joni_id));

    let song = player.ok("getSong", &[("id", &lib.songs[2].0)]).await;
    assert_eq!(song["song"]["title"], "So What");
    assert_eq!(song["song"]["genre"], "Jazz");

    // Folders: the music folder, an artist, an album.
    let indexes = player.ok("getIndexes", &[]).await;
    let modified = indexes["indexes"]["lastModified"].as_i64().unwrap();
    assert!(modified > 0);
    assert_eq!(names(&indexes["indexes"]["index"], "name"), vec!["J", "M"]);
    let unchanged = player
        .ok("getIndexes", &[("ifModifiedSince", &modified.to_string())])
        .await;
    assert!(unchanged["indexes"].get("index").is_none(), "{unchanged:#}");
    let folder = player.ok("getMusicDirectory", &[("id", "1")]).await;
    assert_eq!(folder["directory"]["child"].as_array().unwrap().len(), 2);
    let artist_dir = player.ok("getMusicDirectory", &[("id", joni_id)]).await;
    assert_eq!(artist_dir["directory"]["child"][0]["isDir"], true);
    assert_eq!(artist_dir["directory"]["child"][0]["title"], "Blue");
    let album_dir = player.ok("getMusicDirectory", &[("id", blue_id)]).await;
    assert_eq!(
        names(&album_dir["directory"]["child"], "title"),
        vec!["All I Want", "My Old Man"]
    );
    assert_eq!(album_dir["directory"]["parent"], joni_id);

    // A removal is a change too: the index comes back, without the song.
    tokio::time::sleep(Duration::from_millis(5)).await;
    data(
        &app.delete_locker_item(&lib.auth, &json!(lib.songs[2].0))
            .await,
    );
    let changed = player
        .ok("getIndexes", &[("ifModifiedSince", &modified.to_string())])
        .await;
    assert!(
        changed["indexes"]["lastModified"].as_i64().unwrap() > modified,
        "{changed:#}"
    );
    assert_eq!(names(&changed["indexes"]["index"], "name"), vec!["J"]);
}

#[tokio::test]
async fn album_lists_genres_and_random_songs() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;

    let list = |kind: &'static str, extra: Vec<(&'static str, &'static str)>| {
        let player = &player;
        async move {
            let mut params = vec![("type", kind)];
            params.extend(extra);
            let answer = player.ok("getAlbumList2", &params).await;
            names(&answer["albumList2"]["album"], "name")
        }
    };
    assert_eq!(
        list("alphabeticalByName", vec![]).await,
        vec!["Blue", "Kind of Blue"]
    );
    assert_eq!(
        list("alphabeticalByArtist", vec![]).await,
        vec!["Blue", "Kind of Blue"]
    );
    assert_eq!(list("newest", vec![]).await, vec!["Kind of Blue", "Blue"]);
    assert_eq!(
        list("byYear", vec![("fromYear", "1960"), ("toYear", "1980")]).await,
        vec!["Blue"]
    );
    assert_eq!(
        list("byYear", vec![("fromYear", "1980"), ("toYear", "1950")]).await,
        vec!["Blue", "Kind of Blue"],
        "from after to lists the latest first"
    );
    assert_eq!(
        list("byGenre", vec![("genre", "jazz")]).await,
        vec!["Kind of Blue"]
    );
    assert_eq!(list("random", vec![]).await.len(), 2);
    assert_eq!(
        list("newest", vec![("size", "1"), ("offset", "1")]).await,
        vec!["Blue"]
    );
    assert!(list("frequent", vec![]).await.is_empty());
    assert!(list("starred", vec![]).await.is_empty());
    assert!(list("highest", vec![]).await.is_empty());

    // Played and starred lists follow the listener's own plays and stars.
    player.ok("scrobble", &[("id", &lib.songs[2].0)]).await;
    assert_eq!(list("frequent", vec![]).await, vec!["Kind of Blue"]);
    assert_eq!(list("recent", vec![]).await, vec!["Kind of Blue"]);
    let blue = player
        .ok(
            "getAlbumList2",
            &[("type", "alphabeticalByName"), ("size", "1")],
        )
        .await;
    let blue_id = blue["albumList2"]["album"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    player.ok("star", &[("albumId", &blue_id)]).await;
    assert_eq!(list("starred", vec![]).await, vec!["Blue"]);

    // The folder form of the same list.
    let legacy = player
        .ok("getAlbumList", &[("type", "alphabeticalByName")])
        .await;
    assert_eq!(
        names(&legacy["albumList"]["album"], "title"),
        vec!["Blue", "Kind of Blue"]
    );
    assert_eq!(legacy["albumList"]["album"][0]["isDir"], true);

    // Missing and wrong parameters.
    assert_eq!(player.fails("getAlbumList2", &[]).await, 10);
    assert_eq!(
        player.fails("getAlbumList2", &[("type", "byYear")]).await,
        10
    );
    assert_eq!(
        player.fails("getAlbumList2", &[("type", "byGenre")]).await,
        10
    );
    // A size above the page limit is served as the limit, as players ask
    // for "everything" with large numbers; a negative one is refused.
    assert_eq!(
        list("newest", vec![("size", "100000")]).await,
        vec!["Kind of Blue", "Blue"]
    );
    assert_eq!(
        player
            .fails("getAlbumList2", &[("type", "newest"), ("size", "-1")])
            .await,
        0
    );
    assert_eq!(
        player
            .fails(
                "getAlbumList2",
                &[("type", "newest"), ("musicFolderId", "2")]
            )
            .await,
        70
    );

    let genres = player.ok("getGenres", &[]).await;
    let genres = genres["genres"]["genre"].as_array().unwrap().clone();
    assert_eq!(
        genres,
        vec![
            json!({ "value": "Folk", "songCount": 2, "albumCount": 1 }),
            json!({ "value": "Jazz", "songCount": 1, "albumCount": 1 }),
        ]
    );
    let folk = player.ok("getSongsByGenre", &[("genre", "Folk")]).await;
    assert_eq!(folk["songsByGenre"]["song"].as_array().unwrap().len(), 2);
    let random = player.ok("getRandomSongs", &[("size", "10")]).await;
    assert_eq!(random["randomSongs"]["song"].as_array().unwrap().len(), 3);
    let jazz = player.ok("getRandomSongs", &[("genre", "Jazz")]).await;
    assert_eq!(
        names(&jazz["randomSongs"]["song"], "title"),
        vec!["So What"]
    );
    let old = player.ok("getRandomSongs", &[("toYear", "1960")]).await;
    assert_eq!(names(&old["randomSongs"]["song"], "title"), vec!["So What"]);
}

#[tokio::test]
async fn names_beyond_ascii_are_found_as_they_are_listed() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let song = audio::random_wav(&[
        ("INAM", "Été"),
        ("IART", "Ólafur Arnalds"),
        ("IPRD", "Ásgeir Á Ísafirði"),
        ("IGNR", "Électro"),
    ]);
    data(&app.upload(&auth, "ete.wav", song).await);

    // A genre is found by the spelling getGenres lists it with.
    let genres = player.ok("getGenres", &[]).await;
    assert_eq!(genres["genres"]["genre"][0]["value"], "Électro");
    let found = player.ok("getSongsByGenre", &[("genre", "Électro")]).await;
    assert_eq!(names(&found["songsByGenre"]["song"], "title"), vec!["Été"]);
    let found = player.ok("getSongsByGenre", &[("genre", "ÉLECTRO")]).await;
    assert_eq!(names(&found["songsByGenre"]["song"], "title"), vec!["Été"]);
    // Artists and albums by a word of their names, their ASCII letters in
    // any case (SQLite folds no others). Songs come from the search index,
    // which follows the upload within moments: wait for it, or the two
    // answers `ok` compares could differ by the song.
    player.await_indexed("ÍSAFIRði").await;
    let found = player.ok("search3", &[("query", "ÓLAFUR")]).await;
    assert_eq!(
        names(&found["searchResult3"]["artist"], "name"),
        vec!["Ólafur Arnalds"]
    );
    let found = player.ok("search3", &[("query", "ÍSAFIRði")]).await;
    assert_eq!(
        names(&found["searchResult3"]["album"], "name"),
        vec!["Ásgeir Á Ísafirði"],
        "{found:#}"
    );
}

#[tokio::test]
async fn search_finds_by_words_and_the_empty_query_pages_through_everything() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;

    // The search index follows uploads within moments.
    player.await_indexed("so what").await;
    let found = player.ok("search3", &[("query", "old man")]).await;
    assert_eq!(
        names(&found["searchResult3"]["song"], "title"),
        vec!["My Old Man"]
    );
    let found = player.ok("search3", &[("query", "miles")]).await;
    assert_eq!(
        names(&found["searchResult3"]["artist"], "name"),
        vec!["The Miles Davis Quintet"]
    );
    let found = player.ok("search3", &[("query", "kind of")]).await;
    assert_eq!(
        names(&found["searchResult3"]["album"], "name"),
        vec!["Kind of Blue"]
    );
    // LIKE's own characters are words like any other.
    let found = player.ok("search3", &[("query", "%")]).await;
    assert!(found["searchResult3"].get("album").is_none(), "{found:#}");

    // The empty query (as "" too), a page at a time: every song once.
    for empty in ["", "\"\""] {
        let mut seen = Vec::new();
        for offset in ["0", "2", "4"] {
            let page = player
                .ok(
                    "search3",
                    &[
                        ("query", empty),
                        ("songCount", "2"),
                        ("songOffset", offset),
                        ("artistCount", "0"),
                        ("albumCount", "0"),
                    ],
                )
                .await;
            assert!(page["searchResult3"].get("artist").is_none());
            seen.extend(names(&page["searchResult3"]["song"], "id"));
        }
        seen.sort();
        let mut all: Vec<String> = lib.songs.iter().map(|(id, _)| id.clone()).collect();
        all.sort();
        assert_eq!(seen, all);
    }
    let everything = player.ok("search3", &[("query", "")]).await;
    assert_eq!(
        everything["searchResult3"]["artist"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        everything["searchResult3"]["album"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn streams_are_the_uploaded_bytes_with_range_and_covers_and_lyrics_come_from_tags() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    let (id, bytes) = &lib.songs[0];

    for method in ["stream", "download", "stream.view"] {
        let response = player
            .get(
                method,
                &[("id", id), ("format", "mp3"), ("maxBitRate", "128")],
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "audio/wav");
        assert_eq!(response.bytes().await.unwrap().to_vec(), *bytes, "{method}");
    }
    let ranged = app
        .client
        .get(format!("{}/rest/stream", app.address))
        .query(&[
            ("apiKey", player.key.as_str()),
            ("id", id.as_str()),
            ("c", "t"),
            ("v", "1.16.1"),
        ])
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        ranged.bytes().await.unwrap().to_vec(),
        bytes[10..20].to_vec()
    );

    let cover = player
        .get("getCoverArt", &[("id", id), ("size", "100")])
        .await;
    assert_eq!(cover.status(), 200);
    assert_eq!(cover.headers()["content-type"], "image/jpeg");
    let picture = image::load_from_memory(&cover.bytes().await.unwrap()).unwrap();
    assert_eq!(
        picture.width(),
        300,
        "the smallest thumbnail at least as large"
    );
    // An album's cover is its first song's with one.
    let album = player.ok("getSong", &[("id", id)]).await["song"]["albumId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        player.get("getCoverArt", &[("id", &album)]).await.status(),
        200
    );
    assert_eq!(
        player
            .fails("getCoverArt", &[("id", &lib.songs[1].0)])
            .await,
        70
    );

    let lyrics = player.ok("getLyricsBySongId", &[("id", id)]).await;
    let structured = &lyrics["lyricsList"]["structuredLyrics"][0];
    assert_eq!(structured["synced"], true, "{lyrics:#}");
    assert_eq!(structured["lang"], "und");
    assert_eq!(
        structured["line"][1],
        json!({ "start": 4500, "value": "and I am traveling" })
    );
    let none = player
        .ok("getLyricsBySongId", &[("id", &lib.songs[1].0)])
        .await;
    assert!(none["lyricsList"].get("structuredLyrics").is_none());
    let legacy = player
        .ok(
            "getLyrics",
            &[("artist", "joni mitchell"), ("title", "all i want")],
        )
        .await;
    assert_eq!(
        legacy["lyrics"]["value"],
        "I am on a lonely road\nand I am traveling"
    );
}

#[tokio::test]
async fn another_listeners_ids_are_not_found_anywhere() {
    let app = spawn_app().await;
    let (owner_auth, owner) = listener(&app).await;
    let lib = library(&app, owner_auth).await;
    let song = lib.songs[0].0.clone();
    let album = owner.ok("getSong", &[("id", &song)]).await["song"]["albumId"]
        .as_str()
        .unwrap()
        .to_owned();
    let artist = owner.ok("getSong", &[("id", &song)]).await["song"]["artistId"]
        .as_str()
        .unwrap()
        .to_owned();
    let playlist = owner
        .ok("createPlaylist", &[("name", "Mine"), ("songId", &song)])
        .await["playlist"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, stranger) = listener(&app).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("getSong", vec![("id", &song)]),
        ("getAlbum", vec![("id", &album)]),
        ("getArtist", vec![("id", &artist)]),
        ("getMusicDirectory", vec![("id", &album)]),
        ("getPlaylist", vec![("id", &playlist)]),
        ("getCoverArt", vec![("id", &song)]),
        ("getLyricsBySongId", vec![("id", &song)]),
        ("stream", vec![("id", &song)]),
        ("download", vec![("id", &song)]),
        ("scrobble", vec![("id", &song)]),
        ("star", vec![("id", &song)]),
        ("star", vec![("albumId", &album)]),
        ("setRating", vec![("id", &song), ("rating", "3")]),
        ("savePlayQueue", vec![("id", &song)]),
        (
            "updatePlaylist",
            vec![("playlistId", &playlist), ("name", "Theirs")],
        ),
        ("deletePlaylist", vec![("id", &playlist)]),
        (
            "createPlaylist",
            vec![("name", "Stolen"), ("songId", &song)],
        ),
        ("getSimilarSongs2", vec![("id", &artist)]),
        ("getArtistInfo2", vec![("id", &artist)]),
    ];
    for (method, params) in cases {
        assert_eq!(stranger.fails(method, &params).await, 70, "{method}");
    }
    // The stranger's library is empty, and the owner's playlist is intact.
    let search = stranger.ok("search3", &[("query", "")]).await;
    assert!(search["searchResult3"].get("song").is_none());
    let kept = owner.ok("getPlaylist", &[("id", &playlist)]).await;
    assert_eq!(kept["playlist"]["name"], "Mine");
}
