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
    /// The server's storage (its disk, or its bucket's quota) is full: not
    /// the caller's fault and not a bug; trying later may work.
    #[error("the server is out of storage; try again later")]
    StorageFull,
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

    /// The failure of a write to storage (a file, the bucket, the
    /// database): `StorageFull` when the cause is a full disk or quota,
    /// INTERNAL otherwise.
    pub fn storage(cause: impl Into<anyhow::Error>) -> Self {
        let cause = cause.into();
        if out_of_space(&cause) {
            tracing::warn!(error = format!("{cause:#}"), "storage is full");
            Self::StorageFull
        } else {
            Self::Internal(cause)
        }
    }

    /// Why, in a word clients can match, where the code alone does not say.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Self::StorageFull => Some("SERVER_STORAGE_FULL"),
            _ => None,
        }
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
            // A quota, the server's own: clients that show QUOTA_EXCEEDED
            // show the message; `extensions.reason` tells the two apart.
            Self::StorageFull => "QUOTA_EXCEEDED",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::storage(err)
    }
}

/// True when an error, or any of its causes, says the disk or a quota is
/// full: `ENOSPC`/`EDQUOT` from the system, SQLite's `SQLITE_FULL`,
/// PostgreSQL's `disk_full` (53100), an object store's refusal for space.
pub fn out_of_space(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) || matches!(io.raw_os_error(), Some(28 | 122))
            {
                return true;
            }
        }
        let text = cause.to_string();
        [
            "No space left on device",
            "database or disk is full",
            "Disk quota exceeded",
            "could not extend file",
            "(code: 13)",
            "53100",
            "QuotaExceeded",
            "InsufficientStorage",
        ]
        .iter()
        .any(|sign| text.contains(sign))
    })
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
