//! `GET /covers/{id}?size=&u=&exp=&sig=`: a locker item's cover as a JPEG
//! thumbnail, by a signed URL only. Anything that is not the signer's item
//! with a cover (tampered, expired, another user's, an erased account's,
//! a size there are no thumbnails of) is a bare 404, as for streams.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::caching::matches_etag;
use super::AppState;
use crate::domain::{GlobalId, LockerItemId};
use crate::services::locker::thumbnail_size;

/// How long a browser may keep a thumbnail: as long as its URL lives.
const MAX_AGE_SECS: u32 = 3600;

#[derive(serde::Deserialize)]
pub struct SignedCover {
    size: Option<String>,
    u: Option<String>,
    exp: Option<String>,
    sig: Option<String>,
}

pub async fn cover(
    req: HttpRequest,
    path: web::Path<String>,
    signed: web::Query<SignedCover>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match serve(&req, &path, &signed, &state).await {
        Ok(Some(response)) => response,
        Ok(None) => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
        Err(err) => {
            tracing::error!(error = %err, "serving a cover failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("internal error")
        }
    }
}

async fn serve(
    req: &HttpRequest,
    id: &str,
    signed: &SignedCover,
    state: &AppState,
) -> Result<Option<HttpResponse>, String> {
    let Some(item_id) = GlobalId::decode_as::<LockerItemId>(id).ok().flatten() else {
        return Ok(None);
    };
    let (Some(size), Some(user), Some(exp), Some(sig)) =
        (&signed.size, &signed.u, &signed.exp, &signed.sig)
    else {
        return Ok(None);
    };
    let Some(size) = size.parse::<i64>().ok().and_then(thumbnail_size) else {
        return Ok(None);
    };
    let services = &state.services;
    let Some(grant) = services
        .stream_urls
        .verify_cover(item_id, size, user, exp, sig)
    else {
        return Ok(None);
    };
    // A signed URL outlives nothing: an erased account's are dead at once.
    if services
        .accounts
        .access_tokens()
        .erased()
        .contains(grant.user)
    {
        return Ok(None);
    }
    let locker = &services.locker;
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        let etag = locker
            .cover_etag(grant.user, item_id, size)
            .await
            .map_err(|err| format!("{err:?}"))?;
        let Some(etag) = etag else {
            return Ok(None);
        };
        if matches_etag(req.headers().get(header::IF_NONE_MATCH), &etag) {
            return Ok(Some(
                HttpResponse::NotModified()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, cache_control()))
                    .finish(),
            ));
        }
    }
    let cover = locker
        .cover(grant.user, item_id, size)
        .await
        .map_err(|err| format!("{err:?}"))?;
    Ok(cover.map(|cover| {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/jpeg"))
            .insert_header((header::ETAG, cover.etag))
            .insert_header((header::CACHE_CONTROL, cache_control()))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(cover.bytes)
    }))
}

fn cache_control() -> String {
    format!("private, max-age={MAX_AGE_SECS}")
}
