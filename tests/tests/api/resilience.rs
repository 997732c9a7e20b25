//! Dependencies that go away: a Redis killed and started again, database
//! connections dropped under the server. Nothing hangs, nothing needs a
//! restart.

use cadenza_api::settings::Secret;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

/// A `redis-server` of the test's own, on a port of its own, that the test
/// can kill and start again.
struct PrivateRedis {
    port: u16,
    process: tokio::process::Child,
}

impl PrivateRedis {
    async fn start_on(port: u16) -> Self {
        let process = tokio::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (Debian package redis-server)");
        let redis = Self { port, process };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.cli(&["PING"]).await.as_deref() != Some("PONG") {
            assert!(Instant::now() < deadline, "the private Redis did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        redis
    }

    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port).await
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `kill -9`, and wait until it is gone.
    async fn kill(&mut self) {
        self.process.kill().await.unwrap();
    }

    async fn cli(&self, args: &[&str]) -> Option<String> {
        let output = tokio::process::Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .await
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

/// Runs `request`, failing the test if it takes longer than `limit`.
async fn within<T>(
    limit: Duration,
    what: &str,
    request: impl std::future::Future<Output = T>,
) -> T {
    tokio::time::timeout(limit, request)
        .await
        .unwrap_or_else(|_| panic!("{what} did not answer within {limit:?}"))
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = within(Duration::from_millis(1500), "/readyz", app.get("/readyz")).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_redis_outage_falls_back_and_the_server_uses_redis_again_when_it_returns() {
    let mut redis = PrivateRedis::start().await;
    let url = redis.url();
    let app = spawn_app_with(|settings| settings.redis.url = Some(Secret::new(url))).await;
    let email = format!("outage-{}@example.com", rand::random::<u32>());
    let token = token_of(&app.register(&email, PASSWORD, "Outage").await, "register");
    let me = Auth::Bearer(token);
    assert_eq!(readiness(&app).await.1["redis"], "ok");
    let mut events = app.locker_events(&me).await;

    redis.kill().await;

    // Sign-in still works: the rate limit is counted in process meanwhile.
    let body = within(Duration::from_secs(3), "login", app.login(&email, PASSWORD)).await;
    assert!(body["errors"].is_null(), "{body}");
    // Uploads answer, and this replica's devices still hear of them.
    let body = within(
        Duration::from_secs(5),
        "an upload",
        app.upload(&me, "outage.wav", wav(300, &[("INAM", "During")])),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let event = next_message(&mut events, Duration::from_secs(3))
        .await
        .expect("the event reaches a device on the same replica");
    assert_eq!(event["payload"]["data"]["lockerEvents"]["change"], "ADDED");
    // Ready (the database and storage answer), naming Redis as down.
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["redis"].as_str().unwrap().starts_with("unreachable"),
        "{body}"
    );

    let redis = PrivateRedis::start_on(redis.port).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while readiness(&app).await.1["redis"] != "ok" {
        assert!(Instant::now() < deadline, "Redis was not used again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Counted in Redis again.
    let body = within(Duration::from_secs(3), "login", app.login(&email, PASSWORD)).await;
    assert!(body["errors"].is_null(), "{body}");
    let keys = redis
        .cli(&["--scan", "--pattern", "*rate:login*"])
        .await
        .unwrap();
    assert!(
        !keys.is_empty(),
        "no rate-limit key in Redis after it came back"
    );
    // And events cross Redis again: a second replica's device hears this one.
    let replica = spawn_replica_of(&app).await;
    let mut elsewhere = replica.locker_events(&me).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = app
            .upload(
                &me,
                "after.wav",
                wav(300 + rand::random::<u16>() as u32 % 500, &[]),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        if next_message(&mut elsewhere, Duration::from_secs(1))
            .await
            .is_some()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "events did not cross replicas again"
        );
    }
}

#[tokio::test]
async fn a_server_starts_and_serves_while_redis_is_away() {
    let redis = PrivateRedis::start().await;
    let url = redis.url();
    drop(redis);
    let app = within(
        Duration::from_secs(30),
        "start-up",
        spawn_app_with(|settings| settings.redis.url = Some(Secret::new(url))),
    )
    .await;
    let me = app.customer().await;
    let body = app.viewer(&me).await;
    assert!(body["errors"].is_null(), "{body}");
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn dropped_database_connections_fail_fast_and_the_pool_recovers() {
    if backend() != Backend::Postgres {
        // SQLite is a file in the process: there is no connection to drop.
        return;
    }
    let app = spawn_app().await;
    let me = app.customer().await;
    let database = app
        .settings
        .database_url()
        .expose()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let admin =
        sea_orm::Database::connect(format!("{}/postgres", cadenza_tests::postgres_server_url()))
            .await
            .unwrap();
    let terminate = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    );
    for round in 0..3 {
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &terminate)
            .await
            .unwrap();
        // Every request answers in time: with data, or INTERNAL while the
        // pool finds out; never a hang.
        for _ in 0..10 {
            let body = within(
                Duration::from_secs(5),
                "a signed-in query",
                app.gql_as(
                    &me,
                    "{ viewer { locker { usage { itemCount } } } }",
                    json!({}),
                ),
            )
            .await;
            if !body["errors"].is_null() {
                assert_eq!(error_code(&body), "INTERNAL", "round {round}: {body}");
            }
        }
        // And soon they all succeed again, with no restart.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body = app.viewer(&me).await;
            if body["errors"].is_null() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the pool did not recover: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (status, body) = readiness(&app).await;
        assert_eq!(status, 200, "{body}");
    }
    admin.close().await.unwrap();
}
