//! The viewer's locker: uploads, edits, and what it holds.

use serde_json::{json, Value};

use super::{Auth, TestApp};

const LOCKER_ITEM_FIELDS: &str = "id title artist album albumArtist genre trackNumber discNumber year
    durationMs format mimeType bitrateKbps sampleRateHz channels sizeBytes contentHash source addedAt
    streamUrl excludedFromTasteProfile catalogueTrack { id title } buyOptions { sku }";

impl TestApp {
    /// Uploads a file to the viewer's locker with `uploadTrack`.
    pub async fn upload(&self, auth: &Auth, file_name: &str, bytes: Vec<u8>) -> Value {
        let query = format!(
            "mutation($file: Upload!) {{ uploadTrack(file: $file) {{ {LOCKER_ITEM_FIELDS} }} }}"
        );
        self.multipart(auth, &query, json!({ "file": null }), file_name, bytes)
            .await
    }
}
