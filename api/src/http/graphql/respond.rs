//! GraphQL answers as HTTP sends them: the status the GraphQL-over-HTTP
//! spec gives each outcome, the body written straight to bytes, and how
//! long caches may keep it.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use async_graphql::{Response, ServerError};

use super::negotiate::Media;
use crate::error::ApiError;
use crate::graphql::server_error;
use crate::http::caching::{matches_etag, Keep};
use crate::http::cors::append_vary;

/// A request that failed before execution (syntax, validation, limits): no
/// data, and errors that point at no field.
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// True when an error says the server's storage is full.
fn out_of_storage(response: &Response) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("reason"))
            .is_some_and(|reason| {
                *reason
                    == async_graphql::Value::String(
                        ApiError::StorageFull.reason().unwrap_or("").into(),
                    )
            })
    })
}

/// When the request was refused for its rate: the seconds to wait.
pub fn retry_after(response: &Response) -> Option<u64> {
    response.errors.iter().find_map(|error| {
        match error.extensions.as_ref()?.get("retryAfterSeconds")? {
            async_graphql::Value::Number(secs) => secs.as_u64(),
            _ => None,
        }
    })
}

/// The status of a single response: a request error is a 4xx to clients
/// that accept `application/graphql-response+json` (429 when rate
/// limited), a 200 to `application/json` clients, as the spec says.
pub fn status_of(response: &Response, media: Media) -> StatusCode {
    if media == Media::GraphqlResponseJson
        && response.data == async_graphql::Value::Null
        && out_of_storage(response)
    {
        return StatusCode::INSUFFICIENT_STORAGE;
    }
    match (is_request_error(response), media, retry_after(response)) {
        (true, Media::GraphqlResponseJson, Some(_)) => StatusCode::TOO_MANY_REQUESTS,
        (true, Media::GraphqlResponseJson, None) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// A response as the client reads it; a request error carries no `data`.
/// Written straight to bytes: building a JSON value first cost a second
/// tree of allocations per response.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum Outgoing<'a> {
    Executed(&'a Response),
    RequestError {
        errors: &'a [ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
    },
}

impl<'a> Outgoing<'a> {
    pub fn of(response: &'a Response) -> Self {
        if is_request_error(response) {
            Outgoing::RequestError {
                errors: &response.errors,
                extensions: &response.extensions,
            }
        } else {
            Outgoing::Executed(response)
        }
    }
}

pub fn to_body<T: serde::Serialize>(value: &T) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_else(|err| {
        tracing::error!(error = %err, "a response could not be serialised");
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
    }))
}

/// An answer of only errors, with its status.
pub fn request_error(media: Media, status: StatusCode, err: ApiError) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(errors_body(vec![server_error(err)]))
}

pub fn errors_body(errors: Vec<ServerError>) -> String {
    serde_json::json!({ "errors": errors }).to_string()
}

pub fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable()
        .content_type("application/json; charset=utf-8")
        .body(errors_body(vec![server_error(ApiError::bad_input(
            "accept application/graphql-response+json or application/json",
        ))]))
}

pub fn mutation_over_get(media: Media) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .content_type(media.content_type())
        .body(errors_body(vec![server_error(ApiError::bad_input(
            "mutations are only accepted over POST",
        ))]))
}

/// A single answer, sent as `keep` says: a public answer with its ETag
/// (and a 304 when the client's copy is current), anything else never kept.
/// `Vary` names what the answer depends on: the media type asked, and the
/// credentials that decide whether it may be shared at all.
pub fn answer(
    status: StatusCode,
    media: Media,
    body: Bytes,
    etag: Option<&str>,
    keep: Keep,
    retry_after: Option<u64>,
    request_headers: &HeaderMap,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    keep.apply(&mut response);
    if let Some(secs) = retry_after {
        response.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    let mut vary = HeaderMap::new();
    for name in ["Accept", "Authorization", "X-Api-Key"] {
        append_vary(&mut vary, name);
    }
    if let Some(value) = vary.get(header::VARY) {
        response.insert_header((header::VARY, value.clone()));
    }
    if let (Keep::Public, Some(etag)) = (keep, etag) {
        response.insert_header((header::ETAG, etag.to_owned()));
        if status == StatusCode::OK
            && matches_etag(request_headers.get(header::IF_NONE_MATCH), etag)
        {
            return response.status(StatusCode::NOT_MODIFIED).finish();
        }
    }
    response.content_type(media.content_type()).body(body)
}
