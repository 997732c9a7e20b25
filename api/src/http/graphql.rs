//! GraphQL over HTTP, by the GraphQL-over-HTTP spec: POST with JSON or a
//! multipart upload, GET for queries only, `application/graphql-response+json`
//! and `application/json` responses.
//!
//! The request is parsed here rather than by async-graphql's actix
//! integration so every malformed request gets the spec's status code and a
//! contract error code, and so the limits (batch size, document size, body
//! size) apply before any work is done.

use std::time::Instant;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::{BatchRequest, Request, Response, Variables};
use futures_util::{FutureExt, StreamExt};
use serde_json::{Map, Value};

use super::documents::{Persisted, Prepared};
use super::multipart::RequestFailure;
use super::{rate_limits, AppState, ResponseCache};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::graphql::error::give_codes;
use crate::graphql::loaders::RequestLoader;
use crate::graphql::operation;
use crate::graphql::server_error;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media type a response is sent as, chosen from the `Accept` header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Media::Json => JSON,
        }
    }

    /// `None` when the client accepts neither JSON type.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
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

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[derive(serde::Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let params = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(params) => params.into_inner(),
        Err(_) => {
            return request_error(
                Media::negotiate(req.headers()).unwrap_or(Media::Json),
                StatusCode::BAD_REQUEST,
                ApiError::bad_input("the query string could not be read"),
            )
        }
    };
    if params.query.is_none() && wants_html(&req) {
        return super::web_app::graphiql_page(&req).await;
    }
    let Some(media) = Media::negotiate(req.headers()) else {
        return not_acceptable();
    };
    let request = match get_request(params, &state) {
        Ok(request) => request,
        Err(err) => return request_error(media, StatusCode::BAD_REQUEST, err),
    };
    let prepared = state
        .documents
        .prepared(&request.query, &state.settings.limits);
    if matches!(&*prepared, Prepared::Ready(checked) if operation::is_mutation(&checked.document, request.operation_name.as_deref()))
    {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type(media.content_type())
            .body(errors_body(vec![server_error(ApiError::bad_input(
                "mutations are only accepted over POST",
            ))]));
    }
    let principal = match principal(&req, &state).await {
        Ok(principal) => principal,
        Err(err) => return request_error(media, StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    let client = rate_limits::client_address(&req, &state.settings.http);
    execute(
        &state,
        principal,
        client,
        media,
        BatchRequest::Single(request),
    )
    .await
}

fn get_request(params: GetParams, state: &AppState) -> Result<Request, ApiError> {
    let mut object = Map::new();
    object.insert(
        "query".into(),
        params.query.map(Value::String).unwrap_or(Value::Null),
    );
    if let Some(name) = params.operation_name {
        object.insert("operationName".into(), Value::String(name));
    }
    for (key, raw) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(raw) = raw {
            let value = serde_json::from_str::<Value>(&raw)
                .map_err(|_| ApiError::bad_input(format!("`{key}` must be a JSON object")))?;
            object.insert(key.into(), value);
        }
    }
    graphql_request(object, state)
}

pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(media) = Media::negotiate(req.headers()) else {
        return not_acceptable();
    };
    let principal = match principal(&req, &state).await {
        Ok(principal) => principal,
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
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let batch = match essence.as_str() {
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
            json_batch(payload, &state).await
        }
        "multipart/form-data" => {
            // Every operation that takes a file needs credentials: check them
            // before reading a byte, so nobody anonymous can make the server
            // buffer or spool a large body.
            if principal == Principal::Anonymous {
                return request_error(media, StatusCode::UNAUTHORIZED, ApiError::Unauthenticated);
            }
            multipart_batch(raw_content_type, payload, &state).await
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
    match batch {
        Ok(batch) => {
            let client = rate_limits::client_address(&req, &state.settings.http);
            execute(&state, principal, client, media, batch).await
        }
        Err((status, err)) => request_error(media, status, err),
    }
}

/// Files one multipart request may carry.
const MAX_UPLOAD_FILES: usize = 4;

async fn json_batch(
    mut payload: web::Payload,
    state: &AppState,
) -> Result<BatchRequest, RequestFailure> {
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
    let value: Value = serde_json::from_slice(&body).map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("the request body is not valid JSON"),
        )
    })?;
    batch_from_json(value, state)
}

/// A request, or a batch of them, from its JSON: the body of a JSON
/// request, or the `operations` part of a multipart one.
fn batch_from_json(value: Value, state: &AppState) -> Result<BatchRequest, RequestFailure> {
    let bad = |message: &str| (StatusCode::BAD_REQUEST, ApiError::bad_input(message));
    match value {
        Value::Object(object) => Ok(BatchRequest::Single(
            graphql_request(object, state).map_err(|err| (StatusCode::BAD_REQUEST, err))?,
        )),
        Value::Array(list) => {
            check_batch_size(list.len(), state)?;
            let requests = list
                .into_iter()
                .map(|item| match item {
                    Value::Object(object) => graphql_request(object, state),
                    _ => Err(ApiError::bad_input(
                        "each request of a batch must be a JSON object",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| (StatusCode::BAD_REQUEST, err))?;
            Ok(BatchRequest::Batch(requests))
        }
        _ => Err(bad("the request body must be a JSON object")),
    }
}

fn check_batch_size(len: usize, state: &AppState) -> Result<(), RequestFailure> {
    let max = state.settings.limits.max_batch;
    if len == 0 {
        return Err((
            StatusCode::BAD_REQUEST,
            ApiError::bad_input("the batch is empty"),
        ));
    }
    if len > max {
        return Err((
            StatusCode::BAD_REQUEST,
            ApiError::QueryTooComplex(format!(
                "a batch may hold at most {max} operations, this one holds {len}"
            )),
        ));
    }
    Ok(())
}

/// One GraphQL request from its JSON parameters, each checked for its type.
/// The query may be a persisted one (Automatic Persisted Queries); its
/// parsed document comes from the cache when the text was seen before.
fn graphql_request(mut object: Map<String, Value>, state: &AppState) -> Result<Request, ApiError> {
    let query = match object.remove("query") {
        Some(Value::String(query)) => Some(query),
        Some(Value::Null) | None => None,
        Some(_) => return Err(ApiError::bad_input("`query` must be a string")),
    };
    let extensions = match object.remove("extensions") {
        Some(Value::Object(extensions)) => Some(extensions),
        Some(Value::Null) | None => None,
        Some(_) => return Err(ApiError::bad_input("`extensions` must be a JSON object")),
    };
    if let Some(query) = &query {
        check_document_size(query, state)?;
    }
    let query = match persisted_hash(extensions.as_ref())? {
        Some(hash) => {
            let asked = match &query {
                Some(query) => Persisted::Register { hash, query },
                None => Persisted::Lookup { hash },
            };
            state.documents.persisted(asked)?.to_string()
        }
        None => query.ok_or_else(|| ApiError::bad_input("`query` is required"))?,
    };
    let mut request = Request::new(query);
    match object.remove("operationName") {
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(Value::Null) | None => {}
        Some(_) => return Err(ApiError::bad_input("`operationName` must be a string")),
    }
    match object.remove("variables") {
        Some(Value::Object(variables)) => {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err(ApiError::bad_input("`variables` must be a JSON object")),
    }
    Ok(request)
}

/// The hash of `extensions.persistedQuery` (version 1), if the request
/// carries one.
fn persisted_hash(extensions: Option<&Map<String, Value>>) -> Result<Option<&str>, ApiError> {
    let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_input(
            "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}",
        )
    };
    if persisted.get("version").and_then(Value::as_i64) != Some(1) {
        return Err(bad());
    }
    persisted
        .get("sha256Hash")
        .and_then(Value::as_str)
        .map(Some)
        .ok_or_else(bad)
}

fn check_document_size(query: &str, state: &AppState) -> Result<(), ApiError> {
    let max = state.settings.limits.max_document_bytes;
    if query.len() > max {
        return Err(ApiError::QueryTooComplex(format!(
            "the query document is {} bytes; the limit is {max}",
            query.len()
        )));
    }
    Ok(())
}

/// A multipart upload (GraphQL multipart request spec; see `multipart`).
/// Files stream to temporary files; past the upload limit the rest is not
/// read.
async fn multipart_batch(
    content_type: &str,
    mut payload: web::Payload,
    state: &AppState,
) -> Result<BatchRequest, RequestFailure> {
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
    let limits = super::multipart::Limits {
        max_file_bytes: state.settings.locker.max_upload_bytes,
        max_files: MAX_UPLOAD_FILES,
        max_field_bytes: state.settings.limits.max_body_bytes,
    };
    super::multipart::receive(content_type, chunks, &limits, |operations| {
        batch_from_json(operations, state)
    })
    .await
}

async fn principal(req: &HttpRequest, state: &AppState) -> Result<Principal, ApiError> {
    let headers = req.headers();
    if let Some(token) = super::bearer_token(headers) {
        return Ok(state
            .services
            .accounts
            .access_tokens()
            .verify(token)
            .unwrap_or(Principal::Anonymous));
    }
    if let Some(secret) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Ok(state
            .services
            .api_keys
            .authenticate(secret.trim())
            .await?
            .unwrap_or(Principal::Anonymous));
    }
    Ok(Principal::Anonymous)
}

async fn execute(
    state: &AppState,
    principal: Principal,
    client: Option<String>,
    media: Media,
    batch: BatchRequest,
) -> HttpResponse {
    let started = Instant::now();
    let limits = &state.settings.limits;
    let version = state.services.catalogue_version.current();
    let cache_key = |request: &Request| ResponseCache::key(request, version, media.content_type());
    // An anonymous answer is found with no parse at all: only queries'
    // answers are stored.
    let mut stored_under = match (&principal, &batch) {
        (Principal::Anonymous, BatchRequest::Single(request)) => cache_key(request),
        _ => None,
    };
    let first_name = batch.iter().next().and_then(|r| r.operation_name.clone());
    if let Some(response) = stored_under
        .as_ref()
        .and_then(|key| cached(state, key, first_name.as_deref(), media, started))
    {
        return response;
    }

    // Each request on its document as prepared once: parsed, checked
    // against the limits, judged public or not.
    let mut requests: Vec<(Request, Option<ApiError>)> = Vec::new();
    let mut mutation = false;
    let mut public = !principal.writes_catalogue();
    let (single, batch) = match batch {
        BatchRequest::Single(request) => (true, vec![request]),
        BatchRequest::Batch(requests) => (false, requests),
    };
    for mut request in batch {
        let prepared = state.documents.prepared(&request.query, limits);
        let refusal = match &*prepared {
            Prepared::Ready(checked) => {
                let name = request.operation_name.as_deref();
                let changes = operation::is_mutation(&checked.document, name);
                mutation |= changes;
                public &= checked.is_public(name);
                let admitted = if changes {
                    rate_limits::admit(
                        state,
                        &principal,
                        client.as_deref(),
                        &checked.document,
                        name,
                    )
                    .await
                } else {
                    Ok(())
                };
                request.set_parsed_query(checked.document.clone());
                admitted.err()
            }
            Prepared::Refused(why) => {
                public = false;
                Some(ApiError::QueryTooComplex(why.clone()))
            }
            Prepared::Unparsed => {
                public = false;
                None
            }
        };
        requests.push((request, refusal));
    }
    // A signed-in caller asking only public fields gets the answer everyone
    // gets: the anonymous one, from the cache when it is there.
    if single && stored_under.is_none() && public && !mutation {
        stored_under = requests.first().and_then(|(request, _)| cache_key(request));
        if let Some(response) = stored_under
            .as_ref()
            .and_then(|key| cached(state, key, first_name.as_deref(), media, started))
        {
            return response;
        }
    }
    let stored_under = stored_under.filter(|_| single && !mutation);

    let loaders = RequestLoader::for_request(state.services.clone(), principal.user_id());
    let names: Vec<Option<String>> = requests
        .iter()
        .map(|(request, _)| request.operation_name.clone())
        .collect();
    let runs = requests.into_iter().map(|(request, refusal)| {
        let request = request.data(principal.clone()).data(loaders.clone());
        async move {
            match refusal {
                Some(refusal) => Response::from_errors(vec![server_error(refusal)]),
                None => state.schema.execute(request).await,
            }
        }
    });
    // A panic is a bug of ours; the client gets INTERNAL, never a dropped
    // connection or a trace.
    let responses = match std::panic::AssertUnwindSafe(futures_util::future::join_all(runs))
        .catch_unwind()
        .await
    {
        Ok(responses) => responses,
        Err(_) => {
            return request_error(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError::internal(anyhow::anyhow!("a GraphQL operation panicked")),
            )
        }
    };
    let elapsed = started.elapsed();
    let mut responses: Vec<Response> = responses;
    for (response, name) in responses.iter_mut().zip(&names) {
        give_codes(&mut response.errors, limits);
        state
            .metrics
            .graphql(name.as_deref(), response.errors.is_empty(), elapsed);
    }
    if !single {
        let bodies: Vec<Outgoing<'_>> = responses.iter().map(Outgoing::of).collect();
        return HttpResponse::Ok()
            .content_type(media.content_type())
            .body(to_body(&bodies));
    }
    let Some(response) = responses.first() else {
        return request_error(
            media,
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::internal(anyhow::anyhow!("a request gave no response")),
        );
    };
    let retry_after = retry_after(response);
    let status = match (is_request_error(response), media, retry_after) {
        (true, Media::GraphqlResponseJson, Some(_)) => StatusCode::TOO_MANY_REQUESTS,
        (true, Media::GraphqlResponseJson, None) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = Bytes::from(to_body(&Outgoing::of(response)));
    if let Some(key) = stored_under.filter(|_| response.errors.is_empty()) {
        state.response_cache.put(key, body.clone());
    }
    let mut answer = HttpResponse::build(status);
    if let Some(secs) = retry_after {
        answer.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    answer.content_type(media.content_type()).body(body)
}

/// When the request was refused for its rate: the seconds to wait.
fn retry_after(response: &Response) -> Option<u64> {
    response.errors.iter().find_map(|error| {
        match error.extensions.as_ref()?.get("retryAfterSeconds")? {
            async_graphql::Value::Number(secs) => secs.as_u64(),
            _ => None,
        }
    })
}

/// The stored answer under `key`, if there is one, counted as served.
fn cached(
    state: &AppState,
    key: &[u8; 32],
    operation_name: Option<&str>,
    media: Media,
    started: Instant,
) -> Option<HttpResponse> {
    let body = state.response_cache.get(key)?;
    state
        .metrics
        .graphql(operation_name, true, started.elapsed());
    Some(
        HttpResponse::Ok()
            .content_type(media.content_type())
            .body(body),
    )
}

/// A request that failed before execution (syntax, validation, limits): no
/// data, and errors that point at no field.
fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// A response as the client reads it; a request error carries no `data`.
/// Written straight to bytes: building a JSON value first cost a second
/// tree of allocations per response.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Outgoing<'a> {
    Executed(&'a Response),
    RequestError {
        errors: &'a [async_graphql::ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
    },
}

impl<'a> Outgoing<'a> {
    fn of(response: &'a Response) -> Self {
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

fn to_body<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|err| {
        tracing::error!(error = %err, "a response could not be serialised");
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
    })
}

fn errors_body(errors: Vec<async_graphql::ServerError>) -> String {
    serde_json::json!({ "errors": errors }).to_string()
}

fn request_error(media: Media, status: StatusCode, err: ApiError) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media.content_type())
        .body(errors_body(vec![server_error(err)]))
}

fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable()
        .content_type(JSON)
        .body(errors_body(vec![server_error(ApiError::bad_input(
            "accept application/graphql-response+json or application/json",
        ))]))
}
