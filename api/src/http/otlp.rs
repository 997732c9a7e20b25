//! OpenTelemetry export of request spans over OTLP/HTTP, JSON encoding
//! (`CADENZA_OTLP_ENDPOINT`; off by default). Each request becomes one
//! server span: in the caller's trace, under the caller's span, when it
//! sent a W3C `traceparent`; else in a trace of its own whose id is the
//! request id when that is a trace id already. Spans are queued as the
//! answers leave and posted in batches to `<endpoint>/v1/traces` by a
//! supervised job; when the collector is slow or away, the queue's bound
//! drops spans (counted in the log) rather than holding requests back.
//!
//! A few dozen lines of JSON instead of the OpenTelemetry SDK: one span
//! per request is all there is to send, and the SDK with its exporter
//! would add a second HTTP stack and runtime glue to every build.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

use crate::services::jobs::Beat;

/// Spans waiting to be sent; past this they are dropped.
const QUEUE: usize = 4096;
/// The most spans one post carries.
const BATCH: usize = 512;
/// How long a span may wait for others to share its post.
const LINGER: Duration = Duration::from_secs(1);

/// One finished request, as OTLP wants it.
#[derive(Clone, Debug)]
pub struct RequestSpan {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits.
    pub span_id: String,
    /// The caller's span, from its `traceparent`.
    pub parent_span_id: Option<String>,
    pub name: String,
    pub start: SystemTime,
    pub end: SystemTime,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub request_id: String,
}

/// Where request spans are handed over; cheap to clone.
#[derive(Clone)]
pub struct Otlp {
    queue: mpsc::Sender<RequestSpan>,
    dropped: Arc<AtomicU64>,
}

/// The sending end: what the export job runs.
#[derive(Clone)]
pub struct Exporter {
    queue: Arc<Mutex<mpsc::Receiver<RequestSpan>>>,
    client: reqwest::Client,
    url: String,
    /// The URL as logs and `/readyz` may show it: without credentials.
    shown: String,
    dropped: Arc<AtomicU64>,
}

impl Otlp {
    /// The queue and its exporter, posting to `endpoint`'s `/v1/traces`.
    pub fn new(endpoint: &str) -> (Self, Exporter) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let exporter = Exporter {
            queue: Arc::new(Mutex::new(receiver)),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            url: format!("{}/v1/traces", endpoint.trim_end_matches('/')),
            shown: format!(
                "{}/v1/traces",
                without_credentials(endpoint.trim_end_matches('/'))
            ),
            dropped: dropped.clone(),
        };
        (
            Self {
                queue: sender,
                dropped,
            },
            exporter,
        )
    }

    /// Queues `span`, or drops it when the queue is full.
    pub fn record(&self, span: RequestSpan) {
        if self.queue.try_send(span).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Exporter {
    /// Sends batches for as long as the server runs. A post that fails is
    /// logged and its spans given up: telemetry never queues without bound.
    pub async fn run(&self, beat: Beat) -> anyhow::Result<()> {
        let mut queue = self.queue.lock().await;
        loop {
            let Some(first) = queue.recv().await else {
                return Ok(());
            };
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + LINGER;
            while batch.len() < BATCH {
                match tokio::time::timeout_at(deadline, queue.recv()).await {
                    Ok(Some(span)) => batch.push(span),
                    Ok(None) | Err(_) => break,
                }
            }
            let dropped = self.dropped.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                tracing::warn!(dropped, "OTLP export fell behind; spans were dropped");
            }
            let sent = self
                .client
                .post(&self.url)
                .json(&traces(&batch))
                .send()
                .await
                .and_then(reqwest::Response::error_for_status);
            match sent {
                Ok(_) => beat.ok(),
                Err(err) => {
                    let err = err.without_url();
                    tracing::warn!(error = %err, spans = batch.len(), url = %self.shown, "OTLP export failed");
                    beat.failed(&format!("posting to {}: {err}", self.shown));
                }
            }
        }
    }
}

/// `url` with any `user:password@` replaced: a collector's credentials
/// are not for logs or `/readyz`.
fn without_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let host_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..host_end].rfind('@') {
            return format!("{scheme}://[redacted]@{}", &rest[at + 1..]);
        }
    }
    url.to_owned()
}

/// A new span id: 8 random bytes, not all zero.
pub fn new_span_id() -> String {
    loop {
        let bytes: [u8; 8] = rand::random();
        if bytes != [0; 8] {
            return hex::encode(bytes);
        }
    }
}

/// A trace id for a request that came without one: its request id when
/// that is already 32 hex digits, else new.
pub fn trace_id_for(request_id: &str) -> String {
    let is_trace = request_id.len() == 32
        && request_id.bytes().all(|b| b.is_ascii_hexdigit())
        && request_id.bytes().any(|b| b != b'0');
    if is_trace {
        request_id.to_ascii_lowercase()
    } else {
        hex::encode(rand::random::<[u8; 16]>())
    }
}

fn nanos(at: SystemTime) -> String {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
        .to_string()
}

fn text(key: &str, value: &str) -> Value {
    json!({ "key": key, "value": { "stringValue": value } })
}

/// The OTLP JSON body (`ExportTraceServiceRequest`) for `spans`.
pub fn traces(spans: &[RequestSpan]) -> Value {
    let spans: Vec<Value> = spans
        .iter()
        .map(|span| {
            let mut value = json!({
                "traceId": span.trace_id,
                "spanId": span.span_id,
                "name": span.name,
                // SERVER
                "kind": 2,
                "startTimeUnixNano": nanos(span.start),
                "endTimeUnixNano": nanos(span.end),
                "attributes": [
                    text("http.request.method", &span.method),
                    text("http.route", &span.route),
                    json!({ "key": "http.response.status_code", "value": { "intValue": span.status.to_string() } }),
                    text("cadenza.request_id", &span.request_id),
                ],
                // ERROR for a server fault, else UNSET (as the HTTP
                // semantic conventions say for server spans).
                "status": { "code": if span.status >= 500 { 2 } else { 0 } },
            });
            if let Some(parent) = &span.parent_span_id {
                value["parentSpanId"] = json!(parent);
            }
            value
        })
        .collect();
    json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                text("service.name", "cadenza"),
                text("service.version", env!("CARGO_PKG_VERSION")),
            ] },
            "scopeSpans": [{
                "scope": { "name": "cadenza", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans,
            }],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(status: u16, parent: Option<&str>) -> RequestSpan {
        RequestSpan {
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            span_id: "00f067aa0ba902b7".into(),
            parent_span_id: parent.map(str::to_owned),
            name: "POST /graphql".into(),
            start: UNIX_EPOCH + Duration::from_millis(1_500),
            end: UNIX_EPOCH + Duration::from_millis(1_502),
            method: "POST".into(),
            route: "/graphql".into(),
            status,
            request_id: "r1".into(),
        }
    }

    #[test]
    fn a_span_is_written_as_otlp_json_says() {
        let body = traces(&[span(200, Some("aaaaaaaaaaaaaaaa")), span(503, None)]);
        let spans = &body["resourceSpans"][0]["scopeSpans"][0]["spans"];
        assert_eq!(spans[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(spans[0]["parentSpanId"], "aaaaaaaaaaaaaaaa");
        assert_eq!(spans[0]["startTimeUnixNano"], "1500000000");
        assert_eq!(spans[0]["endTimeUnixNano"], "1502000000");
        assert_eq!(spans[0]["status"]["code"], 0);
        assert!(spans[1].get("parentSpanId").is_none());
        assert_eq!(spans[1]["status"]["code"], 2);
        assert_eq!(
            body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
            "cadenza"
        );
    }

    #[test]
    fn credentials_in_the_endpoint_are_not_shown() {
        assert_eq!(
            without_credentials("https://user:token@collector.example/otlp"),
            "https://[redacted]@collector.example/otlp"
        );
        assert_eq!(
            without_credentials("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318"
        );
    }

    #[test]
    fn a_request_id_that_is_a_trace_id_is_kept() {
        assert_eq!(
            trace_id_for("4BF92F3577B34DA6A3CE929D0E0E4736"),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(trace_id_for("mine").len(), 32);
        assert_ne!(trace_id_for(&"0".repeat(32)), "0".repeat(32));
        assert_eq!(new_span_id().len(), 16);
    }
}
