//! Plays and the viewer's listening history.

use serde_json::{json, Value};

use super::{Auth, TestApp};

impl TestApp {
    /// `recordPlay` of `item` with `msPlayed`, completed, from `context`.
    pub async fn record_play(
        &self,
        auth: &Auth,
        item: &Value,
        ms_played: i64,
        context: Option<&str>,
    ) -> Value {
        self.gql_as(
            auth,
            "mutation($input: RecordPlayInput!) { recordPlay(input: $input) }",
            json!({ "input": {
                "itemId": item, "msPlayed": ms_played, "completed": true,
                "deviceId": "phone", "context": context,
            } }),
        )
        .await
    }

    /// `viewer.recentlyPlayed(first)`.
    pub async fn recently_played(&self, auth: &Auth, first: Option<i64>) -> Value {
        self.gql_as(
            auth,
            "query($first: Int) { viewer { recentlyPlayed(first: $first) {
                id playedAt msPlayed completed
                item { __typename ... on LockerItem { id title } ... on Track { id title } } } } }",
            json!({ "first": first }),
        )
        .await
    }

    /// `recordInteraction` with `input` as given.
    pub async fn record_interaction(&self, auth: &Auth, input: Value) -> Value {
        self.gql_as(
            auth,
            "mutation($input: InteractionInput!) { recordInteraction(input: $input) }",
            json!({ "input": input }),
        )
        .await
    }

    /// `clearListeningHistory`.
    pub async fn clear_listening_history(&self, auth: &Auth) -> Value {
        self.gql_as(auth, "mutation { clearListeningHistory }", json!({}))
            .await
    }
}

/// What the playback operations answer with.
const PLAYBACK_FIELDS: &str = "deviceId positionMs playing updatedAt
    item { __typename ... on LockerItem { id title } ... on Track { id title } }";

impl TestApp {
    /// `updatePlayback` from `device`, with `item` loaded (or nothing).
    pub async fn update_playback(
        &self,
        auth: &Auth,
        device: &str,
        item: Option<&Value>,
        position_ms: i64,
        playing: bool,
    ) -> Value {
        self.gql_as(
            auth,
            &format!("mutation($input: PlaybackInput!) {{ updatePlayback(input: $input) {{ {PLAYBACK_FIELDS} }} }}"),
            json!({ "input": {
                "deviceId": device,
                "itemId": item,
                "positionMs": position_ms,
                "playing": playing,
            } }),
        )
        .await
    }

    /// `viewer.playback`.
    pub async fn playback(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            &format!("{{ viewer {{ playback {{ {PLAYBACK_FIELDS} }} }} }}"),
            json!({}),
        )
        .await
    }

    /// The `playback` subscription.
    pub async fn playback_events(&self, auth: &Auth) -> super::Socket {
        self.subscribe(
            auth,
            &format!("subscription {{ playback {{ {PLAYBACK_FIELDS} }} }}"),
        )
        .await
    }
}
