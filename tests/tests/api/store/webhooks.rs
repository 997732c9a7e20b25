//! Partners' signed webhooks, checked by a receiver that verifies every
//! request with the reference `standardwebhooks` package from PyPI
//! (tests/webhooks/receiver.py), installed on first use into a virtualenv
//! under the target dir (tests/webhooks/requirements.txt); it needs
//! `python3`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use cadenza_api::settings::WebhookSettings;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::sync::OnceCell;

use crate::helpers::*;

const REQUIREMENTS: &str = include_str!("../../../webhooks/requirements.txt");

/// A virtualenv with `standardwebhooks`, made once per target dir; the
/// Python in it.
async fn python() -> &'static PathBuf {
    static PYTHON: OnceCell<PathBuf> = OnceCell::const_new();
    PYTHON
        .get_or_init(|| async { tokio::task::spawn_blocking(install).await.unwrap() })
        .await
}

fn install() -> PathBuf {
    python_venv("webhooks", REQUIREMENTS, "the webhook tests")
}

/// A partner's endpoint: verifies and records every webhook.
struct Receiver {
    url: String,
    client: reqwest::Client,
    // Killed when the test ends.
    _process: tokio::process::Child,
}

impl Receiver {
    async fn start() -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("webhooks/receiver.py");
        let mut child = tokio::process::Command::new(python().await)
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the webhook receiver starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver reports its port")
            .unwrap()
            .expect("the receiver prints its port");
        let port = line.strip_prefix("PORT ").expect("PORT <n>");
        Self {
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            _process: child,
        }
    }

    /// Where webhooks are to be sent.
    fn hook_url(&self) -> String {
        format!("{}/hooks/cadenza", self.url)
    }

    /// Verifies with `secret`, answering the first `fail_first` webhooks 500.
    async fn configure(&self, secret: &str, fail_first: u32) {
        let answer = self
            .client
            .post(format!("{}/_config", self.url))
            .json(&json!({ "secret": secret, "failFirst": fail_first }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 204);
    }

    async fn received(&self) -> Vec<Value> {
        self.client
            .get(format!("{}/_received", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until at least `count` webhooks came (20 s at most).
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received().await;
            if received.len() >= count || tokio::time::Instant::now() > deadline {
                assert!(
                    received.len() >= count,
                    "{count} webhooks expected: {received:?}"
                );
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Settings that make retries take milliseconds rather than minutes.
fn fast(settings: &mut cadenza_api::Settings) {
    settings.webhooks = WebhookSettings {
        poll_interval_ms: 25,
        timeout_ms: 5_000,
        retry_base_ms: 25,
        retry_max_delay_ms: 200,
        give_up_after_secs: 60,
        batch: 16,
    };
}

/// An endpoint for `events` at `receiver`, which verifies with its secret.
async fn register(app: &TestApp, admin: &Auth, receiver: &Receiver, events: &[&str]) -> Value {
    let body = app
        .create_webhook_endpoint(admin, &receiver.hook_url(), events)
        .await;
    let endpoint = data(&body)["createWebhookEndpoint"].clone();
    receiver
        .configure(endpoint["secret"].as_str().unwrap(), 0)
        .await;
    endpoint
}

/// The log until every delivery in it is no longer PENDING (20 s at most).
async fn settled_log(app: &TestApp, admin: &Auth, expected: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = app.webhook_deliveries(admin, None).await;
        let nodes = data(&body)["webhookDeliveries"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let settled =
            nodes.len() >= expected && nodes.iter().all(|node| node["status"] != "PENDING");
        if settled || tokio::time::Instant::now() > deadline {
            assert!(settled, "{expected} settled deliveries expected: {nodes:?}");
            return nodes;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_fulfilled_order_is_announced_once_signed_and_without_its_buyer() {
    let app = spawn_app_with(fast).await;
    app.store_feed().await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &admin, &receiver, &["ORDER_FULFILLED"]).await;
    let secret = endpoint["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    assert_eq!(endpoint["events"], json!(["ORDER_FULFILLED"]));

    let email = "buyer-webhooks@example.com";
    let registered = app.register(email, PASSWORD, "Webhook Buyer").await;
    let buyer = Auth::Bearer(token_of(&registered, "register"));
    let buyer_id = data(&registered)["register"]["user"]["id"].clone();
    let album = app.product_id("ST-ALB").await;
    data(&app.add_to_cart(&buyer, &album).await);
    let order = data(&app.checkout(&buyer, "webhooks-1").await)["checkout"].clone();
    assert_eq!(order["status"], "FULFILLED");

    let received = receiver.wait_for(1).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let hook = &received[0];
    assert_eq!(hook["verified"], true, "{hook}");
    assert_eq!(hook["status"], 204);
    let payload = &hook["payload"];
    assert_eq!(payload["type"], "order.fulfilled");
    let sale = &payload["data"];
    assert_eq!(sale["currency"], "USD");
    assert_eq!(sale["totalMinor"], 1500);
    assert_eq!(
        sale["products"],
        json!([{ "productId": album, "sku": "ST-ALB", "kind": "ALBUM", "units": 1, "amountMinor": 1500 }])
    );
    assert!(sale["fulfilledAt"].is_string(), "{sale}");
    let mut fields: Vec<&str> = sale
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["currency", "fulfilledAt", "products", "totalMinor"]
    );
    // Nothing that leads back to the buyer: not them, not the order.
    let text = payload.to_string();
    for private in [
        email,
        "Webhook Buyer",
        buyer_id.as_str().unwrap(),
        order["id"].as_str().unwrap(),
        order["number"].as_str().unwrap(),
    ] {
        assert!(!text.contains(private), "{private} leaked into {text}");
    }

    // The log says the same, with the id the receiver saw.
    let log = settled_log(&app, &admin, 1).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "DELIVERED");
    assert_eq!(log[0]["eventType"], "ORDER_FULFILLED");
    assert_eq!(log[0]["endpointId"], endpoint["id"]);
    assert_eq!(log[0]["messageId"], hook["id"]);
    assert_eq!(log[0]["attemptCount"], 1);
    assert_eq!(log[0]["lastStatusCode"], 204);
    assert_eq!(log[0]["nextAttemptAt"], Value::Null);
    assert_eq!(log[0]["attempts"][0]["statusCode"], 204);

    // The same key again is the same order, and announces nothing new.
    data(&app.checkout(&buyer, "webhooks-1").await);
    let log = app.webhook_deliveries(&admin, None).await;
    assert_eq!(data(&log)["webhookDeliveries"]["totalCount"], 1);
}

/// The store feed with ST-T1 at a new price and the album renamed.
fn changed_store_feed() -> String {
    STORE_FEED
        .replace(
            r#""sku":"ST-T1","kind":"TRACK","ref":"tr-st-1","priceMinor":129"#,
            r#""sku":"ST-T1","kind":"TRACK","ref":"tr-st-1","priceMinor":149"#,
        )
        .replace(
            r#""title":"Two Tracks""#,
            r#""title":"Two Tracks (Remastered)""#,
        )
}

#[tokio::test]
async fn a_product_change_is_announced_and_an_unchanged_import_is_not() {
    let app = spawn_app_with(fast).await;
    app.store_feed().await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;

    // The same feed again changes nothing: nothing to announce.
    let same = app.import_feed(&admin, STORE_FEED).await;
    assert_eq!(data(&same)["importCatalogue"]["rejected"], json!([]));
    let log = app.webhook_deliveries(&admin, None).await;
    assert_eq!(data(&log)["webhookDeliveries"]["totalCount"], 0);

    let changed = app.import_feed(&admin, changed_store_feed()).await;
    assert_eq!(data(&changed)["importCatalogue"]["rejected"], json!([]));
    let received = receiver.wait_for(2).await;
    let by_sku: HashMap<&str, &Value> = received
        .iter()
        .map(|hook| {
            assert_eq!(hook["verified"], true, "{hook}");
            assert_eq!(hook["payload"]["type"], "product.updated");
            (
                hook["payload"]["data"]["sku"].as_str().unwrap(),
                &hook["payload"]["data"],
            )
        })
        .collect();
    assert_eq!(by_sku.len(), 2, "{received:?}");
    let track = by_sku["ST-T1"];
    assert_eq!(track["productId"], app.product_id("ST-T1").await);
    assert_eq!(track["priceMinor"], 149);
    assert_eq!(track["currency"], "USD");
    assert_eq!(track["title"], "First Tune");
    assert_eq!(track["kind"], "TRACK");
    assert_eq!(track["available"], true);
    assert_eq!(track["audioFormat"], "FLAC");
    let album = by_sku["ST-ALB"];
    assert_eq!(album["title"], "Two Tracks (Remastered)");
    assert_eq!(album["priceMinor"], 1500);
    assert_eq!(settled_log(&app, &admin, 2).await.len(), 2);
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_id_and_logged() {
    let app = spawn_app_with(fast).await;
    app.store_feed().await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;
    // The first two answers are 500.
    receiver
        .configure(endpoint["secret"].as_str().unwrap(), 2)
        .await;

    let feed = STORE_FEED.replace(
        r#""sku":"ST-T2","kind":"TRACK","ref":"tr-st-2","priceMinor":99"#,
        r#""sku":"ST-T2","kind":"TRACK","ref":"tr-st-2","priceMinor":109"#,
    );
    data(&app.import_feed(&admin, feed).await);
    let log = settled_log(&app, &admin, 1).await;
    let received = receiver.wait_for(3).await;
    assert_eq!(received.len(), 3, "{received:?}");
    let statuses: Vec<&Value> = received.iter().map(|hook| &hook["status"]).collect();
    assert_eq!(statuses, [500, 500, 204]);
    for hook in &received {
        assert_eq!(hook["verified"], true, "{hook}");
        // Every attempt of one message carries its one id.
        assert_eq!(hook["id"], received[0]["id"]);
        assert_eq!(hook["payload"]["data"]["sku"], "ST-T2");
        assert_eq!(hook["payload"]["data"]["priceMinor"], 109);
    }

    let delivery = &log[0];
    assert_eq!(delivery["status"], "DELIVERED", "{delivery}");
    assert_eq!(delivery["messageId"], received[0]["id"]);
    assert_eq!(delivery["attemptCount"], 3);
    assert_eq!(delivery["lastStatusCode"], 204);
    assert_eq!(delivery["lastError"], Value::Null);
    assert!(delivery["deliveredAt"].is_string(), "{delivery}");
    let attempts = delivery["attempts"].as_array().unwrap();
    let numbers: Vec<&Value> = attempts.iter().map(|a| &a["number"]).collect();
    assert_eq!(numbers, [1, 2, 3]);
    let codes: Vec<&Value> = attempts.iter().map(|a| &a["statusCode"]).collect();
    assert_eq!(codes, [500, 500, 204]);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        r#"cadenza_webhook_attempts_total{outcome="retry"} 2"#,
        r#"cadenza_webhook_attempts_total{outcome="delivered"} 1"#,
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn an_endpoint_that_never_answers_well_is_given_up() {
    let app = spawn_app_with(|settings| {
        fast(settings);
        settings.webhooks.give_up_after_secs = 1;
    })
    .await;
    app.store_feed().await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;
    receiver
        .configure(endpoint["secret"].as_str().unwrap(), 1_000)
        .await;
    data(&app.import_feed(&admin, changed_store_feed()).await);

    let log = settled_log(&app, &admin, 2).await;
    for delivery in &log {
        assert_eq!(delivery["status"], "FAILED", "{delivery}");
        assert_eq!(delivery["nextAttemptAt"], Value::Null);
        assert_eq!(delivery["lastStatusCode"], 500);
        assert_eq!(delivery["lastError"], "answered HTTP 500");
        let attempts = delivery["attempts"].as_array().unwrap();
        assert!(attempts.len() >= 2, "{delivery}");
        assert_eq!(delivery["attemptCount"], attempts.len());
        assert!(
            attempts.iter().all(|a| a["statusCode"] == 500),
            "{delivery}"
        );
    }
    let ids: Vec<&Value> = log.iter().map(|d| &d["messageId"]).collect();
    let received = receiver.received().await;
    assert!(received.iter().all(|hook| ids.contains(&&hook["id"])));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_with_the_reason_logged() {
    let app = spawn_app_with(fast).await;
    app.store_feed().await;
    let admin = app.admin().await;
    // Nothing listens there: bound and dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let created = app
        .create_webhook_endpoint(
            &admin,
            &format!("http://127.0.0.1:{port}/hooks"),
            &["PRODUCT_UPDATED"],
        )
        .await;
    data(&created);
    data(&app.import_feed(&admin, changed_store_feed()).await);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = app.webhook_deliveries(&admin, None).await;
        let nodes = data(&body)["webhookDeliveries"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        if nodes.len() == 2 && nodes.iter().all(|n| n["attemptCount"].as_i64() >= Some(2)) {
            for node in &nodes {
                assert_eq!(node["status"], "PENDING");
                assert!(node["nextAttemptAt"].is_string(), "{node}");
                assert_eq!(node["lastStatusCode"], Value::Null);
                assert_eq!(node["attempts"][0]["statusCode"], Value::Null);
                assert!(node["attempts"][0]["error"].is_string(), "{node}");
            }
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{nodes:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn only_an_administrator_manages_webhooks() {
    let app = spawn_app().await;
    let url = "https://partner.example/hooks";
    let events = ["ORDER_FULFILLED"];
    let customer = app.customer().await;
    let partner = app.user_with_role(cadenza_api::auth::Role::Partner).await;
    for (auth, code) in [
        (&Auth::Anonymous, "UNAUTHENTICATED"),
        (&customer, "FORBIDDEN"),
        (&partner, "FORBIDDEN"),
    ] {
        let created = app.create_webhook_endpoint(auth, url, &events).await;
        assert_eq!(error_code(&created), code, "{created}");
        assert_eq!(error_code(&app.webhook_endpoints(auth).await), code);
        assert_eq!(error_code(&app.webhook_deliveries(auth, None).await), code);
    }

    let admin = app.admin().await;
    let created = app.create_webhook_endpoint(&admin, url, &events).await;
    let endpoint = data(&created)["createWebhookEndpoint"].clone();
    let id = &endpoint["id"];
    for (auth, code) in [
        (&Auth::Anonymous, "UNAUTHENTICATED"),
        (&customer, "FORBIDDEN"),
    ] {
        let disabled = app.set_webhook_endpoint_disabled(auth, id, true).await;
        assert_eq!(error_code(&disabled), code);
        assert_eq!(
            error_code(&app.delete_webhook_endpoint(auth, id).await),
            code
        );
    }

    // The secret is shown once: never in a later read.
    let listed = app.webhook_endpoints(&admin).await;
    let listed = data(&listed)["webhookEndpoints"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], *id);
    assert_eq!(listed[0]["url"], url);
    assert_eq!(listed[0]["secret"], Value::Null);
    assert_eq!(listed[0]["disabled"], false);

    let disabled = app.set_webhook_endpoint_disabled(&admin, id, true).await;
    assert_eq!(
        data(&disabled)["setWebhookEndpointDisabled"]["disabled"],
        true
    );
    assert_eq!(
        data(&disabled)["setWebhookEndpointDisabled"]["secret"],
        Value::Null
    );
    assert_eq!(
        data(&app.delete_webhook_endpoint(&admin, id).await)["deleteWebhookEndpoint"],
        true
    );
    assert_eq!(
        error_code(&app.delete_webhook_endpoint(&admin, id).await),
        "NOT_FOUND"
    );
    let listed = app.webhook_endpoints(&admin).await;
    assert_eq!(data(&listed)["webhookEndpoints"], json!([]));
}

#[tokio::test]
async fn a_bad_url_or_event_is_bad_user_input_and_registers_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for url in [
        "",
        "not a url",
        "/hooks",
        "partner.example/hooks",
        "ftp://partner.example/hooks",
        "https://user:secret@partner.example/hooks",
        &format!("https://partner.example/{}", "a".repeat(2100)),
    ] {
        let created = app
            .create_webhook_endpoint(&admin, url, &["ORDER_FULFILLED"])
            .await;
        assert_eq!(error_code(&created), "BAD_USER_INPUT", "{url}: {created}");
    }
    for events in [&[][..], &["ORDER_SHIPPED"], &["order.fulfilled"]] {
        let created = app
            .create_webhook_endpoint(&admin, "https://partner.example/hooks", events)
            .await;
        assert_eq!(
            error_code(&created),
            "BAD_USER_INPUT",
            "{events:?}: {created}"
        );
    }
    let listed = app.webhook_endpoints(&admin).await;
    assert_eq!(data(&listed)["webhookEndpoints"], json!([]));
}

#[tokio::test]
async fn a_disabled_endpoint_is_sent_nothing() {
    let app = spawn_app_with(fast).await;
    app.store_feed().await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    let off = register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;
    data(
        &app.set_webhook_endpoint_disabled(&admin, &off["id"], true)
            .await,
    );
    let on = register(
        &app,
        &admin,
        &receiver,
        &["PRODUCT_UPDATED", "ORDER_FULFILLED"],
    )
    .await;

    data(&app.import_feed(&admin, changed_store_feed()).await);
    let log = settled_log(&app, &admin, 2).await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|d| d["endpointId"] == on["id"]), "{log:?}");
    let mine = app.webhook_deliveries(&admin, Some(&off["id"])).await;
    assert_eq!(data(&mine)["webhookDeliveries"]["totalCount"], 0);
}

/// Two replicas on one database, both polling: every message is sent
/// once, in one attempt, though either replica could have taken it.
#[tokio::test]
async fn two_replicas_deliver_each_message_once() {
    let app = spawn_app_with(fast).await;
    let replica = spawn_replica_of(&app).await;
    let admin = app.admin().await;
    let count = 40;
    let feed = |price: i64| {
        let mut feed = String::from(
            "{\"type\":\"artist\",\"id\":\"ar-many\",\"name\":\"Many\"}\n\
             {\"type\":\"album\",\"id\":\"al-many\",\"artist\":\"ar-many\",\"title\":\"Many\"}\n",
        );
        for n in 0..count {
            feed.push_str(&format!(
                "{{\"type\":\"track\",\"id\":\"tr-many-{n}\",\"album\":\"al-many\",\"title\":\"Tune {n}\",\"durationMs\":1000}}\n\
                 {{\"type\":\"product\",\"sku\":\"MANY-{n}\",\"kind\":\"TRACK\",\"ref\":\"tr-many-{n}\",\"priceMinor\":{price},\"currency\":\"USD\"}}\n"
            ));
        }
        feed
    };
    data(&app.import_feed(&admin, feed(100)).await);
    let receiver = Receiver::start().await;
    register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;
    // The change is made through the replica; either may send it.
    data(&replica.import_feed(&admin, feed(200)).await);

    let log = settled_log(&app, &admin, count).await;
    assert_eq!(log.len(), count);
    assert!(
        log.iter()
            .all(|d| d["status"] == "DELIVERED" && d["attemptCount"] == 1),
        "{log:?}"
    );
    // A second send of any of them would be on its way by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received().await;
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for hook in &received {
        assert_eq!(hook["verified"], true, "{hook}");
        *per_id.entry(hook["id"].as_str().unwrap()).or_default() += 1;
    }
    assert_eq!(per_id.len(), count);
    assert!(per_id.values().all(|sent| *sent == 1), "{per_id:?}");
}

/// A delivery claimed by a worker that died (its lease over) is sent by
/// another; one whose lease still holds is left to its worker.
#[tokio::test]
async fn a_dead_workers_claim_is_taken_over_when_its_lease_ends() {
    use entities::webhook_delivery;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let app = spawn_app_with(fast).await;
    let admin = app.admin().await;
    let receiver = Receiver::start().await;
    let endpoint = register(&app, &admin, &receiver, &["PRODUCT_UPDATED"]).await;
    let endpoint_row = cadenza_api::domain::GlobalId::decode(endpoint["id"].as_str().unwrap())
        .unwrap()
        .id;
    let db = app.database().await;
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for (message_id, lease_ends) in [
        ("msg_dead_worker", now - chrono::Duration::seconds(1)),
        ("msg_live_worker", now + chrono::Duration::hours(1)),
    ] {
        let row = webhook_delivery::ActiveModel {
            endpoint_id: Set(endpoint_row),
            message_id: Set(message_id.into()),
            event_type: Set("product.updated".into()),
            payload: Set(format!(
                r#"{{"type":"product.updated","timestamp":"{}","data":{{"sku":"{message_id}"}}}}"#,
                now.to_rfc3339()
            )),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now - chrono::Duration::seconds(5)),
            created_at: Set(now - chrono::Duration::seconds(5)),
            claim_token: Set(Some(format!("token-of-{message_id}"))),
            claim_expires_at: Set(Some(lease_ends)),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        rows.push(row.id);
    }

    let received = receiver.wait_for(1).await;
    assert_eq!(received[0]["id"], "msg_dead_worker");
    assert_eq!(received[0]["verified"], true, "{received:?}");
    settled_one(&app, &admin, "msg_dead_worker").await;
    // Both were due together: a worker that ignored leases would have
    // claimed the live one in the same poll.
    let live = webhook_delivery::Entity::find_by_id(rows[1])
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.attempts, 0);
    assert_eq!(live.status, "pending");
    assert_eq!(
        live.claim_token.as_deref(),
        Some("token-of-msg_live_worker")
    );
    assert_eq!(receiver.received().await.len(), 1);
    db.close().await.unwrap();
}

/// Waits until the delivery of `message_id` is DELIVERED (20 s at most).
async fn settled_one(app: &TestApp, admin: &Auth, message_id: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = app.webhook_deliveries(admin, None).await;
        let delivered = data(&body)["webhookDeliveries"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["messageId"] == message_id && n["status"] == "DELIVERED");
        if delivered {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
