//! The graphql-ws client library, as its documentation shows it used
//! (`tests/clients/graphql-ws.mjs`).

use std::time::Duration;

use super::node;
use crate::helpers::*;

#[tokio::test]
async fn live_events_keep_arriving_across_a_token_expiry() {
    // Tokens live two seconds (and five of leeway): the socket is closed
    // with 4403 while the client listens, and it reconnects with a token
    // its `connectionParams` renews.
    let app = spawn_app_with(|settings| settings.accounts.access_token_ttl_secs = 2).await;
    let email = "ws-expiry@example.com";
    data(&app.register(email, PASSWORD, "Expiring").await);
    let report = node(
        "graphql-ws.mjs",
        &["expiry", &app.address, email, PASSWORD, "14"],
        Duration::from_secs(90),
    )
    .await;
    let closes = report["closes"].as_array().unwrap();
    assert!(
        closes.iter().any(|code| code == 4403),
        "the socket was closed with 4403 when its token expired: {report}"
    );
    assert!(
        !closes.iter().any(|code| code == 1008),
        "never a fatal code: {report}"
    );
    assert!(report["connects"].as_u64().unwrap() >= 2, "{report}");
    assert!(report["renewals"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    assert!(
        report["heard_after_expiry"].as_u64().unwrap() > 0,
        "events arrived after the reconnection: {report}"
    );
}

#[tokio::test]
async fn a_client_that_closes_and_subscribes_again_reconnects_without_backing_off() {
    let app = spawn_app().await;
    let email = "ws-again@example.com";
    data(&app.register(email, PASSWORD, "Again").await);
    let report = node(
        "graphql-ws.mjs",
        &["resubscribe", &app.address, email, PASSWORD, "10"],
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(report["connects"], 10, "{report}");
    // A close without a code reads as 1005 to graphql-ws, which then backs
    // off as from a failure; the server echoes the client's 1000.
    assert_eq!(report["retries"], 0, "{report}");
    let closes = report["closes"].as_array().unwrap();
    assert!(closes.iter().all(|code| code == 1000), "{report}");
    eprintln!(
        "resubscribe: median {} ms, slowest {} ms",
        report["median_ms"], report["max_ms"]
    );
}
