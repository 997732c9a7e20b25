use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

async fn upload_titled(app: &TestApp, auth: &Auth, title: &str) -> Value {
    let body = app
        .upload(
            auth,
            "t.wav",
            wav(200 + title.len() as u32, &[("INAM", title)]),
        )
        .await;
    data(&body)["uploadTrack"].clone()
}

fn titles(playlist: &Value) -> Vec<String> {
    playlist["entries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["item"]["title"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_dense(playlist: &Value) {
    let positions: Vec<i64> = playlist["entries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (0..positions.len() as i64).collect::<Vec<_>>(),
        "{playlist}"
    );
    assert_eq!(
        playlist["itemCount"].as_u64().unwrap() as usize,
        positions.len()
    );
}

#[tokio::test]
async fn playlists_keep_dense_positions_through_adds_removes_and_moves() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let mut ids = Vec::new();
    for title in ["A", "B", "C", "D", "E"] {
        ids.push(upload_titled(&app, &me, title).await["id"].clone());
    }
    let created = app
        .create_described_playlist(&me, " Road trip ", "for the car", &ids[0..3])
        .await;
    let playlist = data(&created)["createPlaylist"].clone();
    assert_eq!(playlist["name"], "Road trip");
    assert_eq!(titles(&playlist), ["A", "B", "C"]);
    assert_dense(&playlist);
    let id = playlist["id"].clone();

    let body = app.add_to_playlist(&me, &id, [&ids[3]], Some(1)).await;
    let playlist = data(&body)["addToPlaylist"].clone();
    assert_eq!(titles(&playlist), ["A", "D", "B", "C"]);
    assert_dense(&playlist);
    let body = app
        .add_to_playlist(&me, &id, [&ids[4], &ids[0]], None)
        .await;
    let playlist = data(&body)["addToPlaylist"].clone();
    assert_eq!(
        titles(&playlist),
        ["A", "D", "B", "C", "E", "A"],
        "the same item may appear twice"
    );
    assert_dense(&playlist);

    let entry = |playlist: &Value, index: usize| playlist["entries"]["nodes"][index]["id"].clone();
    let moved = app
        .move_playlist_entry(&me, &id, &entry(&playlist, 4), 0)
        .await;
    let playlist = data(&moved)["movePlaylistEntry"].clone();
    assert_eq!(titles(&playlist), ["E", "A", "D", "B", "C", "A"]);
    assert_dense(&playlist);

    let removed = app
        .remove_from_playlist(&me, &id, &[entry(&playlist, 1), entry(&playlist, 3)])
        .await;
    let playlist = data(&removed)["removeFromPlaylist"].clone();
    assert_eq!(titles(&playlist), ["E", "D", "C", "A"]);
    assert_dense(&playlist);

    // Deleting a locker item takes its entries along and closes the gap.
    data(&app.delete_locker_item(&me, &ids[3]).await);
    let body = app.playlist(&me, &id).await;
    let playlist = data(&body)["playlist"].clone();
    assert_eq!(titles(&playlist), ["E", "C", "A"]);
    assert_dense(&playlist);

    let updated = app
        .update_playlist(
            &me,
            &id,
            json!({ "name": "Renamed", "description": "", "excludeFromTasteProfile": true }),
        )
        .await;
    let playlist = data(&updated)["updatePlaylist"].clone();
    assert_eq!(playlist["name"], "Renamed");
    assert!(playlist["description"].is_null());
    assert_eq!(playlist["excludedFromTasteProfile"], true);

    let list = app.viewer_playlists(&me).await;
    assert_eq!(data(&list)["viewer"]["playlists"]["totalCount"], 1);
    assert!(
        data(&list)["viewer"]["playlists"]["nodes"][0]["durationMs"]
            .as_i64()
            .unwrap()
            > 600
    );

    let gone = app.delete_playlist(&me, &id).await;
    assert_eq!(data(&gone)["deletePlaylist"], id);
    let list = app.viewer_playlists(&me).await;
    assert_eq!(data(&list)["viewer"]["playlists"]["totalCount"], 0);
}

#[tokio::test]
async fn playlists_refuse_what_the_owner_cannot_play_and_bad_positions() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let other = app.customer().await;
    let mine = upload_titled(&app, &me, "Mine").await["id"].clone();
    let theirs = upload_titled(&app, &other, "Theirs").await["id"].clone();
    let body = app
        .products(Some(1), json!({ "kind": "TRACK" }), None)
        .await;
    let unowned_track = data(&body)["products"]["nodes"][0]["track"]["id"].clone();

    for items in [
        vec![mine.clone(), theirs.clone()],
        vec![unowned_track],
        vec![mine.clone(), json!("bm90aGluZw")],
    ] {
        let body = app.create_playlist(&me, "x", &items).await;
        let code = error_code(&body);
        assert!(
            code == "NOT_FOUND" || code == "BAD_USER_INPUT",
            "{items:?}: {body}"
        );
    }
    for name in ["", "   ", &"n".repeat(201)] {
        let body = app.create_playlist(&me, name, &[]).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
    let none = app.viewer_playlists(&me).await;
    assert_eq!(
        data(&none)["viewer"]["playlists"]["totalCount"],
        0,
        "nothing half-made"
    );

    let body = app.create_playlist(&me, "Mine", [&mine]).await;
    let id = data(&body)["createPlaylist"]["id"].clone();
    for (items, at, code) in [
        (vec![theirs.clone()], None, "NOT_FOUND"),
        (vec![mine.clone()], Some(5), "BAD_USER_INPUT"),
        (vec![mine.clone()], Some(-1), "BAD_USER_INPUT"),
        (vec![], None, "BAD_USER_INPUT"),
    ] {
        let body = app.add_to_playlist(&me, &id, &items, at).await;
        assert_eq!(error_code(&body), code, "{items:?} at {at:?}");
    }
    let check = app.playlist(&me, &id).await;
    assert_eq!(
        data(&check)["playlist"]["itemCount"],
        1,
        "nothing was added"
    );

    // Bad edits of one's own playlist change nothing.
    let entry_id = data(&check)["playlist"]["entries"]["nodes"][0]["id"].clone();
    for (edit, body, code) in [
        (
            "a blank name",
            app.update_playlist(&me, &id, json!({ "name": "  " })).await,
            "BAD_USER_INPUT",
        ),
        (
            "a move past the end",
            app.move_playlist_entry(&me, &id, &entry_id, 3).await,
            "BAD_USER_INPUT",
        ),
        (
            "a move before the start",
            app.move_playlist_entry(&me, &id, &entry_id, -1).await,
            "BAD_USER_INPUT",
        ),
        (
            "removing an item's ID as if it were an entry's",
            app.remove_from_playlist(&me, &id, [&entry_id, &mine]).await,
            "NOT_FOUND",
        ),
    ] {
        assert_eq!(error_code(&body), code, "{edit}");
    }

    // Someone else, or nobody, cannot see or touch the playlist.
    for auth in [&other, &Auth::Anonymous] {
        let node = app.node(auth, &id).await;
        assert!(data(&node)["node"].is_null());
        let expected = if matches!(auth, Auth::Anonymous) {
            "UNAUTHENTICATED"
        } else {
            "NOT_FOUND"
        };
        for (operation, body) in [
            ("deletePlaylist", app.delete_playlist(auth, &id).await),
            (
                "updatePlaylist",
                app.update_playlist(auth, &id, json!({ "name": "x" })).await,
            ),
            (
                "addToPlaylist",
                app.add_to_playlist(auth, &id, [&theirs], None).await,
            ),
        ] {
            assert_eq!(error_code(&body), expected, "{operation}");
        }
    }
    let check = app.playlist(&me, &id).await;
    let playlist = &data(&check)["playlist"];
    assert_eq!(playlist["name"], "Mine");
    assert_eq!(playlist["itemCount"], 1);
}

#[tokio::test]
async fn a_page_of_playlists_with_their_entries_is_batched() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let mut items = Vec::new();
    for title in ["A", "B", "C"] {
        items.push(upload_titled(&app, &me, title).await["id"].clone());
    }
    for n in 0..8 {
        data(&app.create_playlist(&me, &format!("List {n}"), &items).await);
    }
    // The document is the point here: its statement count is bounded.
    let before = app.sql_statements().await;
    let body = app
        .gql_as(
            &me,
            "{ viewer { playlists { nodes { name itemCount durationMs
                entries { nodes { position item { ... on LockerItem { title } } } } } } } }",
            json!({}),
        )
        .await;
    let statements = app.sql_statements().await - before;
    let playlists = data(&body)["viewer"]["playlists"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(playlists.len(), 8);
    assert!(playlists.iter().all(|p| titles(p) == ["A", "B", "C"]));
    // Batched this is 8 statements; a query per playlist would be 24 or more.
    assert!(statements <= 12, "8 playlists took {statements} statements");
}
