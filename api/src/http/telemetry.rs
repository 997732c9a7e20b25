//! Following one request: every request gets an id (the caller's
//! `X-Request-Id`, else the trace id of its W3C `traceparent`, else a new
//! one), returned as `X-Request-Id`, and runs inside a `request` span that
//! carries it, so every log line of the request, from the services and
//! their SQL statements too, names it. The access line and the HTTP
//! metrics are written here as the answer leaves.

use std::time::{Instant, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use super::otlp::{self, Otlp, RequestSpan};
use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The longest id taken from a caller.
const MAX_ID_CHARS: usize = 128;

/// The request's id: the caller's own when it is a sane one, else its
/// trace's, else a new one.
pub fn request_id(headers: &HeaderMap) -> String {
    let given = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_ID_CHARS
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        });
    if let Some(id) = given {
        return id.to_owned();
    }
    if let Some(trace) = headers
        .get(&TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(trace_context)
    {
        return trace.0.to_owned();
    }
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// The trace id and parent span id of a W3C `traceparent`
/// (`00-<32 hex>-<16 hex>-<2 hex>`), unless either is the all-zero
/// invalid one.
fn trace_context(traceparent: &str) -> Option<(&str, &str)> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0'))
    .then_some((trace, parent))
}

/// The middleware: the span, the id on the answer, the access line.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    let id = request_id(req.headers());
    let caller_trace = req
        .headers()
        .get(&TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(trace_context)
        .map(|(trace, parent)| (trace.to_ascii_lowercase(), parent.to_ascii_lowercase()));
    let otlp = req
        .app_data::<web::Data<Option<Otlp>>>()
        .and_then(|otlp| otlp.as_ref().clone());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let status = match &result {
        Ok(response) => response.status().as_u16(),
        Err(err) => err.as_response_error().status_code().as_u16(),
    };
    if let Some(metrics) = metrics {
        metrics.http(&route, status);
    }
    if let Some(otlp) = otlp {
        let (trace_id, parent_span_id) = match caller_trace {
            Some((trace, parent)) => (trace, Some(parent)),
            None => (otlp::trace_id_for(&id), None),
        };
        otlp.record(RequestSpan {
            trace_id,
            span_id: otlp::new_span_id(),
            parent_span_id,
            name: format!("{method} {route}"),
            start: started_at,
            end: SystemTime::now(),
            method: method.to_string(),
            route: route.clone(),
            status,
            request_id: id.clone(),
        });
    }
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status = status,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_callers_id_is_kept_when_it_is_sane() {
        assert_eq!(
            request_id(&headers(&[("x-request-id", "abc-123")])),
            "abc-123"
        );
        let made = request_id(&headers(&[("x-request-id", "no spaces please")]));
        assert_eq!(made.len(), 32, "a new one: {made}");
        let made = request_id(&headers(&[("x-request-id", &"a".repeat(200))]));
        assert_eq!(made.len(), 32);
    }

    #[test]
    fn a_traceparent_gives_its_trace_id() {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        let parent = format!("00-{trace}-00f067aa0ba902b7-01");
        assert_eq!(request_id(&headers(&[("traceparent", &parent)])), trace);
        // The caller's own id wins over the trace.
        assert_eq!(
            request_id(&headers(&[
                ("traceparent", &parent),
                ("x-request-id", "mine")
            ])),
            "mine"
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f35-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "garbage",
        ] {
            assert_ne!(
                request_id(&headers(&[("traceparent", bad)])),
                trace,
                "{bad}"
            );
        }
    }

    #[test]
    fn new_ids_differ() {
        let empty = HeaderMap::new();
        assert_ne!(request_id(&empty), request_id(&empty));
    }
}
