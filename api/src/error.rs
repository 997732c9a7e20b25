//! The one error type of the services and the API edge.
//!
//! Every variant maps, with no catch-all arm, to a stable code of the
//! contract (`code`). Internal causes are logged once, as the error leaves
//! for a client (`log_if_internal`), and the client only ever sees
//! "internal error". The GraphQL layer turns it into a GraphQL error.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("the password is wrong")]
    WrongPassword,
    #[error("the refresh token is invalid, expired or already used")]
    InvalidRefreshToken,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    QuotaExceeded(String),
    /// Too many attempts; the client may try again after `retry_after_secs`.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    QueryTooComplex(String),
    #[error("{0}")]
    PaymentDeclined(String),
    /// An Automatic Persisted Query hash this server does not know: the
    /// client sends the text with its hash. The message is the one Apollo
    /// clients match on.
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    /// A document outside the trusted documents, where only they may run.
    #[error("{0}")]
    PersistedQueryNotAllowed(String),
    /// The payment provider failed or did not answer: nothing was
    /// delivered, and retrying the same checkout key resolves it.
    #[error("{0}")]
    PaymentUnresolved(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput(message.into())
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// Seconds until a refused attempt may succeed (RATE_LIMITED only).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::WrongPassword
            | Self::InvalidRefreshToken => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            Self::PaymentDeclined(_) => "PAYMENT_DECLINED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotAllowed(_) => "PERSISTED_QUERY_NOT_ALLOWED",
            Self::PaymentUnresolved(_) => "INTERNAL",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.into())
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

impl ApiError {
    /// Internal causes are logged here, once, as the error leaves for a client.
    pub fn log_if_internal(&self) {
        if let ApiError::Internal(cause) = self {
            tracing::error!(
                error = format!("{cause:#}"),
                "internal error answered as INTERNAL"
            );
        }
    }
}
