//! Errors as GraphQL clients see them: every one with the contract's
//! `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::error::ApiError;
use crate::settings::RequestLimits;

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.log_if_internal();
        let code = err.code();
        let retry_after = err.retry_after_secs();
        let reason = err.reason();
        async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(secs) = retry_after {
                ext.set("retryAfterSeconds", secs);
            }
            if let Some(reason) = reason {
                ext.set("reason", reason);
            }
        })
    }
}

/// Builds a client error for a failure detected outside a resolver
/// (request parsing, limits).
pub fn server_error(err: ApiError) -> async_graphql::ServerError {
    err.log_if_internal();
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", err.code());
    if let Some(secs) = err.retry_after_secs() {
        extensions.set("retryAfterSeconds", secs);
    }
    if let Some(reason) = err.reason() {
        extensions.set("reason", reason);
    }
    let mut error = async_graphql::ServerError::new(err.to_string(), None);
    error.extensions = Some(extensions);
    error
}

/// A row that should exist (a foreign key points at it) but does not.
pub(crate) fn dangling(from: &str, to: &str) -> async_graphql::Error {
    ApiError::internal(anyhow::anyhow!("a {from} refers to a missing {to}")).into()
}

/// Gives every error of a response the contract's `extensions.code`:
/// async-graphql's depth and complexity rejections become
/// QUERY_TOO_COMPLEX with a message that names the limit, and its other
/// errors of the request's own making (syntax, unknown fields, arguments of
/// the wrong type) BAD_USER_INPUT.
pub fn give_codes(errors: &mut [async_graphql::ServerError], limits: &RequestLimits) {
    for error in errors {
        match error.message.as_str() {
            "Query is too complex." => {
                *error = server_error(ApiError::QueryTooComplex(format!(
                    "query is too complex: its cost exceeds the limit of {} (a list field costs `first` times its selection)",
                    limits.max_complexity
                )))
            }
            "Query is nested too deep." => {
                *error = server_error(ApiError::QueryTooComplex(format!(
                    "query is nested too deep: the limit is {} levels",
                    limits.max_depth
                )))
            }
            _ => {
                let coded = error
                    .extensions
                    .as_ref()
                    .is_some_and(|extensions| extensions.get("code").is_some());
                if !coded {
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("code", ApiError::bad_input("").code());
                }
            }
        }
    }
}
