//! `GET /artwork/{album id}?size=&v=`: a catalogue album's artwork as a
//! JPEG thumbnail, kept by Cadenza (services::catalogue::artwork). The
//! catalogue is public, so the URL is not signed; `v` names the picture,
//! so a browser may keep each URL for a day. Anything else (no such
//! album, no artwork yet, a size there are no thumbnails of) is a bare 404.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::caching::matches_etag;
use super::AppState;
use crate::domain::{AlbumId, GlobalId};
use crate::services::locker::thumbnail_size;

/// A URL names one picture (`v`): a browser may keep it this long.
const MAX_AGE_SECS: u32 = 24 * 60 * 60;

#[derive(serde::Deserialize)]
pub struct ArtworkQuery {
    size: Option<String>,
}

pub async fn artwork(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ArtworkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let not_found = || {
        HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found")
    };
    let Some(album) = GlobalId::decode_as::<AlbumId>(&path).ok().flatten() else {
        return not_found();
    };
    let Some(size) = query
        .size
        .as_deref()
        .unwrap_or("300")
        .parse::<i64>()
        .ok()
        .and_then(thumbnail_size)
    else {
        return not_found();
    };
    let artwork = &state.services.artwork;
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        match artwork.etag(album, size).await {
            Ok(Some(etag)) if matches_etag(req.headers().get(header::IF_NONE_MATCH), &etag) => {
                return HttpResponse::NotModified()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, cache_control()))
                    .finish();
            }
            Ok(_) => {}
            Err(err) => return internal(&err),
        }
    }
    match artwork.image(album, size).await {
        Ok(Some(image)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/jpeg"))
            .insert_header((header::ETAG, image.etag))
            .insert_header((header::CACHE_CONTROL, cache_control()))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(image.bytes),
        Ok(None) => not_found(),
        Err(err) => internal(&err),
    }
}

fn internal(err: &crate::error::ApiError) -> HttpResponse {
    tracing::error!(error = %format!("{err:?}"), "serving artwork failed");
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body("internal error")
}

fn cache_control() -> String {
    format!("public, max-age={MAX_AGE_SECS}")
}
