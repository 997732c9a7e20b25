use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

const PLAYLIST: &str = "id name description itemCount durationMs excludedFromTasteProfile
    entries(first: 100) { totalCount nodes { id position item { __typename ... on LockerItem { id title } ... on Track { id title } } } }";

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
        .gql_as(
            &me,
            &format!("mutation($input: CreatePlaylistInput!) {{ createPlaylist(input: $input) {{ {PLAYLIST} }} }}"),
            json!({ "input": { "name": " Road trip ", "description": "for the car", "itemIds": [ids[0], ids[1], ids[2]] } }),
        )
        .await;
    let playlist = data(&created)["createPlaylist"].clone();
    assert_eq!(playlist["name"], "Road trip");
    assert_eq!(titles(&playlist), ["A", "B", "C"]);
    assert_dense(&playlist);
    let id = playlist["id"].clone();

    let add = format!("mutation($p: ID!, $items: [ID!]!, $at: Int) {{ addToPlaylist(playlistId: $p, itemIds: $items, position: $at) {{ {PLAYLIST} }} }}");
    let body = app
        .gql_as(&me, &add, json!({ "p": id, "items": [ids[3]], "at": 1 }))
        .await;
    let playlist = data(&body)["addToPlaylist"].clone();
    assert_eq!(titles(&playlist), ["A", "D", "B", "C"]);
    assert_dense(&playlist);
    let body = app
        .gql_as(&me, &add, json!({ "p": id, "items": [ids[4], ids[0]] }))
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
        .gql_as(
            &me,
            &format!("mutation($p: ID!, $e: ID!, $to: Int!) {{ movePlaylistEntry(playlistId: $p, entryId: $e, toPosition: $to) {{ {PLAYLIST} }} }}"),
            json!({ "p": id, "e": entry(&playlist, 4), "to": 0 }),
        )
        .await;
    let playlist = data(&moved)["movePlaylistEntry"].clone();
    assert_eq!(titles(&playlist), ["E", "A", "D", "B", "C", "A"]);
    assert_dense(&playlist);

    let removed = app
        .gql_as(
            &me,
            &format!("mutation($p: ID!, $e: [ID!]!) {{ removeFromPlaylist(playlistId: $p, entryIds: $e) {{ {PLAYLIST} }} }}"),
            json!({ "p": id, "e": [entry(&playlist, 1), entry(&playlist, 3)] }),
        )
        .await;
    let playlist = data(&removed)["removeFromPlaylist"].clone();
    assert_eq!(titles(&playlist), ["E", "D", "C", "A"]);
    assert_dense(&playlist);

    // Deleting a locker item takes its entries along and closes the gap.
    let deleted = app
        .gql_as(
            &me,
            "mutation($id: ID!) { deleteLockerItem(id: $id) }",
            json!({ "id": ids[3] }),
        )
        .await;
    data(&deleted);
    let body = app
        .gql_as(
            &me,
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Playlist {{ {PLAYLIST} }} }} }}"),
            json!({ "id": id }),
        )
        .await;
    let playlist = data(&body)["node"].clone();
    assert_eq!(titles(&playlist), ["E", "C", "A"]);
    assert_dense(&playlist);

    let updated = app
        .gql_as(
            &me,
            &format!("mutation($p: ID!) {{ updatePlaylist(id: $p, input: {{ name: \"Renamed\", description: \"\", excludeFromTasteProfile: true }}) {{ {PLAYLIST} }} }}"),
            json!({ "p": id }),
        )
        .await;
    let playlist = data(&updated)["updatePlaylist"].clone();
    assert_eq!(playlist["name"], "Renamed");
    assert!(playlist["description"].is_null());
    assert_eq!(playlist["excludedFromTasteProfile"], true);

    let list = app
        .gql_as(
            &me,
            "{ viewer { playlists { totalCount nodes { name itemCount durationMs } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&list)["viewer"]["playlists"]["totalCount"], 1);
    assert!(
        data(&list)["viewer"]["playlists"]["nodes"][0]["durationMs"]
            .as_i64()
            .unwrap()
            > 600
    );

    let gone = app
        .gql_as(
            &me,
            "mutation($p: ID!) { deletePlaylist(id: $p) }",
            json!({ "p": id }),
        )
        .await;
    assert_eq!(data(&gone)["deletePlaylist"], id);
    let list = app
        .gql_as(&me, "{ viewer { playlists { totalCount } } }", json!({}))
        .await;
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
        .gql(
            "{ products(first: 1, filter: { kind: TRACK }) { nodes { track { id } } } }",
            json!({}),
        )
        .await;
    let unowned_track = data(&body)["products"]["nodes"][0]["track"]["id"].clone();

    let create =
        "mutation($input: CreatePlaylistInput!) { createPlaylist(input: $input) { id itemCount } }";
    for items in [
        json!([mine, theirs]),
        json!([unowned_track]),
        json!([mine, "bm90aGluZw"]),
    ] {
        let body = app
            .gql_as(
                &me,
                create,
                json!({ "input": { "name": "x", "itemIds": items } }),
            )
            .await;
        let code = error_code(&body);
        assert!(
            code == "NOT_FOUND" || code == "BAD_USER_INPUT",
            "{items}: {body}"
        );
    }
    for name in ["", "   ", &"n".repeat(201)] {
        let body = app
            .gql_as(&me, create, json!({ "input": { "name": name } }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
    let none = app
        .gql_as(&me, "{ viewer { playlists { totalCount } } }", json!({}))
        .await;
    assert_eq!(
        data(&none)["viewer"]["playlists"]["totalCount"],
        0,
        "nothing half-made"
    );

    let body = app
        .gql_as(
            &me,
            create,
            json!({ "input": { "name": "Mine", "itemIds": [mine] } }),
        )
        .await;
    let id = data(&body)["createPlaylist"]["id"].clone();
    let add = "mutation($p: ID!, $items: [ID!]!, $at: Int) { addToPlaylist(playlistId: $p, itemIds: $items, position: $at) { itemCount } }";
    for (items, at, code) in [
        (json!([theirs]), json!(null), "NOT_FOUND"),
        (json!([mine]), json!(5), "BAD_USER_INPUT"),
        (json!([mine]), json!(-1), "BAD_USER_INPUT"),
        (json!([]), json!(null), "BAD_USER_INPUT"),
    ] {
        let body = app
            .gql_as(&me, add, json!({ "p": id, "items": items, "at": at }))
            .await;
        assert_eq!(error_code(&body), code, "{items} at {at}");
    }
    let check = app
        .gql_as(
            &me,
            "query($id: ID!) { node(id: $id) { ... on Playlist { itemCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data(&check)["node"]["itemCount"], 1, "nothing was added");

    // Bad edits of one's own playlist change nothing.
    let entry = app
        .gql_as(
            &me,
            "query($id: ID!) { node(id: $id) { ... on Playlist { entries { nodes { id } } } } }",
            json!({ "id": id }),
        )
        .await;
    let entry_id = data(&entry)["node"]["entries"]["nodes"][0]["id"].clone();
    for (query, vars, code) in [
        ("mutation($p: ID!) { updatePlaylist(id: $p, input: { name: \"  \" }) { id } }", json!({ "p": id }), "BAD_USER_INPUT"),
        ("mutation($p: ID!, $e: ID!) { movePlaylistEntry(playlistId: $p, entryId: $e, toPosition: 3) { id } }", json!({ "p": id, "e": entry_id }), "BAD_USER_INPUT"),
        ("mutation($p: ID!, $e: ID!) { movePlaylistEntry(playlistId: $p, entryId: $e, toPosition: -1) { id } }", json!({ "p": id, "e": entry_id }), "BAD_USER_INPUT"),
        ("mutation($p: ID!, $e: [ID!]!) { removeFromPlaylist(playlistId: $p, entryIds: $e) { id } }", json!({ "p": id, "e": [entry_id, mine] }), "NOT_FOUND"),
    ] {
        let body = app.gql_as(&me, query, vars).await;
        assert_eq!(error_code(&body), code, "{query}");
    }

    // Someone else, or nobody, cannot see or touch the playlist.
    for auth in [&other, &Auth::Anonymous] {
        let node = app
            .gql_as(
                auth,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(data(&node)["node"].is_null());
        let expected = if matches!(auth, Auth::Anonymous) {
            "UNAUTHENTICATED"
        } else {
            "NOT_FOUND"
        };
        for (query, vars) in [
            ("mutation($p: ID!) { deletePlaylist(id: $p) }", json!({ "p": id })),
            ("mutation($p: ID!) { updatePlaylist(id: $p, input: { name: \"x\" }) { id } }", json!({ "p": id })),
            ("mutation($p: ID!, $i: [ID!]!) { addToPlaylist(playlistId: $p, itemIds: $i) { id } }", json!({ "p": id, "i": [theirs] })),
        ] {
            let body = app.gql_as(auth, query, vars).await;
            assert_eq!(error_code(&body), expected, "{query}");
        }
    }
    let check = app
        .gql_as(
            &me,
            "query($id: ID!) { node(id: $id) { ... on Playlist { name itemCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&check)["node"],
        json!({ "name": "Mine", "itemCount": 1 })
    );
}

#[tokio::test]
async fn a_page_of_playlists_with_their_entries_is_batched() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let mut items = Vec::new();
    for title in ["A", "B", "C"] {
        items.push(upload_titled(&app, &me, title).await["id"].clone());
    }
    let create = "mutation($input: CreatePlaylistInput!) { createPlaylist(input: $input) { id } }";
    for n in 0..8 {
        let input = json!({ "input": { "name": format!("List {n}"), "itemIds": items } });
        data(&app.gql_as(&me, create, input).await);
    }
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
