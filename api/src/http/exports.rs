//! `GET /exports/{id}?exp=..&sig=..`: a data export's document, once, to
//! whoever holds its signed URL (and, if they send credentials, only to
//! its owner). Anything else is 404 with no word of why.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::auth::{self, Credentials};
use super::AppState;
use crate::auth::Principal;
use crate::services::privacy::{Caller, ExportClaim};

#[derive(serde::Deserialize)]
pub struct Signed {
    exp: Option<String>,
    sig: Option<String>,
}

pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    signed: web::Query<Signed>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let claim = match (&signed.exp, &signed.sig) {
        (Some(exp), Some(sig)) => ExportClaim::parse(&path, exp, sig),
        _ => None,
    };
    let Some(claim) = claim else {
        return not_found();
    };
    match state
        .services
        .exports
        .download(&claim, caller(&req, &state))
        .await
    {
        Ok(Some(download)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", download.file_name),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .no_chunking(download.size)
            .streaming(download.body),
        Ok(None) => not_found(),
        Err(err) => {
            err.log_if_internal();
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("internal error")
        }
    }
}

/// Whose credentials came with the request, if any.
fn caller(req: &HttpRequest, state: &AppState) -> Caller {
    match auth::credentials(req.headers()) {
        Credentials::None => Caller::Nobody,
        Credentials::Bearer(token) => match state.services.accounts.access_tokens().verify(token) {
            Some(Principal::User { id, .. }) => Caller::User(id),
            _ => Caller::Unrecognised,
        },
        Credentials::ApiKey(_) | Credentials::Unreadable => Caller::Unrecognised,
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}
