//! What the tests of the real binary share: starting it on a data dir
//! (and a PostgreSQL database of its own when the suite runs there),
//! talking to it, and files to give it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";

/// The binary with nothing of this process's environment but `PATH`, on
/// `data_dir` and the database (SQLite in the data dir when `None`): for a
/// subcommand, or the server (`Server::start`).
pub fn cadenza(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadenza"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CADENZA_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// One run of the binary.
pub struct Server {
    child: Child,
    pub address: String,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts the binary on `data_dir` with `env` on top of what it needs;
    /// everything it writes (stdout and stderr) goes to `server.log` there.
    pub async fn start(data_dir: &Path, database_url: Option<&str>, env: &[(&str, &str)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let mut command = cadenza(data_dir, database_url);
        command
            .env("CADENZA_BIND", format!("127.0.0.1:{port}"))
            .env("CADENZA_PAYMENT_TIMEOUT_MS", "600000")
            // The catalogue's artwork and demo audio jobs write blobs of
            // their own; these tests count the blobs their listeners make.
            .env("CADENZA_CATALOGUE_ARTWORK", "false")
            .env("CADENZA_DEMO_AUDIO", "false")
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
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
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    pub async fn register(&self, email: &str) -> String {
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

    pub async fn login(&self, email: &str) -> String {
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
pub struct Store {
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Store {
    pub async fn new() -> Self {
        let dir = tempfile::TempDir::new().unwrap();
        let postgres = if cadenza_tests::on_postgres() {
            let server = cadenza_tests::postgres_server_url();
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

    pub fn url(&self) -> Option<String> {
        self.postgres
            .as_ref()
            .map(|(server, name)| format!("{server}/{name}"))
    }

    pub async fn database(&self) -> DatabaseConnection {
        let url = self.url().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=ro",
                self.dir.path().join("cadenza.sqlite3").display()
            )
        });
        Database::connect(url).await.unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
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

    pub async fn drop_database(self) {
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

// Not every test binary that includes this module uses each of these.
#[allow(unused_imports)]
pub use cadenza_tests::{audio::random_wav, files_under};

impl Server {
    pub async fn upload(&self, token: &str, bytes: Vec<u8>) {
        let operations = json!({
            "query": "mutation($file: Upload!) { uploadTrack(file: $file) { id } }",
            "variables": { "file": null },
        });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name("crash.wav"),
            );
        let body: Value = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body["data"]["uploadTrack"]["id"].is_string(), "{body}");
    }
}

/// A demo album for sale and how many tracks it has.
pub async fn an_album(server: &Server) -> (String, usize) {
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
