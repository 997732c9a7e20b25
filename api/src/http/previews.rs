//! `GET /preview/{track id}?exp=&sig=`: 30 seconds of a catalogue track's
//! master audio, for anyone holding a URL the API signed
//! (`Track.previewUrl`). Tampered, expired, no such track, no preview: a
//! bare 404, as for streams.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::AppState;
use crate::domain::{GlobalId, TrackId};

/// As long as the URL's signature may still be good.
const MAX_AGE_SECS: u32 = 15 * 60;

#[derive(serde::Deserialize)]
pub struct SignedPreview {
    exp: Option<String>,
    sig: Option<String>,
}

pub async fn preview(
    path: web::Path<String>,
    signed: web::Query<SignedPreview>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let not_found = || {
        HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found")
    };
    let Some(track) = GlobalId::decode_as::<TrackId>(&path).ok().flatten() else {
        return not_found();
    };
    let (Some(exp), Some(sig)) = (&signed.exp, &signed.sig) else {
        return not_found();
    };
    let services = &state.services;
    if !services.stream_urls.verify_preview(track, exp, sig) {
        return not_found();
    }
    match services.previews.preview(track).await {
        Ok(Some(audio)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, audio.mime_type))
            .insert_header((
                header::CACHE_CONTROL,
                format!("public, max-age={MAX_AGE_SECS}"),
            ))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(audio.bytes),
        Ok(None) => not_found(),
        Err(err) => {
            tracing::error!(error = %format!("{err:?}"), "serving a preview failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("internal error")
        }
    }
}
