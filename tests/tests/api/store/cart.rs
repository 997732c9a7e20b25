use cadenza_api::domain::{EntityId, GlobalId, ProductId, UserId};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

use crate::helpers::*;

fn cart(body: &Value, operation: &str) -> Value {
    let data = data(body);
    match operation {
        "cart" => data["viewer"]["cart"].clone(),
        other => data[other].clone(),
    }
}

fn skus(cart: &Value) -> Vec<String> {
    cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["product"]["sku"].as_str().unwrap().to_owned())
        .collect()
}

/// Gives `auth`'s user the product, as a paid order would (the store's
/// own checkout is tested on its own).
async fn grant(app: &TestApp, auth: &Auth, product: &Value) {
    let body = app
        .gql_as(auth, "{ viewer { user { id } } }", json!({}))
        .await;
    let user = GlobalId::decode_as::<UserId>(data(&body)["viewer"]["user"]["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    let product = GlobalId::decode_as::<ProductId>(product.as_str().unwrap())
        .unwrap()
        .unwrap();
    let db = app.database().await;
    entities::entitlement::ActiveModel {
        user_id: Set(user.0),
        product_id: Set(product.0),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_cart_holds_one_of_each_product_at_todays_prices() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;

    let empty = cart(&app.cart(&listener).await, "cart");
    assert_eq!(empty["itemCount"], 0);
    assert_eq!(empty["lines"], json!([]));
    assert_eq!(empty["subtotal"]["amountMinor"], 0);

    let t1 = app.product_id("ST-T1").await;
    let t2 = app.product_id("ST-T2").await;
    app.add_to_cart(&listener, &t1).await;
    let added = cart(&app.add_to_cart(&listener, &t2).await, "addToCart");
    assert_eq!(skus(&added), ["ST-T1", "ST-T2"]);
    assert_eq!(added["itemCount"], 2);
    assert_eq!(
        added["subtotal"],
        json!({ "amountMinor": 228, "currency": "USD", "formatted": "$2.28" })
    );
    assert_eq!(
        added["lines"][0]["price"],
        json!({ "amountMinor": 129, "currency": "USD" })
    );

    // The same product again stays one line.
    let again = cart(&app.add_to_cart(&listener, &t1).await, "addToCart");
    assert_eq!(skus(&again), ["ST-T1", "ST-T2"]);

    // Today's price: a new price in the catalogue shows in the cart.
    let admin = app.admin().await;
    let repriced = r#"{"type":"product","sku":"ST-T1","kind":"TRACK","ref":"tr-st-1","priceMinor":149,"currency":"USD","audioFormat":"FLAC"}"#;
    app.import_feed(&admin, repriced).await;
    let now = cart(&app.cart(&listener).await, "cart");
    assert_eq!(now["subtotal"]["amountMinor"], 248);

    let line = added["lines"][0]["id"].clone();
    let removed = cart(
        &app.remove_from_cart(&listener, &line).await,
        "removeFromCart",
    );
    assert_eq!(skus(&removed), ["ST-T2"]);
    assert_eq!(removed["subtotal"]["amountMinor"], 99);

    // Another listener's cart is their own.
    let other = app.customer().await;
    assert_eq!(cart(&app.cart(&other).await, "cart")["itemCount"], 0);
}

#[tokio::test]
async fn bad_cart_edits_are_refused_with_their_codes_and_change_nothing() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;
    let t1 = app.product_id("ST-T1").await;
    let body = app.add_to_cart(&listener, &t1).await;
    let line = cart(&body, "addToCart")["lines"][0]["id"].clone();

    // Not signed in.
    assert_eq!(
        error_code(&app.add_to_cart(&Auth::Anonymous, &t1).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        data(&app.cart(&Auth::Anonymous).await)["viewer"],
        Value::Null
    );

    // Not for sale; another currency than the cart's.
    let off = app.product_id("OFF-T1").await;
    let body = app.add_to_cart(&listener, &off).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let euro = app.product_id("EU-T1").await;
    let body = app.add_to_cart(&listener, &euro).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("EUR"),
        "{body}"
    );

    // An id of another kind, one that does not exist, garbage.
    let body = app.add_to_cart(&listener, &line).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let missing = json!(ProductId(999_999).global().encode());
    assert_eq!(
        error_code(&app.add_to_cart(&listener, &missing).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&app.add_to_cart(&listener, &json!("garbage")).await),
        "BAD_USER_INPUT"
    );

    // Someone else's line, a product id as a line id.
    let other = app.customer().await;
    let body = app.remove_from_cart(&other, &line).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(
        error_code(&app.remove_from_cart(&listener, &t1).await),
        "NOT_FOUND"
    );

    let after = cart(&app.cart(&listener).await, "cart");
    assert_eq!(skus(&after), ["ST-T1"]);
    assert_eq!(after["subtotal"]["amountMinor"], 129);

    // A cart of another currency takes that currency.
    let euro_cart = cart(&app.add_to_cart(&other, &euro).await, "addToCart");
    assert_eq!(euro_cart["subtotal"]["currency"], "EUR");
}

#[tokio::test]
async fn what_the_listener_owns_cannot_be_added_and_the_conflict_says_what() {
    let app = spawn_app().await;
    app.store_feed().await;
    let album = app.product_id("ST-ALB").await;
    let t1 = app.product_id("ST-T1").await;
    let t2 = app.product_id("ST-T2").await;

    // A track they bought.
    let listener = app.customer().await;
    grant(&app, &listener, &t1).await;
    let body = app.add_to_cart(&listener, &t1).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("First Tune"),
        "{body}"
    );
    // The album is still new to them.
    assert_eq!(
        cart(&app.add_to_cart(&listener, &album).await, "addToCart")["itemCount"],
        1
    );
    // Once they own every track, the album is theirs too.
    grant(&app, &listener, &t2).await;
    let body = app.add_to_cart(&listener, &album).await;
    assert_eq!(
        cart(&body, "addToCart")["itemCount"],
        1,
        "already in the cart stays"
    );
    let fresh = app.customer().await;
    grant(&app, &fresh, &t1).await;
    grant(&app, &fresh, &t2).await;
    let body = app.add_to_cart(&fresh, &album).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Two Tracks"),
        "{body}"
    );

    // A track of an album they bought, and the album itself.
    let buyer = app.customer().await;
    grant(&app, &buyer, &album).await;
    for product in [&t2, &album] {
        let body = app.add_to_cart(&buyer, product).await;
        assert_eq!(error_code(&body), "CONFLICT", "{body}");
    }
    assert_eq!(cart(&app.cart(&buyer).await, "cart")["itemCount"], 0);
}

#[tokio::test]
async fn a_cart_holds_at_most_a_hundred_lines() {
    use std::fmt::Write;
    let app = spawn_app().await;
    let mut feed = String::from(
        r#"{"type":"artist","id":"ar-many","name":"Many"}
{"type":"album","id":"al-many","artist":"ar-many","title":"Many Tracks"}
"#,
    );
    for n in 0..101 {
        writeln!(feed, r#"{{"type":"track","id":"tr-many-{n}","album":"al-many","title":"Tune {n}","trackNumber":{},"durationMs":1000}}"#, n + 1).unwrap();
        writeln!(feed, r#"{{"type":"product","sku":"MANY-{n}","kind":"TRACK","ref":"tr-many-{n}","priceMinor":99,"currency":"USD"}}"#).unwrap();
    }
    let admin = app.admin().await;
    let body = app.import_feed(&admin, feed).await;
    assert_eq!(data(&body)["importCatalogue"]["rejected"], json!([]));
    let listener = app.customer().await;
    for n in 0..100 {
        let id = app.product_id(&format!("MANY-{n}")).await;
        let body = app.add_to_cart(&listener, &id).await;
        assert_eq!(cart(&body, "addToCart")["itemCount"], n + 1);
    }
    let last = app.product_id("MANY-100").await;
    let body = app.add_to_cart(&listener, &last).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("100"));
    let after = cart(&app.cart(&listener).await, "cart");
    assert_eq!(after["itemCount"], 100);
    assert_eq!(after["subtotal"]["amountMinor"], 9900);
}
