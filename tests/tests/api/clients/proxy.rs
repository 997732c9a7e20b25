//! HTTP caching through a real caching proxy: Debian's nginx with
//! `proxy_cache` in front of the server, as a CDN would be. Persisted
//! queries sent by GET are served from the proxy; anything that depends on
//! the caller never is.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};

use super::clients_dir;
use crate::helpers::*;

/// nginx in front of `app`, with its own files in a temporary directory;
/// stopped when dropped.
struct Proxy {
    address: String,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn proxy_in_front_of(app: &TestApp) -> Proxy {
    clients_dir(); // installs nginx
    let dir = tempfile::TempDir::new().unwrap();
    let port = free_port();
    let origin = app.address.trim_start_matches("http://");
    let d = dir.path().display();
    let config = format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  proxy_cache_path {d}/cache levels=1:2 keys_zone=api:1m max_size=16m inactive=60s use_temp_path=off;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://{origin};
      proxy_http_version 1.1;
      proxy_cache api;
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
    }}
  }}
}}
"
    );
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|candidate| Path::new(candidate).exists())
        .unwrap_or("nginx");
    let child = tokio::process::Command::new(nginx)
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("nginx starts (tests/clients/install.sh installs it)");
    let address = format!("http://127.0.0.1:{port}");
    cadenza_tests::eventually(Duration::from_secs(5), || async {
        reqwest::get(format!("{address}/healthz")).await.ok()
    })
    .await
    .expect("nginx listens");
    Proxy {
        address,
        _child: child,
        _dir: dir,
    }
}

/// The `X-Cache-Status` of each of `count` identical GETs through the proxy.
async fn statuses(
    client: &reqwest::Client,
    url: &str,
    auth: Option<&str>,
    count: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..count {
        let mut request = client.get(url);
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        seen.push(
            response
                .headers()
                .get("x-cache-status")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned(),
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["errors"].is_null(), "{body}");
    }
    seen
}

fn persisted_url(base: &str, query: &str, variables: Value) -> String {
    let extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(query.as_bytes()) } });
    let url = reqwest::Url::parse_with_params(
        &format!("{base}/graphql"),
        &[
            ("extensions", extensions.to_string()),
            ("variables", variables.to_string()),
        ],
    )
    .unwrap();
    url.to_string()
}

#[tokio::test]
async fn persisted_gets_are_served_by_the_proxy_and_personal_ones_never() {
    let app = spawn_app().await;
    let proxy = proxy_in_front_of(&app).await;
    let client = reqwest::Client::new();
    let me = app.customer().await;

    // The client registers its query once (APQ), then sends the hash by GET.
    let query =
        "query Shelf($n: Int) { products(first: $n, sort: BEST_SELLING) { nodes { title } } }";
    let registered: Value = client
        .post(format!("{}/graphql", proxy.address))
        .json(&json!({
            "query": query,
            "variables": { "n": 3 },
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(query.as_bytes()) } },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(registered["errors"].is_null(), "{registered}");
    let url = persisted_url(&proxy.address, query, json!({ "n": 3 }));
    let seen = statuses(&client, &url, None, 20).await;
    let hits = seen.iter().filter(|status| *status == "HIT").count();
    eprintln!(
        "proxy, persisted GET: {hits} of {} from the cache: {seen:?}",
        seen.len()
    );
    assert_eq!(seen[0], "MISS", "{seen:?}");
    assert!(
        hits >= 18,
        "repeated persisted GETs come from the proxy: {seen:?}"
    );

    // A signed-in caller's personal query by GET: never kept.
    let personal = "{ viewer { user { email } } }";
    let url = reqwest::Url::parse_with_params(
        &format!("{}/graphql", proxy.address),
        &[("query", personal)],
    )
    .unwrap()
    .to_string();
    let seen = statuses(&client, &url, Some(me.token()), 5).await;
    assert!(
        seen.iter().all(|status| status != "HIT"),
        "viewer-dependent answers are never served from the proxy: {seen:?}"
    );
    // A public query asked with credentials is its own variant: the
    // anonymous copy is not served to a caller who sent credentials.
    let url = persisted_url(&proxy.address, query, json!({ "n": 3 }));
    let admin = app.admin().await;
    let seen = statuses(&client, &url, Some(admin.token()), 1).await;
    assert_ne!(seen[0], "HIT", "{seen:?}");
}

#[tokio::test]
async fn get_answers_say_how_long_they_may_be_kept() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let public = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ genres { name } }")])
        .send()
        .await
        .unwrap();
    let headers = public.headers().clone();
    assert_eq!(
        headers["cache-control"],
        "public, max-age=5, stale-while-revalidate=30"
    );
    let vary = headers["vary"].to_str().unwrap();
    for name in ["Accept", "Authorization", "X-Api-Key"] {
        assert!(vary.contains(name), "{vary}");
    }
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "a strong ETag: {etag}"
    );
    let body = public.text().await.unwrap();

    // The client's copy is current: 304, no body; from the cache or not.
    for _ in 0..2 {
        let again = app
            .client
            .get(app.graphql_url())
            .query(&[("query", "{ genres { name } }")])
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert!(again.text().await.unwrap().is_empty());
    }
    let other = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ genres { name } }")])
        .header("If-None-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.text().await.unwrap(), body);

    // Personal, or an error: kept nowhere, no ETag.
    for (query, auth) in [
        ("{ viewer { user { email } } }", Some(me.token())),
        ("{ genres { nope } }", None),
    ] {
        let mut request = app.client.get(app.graphql_url()).query(&[("query", query)]);
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.headers()["cache-control"],
            "private, no-store",
            "{query}"
        );
        assert!(response.headers().get("etag").is_none(), "{query}");
    }
    // A signed-in caller's public query is public too (the same answer as
    // everyone's), varying by the credentials that decide it.
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ genres { name } }")])
        .bearer_auth(me.token())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=5, stale-while-revalidate=30"
    );
}
