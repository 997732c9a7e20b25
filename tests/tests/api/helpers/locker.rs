//! The viewer's locker: uploads, edits, and what it holds.

use serde_json::{json, Value};

use super::{Auth, Socket, TestApp};

const LOCKER_ITEM_FIELDS: &str = "id title artist album albumArtist genre trackNumber discNumber year
    durationMs format mimeType bitrateKbps sampleRateHz channels sizeBytes contentHash source addedAt
    streamUrl coverUrl excludedFromTasteProfile catalogueTrack { id title } buyOptions { sku }
    albumId artistId starred starredAt rating lyrics";

const LOCKER_ALBUM_FIELDS: &str =
    "id title artist artistId year genre trackCount durationMs addedAt
    starred starredAt playCount items { id title trackNumber }";

const LOCKER_ARTIST_FIELDS: &str = "id name albumCount trackCount starred starredAt";

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

    /// `viewer.locker.album(id:)`, under `album`.
    pub async fn locker_album(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($id: ID!) {{ viewer {{ locker {{ album(id: $id) {{ {LOCKER_ALBUM_FIELDS} }} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
    }

    /// `viewer.locker.artist(id:)`, under `artist`.
    pub async fn locker_artist(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!(
                "query($id: ID!) {{ viewer {{ locker {{ artist(id: $id) {{ {LOCKER_ARTIST_FIELDS} }} }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
    }

    /// `star` of locker items, albums and artists.
    pub async fn star(&self, auth: &Auth, ids: &[&Value]) -> Value {
        self.gql_as(
            auth,
            "mutation($ids: [ID!]!) { star(ids: $ids) }",
            json!({ "ids": ids }),
        )
        .await
    }

    pub async fn unstar(&self, auth: &Auth, ids: &[&Value]) -> Value {
        self.gql_as(
            auth,
            "mutation($ids: [ID!]!) { unstar(ids: $ids) }",
            json!({ "ids": ids }),
        )
        .await
    }

    pub async fn rate_locker_item(&self, auth: &Auth, id: &Value, rating: i64) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($id: ID!, $rating: Int!) {{ rateLockerItem(id: $id, rating: $rating) {{ {LOCKER_ITEM_FIELDS} }} }}"
            ),
            json!({ "id": id, "rating": rating }),
        )
        .await
    }

    /// The locker service over this server's database, for what only the
    /// services offer (the lists the Subsonic API serves).
    pub async fn locker_service(&self) -> cadenza_api::services::locker::Locker {
        use cadenza_api::services::locker::events::LockerEvents;
        cadenza_api::services::locker::Locker::new(
            self.database().await,
            cadenza_api::services::media::BlobStore::open(&self.settings.storage).unwrap(),
            LockerEvents::in_process(),
            cadenza_api::services::search::Feed::default(),
            self.settings.locker.quota_bytes,
        )
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
