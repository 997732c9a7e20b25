use cadenza_api::auth::Role;
use serde_json::json;

use crate::helpers::*;

const FEED: &str = r#"{"type":"artist","id":"key-ar","name":"Keyed Artist","genres":["Jazz"]}"#;

#[tokio::test]
async fn admins_create_keys_whose_secret_is_shown_once_and_works() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .create_api_key(&admin, "Label feed", &["CATALOGUE_WRITE", "CATALOGUE_READ"])
        .await;
    let key = &data(&created)["createApiKey"];
    assert_eq!(key["name"], "Label feed");
    assert_eq!(key["scopes"], json!(["CATALOGUE_READ", "CATALOGUE_WRITE"]));
    let secret = key["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() > 40);

    // The secret is stored only as a hash.
    let db = app.database().await;
    let stored: Vec<String> = <entities::api_key::Entity as sea_orm::EntityTrait>::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.secret_hash)
        .collect();
    assert!(!stored.iter().any(|hash| hash.contains(&secret)));

    let imported = app.import_feed(&Auth::ApiKey(secret.clone()), FEED).await;
    assert_eq!(data(&imported)["importCatalogue"]["artistsUpserted"], 1);

    // Revoked, it authenticates nothing.
    let revoked = app.revoke_api_key(&admin, &key["id"]).await;
    assert_eq!(data(&revoked)["revokeApiKey"], true);
    let after = app.import_feed(&Auth::ApiKey(secret), FEED).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    let again = app.revoke_api_key(&admin, &key["id"]).await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn a_key_without_catalogue_write_cannot_import() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .create_api_key(&admin, "Affiliate", &["CATALOGUE_READ"])
        .await;
    let secret = data(&created)["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.import_feed(&Auth::ApiKey(secret.clone()), FEED).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    // A read key still reads the catalogue.
    let read = app
        .gql_as(
            &Auth::ApiKey(secret),
            "{ artists(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(data(&read)["artists"]["totalCount"].as_i64().unwrap() >= 40);
}

#[tokio::test]
async fn only_admins_manage_keys() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let partner = app.user_with_role(Role::Partner).await;
    for (auth, code) in [
        (&customer, "FORBIDDEN"),
        (&partner, "FORBIDDEN"),
        (&Auth::Anonymous, "UNAUTHENTICATED"),
    ] {
        let body = app
            .create_api_key(auth, "sneaky", &["CATALOGUE_WRITE"])
            .await;
        assert_eq!(error_code(&body), code, "{auth:?}");
    }
    let admin = app.admin().await;
    let key = app
        .create_api_key(&admin, "real", &["CATALOGUE_READ"])
        .await;
    let id = data(&key)["createApiKey"]["id"].clone();
    let body = app.revoke_api_key(&customer, &id).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    for (name, scopes) in [("", vec!["CATALOGUE_READ"]), ("no scopes", vec![])] {
        let body = app.create_api_key(&admin, name, &scopes).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
    }
    let bad_scope = app.create_api_key(&admin, "bad", &["EVERYTHING"]).await;
    assert_eq!(error_code(&bad_scope), "BAD_USER_INPUT");
}
