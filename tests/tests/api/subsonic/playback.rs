//! What players report and save, seen from GraphQL: scrobbles are plays
//! (as the listener's privacy settings allow), "now playing" and the queue
//! are the one playback state, playlists and stars are the same ones.

use serde_json::{json, Value};

use super::library::library;
use super::listener;
use crate::helpers::{data, spawn_app};

#[tokio::test]
async fn scrobbles_are_plays_and_history_off_records_none() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    let (first, second) = (&lib.songs[0].0, &lib.songs[1].0);

    player.ok("scrobble", &[("id", first)]).await;
    // Several at once, one of them reported late (at `time`).
    let earlier = (chrono::Utc::now() - chrono::Duration::hours(2))
        .timestamp_millis()
        .to_string();
    // A blank `time` is "now" and keeps its place: the next `time` dates
    // the next song.
    player
        .ok(
            "scrobble",
            &[
                ("id", first),
                ("time", ""),
                ("id", second),
                ("time", &earlier),
            ],
        )
        .await;
    let recent = app.recently_played(&lib.auth, Some(10)).await;
    let plays = data(&recent)["viewer"]["recentlyPlayed"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(plays.len(), 3, "{recent}");
    let ids: Vec<&Value> = plays.iter().map(|play| &play["item"]["id"]).collect();
    assert_eq!(
        ids,
        vec![&json!(first), &json!(first), &json!(second)],
        "the late one sorts last"
    );

    // "Now playing" is playback, never a play.
    player
        .ok("scrobble", &[("id", second), ("submission", "false")])
        .await;
    let playback = app.playback(&lib.auth).await;
    let state = &data(&playback)["viewer"]["playback"];
    assert_eq!(state["item"]["id"], second.as_str(), "{playback}");
    assert_eq!(state["playing"], true);
    let now = player.ok("getNowPlaying", &[]).await;
    assert_eq!(now["nowPlaying"]["entry"][0]["id"], second.as_str());
    assert_eq!(now["nowPlaying"]["entry"][0]["playerName"], "cadenza-tests");
    // Nobody else sees it.
    let (_, stranger) = listener(&app).await;
    let theirs = stranger.ok("getNowPlaying", &[]).await;
    assert!(theirs["nowPlaying"].get("entry").is_none(), "{theirs:#}");

    // History off: the scrobble is accepted and nothing is recorded.
    let off = app
        .update_privacy_settings(&lib.auth, json!({ "recordListeningHistory": false }))
        .await;
    assert!(off.get("errors").is_none(), "{off}");
    player.ok("scrobble", &[("id", first)]).await;
    let recent = app.recently_played(&lib.auth, Some(10)).await;
    assert_eq!(
        data(&recent)["viewer"]["recentlyPlayed"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let user = player
        .ok("getUser", &[("username", &email(&app, &lib.auth).await)])
        .await;
    assert_eq!(user["user"]["scrobblingEnabled"], false);

    // A time from long ago, or a song that is not one, is refused.
    assert_eq!(
        player
            .fails("scrobble", &[("id", first), ("time", "1000")])
            .await,
        0
    );
    assert_eq!(player.fails("scrobble", &[]).await, 10);
}

async fn email(app: &crate::helpers::TestApp, auth: &crate::helpers::Auth) -> String {
    let body = app.viewer(auth).await;
    data(&body)["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned()
}

const PLAYBACK: &str = "{ viewer { playback { deviceId positionMs playing item { ... on LockerItem { id } } queue { id } } } }";

#[tokio::test]
async fn a_queue_saved_by_a_player_is_the_playback_state_and_back() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    let ids: Vec<&str> = lib.songs.iter().map(|(id, _)| id.as_str()).collect();

    player
        .ok(
            "savePlayQueue",
            &[
                ("id", ids[2]),
                ("id", ids[0]),
                ("current", ids[0]),
                ("position", "1200"),
            ],
        )
        .await;
    let body = app.gql_as(&lib.auth, PLAYBACK, json!({})).await;
    let state = &data(&body)["viewer"]["playback"];
    assert_eq!(state["item"]["id"], ids[0], "{body}");
    assert_eq!(state["positionMs"], 1200);
    assert_eq!(state["deviceId"], "subsonic:cadenza-tests");
    assert_eq!(state["queue"], json!([{ "id": ids[2] }, { "id": ids[0] }]));

    // The web app moves on: the player resumes where it is.
    let moved = app
        .gql_as(
            &lib.auth,
            "mutation($input: PlaybackInput!) { updatePlayback(input: $input) { positionMs } }",
            json!({ "input": {
                "deviceId": "web-laptop",
                "itemId": ids[1],
                "positionMs": 300,
                "playing": false,
                "queue": [ids[1], ids[2]],
            } }),
        )
        .await;
    assert!(moved.get("errors").is_none(), "{moved}");
    let queue = player.ok("getPlayQueue", &[]).await;
    let queue = &queue["playQueue"];
    assert_eq!(queue["current"], ids[1]);
    assert_eq!(queue["position"], 300);
    assert_eq!(queue["changedBy"], "web-laptop");
    let entries: Vec<&Value> = queue["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(entries, vec![&json!(ids[1]), &json!(ids[2])]);

    // By index: the same song twice is fine.
    player
        .ok(
            "savePlayQueueByIndex",
            &[
                ("id", ids[0]),
                ("id", ids[1]),
                ("id", ids[0]),
                ("currentIndex", "1"),
                ("position", "10"),
            ],
        )
        .await;
    let by_index = player.ok("getPlayQueueByIndex", &[]).await;
    assert_eq!(by_index["playQueueByIndex"]["currentIndex"], 1);
    assert_eq!(
        by_index["playQueueByIndex"]["entry"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        player
            .fails(
                "savePlayQueueByIndex",
                &[("id", ids[0]), ("currentIndex", "3")]
            )
            .await,
        0
    );
    assert_eq!(
        player
            .fails("savePlayQueueByIndex", &[("id", ids[0])])
            .await,
        10
    );
    // A position past the song is refused, and nothing changes.
    assert_eq!(
        player
            .fails(
                "savePlayQueue",
                &[("id", ids[0]), ("position", "999999999")]
            )
            .await,
        0
    );
    let still = player.ok("getPlayQueueByIndex", &[]).await;
    assert_eq!(still["playQueueByIndex"]["position"], 10);
    // A queue longer than Cadenza keeps (5,000) is saved from the current
    // song on, not refused.
    let mut long: Vec<(&str, &str)> = (0..5_002).map(|n| ("id", ids[n % 2])).collect();
    long.push(("currentIndex", "5001"));
    let saved = player.post("savePlayQueueByIndex", &long).await;
    assert_eq!(saved["status"], "ok", "{saved}");
    let kept = player.post("getPlayQueueByIndex", &[]).await;
    let kept = &kept["playQueueByIndex"];
    assert_eq!(kept["entry"].as_array().unwrap().len(), 5_000);
    assert_eq!(kept["currentIndex"], 4_999);
    assert_eq!(kept["entry"][4_999]["id"], ids[1]);
    // No ids clears it.
    player.ok("savePlayQueue", &[]).await;
    let cleared = app.gql_as(&lib.auth, PLAYBACK, json!({})).await;
    assert_eq!(data(&cleared)["viewer"]["playback"]["queue"], json!([]));
    assert_eq!(data(&cleared)["viewer"]["playback"]["item"], Value::Null);
}

#[tokio::test]
async fn a_playlist_made_in_one_api_is_edited_in_the_other() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    let ids: Vec<&str> = lib.songs.iter().map(|(id, _)| id.as_str()).collect();

    let created = player
        .ok(
            "createPlaylist",
            &[
                ("name", "Road trip"),
                ("songId", ids[0]),
                ("songId", ids[1]),
            ],
        )
        .await;
    let playlist = created["playlist"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["playlist"]["songCount"], 2);

    // GraphQL sees it, and adds to it.
    let seen = app.playlist(&lib.auth, &json!(playlist)).await;
    assert_eq!(data(&seen)["playlist"]["name"], "Road trip", "{seen}");
    let added = app
        .add_to_playlist(&lib.auth, &json!(playlist), &[json!(ids[2])], None)
        .await;
    assert!(added.get("errors").is_none(), "{added}");

    let got = player.ok("getPlaylist", &[("id", &playlist)]).await;
    let titles: Vec<&str> = got["playlist"]["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["All I Want", "My Old Man", "So What"]);

    // Subsonic renames it, removes the first and adds one.
    player
        .ok(
            "updatePlaylist",
            &[
                ("playlistId", &playlist),
                ("name", "Long road"),
                ("comment", "for the drive"),
                ("songIndexToRemove", "0"),
                ("songIdToAdd", ids[0]),
            ],
        )
        .await;
    let seen = app.playlist(&lib.auth, &json!(playlist)).await;
    assert_eq!(data(&seen)["playlist"]["name"], "Long road", "{seen}");
    let listed = player.ok("getPlaylists", &[]).await;
    let summary = &listed["playlists"]["playlist"][0];
    assert_eq!(summary["name"], "Long road");
    assert_eq!(summary["comment"], "for the drive");
    assert_eq!(summary["songCount"], 3);
    assert_eq!(
        player
            .fails(
                "updatePlaylist",
                &[("playlistId", &playlist), ("songIndexToRemove", "9")]
            )
            .await,
        0
    );
    // Replacing its songs with createPlaylist.
    let replaced = player
        .ok(
            "createPlaylist",
            &[("playlistId", &playlist), ("songId", ids[2])],
        )
        .await;
    assert_eq!(replaced["playlist"]["songCount"], 1);

    player.ok("deletePlaylist", &[("id", &playlist)]).await;
    let gone = app.playlist(&lib.auth, &json!(playlist)).await;
    assert_eq!(data(&gone)["playlist"], Value::Null, "{gone}");
    assert_eq!(player.fails("getPlaylist", &[("id", &playlist)]).await, 70);
    assert_eq!(player.fails("createPlaylist", &[]).await, 10);
}

#[tokio::test]
async fn stars_and_ratings_are_the_same_in_graphql() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    let song = lib.songs[0].0.as_str();
    let details = player.ok("getSong", &[("id", song)]).await;
    let album = details["song"]["albumId"].as_str().unwrap().to_owned();
    let artist = details["song"]["artistId"].as_str().unwrap().to_owned();

    player
        .ok(
            "star",
            &[("id", song), ("albumId", &album), ("artistId", &artist)],
        )
        .await;
    player
        .ok("setRating", &[("id", song), ("rating", "4")])
        .await;
    let starred = player.ok("getStarred2", &[]).await;
    assert_eq!(starred["starred2"]["song"][0]["id"], song, "{starred:#}");
    assert_eq!(starred["starred2"]["song"][0]["userRating"], 4);
    assert!(starred["starred2"]["song"][0]["starred"].is_string());
    assert_eq!(starred["starred2"]["album"][0]["id"], album.as_str());
    assert_eq!(starred["starred2"]["artist"][0]["id"], artist.as_str());
    let legacy = player.ok("getStarred", &[]).await;
    assert_eq!(legacy["starred"]["album"][0]["isDir"], true);

    let graphql = app
        .gql_as(
            &lib.auth,
            "query($id: ID!) { node(id: $id) { ... on LockerItem { starred rating } } }",
            json!({ "id": song }),
        )
        .await;
    assert_eq!(
        data(&graphql)["node"],
        json!({ "starred": true, "rating": 4 }),
        "{graphql}"
    );

    assert_eq!(
        player
            .fails("setRating", &[("id", song), ("rating", "6")])
            .await,
        0
    );
    assert_eq!(player.fails("setRating", &[("id", song)]).await, 10);
    assert_eq!(
        player
            .fails("setRating", &[("id", &album), ("rating", "3")])
            .await,
        70
    );
    assert_eq!(player.fails("star", &[]).await, 10);

    player
        .ok("setRating", &[("id", song), ("rating", "0")])
        .await;
    player.ok("unstar", &[("id", song), ("id", &album)]).await;
    let starred = player.ok("getStarred2", &[]).await;
    assert!(starred["starred2"].get("song").is_none());
    assert!(starred["starred2"].get("album").is_none());
    assert_eq!(starred["starred2"]["artist"][0]["id"], artist.as_str());
    let graphql = app
        .gql_as(
            &lib.auth,
            "query($id: ID!) { node(id: $id) { ... on LockerItem { starred rating } } }",
            json!({ "id": song }),
        )
        .await;
    assert_eq!(
        data(&graphql)["node"],
        json!({ "starred": false, "rating": null })
    );
}

#[tokio::test]
async fn a_purchase_streams_its_master_and_sits_in_playlists_like_an_upload() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let tracks = app
        .gql(
            "query($id: ID!) { product(id: $id) { album { tracks { id title } } } }",
            json!({ "id": app.product_id("ST-ALB").await }),
        )
        .await;
    let first_tune = data(&tracks)["product"]["album"]["tracks"][0]["id"].clone();
    let master = crate::audio::wav(1200, &[("INAM", "Master One")]);
    data(&app.attach_master(&admin, &first_tune, master.clone()).await);

    let (auth, player) = listener(&app).await;
    let lib = library(&app, auth).await;
    data(
        &app.add_to_cart(&lib.auth, &app.product_id("ST-T1").await)
            .await,
    );
    let order = data(&app.checkout(&lib.auth, "subsonic-buy").await)["checkout"].clone();
    assert_eq!(order["status"], "FULFILLED");

    // The purchase is a song of the locker: it streams the master.
    let purchases = app.purchases(&lib.auth).await;
    let song = data(&purchases)["viewer"]["locker"]["items"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bought = player.ok("getSong", &[("id", &song)]).await;
    assert_eq!(bought["song"]["title"], "First Tune", "{bought}");
    let streamed = player.get("stream", &[("id", &song)]).await;
    assert_eq!(streamed.status(), 200);
    assert_eq!(streamed.bytes().await.unwrap().to_vec(), master);

    // A GraphQL playlist holding the catalogue track plays its purchase,
    // and a player's indexes count it where it is shown.
    let made = app
        .create_playlist(
            &lib.auth,
            "Mixed",
            [&json!(lib.songs[0].0), &first_tune, &json!(lib.songs[1].0)],
        )
        .await;
    let playlist = data(&made)["createPlaylist"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entries = |got: &Value| -> Vec<String> {
        got["playlist"]["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let got = player.ok("getPlaylist", &[("id", &playlist)]).await;
    assert_eq!(entries(&got), ["All I Want", "First Tune", "My Old Man"]);
    assert_eq!(got["playlist"]["entry"][1]["id"], song.as_str());
    let listed = player.ok("getPlaylists", &[]).await;
    assert_eq!(listed["playlists"]["playlist"][0]["songCount"], 3);

    player
        .ok(
            "updatePlaylist",
            &[("playlistId", &playlist), ("songIndexToRemove", "1")],
        )
        .await;
    let got = player.ok("getPlaylist", &[("id", &playlist)]).await;
    assert_eq!(entries(&got), ["All I Want", "My Old Man"]);
    let seen = app.playlist(&lib.auth, &json!(playlist)).await;
    assert_eq!(data(&seen)["playlist"]["itemCount"], 2, "{seen}");

    // A refund takes the song away, and players asking whether the
    // library changed are told it did.
    let before = player.ok("getIndexes", &[]).await["indexes"]["lastModified"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    data(&app.refund_order(&admin, &order["id"]).await);
    let after = player
        .ok("getIndexes", &[("ifModifiedSince", &before.to_string())])
        .await;
    assert!(
        after["indexes"]["lastModified"].as_i64().unwrap() > before,
        "{after:#}"
    );
    assert!(after["indexes"].get("index").is_some(), "{after:#}");
    assert_eq!(player.fails("getSong", &[("id", &song)]).await, 70);
}
