//! Load generator for the store and listening benchmarks: many distinct
//! users over GraphQL, N connections at once, latencies recorded per
//! request. Driven by `bench/store.sh`; by hand:
//!
//! ```sh
//! cargo run --release -p cadenza-tests --example load -- checkout http://127.0.0.1:18190 <product id> 2000 16
//! cargo run --release -p cadenza-tests --example load -- plays http://127.0.0.1:18190 <product id> 200 32 20
//! ```
//!
//! `checkout URL PRODUCT USERS CONNECTIONS`: registers USERS listeners, puts
//! PRODUCT in each cart (not timed), then times one checkout each over
//! CONNECTIONS connections; then, one buyer at a time, the time from
//! checkout's answer to the purchase being found in the buyer's search.
//!
//! `plays URL PRODUCT USERS CONNECTIONS SECONDS`: USERS listeners who own
//! PRODUCT send `recordPlay` for its tracks for SECONDS over CONNECTIONS
//! connections; reports plays stored per second.

// A command-line tool: it reports on standard output and panics on what it
// cannot go on from.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

struct Api {
    client: reqwest::Client,
    url: String,
}

impl Api {
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// A new listener with `product` in their cart: their token.
    async fn buyer(&self, n: usize, run: u64, product: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($e: String!) { register(input: {email: $e, password: \"load test password\", displayName: \"Load\"}) { accessToken } }",
                json!({ "e": format!("load-{run}-{n}@example.com") }),
            )
            .await;
        let token = body["data"]["register"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("register: {body}"))
            .to_owned();
        let added = self
            .gql(
                Some(&token),
                "mutation($p: ID!) { addToCart(productId: $p) { itemCount } }",
                json!({ "p": product }),
            )
            .await;
        assert_eq!(added["data"]["addToCart"]["itemCount"], 1, "{added}");
        token
    }

    async fn checkout(&self, token: &str, key: &str) -> Value {
        self.gql(
            Some(token),
            "mutation($k: String!) { checkout(idempotencyKey: $k) { id status } }",
            json!({ "k": key }),
        )
        .await
    }
}

/// Runs `work(i)` for i in 0..count over `connections` workers; the
/// latency of each, in order of completion.
async fn over<F, Fut>(count: usize, connections: usize, work: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let work = Arc::new(work);
    let started = Instant::now();
    let workers = (0..connections).map(|_| {
        let next = next.clone();
        let work = work.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return latencies;
                }
                let began = Instant::now();
                work(i).await;
                latencies.push(began.elapsed());
            }
        })
    });
    let mut all = Vec::with_capacity(count);
    for latencies in join_all(workers).await {
        all.extend(latencies.unwrap());
    }
    (all, started.elapsed())
}

fn percentiles(latencies: &mut [Duration]) -> String {
    latencies.sort_unstable();
    let at = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1000.0
    };
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    )
}

async fn checkout(api: Arc<Api>, product: String, users: usize, connections: usize) {
    let run = rand::random::<u32>() as u64;
    let setup = Instant::now();
    let tokens = {
        let api = api.clone();
        let product = product.clone();
        let tokens = Arc::new(std::sync::Mutex::new(vec![String::new(); users]));
        let filled = tokens.clone();
        over(users, connections, move |i| {
            let api = api.clone();
            let product = product.clone();
            let filled = filled.clone();
            async move {
                let token = api.buyer(i, run, &product).await;
                filled.lock().unwrap()[i] = token;
            }
        })
        .await;
        let filled = tokens.lock().unwrap().clone();
        Arc::new(filled)
    };
    println!(
        "setup: {users} listeners registered, the product in each cart, in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let failures = Arc::new(AtomicUsize::new(0));
    let (mut latencies, elapsed) = {
        let api = api.clone();
        let tokens = tokens.clone();
        let failures = failures.clone();
        over(users, connections, move |i| {
            let api = api.clone();
            let tokens = tokens.clone();
            let failures = failures.clone();
            async move {
                let body = api.checkout(&tokens[i], &format!("load-{run}-{i}")).await;
                if body["data"]["checkout"]["status"] != "FULFILLED"
                    && failures.fetch_add(1, Ordering::Relaxed) == 0
                {
                    eprintln!("a checkout failed: {body}");
                }
            }
        })
        .await
    };
    println!(
        "checkout: {users} orders over {connections} connections in {:.2} s: {:.0} orders/s; {}; {} failed",
        elapsed.as_secs_f64(),
        users as f64 / elapsed.as_secs_f64(),
        percentiles(&mut latencies),
        failures.load(Ordering::Relaxed)
    );

    // From checkout's answer to the purchase in the buyer's own search.
    let title = api
        .gql(
            None,
            "query($p: ID!) { node(id: $p) { ... on Product { album { tracks { title } } track { title } } } }",
            json!({ "p": product }),
        )
        .await;
    let node = &title["data"]["node"];
    let title = node["album"]["tracks"][0]["title"]
        .as_str()
        .or_else(|| node["track"]["title"].as_str())
        .unwrap_or_else(|| panic!("no track title in {title}"))
        .to_owned();
    let mut to_search = Vec::new();
    for i in 0..20 {
        let token = api.buyer(users + i, run, &product).await;
        let body = api.checkout(&token, &format!("search-{run}-{i}")).await;
        assert_eq!(body["data"]["checkout"]["status"], "FULFILLED", "{body}");
        let answered = Instant::now();
        loop {
            let found = api
                .gql(
                    Some(&token),
                    "query($q: String!) { search(query: $q, scope: LOCKER) { totalCount } }",
                    json!({ "q": title }),
                )
                .await;
            if found["data"]["search"]["totalCount"].as_i64().unwrap_or(0) > 0 {
                to_search.push(answered.elapsed());
                break;
            }
            assert!(
                answered.elapsed() < Duration::from_secs(30),
                "never found: {found}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    println!(
        "checkout answered to purchase found in search (20 buyers, polled every 5 ms): {}",
        percentiles(&mut to_search)
    );
}

async fn plays(api: Arc<Api>, product: String, users: usize, connections: usize, seconds: u64) {
    let run = rand::random::<u32>() as u64;
    let mut listeners = Vec::new();
    for i in 0..users {
        let token = api.buyer(i, run, &product).await;
        let body = api.checkout(&token, &format!("plays-{run}-{i}")).await;
        assert_eq!(body["data"]["checkout"]["status"], "FULFILLED", "{body}");
        let locker = api
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
        listeners.push((token, items));
    }
    let listeners = Arc::new(listeners);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let stored = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..connections).map(|worker| {
        let api = api.clone();
        let listeners = listeners.clone();
        let stored = stored.clone();
        let failed = failed.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker;
            while Instant::now() < deadline {
                let (token, items) = &listeners[n % listeners.len()];
                let item = &items[n % items.len()];
                let began = Instant::now();
                let body = api
                    .gql(
                        Some(token),
                        "mutation($i: RecordPlayInput!) { recordPlay(input: $i) }",
                        json!({ "i": { "itemId": item, "msPlayed": 30000, "completed": true, "deviceId": "load" } }),
                    )
                    .await;
                latencies.push(began.elapsed());
                if body["data"]["recordPlay"] == true {
                    stored.fetch_add(1, Ordering::Relaxed);
                } else if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("a play was not stored: {body}");
                }
                n += connections;
            }
            latencies
        })
    });
    let mut latencies = Vec::new();
    for worker in join_all(workers).await {
        latencies.extend(worker.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stored = stored.load(Ordering::Relaxed);
    println!(
        "recordPlay: {stored} plays stored by {users} listeners over {connections} connections in {elapsed:.1} s: {:.0} plays/s; {}; {} not stored",
        stored as f64 / elapsed,
        percentiles(&mut latencies),
        failed.load(Ordering::Relaxed)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: load checkout URL PRODUCT USERS CONNECTIONS | load plays URL PRODUCT USERS CONNECTIONS SECONDS";
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| panic!("{usage}"));
    let number = |i: usize| {
        arg(i)
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("{usage}"))
    };
    let api = Arc::new(Api {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        url: format!("{}/graphql", arg(2)),
    });
    match arg(1).as_str() {
        "checkout" => checkout(api, arg(3), number(4), number(5)).await,
        "plays" => plays(api, arg(3), number(4), number(5), number(6) as u64).await,
        _ => panic!("{usage}"),
    }
}
