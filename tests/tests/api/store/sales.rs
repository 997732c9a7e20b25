//! Partners' sales reports: units and revenue per product per day, and
//! nothing that identifies a buyer.

use chrono::{Days, Utc};
use serde_json::{json, Value};

use crate::helpers::*;

async fn buy(app: &TestApp, listener: &Auth, skus: &[&str], key: &str) -> Value {
    for sku in skus {
        data(&app.add_to_cart(listener, &app.product_id(sku).await).await);
    }
    data(&app.checkout(listener, key).await)["checkout"].clone()
}

async fn orders_key(app: &TestApp, admin: &Auth, scopes: &[&str]) -> Auth {
    let created = app.create_api_key(admin, "Label sales", scopes).await;
    Auth::ApiKey(
        data(&created)["createApiKey"]["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[tokio::test]
async fn a_partner_reads_units_and_revenue_per_product_and_day() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let (ann, bob, cid) = (
        app.customer().await,
        app.customer().await,
        app.customer().await,
    );
    buy(&app, &ann, &["ST-ALB"], "ann").await;
    buy(&app, &ann, &["EU-T1"], "ann-euro").await;
    buy(&app, &bob, &["ST-ALB"], "bob").await;
    let refunded = buy(&app, &cid, &["ST-ALB", "ST-T1"], "cid").await;
    data(&app.refund_order(&admin, &refunded["id"]).await);
    // A price change later changes no sale.
    let repriced = STORE_FEED.replace("\"priceMinor\":1500", "\"priceMinor\":1");
    data(&app.import_feed(&admin, repriced).await);

    let key = orders_key(&app, &admin, &["ORDERS_READ"]).await;
    let today = Utc::now().date_naive();
    let (from, to) = (
        today.checked_sub_days(Days::new(1)).unwrap().to_string(),
        today.checked_add_days(Days::new(1)).unwrap().to_string(),
    );
    let body = app.sales_report(&key, &from, &to, None, None).await;
    let report = &data(&body)["salesReport"];
    // The refunded order is not a sale; two currencies are two rows.
    assert_eq!(report["totalCount"], 2, "{body}");
    let mut rows: Vec<Value> = report["nodes"].as_array().unwrap().clone();
    rows.sort_by_key(|row| row["product"]["sku"].as_str().unwrap().to_owned());
    let day = today.to_string();
    assert_eq!(
        rows,
        [
            json!({ "day": day, "units": 1, "revenue": { "amountMinor": 119, "currency": "EUR" }, "product": { "sku": "EU-T1" } }),
            json!({ "day": day, "units": 2, "revenue": { "amountMinor": 3000, "currency": "USD" }, "product": { "sku": "ST-ALB" } }),
        ]
    );

    // Paged.
    let first = app.sales_report(&key, &from, &to, Some(1), None).await;
    let page = &data(&first)["salesReport"];
    assert_eq!(page["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().unwrap();
    let second = app
        .sales_report(&key, &from, &to, Some(1), Some(cursor))
        .await;
    assert_eq!(
        data(&second)["salesReport"]["pageInfo"]["hasNextPage"],
        false
    );

    // Days with no sales have none; an administrator reads the same.
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap().to_string();
    let none = app
        .sales_report(&admin, &yesterday, &yesterday, None, None)
        .await;
    assert_eq!(data(&none)["salesReport"]["totalCount"], 0);
}

#[tokio::test]
async fn a_sales_report_names_no_buyer_and_opens_no_order() {
    let app = spawn_app().await;
    app.store_feed().await;
    let admin = app.admin().await;
    let listener = app.customer().await;
    let order = buy(&app, &listener, &["ST-T1"], "mine").await;
    let key = orders_key(&app, &admin, &["ORDERS_READ"]).await;

    // What a row can say, by the schema.
    let fields = app
        .gql(
            "{ __type(name: \"SalesDay\") { fields { name } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = data(&fields)["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["day", "product", "units", "revenue"]);

    // The order itself is not the key's to read: to it, there is none.
    let body = app.node(&key, &order["id"]).await;
    assert_eq!(data(&body)["node"], Value::Null, "{body}");
    let body = app.node(&listener, &order["id"]).await;
    assert_eq!(data(&body)["node"]["id"], order["id"]);
}

#[tokio::test]
async fn only_admins_and_orders_read_keys_see_sales_and_spans_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let listener = app.customer().await;
    let catalogue_key = orders_key(&app, &admin, &["CATALOGUE_READ"]).await;
    let key = orders_key(&app, &admin, &["ORDERS_READ"]).await;
    let day = "2026-06-01";
    for (auth, code) in [
        (&Auth::Anonymous, "UNAUTHENTICATED"),
        (&listener, "FORBIDDEN"),
        (&catalogue_key, "FORBIDDEN"),
    ] {
        let body = app.sales_report(auth, day, day, None, None).await;
        assert_eq!(error_code(&body), code, "{body}");
    }
    for (from, to) in [
        ("2026-06-02", "2026-06-01"),
        ("2025-01-01", "2026-06-01"),
        ("2026-13-01", "2026-06-01"),
        ("yesterday", "2026-06-01"),
    ] {
        let body = app.sales_report(&key, from, to, None, None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{from}..{to}: {body}");
    }
    let year = app
        .sales_report(&key, "2026-01-01", "2026-12-31", None, None)
        .await;
    assert_eq!(data(&year)["salesReport"]["totalCount"], 0);
}
