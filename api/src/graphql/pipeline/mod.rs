//! One pipeline for every GraphQL request, whatever carried it (HTTP GET,
//! POST, a multipart upload, the subscription socket), so every rule is
//! written once:
//!
//! 1. `resolve`: the document the request stands for: its text, an
//!    Automatic Persisted Query's hash, or a trusted document's id, held to
//!    `CADENZA_TRUSTED_DOCUMENTS`;
//! 2. `admit`: the document parsed, held to the limits and judged public
//!    once (`Documents`), the operation chosen (`operation::select`), the
//!    transport's rules applied (no mutation over GET or the socket), and
//!    a mutation counted against its caller's rate limits (`admission`);
//! 3. `execute`: run with the caller and their loaders, a panic answered
//!    as INTERNAL, every error given its contract code, timed in the
//!    metrics.
//!
//! Transports only adapt their framing: `http::graphql` for HTTP, and
//! `socket::SocketExecutor` for graphql-transport-ws.

pub mod admission;
pub mod documents;
pub mod operation;
pub mod public;
pub mod socket;
pub mod trusted;

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response, Variables};
use futures_util::FutureExt;

use self::documents::{Documents, Persisted, Prepared};
use self::trusted::Trusted;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::graphql::error::give_codes;
use crate::graphql::loaders::{Loaders, RequestLoader};
use crate::graphql::{server_error, CadenzaSchema};
use crate::metrics::Metrics;
use crate::services::Services;
use crate::settings::{RateLimits, RequestLimits, TrustedDocuments};

pub struct Pipeline {
    schema: CadenzaSchema,
    services: Services,
    documents: Documents,
    trusted: Trusted,
    limits: RequestLimits,
    rate_limits: RateLimits,
    metrics: Metrics,
}

/// Who is calling, and from where.
#[derive(Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The client's address, for the per-address rate limits.
    pub client: Option<String>,
    /// The caller's loaders, shared by the operations of one HTTP request
    /// or one socket.
    pub loaders: Loaders,
}

/// What carried the request: each has rules of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Queries only (GraphQL over HTTP).
    Get,
    /// JSON or a multipart upload.
    Post,
    /// graphql-transport-ws: subscriptions and queries; changes go through
    /// HTTP, where each is counted against its caller's rate limits.
    Socket,
}

/// A request as a client sent it, before the document is known.
#[derive(Debug, Default)]
pub struct Incoming {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Variables,
    /// `extensions.persistedQuery.sha256Hash` (Automatic Persisted Queries,
    /// or a trusted document's id as Apollo clients send it).
    pub persisted_hash: Option<String>,
    /// `documentId` (trusted documents as GraphQL-over-HTTP clients send
    /// them).
    pub document_id: Option<String>,
}

/// A request after `admit`: ready to run, or refused with the reason.
pub struct Admitted {
    request: Request,
    /// The document as prepared, for what follows the execution.
    prepared: Option<Arc<Prepared>>,
    kind: Option<OperationType>,
    public: bool,
    refusal: Option<Refusal>,
}

pub enum Refusal {
    /// A mutation sent by GET (HTTP answers 405).
    MutationOverGet,
    Error(ApiError),
}

impl Admitted {
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The request, for a transport that adds to it (a multipart upload's
    /// files) before it runs.
    pub fn request_mut(&mut self) -> &mut Request {
        &mut self.request
    }

    pub fn is_mutation(&self) -> bool {
        self.kind == Some(OperationType::Mutation)
    }

    /// A query of public fields only: its answer is everyone's.
    pub fn is_public(&self) -> bool {
        self.public && self.kind == Some(OperationType::Query) && self.refusal.is_none()
    }

    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// The request with its document as parsed once, to run: cloned from
    /// the cache only now, so an answer found in the response cache costs
    /// no copy of it.
    fn parsed(self) -> Request {
        let mut request = self.request;
        if let Some(Prepared::Ready(checked)) = self.prepared.as_deref() {
            request.set_parsed_query(checked.document.clone());
        }
        request
    }
}

/// What `execute` gave, and whether it was a panic of ours.
pub struct Executed {
    pub response: Response,
    pub panicked: bool,
}

impl Pipeline {
    pub fn new(
        schema: CadenzaSchema,
        services: Services,
        documents: Documents,
        trusted_documents: TrustedDocuments,
        limits: RequestLimits,
        rate_limits: RateLimits,
        metrics: Metrics,
    ) -> Self {
        let trusted = Trusted::new(trusted_documents, services.trusted_documents.clone());
        Self {
            schema,
            services,
            documents,
            trusted,
            limits,
            rate_limits,
            metrics,
        }
    }

    pub fn limits(&self) -> &RequestLimits {
        &self.limits
    }

    pub fn documents(&self) -> &Documents {
        &self.documents
    }

    /// A caller with loaders of their own.
    pub fn caller(&self, principal: Principal, client: Option<String>) -> Caller {
        let loaders = RequestLoader::for_request(self.services.clone(), principal.user_id());
        Caller {
            principal,
            client,
            loaders,
        }
    }

    /// The document a request stands for, held to the trusted documents
    /// where they are required. Its errors are the request's own (the
    /// client sent something it should not have), before any parse.
    pub async fn resolve(&self, caller: &Caller, incoming: Incoming) -> Result<Request, ApiError> {
        let mode = self.trusted.mode();
        // Administrators (GraphiQL) and partners' keys may run any document.
        let trusted_only = mode == TrustedDocuments::Require
            && !matches!(
                caller.principal,
                Principal::ApiKey { .. }
                    | Principal::User {
                        role: Role::Admin,
                        ..
                    }
            );
        if let Some(query) = &incoming.query {
            check_document_size(query, &self.limits)?;
        }
        let id = incoming
            .document_id
            .as_deref()
            .or(incoming.persisted_hash.as_deref());
        let query: String = match (incoming.query, id) {
            (Some(query), hash) => {
                if trusted_only && !self.trusted.holds_text(&query).await {
                    return Err(ApiError::PersistedQueryNotAllowed(
                        "only trusted documents may run here, and this is not one of them".into(),
                    ));
                }
                match (hash, &incoming.persisted_hash) {
                    (Some(hash), Some(_)) => self
                        .documents
                        .persisted(Persisted::Register {
                            hash,
                            query: &query,
                        })?
                        .to_string(),
                    _ => query,
                }
            }
            (None, Some(id)) => {
                let trusted = match mode {
                    TrustedDocuments::Off => None,
                    _ => self.trusted.by_id(id).await,
                };
                match trusted {
                    Some(text) => text.to_string(),
                    None if trusted_only => return Err(ApiError::PersistedQueryNotFound),
                    None if incoming.persisted_hash.is_some() => self
                        .documents
                        .persisted(Persisted::Lookup { hash: id })?
                        .to_string(),
                    None => return Err(ApiError::PersistedQueryNotFound),
                }
            }
            (None, None) => return Err(ApiError::bad_input("`query` is required")),
        };
        let mut request = Request::new(query).variables(incoming.variables);
        if let Some(name) = incoming.operation_name {
            request = request.operation_name(name);
        }
        Ok(request)
    }

    /// Parses (or finds) the document, chooses the operation, applies the
    /// transport's rules and the rate limits.
    pub async fn admit(&self, caller: &Caller, request: Request, transport: Transport) -> Admitted {
        let prepared = self.documents.prepared(&request.query, &self.limits);
        let mut admitted = Admitted {
            kind: None,
            public: false,
            refusal: None,
            prepared: None,
            request: Request::new(""),
        };
        match &*prepared {
            Prepared::Ready(checked) => {
                let name = request.operation_name.as_deref();
                let chosen = operation::select(&checked.document, name);
                admitted.kind = chosen.map(|operation| operation.ty);
                admitted.public = checked.is_public(name) && !caller.principal.writes_catalogue();
                admitted.refusal = match (chosen, transport) {
                    (Some(operation), Transport::Get) if operation.ty == OperationType::Mutation => {
                        Some(Refusal::MutationOverGet)
                    }
                    (Some(operation), Transport::Socket)
                        if operation.ty == OperationType::Mutation =>
                    {
                        Some(Refusal::Error(ApiError::bad_input(
                            "mutations are accepted over HTTP POST, not over the subscription socket",
                        )))
                    }
                    (Some(operation), _) if operation.ty == OperationType::Mutation => {
                        admission::admit(
                            &self.services.rate_limiter,
                            &self.rate_limits,
                            &caller.principal,
                            caller.client.as_deref(),
                            &checked.document,
                            operation,
                        )
                        .await
                        .err()
                        .map(Refusal::Error)
                    }
                    _ => None,
                };
            }
            Prepared::Refused(why) => {
                admitted.refusal = Some(Refusal::Error(ApiError::QueryTooComplex(why.clone())));
            }
            // The executor parses it again and reports the syntax error.
            Prepared::Unparsed => {}
        }
        admitted.request = request;
        admitted.prepared = Some(prepared);
        admitted
    }

    /// Runs an admitted request (or answers its refusal) as `caller`.
    pub async fn execute(&self, caller: &Caller, admitted: Admitted) -> Executed {
        let started = Instant::now();
        let name = admitted.request.operation_name.clone();
        let prepared = admitted.prepared.clone();
        let mut admitted = admitted;
        let mut executed = match admitted.refusal.take() {
            Some(refusal) => Executed {
                response: Response::from_errors(vec![server_error(match refusal {
                    Refusal::MutationOverGet => {
                        ApiError::bad_input("mutations are only accepted over POST")
                    }
                    Refusal::Error(err) => err,
                })]),
                panicked: false,
            },
            None => {
                let request = admitted
                    .parsed()
                    .data(caller.principal.clone())
                    .data(caller.loaders.clone());
                // A panic is a bug of ours; the client gets INTERNAL, never
                // a dropped connection or a trace.
                match std::panic::AssertUnwindSafe(self.schema.execute(request))
                    .catch_unwind()
                    .await
                {
                    Ok(response) => Executed {
                        response,
                        panicked: false,
                    },
                    Err(_) => Executed {
                        response: Response::from_errors(vec![server_error(ApiError::internal(
                            anyhow::anyhow!("a GraphQL operation panicked"),
                        ))]),
                        panicked: true,
                    },
                }
            }
        };
        self.finish(&mut executed.response, prepared.as_deref(), name.as_deref());
        self.metrics.graphql(
            name.as_deref(),
            executed.response.errors.is_empty(),
            started.elapsed(),
        );
        executed
    }

    /// What every response gets on its way out: the contract's codes, and
    /// no borrowed schema description.
    fn finish(&self, response: &mut Response, prepared: Option<&Prepared>, name: Option<&str>) {
        give_codes(&mut response.errors, &self.limits);
        if let Some(Prepared::Ready(checked)) = prepared {
            if checked.mentions_schema {
                if let Some(operation) = operation::select(&checked.document, name) {
                    introspection::clear_schema_description(
                        &checked.document,
                        operation,
                        &mut response.data,
                    );
                }
            }
        }
    }
}

/// The hash of an `extensions.persistedQuery` (version 1).
pub fn persisted_hash(persisted: &serde_json::Value) -> Result<String, ApiError> {
    let bad = || {
        ApiError::bad_input(
            "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}",
        )
    };
    if persisted.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(bad());
    }
    persisted
        .get("sha256Hash")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(bad)
}

fn check_document_size(query: &str, limits: &RequestLimits) -> Result<(), ApiError> {
    let max = limits.max_document_bytes;
    if query.len() > max {
        return Err(ApiError::QueryTooComplex(format!(
            "the query document is {} bytes; the limit is {max}",
            query.len()
        )));
    }
    Ok(())
}

mod introspection;
