//! CORS for pages on other origins (`CADENZA_CORS_ORIGINS`): a storefront
//! on its own origin calls the API, plays streams and shows covers.
//!
//! Credentials are bearer tokens and API keys that a page sends itself;
//! nothing rides on cookies, so no response allows credentials and a
//! listed origin gains nothing an anonymous caller could not do without
//! the tokens it holds. An origin not listed gets no CORS headers at all,
//! and its requests are answered exactly as if it had sent none.

use std::collections::HashSet;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::settings::Origin;

/// Where a page on another origin may read answers: the API and what its
/// answers link to. The web app's own files are for this origin alone.
const PATHS: &[&str] = &["/graphql", "/stream/", "/covers/", "/exports/", "/rest/"];

const METHODS: &str = "GET, POST, HEAD, OPTIONS";

/// Request headers a page may send: credentials, content types, caching
/// and ranges, tracing, and what Apollo clients add.
const REQUEST_HEADERS: &[&str] = &[
    "accept",
    "authorization",
    "content-type",
    "x-api-key",
    "range",
    "if-none-match",
    "x-request-id",
    "traceparent",
    "tracestate",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-client-name",
    "graphql-client-version",
];

/// Response headers a page's script may read besides the simple ones.
const EXPOSED: &str =
    "Content-Range, Accept-Ranges, Content-Length, ETag, Retry-After, X-Request-Id, Content-Disposition";

/// How long a browser may keep a preflight's answer (Chromium keeps at
/// most two hours).
const MAX_AGE_SECS: &str = "7200";

pub struct Cors {
    origins: HashSet<String>,
}

impl Cors {
    pub fn new(origins: &[Origin]) -> Self {
        Self {
            origins: origins.iter().map(|o| o.as_str().to_owned()).collect(),
        }
    }

    fn applies(path: &str) -> bool {
        // An entry ending in `/` is a folder; any other, one path.
        PATHS.iter().any(|entry| match entry.ends_with('/') {
            true => path.starts_with(entry),
            false => path == *entry,
        })
    }

    /// The request's `Origin`, when it is one of the listed.
    fn listed<'a>(&self, headers: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        self.origins
            .contains(origin.to_str().ok()?)
            .then_some(origin)
    }

    /// Whether a page of `origin` may open the subscription socket.
    /// Browsers send `Origin` with every WebSocket handshake but check no
    /// CORS answer for it, so the server does: the page's own origin (its
    /// host is the `Host` the request came to, or the `X-Forwarded-Host` a
    /// proxy in front names), or a listed one. Clients that are not
    /// browsers send no `Origin` and are not asked.
    pub fn allows_socket(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        if self.origins.contains(origin) {
            return true;
        }
        let Ok(origin) = Origin::parse(origin) else {
            return false;
        };
        let authority = origin
            .as_str()
            .split_once("://")
            .map_or("", |(_, authority)| authority);
        let default_port = if origin.as_str().starts_with("https:") {
            ":443"
        } else {
            ":80"
        };
        [
            header::HOST,
            header::HeaderName::from_static("x-forwarded-host"),
        ]
        .iter()
        .filter_map(|name| headers.get(name).and_then(|v| v.to_str().ok()))
        // A proxy's list: its first entry is the client's.
        .filter_map(|host| host.split(',').next())
        .map(|host| host.trim().to_ascii_lowercase())
        .any(|host| host == authority || host.strip_suffix(default_port) == Some(authority))
    }

    /// The answer to a preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`), or to a bare `OPTIONS`.
    fn preflight(&self, headers: &HeaderMap) -> HttpResponse {
        let mut answer = HttpResponse::NoContent();
        answer.insert_header((header::ALLOW, METHODS));
        if !self.origins.is_empty() {
            answer.insert_header((
                header::VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ));
        }
        let Some(origin) = self.listed(headers) else {
            return answer.finish();
        };
        let method_allowed = headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|method| ["GET", "POST", "HEAD"].contains(&method));
        if !method_allowed {
            return answer.finish();
        }
        let asked = headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let headers_allowed = asked
            .split(',')
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !name.is_empty())
            .all(|name| REQUEST_HEADERS.contains(&name.as_str()));
        if !headers_allowed {
            return answer.finish();
        }
        answer
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, METHODS))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                REQUEST_HEADERS.join(", "),
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECS))
            .finish()
    }

    /// Marks an answer readable by the listed origin that asked, and as
    /// varying by origin whenever any origin is listed.
    fn decorate(&self, origin: Option<HeaderValue>, headers: &mut HeaderMap) {
        if self.origins.is_empty() {
            return;
        }
        append_vary(headers, "Origin");
        if let Some(origin) = origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSED),
            );
        }
    }
}

/// Adds `value` to the response's `Vary`, once.
pub fn append_vary(headers: &mut HeaderMap, value: &str) {
    let existing = headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if existing
        .split(',')
        .any(|name| name.trim().eq_ignore_ascii_case(value))
    {
        return;
    }
    let combined = if existing.trim().is_empty() {
        value.to_owned()
    } else {
        format!("{existing}, {value}")
    };
    if let Ok(combined) = HeaderValue::from_str(&combined) {
        headers.insert(header::VARY, combined);
    }
}

/// The middleware: preflights are answered here; every other answer on the
/// API's paths is decorated on its way out.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !Cors::applies(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let Some(cors) = req.app_data::<web::Data<Cors>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    if req.method() == Method::OPTIONS {
        let answer = cors.preflight(req.headers());
        return Ok(req.into_response(answer).map_into_right_body());
    }
    let origin = cors.listed(req.headers()).cloned();
    let mut response = next.call(req).await?;
    cors.decorate(origin, response.headers_mut());
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> Cors {
        Cors::new(&[Origin::parse("https://shop.example").unwrap()])
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_api_paths_and_only_they_take_part() {
        for path in [
            "/graphql",
            "/stream/abc",
            "/covers/x",
            "/exports/1",
            "/rest/ping.view",
        ] {
            assert!(Cors::applies(path), "{path}");
        }
        for path in [
            "/",
            "/assets/app.css",
            "/graphiql/x.js",
            "/healthz",
            "/graphqlx",
        ] {
            assert!(!Cors::applies(path), "{path}");
        }
    }

    #[test]
    fn a_preflight_is_allowed_for_a_listed_origin_only() {
        let cors = cors();
        let asked = |origin: &str, method: &str, wanted: &str| {
            cors.preflight(&headers(&[
                ("origin", origin),
                ("access-control-request-method", method),
                ("access-control-request-headers", wanted),
            ]))
        };
        let allowed = asked(
            "https://shop.example",
            "POST",
            "Authorization, Content-Type",
        );
        assert_eq!(allowed.status(), 204);
        let h = allowed.headers();
        assert_eq!(
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
            "https://shop.example"
        );
        assert!(h
            .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("authorization"));
        assert_eq!(h.get(header::ACCESS_CONTROL_MAX_AGE).unwrap(), "7200");
        for refused in [
            asked("https://evil.example", "POST", "authorization"),
            asked("https://shop.example", "DELETE", ""),
            asked("https://shop.example", "POST", "x-unknown"),
            asked("https://shop.example.evil", "GET", ""),
        ] {
            assert_eq!(refused.status(), 204);
            assert!(!refused
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        }
    }

    #[test]
    fn a_socket_is_opened_by_its_own_page_or_a_listed_one() {
        let cors = cors();
        let asked = |origin: Option<&str>, host: &str| {
            let mut pairs = vec![("host", host)];
            if let Some(origin) = origin {
                pairs.push(("origin", origin));
            }
            cors.allows_socket(&headers(&pairs))
        };
        assert!(asked(None, "api.example"), "not a browser");
        assert!(asked(Some("https://shop.example"), "api.example"));
        assert!(asked(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"));
        assert!(asked(Some("https://api.example"), "api.example:443"));
        assert!(asked(Some("http://api.example"), "API.example"));
        assert!(!asked(Some("https://evil.example"), "api.example"));
        assert!(!asked(Some("http://127.0.0.1:9999"), "127.0.0.1:8080"));
        assert!(!asked(Some("null"), "api.example"));
        let forwarded = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "music.example"),
            ("origin", "https://music.example"),
        ]);
        assert!(cors.allows_socket(&forwarded), "behind a proxy");
    }

    #[test]
    fn vary_is_added_once() {
        let mut h = headers(&[("vary", "Accept-Encoding")]);
        append_vary(&mut h, "Origin");
        append_vary(&mut h, "origin");
        assert_eq!(h.get(header::VARY).unwrap(), "Accept-Encoding, Origin");
        let mut empty = HeaderMap::new();
        append_vary(&mut empty, "Origin");
        assert_eq!(empty.get(header::VARY).unwrap(), "Origin");
    }

    #[test]
    fn nothing_is_added_when_no_origin_is_listed() {
        let cors = Cors::new(&[]);
        let mut h = HeaderMap::new();
        cors.decorate(None, &mut h);
        assert!(h.is_empty());
        let answer = cors.preflight(&headers(&[
            ("origin", "https://shop.example"),
            ("access-control-request-method", "POST"),
        ]));
        assert!(!answer.headers().contains_key(header::VARY));
        assert!(!answer
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }
}
