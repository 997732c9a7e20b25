//! The viewer's locker: uploads, edits, and what it holds.

use serde_json::{json, Value};

use super::{Auth, Socket, TestApp};

const LOCKER_ITEM_FIELDS: &str = "id title artist album albumArtist genre trackNumber discNumber year
    durationMs format mimeType bitrateKbps sampleRateHz channels sizeBytes contentHash source addedAt
    streamUrl coverUrl excludedFromTasteProfile catalogueTrack { id title } buyOptions { sku }";

impl TestApp {
    /// Uploads a file to the viewer's locker with `uploadTrack`.
    pub async fn upload(&self, auth: &Auth, file_name: &str, bytes: Vec<u8>) -> Value {
        let query = format!(
            "mutation($file: Upload!) {{ uploadTrack(file: $file) {{ {LOCKER_ITEM_FIELDS} }} }}"
        );
        self.multipart(auth, &query, json!({ "file": null }), file_name, bytes)
            .await
    }

    /// `updateLockerItem`; `input` is a `LockerItemInput`, sent as given.
    pub async fn update_locker_item(&self, auth: &Auth, id: &Value, input: Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($id: ID!, $input: LockerItemInput!) {{
                    updateLockerItem(id: $id, input: $input) {{ {LOCKER_ITEM_FIELDS} }} }}"
            ),
            json!({ "id": id, "input": input }),
        )
        .await
    }

    pub async fn delete_locker_item(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            "mutation($id: ID!) { deleteLockerItem(id: $id) }",
            json!({ "id": id }),
        )
        .await
    }

    /// `node` as a locker item, under `item`.
    pub async fn locker_item(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($id: ID!) {{ item: node(id: $id) {{ ... on LockerItem {{ {LOCKER_ITEM_FIELDS} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
    }

    /// The viewer's locker usage.
    pub async fn locker_usage(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            "{ viewer { locker { usage { itemCount usedBytes quotaBytes } } } }",
            json!({}),
        )
        .await
    }

    /// Subscribes to `lockerEvents`. Tests compare whole events, so this
    /// selection is part of what they expect.
    pub async fn locker_events(&self, auth: &Auth) -> Socket {
        self.subscribe(
            auth,
            "subscription { lockerEvents { change itemId item { title } } }",
        )
        .await
    }
}
