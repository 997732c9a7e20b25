//! `GET /stream/{id}`: the original bytes of a locker item, by a signed URL
//! or with a bearer token, with HTTP Range as players send it. Anything that
//! is not the caller's item is 404 with no hint it exists.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::AppState;
use crate::domain::{GlobalId, LockerItemId};

#[derive(serde::Deserialize)]
pub struct Signed {
    u: Option<String>,
    exp: Option<String>,
    sig: Option<String>,
}

pub async fn stream(
    req: HttpRequest,
    path: web::Path<String>,
    signed: web::Query<Signed>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match serve(&req, &path, &signed, &state).await {
        Ok(response) => response,
        Err(Failure::NotFound) => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
        Err(Failure::Internal(err)) => {
            tracing::error!(error = %err, "streaming failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("internal error")
        }
    }
}

pub(super) enum Failure {
    NotFound,
    Internal(String),
}

async fn serve(
    req: &HttpRequest,
    id: &str,
    signed: &Signed,
    state: &AppState,
) -> Result<HttpResponse, Failure> {
    let item_id = GlobalId::decode_as::<LockerItemId>(id)
        .ok()
        .flatten()
        .ok_or(Failure::NotFound)?;
    let user_id = match (&signed.u, &signed.exp, &signed.sig) {
        (Some(user), Some(exp), Some(sig)) => {
            state
                .services
                .stream_urls
                .verify(item_id, user, exp, sig)
                .ok_or(Failure::NotFound)?
                .user
        }
        _ => {
            super::auth::signed_in_user(req.headers(), &state.services).ok_or(Failure::NotFound)?
        }
    };
    send(req, state, user_id, item_id).await
}

/// The item's bytes for its owner `user_id`, with Range as the request
/// asks: anything that is not theirs, or an erased account's, is
/// NOT_FOUND. `/rest/stream` and `/rest/download` answer with it too.
pub(super) async fn send(
    req: &HttpRequest,
    state: &AppState,
    user_id: crate::domain::UserId,
    item_id: LockerItemId,
) -> Result<HttpResponse, Failure> {
    // A signed URL outlives nothing: an erased account's are dead at once.
    if state
        .services
        .accounts
        .access_tokens()
        .erased()
        .contains(user_id)
    {
        return Err(Failure::NotFound);
    }
    let locker = &state.services.locker;
    let item = locker
        .stream_target(user_id, item_id)
        .await
        .map_err(|err| Failure::Internal(format!("{err:?}")))?
        .ok_or(Failure::NotFound)?;
    let length = item.size_bytes.unsigned_abs();

    let etag = format!("\"{}\"", item.content_hash);
    let headers = req.headers();
    if super::caching::matches_etag(headers.get(header::IF_NONE_MATCH), &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    // If-Range: honour Range only while the client's copy is current.
    let range_applies = match headers.get(header::IF_RANGE) {
        None => true,
        Some(value) => value.to_str().map(|v| v.trim() == etag).unwrap_or(false),
    };
    let range = match headers.get(header::RANGE).filter(|_| range_applies) {
        None => None,
        Some(value) => match parse_range(value.to_str().unwrap_or(""), length) {
            RangeRequest::Satisfiable(start, end) => Some((start, end)),
            RangeRequest::Ignored => None,
            RangeRequest::Unsatisfiable => {
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{length}")))
                    .insert_header((header::ACCEPT_RANGES, "bytes"))
                    .insert_header((header::ETAG, etag))
                    .finish());
            }
        },
    };
    let (status, start, end) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end),
        None => (StatusCode::OK, 0, length.saturating_sub(1)),
    };
    let body_length = if length == 0 { 0 } else { end - start + 1 };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        // Uploaded bytes are served from the API's origin: never sniffed.
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&item.mime_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .no_chunking(body_length);
    if status == StatusCode::PARTIAL_CONTENT {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{length}"),
        ));
    }
    // HEAD gets the same headers, Content-Length included, and no body:
    // the blob is not even opened. (A streamed body keeps the explicit
    // Content-Length; actix never polls it for HEAD.)
    if req.method() == actix_web::http::Method::HEAD {
        let nothing = futures_util::stream::empty::<Result<web::Bytes, std::io::Error>>();
        return Ok(response.streaming(nothing));
    }
    let body = locker
        .blobs()
        .read_range(&item.storage_key, start, body_length)
        .await
        .map_err(|err| Failure::Internal(format!("opening a blob: {err:?}")))?
        // Removed since the item was looked up (or cached): gone.
        .ok_or(Failure::NotFound)?;
    Ok(response.streaming(body))
}

#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// First and last byte, inclusive.
    Satisfiable(u64, u64),
    /// Not a single byte range we serve: send the whole file.
    Ignored,
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against a file of `length`
/// bytes. Several ranges at once are answered with the whole file, which
/// HTTP allows and players do not ask for.
fn parse_range(value: &str, length: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Ignored;
    };
    if spec.contains(',') {
        return RangeRequest::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignored;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |n: &str| n.parse::<u64>().ok();
    match (first.is_empty(), last.is_empty()) {
        // bytes=-n: the last n bytes.
        (true, false) => match parse(last) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(n) if length > 0 => {
                RangeRequest::Satisfiable(length.saturating_sub(n), length - 1)
            }
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Ignored,
        },
        // bytes=a-
        (false, true) => match parse(first) {
            Some(start) if start < length => RangeRequest::Satisfiable(start, length - 1),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Ignored,
        },
        // bytes=a-b
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(end)) if start <= end && start < length => {
                RangeRequest::Satisfiable(start, end.min(length - 1))
            }
            (Some(start), Some(end)) if start <= end => RangeRequest::Unsatisfiable,
            _ => RangeRequest::Ignored,
        },
        (true, true) => RangeRequest::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::RangeRequest::*;
    use super::*;

    #[test]
    fn ranges_parse_as_players_send_them() {
        assert_eq!(parse_range("bytes=0-99", 1000), Satisfiable(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), Satisfiable(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Satisfiable(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Satisfiable(0, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), Satisfiable(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-1001", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 1000), Ignored);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ignored);
        assert_eq!(parse_range("items=0-1", 1000), Ignored);
        assert_eq!(parse_range("bytes=x-y", 1000), Ignored);
    }
}
