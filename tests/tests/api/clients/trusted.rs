//! Trusted documents from the manifest GraphQL Code Generator's client
//! preset writes (`persistedDocuments: true`), as a storefront's build
//! makes it (`tests/clients/codegen.mjs` over
//! `tests/clients/storefront/documents.ts`).

use std::collections::HashMap;
use std::time::Duration;

use cadenza_api::auth::Role;
use cadenza_api::graphql::pipeline::trusted::Manifest;
use cadenza_api::services::trusted_documents::TrustedDocuments as Store;
use cadenza_api::settings::TrustedDocuments;
use serde_json::{json, Value};

use super::node;
use crate::helpers::*;

/// The manifest codegen writes: id → document.
async fn codegen_manifest() -> (tempfile::TempDir, String, HashMap<String, String>) {
    let out = tempfile::TempDir::new().unwrap();
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schema.graphql")
        .canonicalize()
        .unwrap();
    let report = node(
        "codegen.mjs",
        &[schema.to_str().unwrap(), out.path().to_str().unwrap()],
        Duration::from_secs(120),
    )
    .await;
    let text = std::fs::read_to_string(report["manifest"].as_str().unwrap()).unwrap();
    let documents: HashMap<String, String> = serde_json::from_str(&text).unwrap();
    (out, text, documents)
}

/// The id of the document whose text starts with `start`.
fn id_of(documents: &HashMap<String, String>, start: &str) -> String {
    documents
        .iter()
        .find(|(_, body)| body.starts_with(start))
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no document starts with {start}: {documents:?}"))
}

async fn import(app: &TestApp, manifest: &str) {
    let manifest = Manifest::parse(manifest).unwrap();
    Store::new(app.database().await)
        .import(&manifest.0)
        .await
        .unwrap();
}

/// Signs in through the storefront's own trusted `SignIn`.
async fn sign_in(app: &TestApp, documents: &HashMap<String, String>, role: Role) -> Auth {
    let email = app.account_with_role(role).await;
    let body = post(
        app,
        &Auth::Anonymous,
        json!({
            "documentId": id_of(documents, "mutation SignIn"),
            "variables": { "email": email, "password": PASSWORD },
        }),
    )
    .await;
    Auth::Bearer(token_of(&body, "login"))
}

async fn post(app: &TestApp, auth: &Auth, body: Value) -> Value {
    let mut request = app.client.post(app.graphql_url()).json(&body);
    request = match auth {
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::ApiKey(key) => request.header("X-Api-Key", key),
        Auth::Anonymous => request,
    };
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn under_require_only_the_storefronts_documents_run() {
    let (_out, manifest, documents) = codegen_manifest().await;
    let app = spawn_app_with(|s| s.http.trusted_documents = TrustedDocuments::Require).await;
    import(&app, &manifest).await;
    let shelves = id_of(&documents, "query Shelves");
    let best = id_of(&documents, "query BestSellers");
    let customer = sign_in(&app, &documents, Role::Customer).await;

    // By id, as the client preset's documents carry it, over POST and GET.
    let body = post(&app, &Auth::Anonymous, json!({ "documentId": shelves })).await;
    assert!(
        data(&body)["genres"].as_array().unwrap().len() > 1,
        "{body}"
    );
    let body = post(
        &app,
        &customer,
        json!({ "documentId": best, "variables": { "first": 2 } }),
    )
    .await;
    assert_eq!(
        data(&body)["products"]["nodes"].as_array().unwrap().len(),
        2
    );
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("documentId", shelves.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // As Apollo clients send an id (the persisted-queries link with the
    // preset's hash).
    let body = post(
        &app,
        &Auth::Anonymous,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": shelves } } }),
    )
    .await;
    assert!(data(&body)["genres"].is_array(), "{body}");
    // By identical text.
    let body = post(
        &app,
        &Auth::Anonymous,
        json!({ "query": documents[&shelves] }),
    )
    .await;
    assert!(data(&body)["genres"].is_array(), "{body}");

    // Anything else is refused, for anyone but administrators and keys.
    for auth in [Auth::Anonymous, customer.clone()] {
        let body = post(&app, &auth, json!({ "query": "{ genres { name } }" })).await;
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
        let body = post(&app, &auth, json!({ "documentId": "sha256:0000" })).await;
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    }
    let query = "{ genres { name } }";
    let hash = sha256_hex(query.as_bytes());
    let apq = json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    let body = post(&app, &Auth::Anonymous, apq).await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
    let admin = sign_in(&app, &documents, Role::Admin).await;
    let body = post(
        &app,
        &admin,
        json!({ "query": "{ __schema { queryType { name } } }" }),
    )
    .await;
    assert_eq!(data(&body)["__schema"]["queryType"]["name"], "Query");

    // The socket is held to the same list.
    let mut socket = app
        .subscribe(&customer, "subscription { playback { deviceId } }")
        .await;
    let message = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED",
        "{message}"
    );
}

#[tokio::test]
async fn a_document_imported_while_the_server_runs_is_found() {
    let (_out, manifest, documents) = codegen_manifest().await;
    let app = spawn_app_with(|s| s.http.trusted_documents = TrustedDocuments::Require).await;
    let shelves = id_of(&documents, "query Shelves");
    let body = post(&app, &Auth::Anonymous, json!({ "documentId": shelves })).await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
    import(&app, &manifest).await;
    // The list is read again on a miss, at most every two seconds.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let body = post(&app, &Auth::Anonymous, json!({ "documentId": shelves })).await;
    assert!(data(&body)["genres"].is_array(), "{body}");
}

#[tokio::test]
async fn prefer_takes_ids_and_any_text_and_off_takes_no_ids() {
    let (_out, manifest, documents) = codegen_manifest().await;
    let shelves = id_of(&documents, "query Shelves");
    let app = spawn_app_with(|s| s.http.trusted_documents = TrustedDocuments::Prefer).await;
    import(&app, &manifest).await;
    let body = post(&app, &Auth::Anonymous, json!({ "documentId": shelves })).await;
    assert!(data(&body)["genres"].is_array(), "{body}");
    let body = post(
        &app,
        &Auth::Anonymous,
        json!({ "query": "{ genres { name } }" }),
    )
    .await;
    assert!(data(&body)["genres"].is_array(), "{body}");

    let off = spawn_app().await;
    import(&off, &manifest).await;
    let body = post(&off, &Auth::Anonymous, json!({ "documentId": shelves })).await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test]
async fn an_id_never_changes_meaning() {
    let app = spawn_app().await;
    let store = Store::new(app.database().await);
    let first = Manifest::parse(r#"{"sha256:aa": "query A { genres { name } }"}"#).unwrap();
    let report = store.import(&first.0).await.unwrap();
    assert_eq!((report.added, report.unchanged), (1, 0));
    let report = store.import(&first.0).await.unwrap();
    assert_eq!((report.added, report.unchanged), (0, 1));
    let changed = Manifest::parse(
        r#"{"sha256:bb": "query B { genres { name } }", "sha256:aa": "query A2 { genres { name } }"}"#,
    )
    .unwrap();
    let err = store.import(&changed.0).await.unwrap_err();
    assert_eq!(err.code(), "CONFLICT");
    // All or nothing: the new id of that manifest was not kept either.
    assert_eq!(store.all().await.unwrap().len(), 1);
}
