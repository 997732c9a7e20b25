//! The real binary, killed with SIGKILL at the worst moments and started
//! again on the same data: what it promised is there, nothing is doubled.
//!
//! Runs on SQLite, or on PostgreSQL with `CADENZA_TEST_DATABASE=postgres`
//! (a database of its own, dropped at the end).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// One run of the binary.
struct Server {
    child: Child,
    address: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(data_dir: &Path, database_url: Option<&str>, payments: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_cadenza"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CADENZA_DATA_DIR", data_dir)
            .env("CADENZA_BIND", format!("127.0.0.1:{port}"))
            .env("CADENZA_PAYMENTS", payments)
            .env("CADENZA_PAYMENT_TIMEOUT_MS", "600000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let child = command.spawn().expect("the cadenza binary starts");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        };
        for _ in 0..600 {
            let ready = server
                .client
                .get(format!("{}/readyz", server.address))
                .send()
                .await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the server did not become ready; its log:\n{}",
            std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default()
        );
    }

    /// SIGKILL: no shutdown, no flush, nothing of the process's own.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn register(&self, email: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($e: String!, $p: String!) { register(input: {email: $e, password: $p, displayName: \"Crash\"}) { accessToken } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        body["data"]["register"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }

    async fn login(&self, email: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the runs keep their data: a temporary directory, and on
/// PostgreSQL a database of their own.
struct Store {
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Store {
    async fn new() -> Self {
        let dir = tempfile::TempDir::new().unwrap();
        let postgres = if std::env::var("CADENZA_TEST_DATABASE").as_deref() == Ok("postgres") {
            let server = std::env::var("CADENZA_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let name = format!("cadenza_tcrash_{stamp}_{:08x}", rand::random::<u32>());
            let admin = Database::connect(format!("{server}/postgres"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            admin.close().await.unwrap();
            Some((server, name))
        } else {
            None
        };
        Self { dir, postgres }
    }

    fn url(&self) -> Option<String> {
        self.postgres
            .as_ref()
            .map(|(server, name)| format!("{server}/{name}"))
    }

    async fn database(&self) -> DatabaseConnection {
        let url = self.url().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=ro",
                self.dir.path().join("cadenza.sqlite3").display()
            )
        });
        Database::connect(url).await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        let db = self.database().await;
        let row = db
            .query_one(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        let count: i64 = row.try_get_by_index(0).unwrap();
        db.close().await.unwrap();
        count
    }

    async fn drop_database(self) {
        if let Some((server, name)) = &self.postgres {
            let admin = Database::connect(format!("{server}/postgres"))
                .await
                .unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await.unwrap();
        }
    }
}

/// A demo album for sale and how many tracks it has.
async fn an_album(server: &Server) -> (String, usize) {
    let body = server
        .gql(
            None,
            "{ products(first: 20, filter: {kind: ALBUM}) { nodes { id album { tracks { id } } } } }",
            json!({}),
        )
        .await;
    let album = body["data"]["products"]["nodes"]
        .as_array()
        .and_then(|nodes| {
            nodes.iter().find(|node| {
                node["album"]["tracks"]
                    .as_array()
                    .is_some_and(|t| t.len() > 1)
            })
        })
        .unwrap_or_else(|| panic!("no demo album with tracks in {body}"))
        .clone();
    let tracks = album["album"]["tracks"].as_array().unwrap().len();
    (album["id"].as_str().unwrap().to_owned(), tracks)
}

const CHECKOUT: &str = "mutation($k: String!) { checkout(idempotencyKey: $k) { id status } }";

#[tokio::test]
async fn a_checkout_killed_between_charge_and_fulfilment_is_finished_by_its_key() {
    let store = Store::new().await;
    let url = store.url();
    // The provider charges, then its answer never comes: the server is
    // killed with the intent written and the money taken, nothing delivered.
    let server = Server::start(store.dir.path(), url.as_deref(), "charge-then-hang").await;
    let token = server.register("crash-buyer@example.com").await;
    let (album, tracks) = an_album(&server).await;
    let added = server
        .gql(
            Some(&token),
            "mutation($id: ID!) { addToCart(productId: $id) { itemCount } }",
            json!({ "id": album }),
        )
        .await;
    assert_eq!(added["data"]["addToCart"]["itemCount"], 1, "{added}");
    let pending = {
        let address = server.address.clone();
        let client = server.client.clone();
        let token = token.clone();
        tokio::spawn(async move {
            client
                .post(format!("{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": CHECKOUT, "variables": { "k": "crash-key" } }))
                .send()
                .await
        })
    };
    let mut charged = false;
    for _ in 0..300 {
        if store.count("SELECT COUNT(*) FROM payment_charges").await == 1 {
            charged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(charged, "the provider never charged");
    server.kill();
    assert!(
        pending.await.unwrap().is_err(),
        "the checkout had no answer"
    );
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM orders WHERE status = 'FULFILLED'")
            .await,
        0
    );

    // Started again, the same key finishes the purchase: one order, one
    // charge, every track in the locker once.
    let server = Server::start(store.dir.path(), url.as_deref(), "approve").await;
    let token = server.login("crash-buyer@example.com").await;
    let first = server
        .gql(Some(&token), CHECKOUT, json!({ "k": "crash-key" }))
        .await;
    assert_eq!(first["data"]["checkout"]["status"], "FULFILLED", "{first}");
    let again = server
        .gql(Some(&token), CHECKOUT, json!({ "k": "crash-key" }))
        .await;
    assert_eq!(again["data"]["checkout"], first["data"]["checkout"]);
    assert_eq!(store.count("SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(store.count("SELECT COUNT(*) FROM payment_charges").await, 1);
    let locker = server
        .gql(
            Some(&token),
            "{ viewer { locker { items(first: 100) { totalCount nodes { source streamable } } } } }",
            json!({}),
        )
        .await;
    let items = &locker["data"]["viewer"]["locker"]["items"];
    assert_eq!(items["totalCount"], tracks, "{locker}");
    assert!(items["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["source"] == "PURCHASE"));
    drop(server);
    store.drop_database().await;
}

#[tokio::test]
async fn plays_answered_true_survive_a_kill_a_moment_later() {
    let store = Store::new().await;
    let url = store.url();
    let server = Server::start(store.dir.path(), url.as_deref(), "approve").await;
    let token = server.register("crash-listener@example.com").await;
    let (album, _) = an_album(&server).await;
    server
        .gql(
            Some(&token),
            "mutation($id: ID!) { addToCart(productId: $id) { itemCount } }",
            json!({ "id": album }),
        )
        .await;
    let bought = server
        .gql(Some(&token), CHECKOUT, json!({ "k": "to-play" }))
        .await;
    assert_eq!(
        bought["data"]["checkout"]["status"], "FULFILLED",
        "{bought}"
    );
    let locker = server
        .gql(
            Some(&token),
            "{ viewer { locker { items(first: 100) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let items: Vec<String> = locker["data"]["viewer"]["locker"]["items"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();

    // Plays from many players at once, so they share group commits; the
    // server dies the moment the last answer is in.
    let plays: Vec<_> = (0..60)
        .map(|n| {
            let item = items[n % items.len()].clone();
            let address = server.address.clone();
            let client = server.client.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let body: Value = client
                    .post(format!("{address}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({
                        "query": "mutation($i: RecordPlayInput!) { recordPlay(input: $i) }",
                        "variables": { "i": { "itemId": item, "msPlayed": 1000 + n, "completed": false } },
                    }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                body
            })
        })
        .collect();
    let mut stored = 0;
    for play in plays {
        let body = play.await.unwrap();
        assert!(body["errors"].is_null(), "{body}");
        if body["data"]["recordPlay"] == true {
            stored += 1;
        }
    }
    server.kill();
    assert_eq!(stored, 60);

    let server = Server::start(store.dir.path(), url.as_deref(), "approve").await;
    let token = server.login("crash-listener@example.com").await;
    let history = server
        .gql(
            Some(&token),
            "{ viewer { recentlyPlayed(first: 100) { msPlayed } } }",
            json!({}),
        )
        .await;
    let mut played: Vec<i64> = history["data"]["viewer"]["recentlyPlayed"]
        .as_array()
        .unwrap_or_else(|| panic!("no history in {history}"))
        .iter()
        .map(|play| play["msPlayed"].as_i64().unwrap())
        .collect();
    played.sort_unstable();
    assert_eq!(played, (1000..1060).collect::<Vec<i64>>());
    drop(server);
    store.drop_database().await;
}
