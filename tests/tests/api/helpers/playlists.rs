//! The viewer's playlists.

use serde_json::{json, Value};

use super::{variables, Auth, TestApp};

/// What the playlist operations answer with: the whole playlist, entries
/// (up to 100) in order.
const PLAYLIST_FIELDS: &str = "id name description itemCount durationMs excludedFromTasteProfile
    entries(first: 100) { totalCount nodes { id position item { __typename ... on LockerItem { id title } ... on Track { id title } } } }";

impl TestApp {
    /// `createPlaylist` of locker items or catalogue tracks, in order (no
    /// `itemIds` at all when there are none).
    pub async fn create_playlist<'a>(
        &self,
        auth: &Auth,
        name: &str,
        item_ids: impl IntoIterator<Item = &'a Value>,
    ) -> Value {
        self.create_playlist_from(auth, json!({ "name": name }), item_ids)
            .await
    }

    /// The same, with a description.
    pub async fn create_described_playlist<'a>(
        &self,
        auth: &Auth,
        name: &str,
        description: &str,
        item_ids: impl IntoIterator<Item = &'a Value>,
    ) -> Value {
        let input = json!({ "name": name, "description": description });
        self.create_playlist_from(auth, input, item_ids).await
    }

    async fn create_playlist_from<'a>(
        &self,
        auth: &Auth,
        mut input: Value,
        item_ids: impl IntoIterator<Item = &'a Value>,
    ) -> Value {
        let item_ids: Vec<&Value> = item_ids.into_iter().collect();
        if !item_ids.is_empty() {
            input["itemIds"] = json!(item_ids);
        }
        self.gql_as(
            auth,
            &format!(
                "mutation($input: CreatePlaylistInput!) {{ createPlaylist(input: $input) {{ {PLAYLIST_FIELDS} }} }}"
            ),
            json!({ "input": input }),
        )
        .await
    }

    /// `addToPlaylist`, at `position` or at the end.
    pub async fn add_to_playlist<'a>(
        &self,
        auth: &Auth,
        playlist: &Value,
        item_ids: impl IntoIterator<Item = &'a Value>,
        position: Option<i64>,
    ) -> Value {
        let item_ids: Vec<&Value> = item_ids.into_iter().collect();
        self.gql_as(
            auth,
            &format!(
                "mutation($p: ID!, $items: [ID!]!, $at: Int) {{
                    addToPlaylist(playlistId: $p, itemIds: $items, position: $at) {{ {PLAYLIST_FIELDS} }} }}"
            ),
            variables([
                ("p", playlist.clone()),
                ("items", json!(item_ids)),
                ("at", json!(position)),
            ]),
        )
        .await
    }

    pub async fn remove_from_playlist<'a>(
        &self,
        auth: &Auth,
        playlist: &Value,
        entry_ids: impl IntoIterator<Item = &'a Value>,
    ) -> Value {
        let entry_ids: Vec<&Value> = entry_ids.into_iter().collect();
        self.gql_as(
            auth,
            &format!(
                "mutation($p: ID!, $e: [ID!]!) {{
                    removeFromPlaylist(playlistId: $p, entryIds: $e) {{ {PLAYLIST_FIELDS} }} }}"
            ),
            json!({ "p": playlist, "e": entry_ids }),
        )
        .await
    }

    pub async fn move_playlist_entry(
        &self,
        auth: &Auth,
        playlist: &Value,
        entry: &Value,
        to_position: i64,
    ) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($p: ID!, $e: ID!, $to: Int!) {{
                    movePlaylistEntry(playlistId: $p, entryId: $e, toPosition: $to) {{ {PLAYLIST_FIELDS} }} }}"
            ),
            json!({ "p": playlist, "e": entry, "to": to_position }),
        )
        .await
    }

    /// `updatePlaylist`; `input` is an `UpdatePlaylistInput`, sent as given.
    pub async fn update_playlist(&self, auth: &Auth, playlist: &Value, input: Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($p: ID!, $input: UpdatePlaylistInput!) {{
                    updatePlaylist(id: $p, input: $input) {{ {PLAYLIST_FIELDS} }} }}"
            ),
            json!({ "p": playlist, "input": input }),
        )
        .await
    }

    pub async fn delete_playlist(&self, auth: &Auth, playlist: &Value) -> Value {
        self.gql_as(
            auth,
            "mutation($p: ID!) { deletePlaylist(id: $p) }",
            json!({ "p": playlist }),
        )
        .await
    }

    /// `node` as a playlist, under `playlist`.
    pub async fn playlist(&self, auth: &Auth, playlist: &Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($id: ID!) {{ playlist: node(id: $id) {{ ... on Playlist {{ {PLAYLIST_FIELDS} }} }} }}"
            ),
            json!({ "id": playlist }),
        )
        .await
    }

    /// The viewer's playlists.
    pub async fn viewer_playlists(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            "{ viewer { playlists { totalCount nodes { id name itemCount durationMs } } } }",
            json!({}),
        )
        .await
    }
}
