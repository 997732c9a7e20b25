//! OpenTelemetry export: with `CADENZA_OTLP_ENDPOINT` set, each request's
//! span reaches a collector's OTLP/HTTP `/v1/traces`, in the caller's trace
//! when it sent a `traceparent`. The collector here is a few lines of HTTP
//! that keep what they are sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cadenza_tests::eventually;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::*;

#[derive(Clone, Default)]
struct Collector {
    /// Each post: its path, content type and JSON body.
    posts: Arc<Mutex<Vec<(String, String, Value)>>>,
}

impl Collector {
    async fn start() -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let collector = Self::default();
        let kept = collector.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(kept.clone().serve(stream));
            }
        });
        (collector, address)
    }

    /// HTTP/1.1 with keep-alive: requests one after another on a stream.
    async fn serve(self, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        loop {
            let head_end = loop {
                if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                let mut chunk = [0u8; 8192];
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
            let header = |name: &str| {
                head.lines()
                    .find_map(|line| {
                        let (key, value) = line.split_once(':')?;
                        key.eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            while buffer.len() < head_end + length {
                let mut chunk = [0u8; 8192];
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
            let body: Value =
                serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
            let path = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            self.posts
                .lock()
                .unwrap()
                .push((path, header("content-type"), body));
            buffer.drain(..head_end + length);
            let answer =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
            if stream.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }

    /// Every span received so far.
    fn spans(&self) -> Vec<Value> {
        let posts = self.posts.lock().unwrap();
        posts
            .iter()
            .flat_map(|(_, _, body)| {
                body["resourceSpans"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|resource| resource["scopeSpans"].as_array().into_iter().flatten())
                    .flat_map(|scope| scope["spans"].as_array().into_iter().flatten())
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

fn attribute<'a>(span: &'a Value, key: &str) -> &'a Value {
    span["attributes"]
        .as_array()
        .and_then(|attributes| attributes.iter().find(|a| a["key"] == key))
        .map_or(&Value::Null, |a| &a["value"])
}

#[tokio::test]
async fn request_spans_reach_an_otlp_collector_in_the_callers_trace() {
    let (collector, endpoint) = Collector::start().await;
    let app = spawn_app_with(|settings| settings.http.otlp_endpoint = Some(endpoint)).await;

    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let traced = app
        .client
        .post(app.graphql_url())
        .header("traceparent", format!("00-{trace}-{parent}-01"))
        .json(&json!({ "query": "{ products(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(traced.status(), 200);
    let traced_id = traced.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // A request without a trace: its own, named by its request id.
    let own_id = "0af7651916cd43dd8448eb211c80319c";
    let untraced = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", own_id)
        .send()
        .await
        .unwrap();
    assert_eq!(untraced.status(), 200);

    let spans = eventually(Duration::from_secs(15), || {
        let collector = collector.clone();
        async move {
            let spans = collector.spans();
            let both = spans.iter().any(|s| s["traceId"] == trace)
                && spans.iter().any(|s| s["traceId"] == own_id);
            both.then_some(spans)
        }
    })
    .await
    .unwrap_or_else(|| panic!("no spans of both requests: {:#?}", collector.spans()));

    let graphql = spans.iter().find(|s| s["traceId"] == trace).unwrap();
    assert_eq!(graphql["parentSpanId"], parent, "{graphql}");
    assert_eq!(graphql["name"], "POST /graphql");
    assert_eq!(graphql["kind"], 2, "a server span");
    assert_eq!(graphql["spanId"].as_str().unwrap().len(), 16);
    assert_ne!(graphql["spanId"], parent);
    assert_eq!(attribute(graphql, "http.route")["stringValue"], "/graphql");
    assert_eq!(
        attribute(graphql, "http.response.status_code")["intValue"],
        "200"
    );
    assert_eq!(
        attribute(graphql, "cadenza.request_id")["stringValue"],
        traced_id.as_str()
    );
    let start: u128 = graphql["startTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let end: u128 = graphql["endTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(start > 0 && end >= start, "{graphql}");

    let health = spans.iter().find(|s| s["traceId"] == own_id).unwrap();
    assert!(health.get("parentSpanId").is_none(), "{health}");
    assert_eq!(health["name"], "GET /healthz");

    let posts = collector.posts.lock().unwrap().clone();
    for (path, content_type, body) in &posts {
        assert_eq!(path, "/v1/traces");
        assert_eq!(content_type, "application/json");
        assert_eq!(
            body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
            "cadenza"
        );
    }

    // The export runs as a job that /readyz reports.
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert!(ready.to_string().contains("otlp-export"), "{ready}");
}
