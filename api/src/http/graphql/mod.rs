//! GraphQL over HTTP, by the GraphQL-over-HTTP spec: POST with JSON or a
//! multipart upload, GET for queries only, `application/graphql-response+json`
//! and `application/json` responses.
//!
//! This is a transport: it reads the request's framing (`parse`), picks the
//! response's media type (`negotiate`), hands each operation to the one
//! pipeline (`graphql::pipeline`: resolve, admit, execute) and writes the
//! answer with its status and caching (`respond`). Requests are parsed
//! here rather than by async-graphql's actix integration so every
//! malformed request gets the spec's status code and a contract error
//! code, and so the limits (batch size, document size, body size) apply
//! before any work is done. Anonymous answers to public queries come from
//! the response cache when they can.

mod multipart;
mod negotiate;
mod parse;
mod respond;

pub use parse::{Batch, RequestFailure};

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use self::negotiate::{wants_html, Media};
use self::parse::GetParams;
use self::respond::{request_error, Outgoing};
use super::caching::{etag_of, Keep};
use super::{auth, AppState, ResponseCache};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::graphql::pipeline::{Admitted, Caller, Incoming, Refusal, Transport};
use multipart::Carries;

impl Carries for Admitted {
    fn request_mut(&mut self) -> &mut async_graphql::Request {
        Admitted::request_mut(self)
    }
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = match GetParams::read(req.query_string()) {
        Ok(params) => params,
        Err(err) => {
            let media = Media::negotiate(req.headers()).unwrap_or(Media::Json);
            return request_error(media, StatusCode::BAD_REQUEST, err);
        }
    };
    if params.query.is_none() && wants_html(req.headers()) {
        return super::web_app::graphiql_page(&req).await;
    }
    let Some(media) = Media::negotiate(req.headers()) else {
        return respond::not_acceptable();
    };
    let incoming = match parse::from_get(params) {
        Ok(incoming) => incoming,
        Err(err) => return request_error(media, StatusCode::BAD_REQUEST, err),
    };
    let caller = match caller(&req, &state).await {
        Ok(caller) => caller,
        Err(err) => return request_error(media, StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let admitted =
        match resolve_and_admit(&state, &caller, Batch::Single(incoming), Transport::Get).await {
            Ok(admitted) => admitted,
            Err((status, err)) => return request_error(media, status, err),
        };
    run(&state, &req, &caller, media, admitted, Transport::Get).await
}

pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(media) = Media::negotiate(req.headers()) else {
        return respond::not_acceptable();
    };
    let caller = match caller(&req, &state).await {
        Ok(caller) => caller,
        Err(err) => return request_error(media, StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let raw_content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Names are matched case-insensitively; a multipart boundary is not
    // (browsers put capitals in theirs), so the parser gets the original.
    let content_type = raw_content_type.to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let admitted = match essence {
        "application/json" => {
            let charset_ok = content_type
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().strip_prefix("charset="))
                .all(|charset| charset.trim_matches('"').eq_ignore_ascii_case("utf-8"));
            if !charset_ok {
                return request_error(
                    media,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ApiError::bad_input("request bodies must be UTF-8 JSON"),
                );
            }
            match json_body(payload, &state).await {
                Ok(batch) => resolve_and_admit(&state, &caller, batch, Transport::Post).await,
                Err(failure) => Err(failure),
            }
        }
        "multipart/form-data" => {
            // Every operation that takes a file needs credentials: check them
            // before reading a byte, so nobody anonymous can make the server
            // buffer or spool a large body.
            if caller.principal == Principal::Anonymous {
                return request_error(media, StatusCode::UNAUTHORIZED, ApiError::Unauthenticated);
            }
            multipart_body(raw_content_type, payload, &state, &caller).await
        }
        _ => {
            return request_error(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiError::bad_input(
                    "send the request as application/json, or multipart/form-data for uploads",
                ),
            )
        }
    };
    match admitted {
        Ok(admitted) => run(&state, &req, &caller, media, admitted, Transport::Post).await,
        Err((status, err)) => request_error(media, status, err),
    }
}

async fn caller(req: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    let principal = auth::principal(req.headers(), &state.services).await?;
    let client = auth::client_address(req, &state.settings.http);
    Ok(state.pipeline.caller(principal, client))
}

/// Each request's document resolved (any failure refuses the whole HTTP
/// request, as a malformed one), then admitted.
async fn resolve_and_admit(
    state: &AppState,
    caller: &Caller,
    batch: Batch<Incoming>,
    transport: Transport,
) -> Result<Batch<Admitted>, RequestFailure> {
    let pipeline = &state.pipeline;
    let resolved = batch
        .map_async(|incoming| pipeline.resolve(caller, incoming))
        .await;
    let requests = match resolved {
        Batch::Single(request) => Batch::Single(request.map_err(refused)?),
        Batch::Many(requests) => Batch::Many(
            requests
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(refused)?,
        ),
    };
    Ok(requests
        .map_async(|request| pipeline.admit(caller, request, transport))
        .await)
}

fn refused(err: ApiError) -> RequestFailure {
    (StatusCode::BAD_REQUEST, err)
}

async fn json_body(
    mut payload: web::Payload,
    state: &AppState,
) -> Result<Batch<Incoming>, RequestFailure> {
    let limit = state.settings.limits.max_body_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            (
                StatusCode::BAD_REQUEST,
                ApiError::bad_input("the request body could not be read"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::PayloadTooLarge(format!("request bodies are limited to {limit} bytes")),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let value = serde_json::from_slice(&body).map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("the request body is not valid JSON"),
        )
    })?;
    parse::from_json(value, state.settings.limits.max_batch)
}

/// Files one multipart request may carry.
const MAX_UPLOAD_FILES: usize = 4;

/// A multipart upload (GraphQL multipart request spec; see `multipart`).
/// Its operations are resolved and admitted (rate limits included) as soon
/// as the `operations` part is read, before any file: a caller over a limit
/// cannot make the server spool another file. Files stream to temporary
/// files; past the upload limit the rest is not read.
async fn multipart_body(
    content_type: &str,
    mut payload: web::Payload,
    state: &AppState,
    caller: &Caller,
) -> Result<Batch<Admitted>, RequestFailure> {
    // actix's payload is not Send; the multipart parser wants a Send
    // stream, so the chunks cross a channel.
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<web::Bytes>>(16);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|err| std::io::Error::other(err.to_string()));
            if sender.send(chunk).await.is_err() {
                break;
            }
        }
    });
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let limits = multipart::Limits {
        max_file_bytes: state.settings.locker.max_upload_bytes,
        max_files: MAX_UPLOAD_FILES,
        max_field_bytes: state.settings.limits.max_body_bytes,
    };
    multipart::receive(content_type, chunks, &limits, async |operations| {
        let batch = parse::from_json(operations, state.settings.limits.max_batch)?;
        let admitted = resolve_and_admit(state, caller, batch, Transport::Post).await?;
        // A refused operation reads no file.
        for operation in admitted_refusals(&admitted) {
            if let Refusal::Error(err @ ApiError::RateLimited { .. }) = operation {
                return Err((StatusCode::TOO_MANY_REQUESTS, clone_rate_limit(err)));
            }
        }
        Ok(admitted)
    })
    .await
}

fn admitted_refusals(batch: &Batch<Admitted>) -> Vec<&Refusal> {
    match batch {
        Batch::Single(one) => one.refusal().into_iter().collect(),
        Batch::Many(many) => many.iter().filter_map(Admitted::refusal).collect(),
    }
}

fn clone_rate_limit(err: &ApiError) -> ApiError {
    ApiError::RateLimited {
        message: err.to_string(),
        retry_after_secs: err.retry_after_secs().unwrap_or(60),
    }
}

/// Runs admitted operations and answers: one with its own status and
/// caching, a batch as a list.
async fn run(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    media: Media,
    batch: Batch<Admitted>,
    transport: Transport,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let pipeline = &state.pipeline;
    let admitted = match batch {
        Batch::Single(admitted) => admitted,
        Batch::Many(many) => {
            let runs = many
                .into_iter()
                .map(|admitted| pipeline.execute(caller, admitted));
            let executed = futures_util::future::join_all(runs).await;
            let bodies: Vec<Outgoing<'_>> = executed
                .iter()
                .map(|executed| Outgoing::of(&executed.response))
                .collect();
            return HttpResponse::Ok()
                .content_type(media.content_type())
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .body(respond::to_body(&bodies));
        }
    };
    if matches!(admitted.refusal(), Some(Refusal::MutationOverGet)) {
        return respond::mutation_over_get(media);
    }
    // Public answers are everyone's: found in the shared cache, kept there,
    // and sent as cacheable by anyone.
    let version = state.services.catalogue_version.current();
    let cache_key = admitted
        .is_public()
        .then(|| ResponseCache::key(admitted.request(), version, media.content_type()))
        .flatten();
    let keep = |public: bool| match (public, transport) {
        (true, Transport::Get) => Keep::Public,
        _ => Keep::Nowhere,
    };
    if let Some((body, etag)) = cache_key
        .as_ref()
        .and_then(|key| state.response_cache.get(key))
    {
        state.metrics.graphql(
            admitted.request().operation_name.as_deref(),
            true,
            started.elapsed(),
        );
        return respond::answer(
            StatusCode::OK,
            media,
            body,
            Some(&*etag),
            keep(true),
            None,
            req.headers(),
        );
    }
    let executed = pipeline.execute(caller, admitted).await;
    if executed.panicked {
        return request_error(
            media,
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::internal(anyhow::anyhow!("a GraphQL operation panicked")),
        );
    }
    let response = executed.response;
    let body = respond::to_body(&Outgoing::of(&response));
    let public = cache_key.is_some() && response.errors.is_empty();
    let etag = public.then(|| etag_of(&body));
    if let (Some(key), Some(etag)) = (cache_key, &etag) {
        state.response_cache.put(key, body.clone(), etag.clone());
    }
    respond::answer(
        respond::status_of(&response, media),
        media,
        body,
        etag.as_deref(),
        keep(public),
        respond::retry_after(&response),
        req.headers(),
    )
}
