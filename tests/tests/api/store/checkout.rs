use std::collections::HashSet;

use cadenza_api::services::store::payments::PaymentMode;
use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

fn order(body: &Value) -> Value {
    data(body)["checkout"].clone()
}

async fn buy_album(app: &TestApp, listener: &Auth) -> Value {
    let album = app.product_id("ST-ALB").await;
    data(&app.add_to_cart(listener, &album).await);
    let body = app.checkout(listener, "first-try").await;
    order(&body)
}

#[tokio::test]
async fn a_checkout_buys_the_cart_once_and_the_purchase_streams_from_the_master() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let master = wav(1200, &[("INAM", "Master One")]);
    let tracks = app
        .gql(
            "query($id: ID!) { product(id: $id) { album { tracks { id title } } } }",
            json!({ "id": app.product_id("ST-ALB").await }),
        )
        .await;
    let tracks = data(&tracks)["product"]["album"]["tracks"].clone();
    data(
        &app.attach_master(&admin, &tracks[0]["id"], master.clone())
            .await,
    );

    let listener = app.customer().await;
    let placed = buy_album(&app, &listener).await;
    assert_eq!(placed["status"], "FULFILLED");
    assert!(
        placed["number"].as_str().unwrap().starts_with("CDZ-"),
        "{placed}"
    );
    assert_eq!(
        placed["total"],
        json!({ "amountMinor": 1500, "currency": "USD", "formatted": "$15.00" })
    );
    assert_eq!(placed["lines"][0]["product"]["sku"], "ST-ALB");
    assert_eq!(
        data(&app.cart(&listener).await)["viewer"]["cart"]["itemCount"],
        0
    );

    // Both tracks are in the locker, bought, matched, not in the quota.
    let locker = app.purchases(&listener).await;
    let locker = &data(&locker)["viewer"]["locker"];
    assert_eq!(locker["usage"]["usedBytes"], 0);
    let items = locker["items"]["nodes"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{locker}");
    assert_eq!(items[0]["title"], "First Tune");
    assert_eq!(items[0]["source"], "PURCHASE");
    assert_eq!(items[0]["artist"], "Store Test Artist");
    assert_eq!(items[0]["catalogueTrack"]["id"], tracks[0]["id"]);
    assert_eq!(items[0]["buyOptions"], json!([]), "owned through the album");
    assert_eq!(items[0]["streamable"], true);
    assert_eq!(items[0]["contentHash"], sha256_hex(&master));
    assert_eq!(
        items[0]["sizeBytes"].as_u64().unwrap() as usize,
        master.len()
    );
    assert_eq!(items[0]["format"], "WAV");
    assert_eq!(items[1]["title"], "Second Tune");
    assert_eq!(items[1]["streamable"], false, "no master yet");

    // It streams the master byte for byte, with Range.
    let url = format!("{}{}", app.address, items[0]["streamUrl"].as_str().unwrap());
    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().to_vec(), master);
    let part = app
        .client
        .get(&url)
        .header("range", "bytes=10-99")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.bytes().await.unwrap().to_vec(),
        master[10..100].to_vec()
    );

    // The second track becomes streamable once its master is attached.
    let second = wav(900, &[("INAM", "Master Two")]);
    data(
        &app.attach_master(&admin, &tracks[1]["id"], second.clone())
            .await,
    );
    let locker = app.purchases(&listener).await;
    let item = data(&locker)["viewer"]["locker"]["items"]["nodes"][1].clone();
    assert_eq!(item["streamable"], true, "{item}");
    let url = format!("{}{}", app.address, item["streamUrl"].as_str().unwrap());
    let body = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.to_vec(), second);

    // The viewer owns the album and both its tracks now.
    for sku in ["ST-ALB", "ST-T1", "ST-T2"] {
        let product = app.product(&listener, &app.product_id(sku).await).await;
        assert_eq!(data(&product)["product"]["ownedByViewer"], true, "{sku}");
    }

    // The same key again: the same order, even with a new cart; no charge.
    data(
        &app.add_to_cart(&listener, &app.product_id("EU-T1").await)
            .await,
    );
    let again = order(&app.checkout(&listener, "first-try").await);
    assert_eq!(again["id"], placed["id"]);
    assert_eq!(again["lines"], placed["lines"]);
    assert_eq!(app.charges_and_orders().await, (1, 1));

    // Orders: newest first, through node for the buyer only.
    let second_order = order(&app.checkout(&listener, "second").await);
    assert_eq!(second_order["total"]["currency"], "EUR");
    let orders = app.orders(&listener).await;
    let orders = &data(&orders)["viewer"]["orders"];
    assert_eq!(orders["totalCount"], 2);
    assert_eq!(orders["nodes"][0]["id"], second_order["id"]);
    assert_eq!(orders["nodes"][1]["id"], placed["id"]);
    let seen = app.order(&listener, &placed["id"]).await;
    assert_eq!(data(&seen)["order"]["number"], placed["number"]);
    let stranger = app.customer().await;
    assert_eq!(
        data(&app.order(&stranger, &placed["id"]).await)["order"],
        Value::Null
    );
    assert_eq!(
        data(&app.order(&admin, &placed["id"]).await)["order"],
        Value::Null
    );
}

#[tokio::test]
async fn prices_are_fixed_into_the_order() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-T1").await)
            .await,
    );
    let placed = order(&app.checkout(&listener, "k").await);
    let admin = app.admin().await;
    let repriced = r#"{"type":"product","sku":"ST-T1","kind":"TRACK","ref":"tr-st-1","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}"#;
    data(&app.import_feed(&admin, repriced).await);
    let orders = app.orders(&listener).await;
    let stored = &data(&orders)["viewer"]["orders"]["nodes"][0];
    assert_eq!(stored["total"]["amountMinor"], 129);
    assert_eq!(stored["lines"][0]["price"]["amountMinor"], 129);
    assert_eq!(stored["total"], placed["total"]);
}

#[tokio::test]
async fn bad_checkouts_are_refused_with_their_codes() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;

    // An empty cart; no token.
    assert_eq!(
        error_code(&app.checkout(&listener, "k").await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        error_code(&app.checkout(&Auth::Anonymous, "k").await),
        "UNAUTHENTICATED"
    );

    data(
        &app.add_to_cart(&listener, &app.product_id("ST-T1").await)
            .await,
    );
    // Keys of 0 and 300 characters, a control character.
    for key in [String::new(), "k".repeat(300), "a\u{1}b".to_owned()] {
        let body = app.checkout(&listener, &key).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{key:?}: {body}");
    }
    assert_eq!(app.charges_and_orders().await, (0, 0));
    assert_eq!(
        data(&app.cart(&listener).await)["viewer"]["cart"]["itemCount"],
        1
    );

    // 255 characters is a key; another user's identical key is their own.
    let key = "k".repeat(255);
    let mine = order(&app.checkout(&listener, &key).await);
    let other = app.customer().await;
    data(
        &app.add_to_cart(&other, &app.product_id("ST-T1").await)
            .await,
    );
    let theirs = order(&app.checkout(&other, &key).await);
    assert_ne!(mine["id"], theirs["id"]);
    assert_eq!(app.charges_and_orders().await, (2, 2));
}

#[tokio::test]
async fn a_declined_payment_makes_no_order_and_keeps_the_cart() {
    let app = spawn_app_with(|settings| settings.store.payments = PaymentMode::Decline).await;
    app.store_feed().await;
    let listener = app.customer().await;
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-ALB").await)
            .await,
    );
    let body = app.checkout(&listener, "declined").await;
    assert_eq!(error_code(&body), "PAYMENT_DECLINED", "{body}");
    let cart = app.cart(&listener).await;
    assert_eq!(data(&cart)["viewer"]["cart"]["itemCount"], 1);
    let orders = app.orders(&listener).await;
    assert_eq!(data(&orders)["viewer"]["orders"]["totalCount"], 0);
    assert_eq!(app.charges_and_orders().await, (0, 0));
    let locker = app.purchases(&listener).await;
    assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 0);
}

#[tokio::test]
async fn a_failed_or_silent_provider_delivers_nothing_and_the_same_key_resolves_it() {
    for mode in [PaymentMode::Fail, PaymentMode::Hang] {
        let app = spawn_app_with(|settings| {
            settings.store.payments = mode;
            settings.store.payment_deadline_ms = 300;
        })
        .await;
        app.store_feed().await;
        let listener = app.customer().await;
        data(
            &app.add_to_cart(&listener, &app.product_id("ST-ALB").await)
                .await,
        );
        let body = app.checkout(&listener, "retry-me").await;
        assert_eq!(error_code(&body), "INTERNAL", "{mode:?}: {body}");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("same idempotency key"));
        let orders = app.orders(&listener).await;
        assert_eq!(data(&orders)["viewer"]["orders"]["totalCount"], 0);
        let locker = app.purchases(&listener).await;
        assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 0);
        assert_eq!(app.charges_and_orders().await, (0, 1), "only the intent");
        // Buying it again under another key could charge twice: refused
        // until the unresolved key is retried.
        let again = app
            .add_to_cart(&listener, &app.product_id("ST-ALB").await)
            .await;
        assert_eq!(error_code(&again), "CONFLICT", "{again}");
        assert!(again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("still unresolved"));

        // The provider is back (another replica, approving): the key
        // resolves the intent, once.
        let healthy = spawn_replica_with(&app, |settings| {
            settings.store.payments = PaymentMode::Approve
        })
        .await;
        let resolved = order(&healthy.checkout(&listener, "retry-me").await);
        assert_eq!(resolved["status"], "FULFILLED");
        let again = order(&healthy.checkout(&listener, "retry-me").await);
        assert_eq!(again["id"], resolved["id"]);
        assert_eq!(app.charges_and_orders().await, (1, 1));
        let locker = healthy.purchases(&listener).await;
        assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 2);
    }
}

#[tokio::test]
async fn an_intent_its_buyer_never_retries_is_resolved_in_the_background() {
    // The provider stops answering; the buyer gives up.
    let app = spawn_app_with(|settings| {
        settings.store.payments = PaymentMode::Hang;
        settings.store.payment_deadline_ms = 200;
        settings.store.pending_payment_secs = 1;
    })
    .await;
    app.store_feed().await;
    let charged = app.customer().await;
    data(
        &app.add_to_cart(&charged, &app.product_id("ST-T1").await)
            .await,
    );
    assert_eq!(
        error_code(&app.checkout(&charged, "gave-up").await),
        "INTERNAL"
    );

    // Back, approving: the sweep (of any replica) fulfils the intent.
    let healthy = spawn_replica_with(&app, |settings| {
        settings.store.payments = PaymentMode::Approve
    })
    .await;
    let fulfilled = eventually(std::time::Duration::from_secs(10), || async {
        let orders = healthy.orders(&charged).await;
        let status = data(&orders)["viewer"]["orders"]["nodes"][0]["status"].clone();
        (status == "FULFILLED").then_some(status)
    })
    .await;
    assert!(fulfilled.is_some(), "the sweep fulfilled the intent");
    assert_eq!(app.charges_and_orders().await, (1, 1));
    // The key still answers with that order.
    let again = order(&healthy.checkout(&charged, "gave-up").await);
    assert_eq!(again["status"], "FULFILLED");
}

#[tokio::test]
async fn a_decline_found_by_the_sweep_gives_the_buyer_their_cart_back() {
    let app = spawn_app_with(|settings| {
        settings.store.payments = PaymentMode::Hang;
        settings.store.payment_deadline_ms = 200;
        settings.store.pending_payment_secs = 1;
    })
    .await;
    app.store_feed().await;
    let declined = app.customer().await;
    data(
        &app.add_to_cart(&declined, &app.product_id("ST-T1").await)
            .await,
    );
    assert_eq!(
        error_code(&app.checkout(&declined, "also-gave-up").await),
        "INTERNAL"
    );
    assert_eq!(
        data(&app.cart(&declined).await)["viewer"]["cart"]["itemCount"],
        0
    );
    let _refusing = spawn_replica_with(&app, |settings| {
        settings.store.payments = PaymentMode::Decline
    })
    .await;
    let restored = eventually(std::time::Duration::from_secs(10), || async {
        let cart = app.cart(&declined).await;
        let count = data(&cart)["viewer"]["cart"]["itemCount"].as_i64().unwrap();
        (count == 1).then_some(count)
    })
    .await;
    assert!(
        restored.is_some(),
        "the declined intent's product is back in the cart"
    );
    assert_eq!(app.charges_and_orders().await, (0, 0));
}

#[tokio::test]
async fn a_refund_gives_the_money_back_once_and_waits_for_the_provider() {
    let app = spawn_app_with(|settings| {
        settings.store.payments = PaymentMode::Approve;
        settings.store.payment_deadline_ms = 300;
    })
    .await;
    app.store_feed().await;
    let admin = app.admin().await;
    let listener = app.customer().await;
    let placed = buy_album(&app, &listener).await;

    // The provider fails: nothing changes, the order stays fulfilled.
    let failing =
        spawn_replica_with(&app, |settings| settings.store.payments = PaymentMode::Fail).await;
    let body = failing.refund_order(&admin, &placed["id"]).await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(app.refunds_made().await.is_empty());
    let orders = app.orders(&listener).await;
    assert_eq!(
        data(&orders)["viewer"]["orders"]["nodes"][0]["status"],
        "FULFILLED"
    );
    let locker = app.purchases(&listener).await;
    assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 2);

    // Asked again with the provider back: refunded, the money given back once.
    let body = app.refund_order(&admin, &placed["id"]).await;
    assert_eq!(data(&body)["refundOrder"]["status"], "REFUNDED");
    let refunds = app.refunds_made().await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].1, 1500);
    assert!(refunds[0].0.starts_with("order-"));
    assert_eq!(
        error_code(&app.refund_order(&admin, &placed["id"]).await),
        "CONFLICT"
    );
    assert_eq!(app.refunds_made().await.len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_checkouts_with_one_key_make_one_order_and_one_charge() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-ALB").await)
            .await,
    );
    let answers =
        futures_util::future::join_all((0..20).map(|_| app.checkout(&listener, "one-key"))).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|body| order(body)["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert!(answers
        .iter()
        .all(|body| order(body)["status"] == "FULFILLED"));
    assert_eq!(app.charges_and_orders().await, (1, 1));
    let locker = app.purchases(&listener).await;
    assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 2);
}

#[tokio::test]
async fn ten_concurrent_checkouts_of_one_cart_with_different_keys_make_one_order() {
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-ALB").await)
            .await,
    );
    let keys: Vec<String> = (0..10).map(|n| format!("key-{n}")).collect();
    let answers =
        futures_util::future::join_all(keys.iter().map(|key| app.checkout(&listener, key))).await;
    let mut ids = HashSet::new();
    for body in &answers {
        match body.get("errors") {
            None => {
                ids.insert(order(body)["id"].as_str().unwrap().to_owned());
            }
            Some(_) => assert_eq!(error_code(body), "BAD_USER_INPUT", "{body}"),
        }
    }
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(app.charges_and_orders().await, (1, 1));
    let locker = app.purchases(&listener).await;
    assert_eq!(data(&locker)["viewer"]["locker"]["usage"]["itemCount"], 2);
}

#[tokio::test]
async fn a_purchase_is_announced_on_locker_events_and_found_in_search() {
    use std::time::Duration;
    let app = spawn_app().await;
    app.store_feed().await;
    let listener = app.customer().await;
    let mut events = app.locker_events(&listener).await;
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-T2").await)
            .await,
    );
    let placed = order(&app.checkout(&listener, "announce").await);
    assert_eq!(placed["status"], "FULFILLED");
    let event = next_message(&mut events, Duration::from_secs(10))
        .await
        .expect("an event");
    let event = &event["payload"]["data"]["lockerEvents"];
    assert_eq!(event["change"], "ADDED", "{event}");
    assert_eq!(event["item"]["title"], "Second Tune");

    let args = SearchArgs {
        scope: Some("LOCKER"),
        ..Default::default()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let body = app.search(&listener, "Second Tune", args).await;
        let hits = data(&body)["search"]["edges"].as_array().unwrap().clone();
        if hits
            .iter()
            .any(|hit| hit["node"]["item"]["__typename"] == "LockerItem")
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not found: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_refund_takes_back_what_the_order_gave_once() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let tracks = app
        .gql(
            "query($id: ID!) { product(id: $id) { album { tracks { id } } } }",
            json!({ "id": app.product_id("ST-ALB").await }),
        )
        .await;
    let first_track = data(&tracks)["product"]["album"]["tracks"][0]["id"].clone();
    data(&app.attach_master(&admin, &first_track, wav(500, &[])).await);

    let listener = app.customer().await;
    let placed = buy_album(&app, &listener).await;
    let locker = app.purchases(&listener).await;
    let items = data(&locker)["viewer"]["locker"]["items"]["nodes"].clone();
    let stream = format!("{}{}", app.address, items[0]["streamUrl"].as_str().unwrap());
    assert_eq!(app.client.get(&stream).send().await.unwrap().status(), 200);
    // A playlist of a purchased item and of a catalogue track they own.
    let playlist = app
        .create_playlist(&listener, "Bought", [&items[0]["id"], &first_track])
        .await;
    let playlist_id = data(&playlist)["createPlaylist"]["id"].clone();

    // Only an administrator refunds; an ID of another kind names no order.
    assert_eq!(
        error_code(&app.refund_order(&listener, &placed["id"]).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.refund_order(&admin, &items[0]["id"]).await),
        "NOT_FOUND"
    );

    let refunded = data(&app.refund_order(&admin, &placed["id"]).await)["refundOrder"].clone();
    assert_eq!(refunded["status"], "REFUNDED");
    assert_eq!(refunded["id"], placed["id"]);
    let body = app.refund_order(&admin, &placed["id"]).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");

    let locker = app.purchases(&listener).await;
    assert_eq!(data(&locker)["viewer"]["locker"]["items"]["totalCount"], 0);
    assert_eq!(app.client.get(&stream).send().await.unwrap().status(), 404);
    let product = app
        .product(&listener, &app.product_id("ST-ALB").await)
        .await;
    assert_eq!(data(&product)["product"]["ownedByViewer"], false);
    let playlist = app
        .gql_as(
            &listener,
            "query($id: ID!) { node(id: $id) { ... on Playlist { itemCount } } }",
            json!({ "id": playlist_id }),
        )
        .await;
    assert_eq!(data(&playlist)["node"]["itemCount"], 0);
    let orders = app.orders(&listener).await;
    assert_eq!(
        data(&orders)["viewer"]["orders"]["nodes"][0]["status"],
        "REFUNDED"
    );
    // Bought again, it is theirs again.
    data(
        &app.add_to_cart(&listener, &app.product_id("ST-ALB").await)
            .await,
    );
    assert_eq!(
        order(&app.checkout(&listener, "again").await)["status"],
        "FULFILLED"
    );
}
