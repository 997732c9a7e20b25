//! The public catalogue: browsing it, and writing to it.

use serde_json::{json, Value};

use super::{Auth, TestApp};

impl TestApp {
    /// Sends a feed to `importCatalogue` as a multipart upload.
    pub async fn import_feed(&self, auth: &Auth, feed: impl Into<Vec<u8>>) -> Value {
        let query = "mutation($file: Upload!) { importCatalogue(file: $file) {
            artistsUpserted albumsUpserted tracksUpserted productsUpserted
            rejected { line message } } }";
        self.multipart(
            auth,
            query,
            json!({ "file": null }),
            "feed.jsonl",
            feed.into(),
        )
        .await
    }

    /// `attachTrackAudio` for a catalogue track, as a multipart upload.
    pub async fn attach_master(&self, auth: &Auth, track_id: &Value, bytes: Vec<u8>) -> Value {
        let query = "mutation($track: ID!, $file: Upload!) {
            attachTrackAudio(trackId: $track, file: $file) { id title hasMasterAudio } }";
        self.multipart(
            auth,
            query,
            json!({ "track": track_id, "file": null }),
            "master.bin",
            bytes,
        )
        .await
    }
}
