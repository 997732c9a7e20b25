//! Starting a server per test, and one helper per GraphQL operation.

use std::path::PathBuf;
use std::time::Duration;

use cadenza_api::auth::Role;
use cadenza_api::services::accounts::{Accounts, Registration};
use cadenza_api::settings::{RateLimits, Secret};
use cadenza_api::{Application, Settings};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::OnceCell;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("CADENZA_TEST_DATABASE").as_deref() {
        Ok("postgres") | Ok("postgresql") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

use cadenza_tests::postgres_server_url;

/// The Redis that replica tests use, whichever database the suite runs on.
pub fn redis_url_for_replicas() -> String {
    cadenza_tests::redis_url()
}

fn redis_url() -> Option<String> {
    match backend() {
        Backend::Sqlite => None,
        Backend::Postgres => Some(cadenza_tests::redis_url()),
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::random::<u64>())
}

/// A database name for this run: it carries its creation time, so a later
/// run drops only what is old enough to be left over, never the databases
/// of a run going on beside it.
fn database_name(prefix: &str) -> String {
    format!("{prefix}_{}_{:08x}", unix_seconds(), rand::random::<u32>())
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Left over by a run that ended at least this long ago.
const STALE_AFTER_SECS: u64 = 3 * 60 * 60;

/// A database migrated and seeded with the demo catalogue once per test
/// run; each test gets its own copy of it.
enum Template {
    Sqlite { _dir: TempDir, file: PathBuf },
    Postgres { name: String },
}

static TEMPLATE: OnceCell<Template> = OnceCell::const_new();

async fn template() -> &'static Template {
    TEMPLATE
        .get_or_init(|| async {
            let dir = TempDir::new().unwrap();
            let (database_url, template) = match backend() {
                Backend::Sqlite => {
                    let file = dir.path().join("template.sqlite3");
                    (
                        Some(format!("sqlite://{}?mode=rwc", file.display())),
                        Template::Sqlite { _dir: dir, file },
                    )
                }
                Backend::Postgres => {
                    drop_stale_databases().await;
                    let name = database_name("cadenza_tpl");
                    admin_execute(&format!("CREATE DATABASE {name}")).await;
                    (
                        Some(format!("{}/{name}", postgres_server_url())),
                        Template::Postgres { name },
                    )
                }
            };
            let settings = settings_for(PathBuf::from("unused"), database_url, true);
            let db = cadenza_api::db::connect(&settings, None).await.unwrap();
            cadenza_api::startup::prepare_database(&settings, &db)
                .await
                .unwrap();
            if backend() == Backend::Sqlite {
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await
                    .unwrap();
            }
            db.close().await.unwrap();
            template
        })
        .await
}

/// Databases this suite made in runs long over (or, named before names
/// carried a time, in any earlier run).
async fn drop_stale_databases() {
    let admin = Database::connect(format!("{}/postgres", postgres_server_url()))
        .await
        .expect("PostgreSQL is not reachable; is it running?");
    let rows = admin
        .query_all(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'cadenza_t%'",
        ))
        .await
        .unwrap();
    for row in rows {
        let name: String = row.try_get("", "datname").unwrap();
        let created = name
            .split('_')
            .find_map(|part| part.parse::<u64>().ok().filter(|_| part.len() == 10));
        if created.is_some_and(|created| unix_seconds().saturating_sub(created) < STALE_AFTER_SECS)
        {
            continue;
        }
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
    admin.close().await.unwrap();
}

async fn admin_execute(sql: &str) {
    let admin = Database::connect(format!("{}/postgres", postgres_server_url()))
        .await
        .unwrap();
    let mut attempts = 0;
    loop {
        match admin.execute_unprepared(sql).await {
            Ok(_) => break,
            // Copying a template fails while another copy holds it; retry.
            Err(err) if attempts < 50 && err.to_string().contains("being accessed") => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("{sql}: {err}"),
        }
    }
    admin.close().await.unwrap();
}

fn settings_for(data_dir: PathBuf, database_url: Option<String>, seed_demo: bool) -> Settings {
    let mut settings = Settings::in_data_dir(data_dir);
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.database.url = database_url.map(Secret::new);
    settings.redis.url = redis_url().map(Secret::new);
    settings.redis.namespace = unique("cadenza_test");
    settings.seed_demo = seed_demo;
    // Drawing the demo's 132 pictures in every test's server would cost
    // seconds each; the artwork tests and the browser story turn it on.
    settings.catalogue_artwork = false;
    // Likewise the demo's master audio (18 MB of WAV); its test turns it on.
    settings.demo_audio = false;
    // Small enough that the upload-limit tests need not send gigabytes.
    settings.locker.max_upload_bytes = 8 * 1024 * 1024;
    settings.locker.quota_bytes = 1024 * 1024 * 1024;
    // Tests make many accounts and mutations from one address; the
    // rate-limit tests set their own.
    settings.rate_limits = RateLimits::unlimited();
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    _data_dir: TempDir,
}

/// The server on a copy of the seeded demo catalogue.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The same, with settings of the test's choosing.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = TempDir::new().unwrap();
    let database_url = match template().await {
        Template::Sqlite { file, .. } => {
            let copy = data_dir.path().join("cadenza.sqlite3");
            std::fs::copy(file, &copy).unwrap();
            None
        }
        Template::Postgres { name } => {
            let database = database_name("cadenza_t");
            admin_execute(&format!("CREATE DATABASE {database} TEMPLATE {name}")).await;
            Some(format!("{}/{database}", postgres_server_url()))
        }
    };
    start(data_dir, database_url, true, configure).await
}

/// The server on a new, empty database, seeding the demo or not.
pub async fn spawn_empty_app(seed_demo: bool) -> TestApp {
    spawn_empty_app_with(seed_demo, |_| {}).await
}

/// The same, with settings of the test's choosing.
pub async fn spawn_empty_app_with(
    seed_demo: bool,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let data_dir = TempDir::new().unwrap();
    let database_url = match backend() {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let database = database_name("cadenza_t");
            admin_execute(&format!("CREATE DATABASE {database}")).await;
            Some(format!("{}/{database}", postgres_server_url()))
        }
    };
    start(data_dir, database_url, seed_demo, configure).await
}

/// A second server on the same database, storage and Redis as `app`, as a
/// second replica behind a load balancer would be.
pub async fn spawn_replica_of(app: &TestApp) -> TestApp {
    // Each replica keeps its own search index.
    let own = TempDir::new().unwrap();
    let mut settings = app.settings.clone();
    settings.search_dir = own.path().join("search");
    let server = Application::build(settings.clone())
        .await
        .expect("the replica starts");
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    TestApp {
        address,
        client: app.client.clone(),
        settings,
        // The data dir belongs to `app`; this one holds the replica's index.
        _data_dir: own,
    }
}

/// The same, with settings of the test's choosing (another payment
/// provider behaviour, say).
pub async fn spawn_replica_with(app: &TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let own = TempDir::new().unwrap();
    let mut settings = app.settings.clone();
    settings.search_dir = own.path().join("search");
    configure(&mut settings);
    let server = Application::build(settings.clone())
        .await
        .expect("the replica starts");
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    TestApp {
        address,
        client: app.client.clone(),
        settings,
        _data_dir: own,
    }
}

async fn start(
    data_dir: TempDir,
    database_url: Option<String>,
    seed_demo: bool,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = settings_for(data_dir.path().to_path_buf(), database_url, seed_demo);
    configure(&mut settings);
    let app = Application::build(settings.clone())
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        settings,
        _data_dir: data_dir,
    }
}

// The operations themselves, one helper each, by area. Everything above
// (starting servers) and below (credentials, sending, reading answers) is
// shared by them.
mod accounts;
mod catalogue;
mod listening;
mod locker;
mod playlists;
mod privacy;
mod recommendations;
mod search;
mod store;
mod webhooks;

pub use search::SearchArgs;
pub use store::STORE_FEED;

/// Credentials a request carries.
#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    Bearer(String),
    ApiKey(String),
}

impl Auth {
    /// The bearer token of a signed-in person.
    pub fn token(&self) -> &str {
        match self {
            Auth::Bearer(token) => token,
            other => panic!("{other:?} carries no bearer token"),
        }
    }

    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::Anonymous => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::ApiKey(secret) => request.header("X-Api-Key", secret),
        }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The variables of an operation, leaving out the null ones as a client
/// leaves out the arguments it does not pass.
fn variables<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

impl TestApp {
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    pub async fn database(&self) -> DatabaseConnection {
        cadenza_api::db::connect(&self.settings, None)
            .await
            .unwrap()
    }

    /// POSTs one operation and returns the whole response body.
    pub async fn gql_as(&self, auth: &Auth, query: &str, variables: Value) -> Value {
        let request = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }));
        auth.apply(request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(&Auth::Anonymous, query, variables).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// `node`: any object by its ID, as far as the caller may see it.
    pub async fn node(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            "query($id: ID!) { node(id: $id) { __typename id } }",
            json!({ "id": id }),
        )
        .await
    }

    /// A new customer, signed in: their access token.
    pub async fn customer(&self) -> Auth {
        let email = format!("{}@example.com", unique("listener"));
        let body = self.register(&email, PASSWORD, "Listener").await;
        Auth::Bearer(token_of(&body, "register"))
    }

    /// An account of any role, made the way `cadenza create-user` makes it,
    /// then signed in through the API.
    pub async fn user_with_role(&self, role: Role) -> Auth {
        let email = self.account_with_role(role).await;
        let body = self.login(&email, PASSWORD).await;
        Auth::Bearer(token_of(&body, "login"))
    }

    /// An account of any role, made the way `cadenza create-user` makes it:
    /// its email (the password is `PASSWORD`).
    pub async fn account_with_role(&self, role: Role) -> String {
        let db = self.database().await;
        let secret =
            cadenza_api::auth::load_or_create_secret(None, &self.settings.data_dir).unwrap();
        let accounts = Accounts::new(
            db.clone(),
            cadenza_api::auth::AccessTokens::new(
                &secret,
                Duration::from_secs(self.settings.accounts.access_token_ttl_secs),
            ),
        );
        let email = format!("{}@example.com", unique(role.as_str()));
        accounts
            .create_user(Registration {
                email: &email,
                password: PASSWORD,
                display_name: "Staff",
                role,
            })
            .await
            .unwrap();
        db.close().await.unwrap();
        email
    }

    pub async fn admin(&self) -> Auth {
        self.user_with_role(Role::Admin).await
    }

    /// One operation with one file, by the GraphQL multipart request spec:
    /// the file goes to `variables.file`.
    pub async fn multipart(
        &self,
        auth: &Auth,
        query: &str,
        variables: Value,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Value {
        let operations = json!({ "query": query, "variables": variables });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(file_name.to_owned())
                    .mime_str("application/octet-stream")
                    .unwrap(),
            );
        let request = self.client.post(self.graphql_url()).multipart(form);
        auth.apply(request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Every file under the blob store.
    pub fn stored_blobs(&self) -> Vec<PathBuf> {
        files_under(&self.settings.data_dir.join("blobs"))
    }

    /// `cadenza_sql_statements_total` from `/metrics`.
    pub async fn sql_statements(&self) -> u64 {
        let metrics = self.get("/metrics").await.text().await.unwrap();
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("cadenza_sql_statements_total "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the metric is exported")
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestApp {
    /// Opens a graphql-transport-ws connection, authenticates it as the
    /// protocol says, and starts `query` as subscription "1".
    pub async fn subscribe(&self, auth: &Auth, query: &str) -> Socket {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Message;
        let url = self.graphql_url().replace("http://", "ws://");
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        let payload = match auth {
            Auth::Bearer(token) => json!({ "Authorization": format!("Bearer {token}") }),
            _ => json!({}),
        };
        let init = json!({ "type": "connection_init", "payload": payload });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let ack = next_message(&mut socket, Duration::from_secs(10))
            .await
            .expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        // The server registers the subscription as it reads the message; give
        // it that moment before the test makes the change it waits for.
        tokio::time::sleep(Duration::from_millis(300)).await;
        socket
    }
}

/// True when the server closes the connection within `wait` (before any
/// further protocol message).
pub async fn closed_within(socket: &mut Socket, wait: Duration) -> bool {
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, futures_util::StreamExt::next(socket)).await {
            Err(_) => return false,
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(Message::Text(text)))) if !text.as_str().contains("\"ping\"") => {
                return false
            }
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The code the server closes the connection with, if it closes it within
/// `wait` (before any further protocol message); `Some(None)`: closed
/// without a code.
pub async fn close_code_within(socket: &mut Socket, wait: Duration) -> Option<Option<u16>> {
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, futures_util::StreamExt::next(socket)).await {
            Err(_) => return None,
            Ok(None) | Ok(Some(Err(_))) => return Some(None),
            Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map(|f| f.code.into())),
            Ok(Some(Ok(Message::Text(text)))) if !text.as_str().contains("\"ping\"") => {
                return None
            }
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Opens a graphql-transport-ws connection and sends `connection_init`
/// with `payload`, without waiting for the answer.
pub async fn connect_socket(app: &TestApp, payload: Value) -> Socket {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let url = app.graphql_url().replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::text(init.to_string())).await.unwrap();
    socket
}

/// The next protocol message, or `None` if none comes within `wait`.
pub async fn next_message(socket: &mut Socket, wait: Duration) -> Option<Value> {
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(socket))
            .await
            .ok()??
            .ok()?;
        match frame {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                if value["type"] == "ping" || value["type"] == "pong" {
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

pub fn token_of(body: &Value, operation: &str) -> String {
    body["data"][operation]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token in {body}"))
        .to_owned()
}

/// The `extensions.code` of the first error, asserting there is one.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {body}"))
}

/// Asserts the response carries no errors and returns its data.
pub fn data(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

/// SHA-256 of `bytes` in lower-case hex, as `contentHash` gives it.
/// A virtualenv under the target dir with the packages of
/// `tests/<dir>/requirements.txt` (whose text is `requirements`), made once
/// and again only when that file changes; the Python in it. `for_what`
/// names the tests that need it in the failure message.
pub fn python_venv(dir: &str, requirements: &str, for_what: &str) -> PathBuf {
    use std::process::Command;
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{dir}-venv"));
    let python = venv.join("bin/python");
    let marker = venv.join(format!("installed-{}", sha256_hex(requirements.as_bytes())));
    if marker.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap_or_else(|_| panic!("python3 is needed for {for_what}"));
    assert!(status.success(), "python3 -m venv failed");
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("{dir}/requirements.txt"));
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(file)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "installing {dir}/requirements.txt from PyPI for {for_what} failed"
    );
    std::fs::write(&marker, "").unwrap();
    python
}

/// Every file under `dir`, at any depth; none when it does not exist.
pub use cadenza_tests::{eventually, files_under};

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
