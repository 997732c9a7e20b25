//! Which media type a GraphQL response is sent as, from `Accept`
//! (GraphQL over HTTP: `application/graphql-response+json`, else
//! `application/json`).

use actix_web::http::header::{self, HeaderMap};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    pub fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Media::Json => JSON,
        }
    }

    /// `None` when the client accepts neither JSON type. No `Accept` is
    /// `application/json`, as the spec says for legacy clients.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(Media::Json);
        };
        let mut json = false;
        let mut any = false;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match media.as_str() {
                "application/graphql-response+json" => return Some(Media::GraphqlResponseJson),
                "application/json" => json = true,
                "*/*" | "application/*" | "" => any = true,
                _ => {}
            }
        }
        (json || any).then_some(Media::Json)
    }
}

/// True when a browser asks for a page (GraphiQL), not an answer.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn negotiate(accept: Option<&str>) -> Option<Media> {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        }
        Media::negotiate(&headers)
    }

    #[test]
    fn the_response_type_follows_accept() {
        assert_eq!(negotiate(None), Some(Media::Json));
        assert_eq!(negotiate(Some("application/json")), Some(Media::Json));
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Media::GraphqlResponseJson)
        );
        assert_eq!(negotiate(Some("*/*")), Some(Media::Json));
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json;q=0, application/json"
            )),
            Some(Media::Json)
        );
        assert_eq!(negotiate(Some("application/json;q=0")), None);
    }
}
