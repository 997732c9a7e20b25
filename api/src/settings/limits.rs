//! Bounds on every request: the size and cost of GraphQL documents, and how
//! often callers may change things.

use super::env::{positive_u32, Env, SettingError};

/// Bounds on every GraphQL request (`docs/api.md`, "Limits").
///
/// The document limits follow GraphQL Armor's defaults where it has one;
/// `graphql::limits` applies them to each document before validation.
#[derive(Clone, Debug)]
pub struct RequestLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_batch: usize,
    pub max_document_bytes: usize,
    /// Bytes of a JSON request body (not a multipart upload).
    pub max_body_bytes: usize,
    /// Lexical tokens of a document, comments and commas aside (Armor's
    /// maxTokens). Counted before the document is parsed.
    pub max_tokens: usize,
    /// Fields of one operation, each fragment counted wherever it is
    /// spread: bounds what nested fragments multiply.
    pub max_fields: usize,
    /// Aliases in one operation, each fragment counted wherever it is
    /// spread (Armor's maxAliases).
    pub max_aliases: usize,
    /// Times one response key may be selected into one object, through
    /// fragments too: the executor runs every copy.
    pub max_repeated_fields: usize,
    /// Directives in one operation, each fragment counted wherever it is
    /// spread (Armor's maxDirectives).
    pub max_directives: usize,
    /// Directives on one field.
    pub max_field_directives: usize,
    /// How deep `fields`, `interfaces`, `possibleTypes` and `inputFields`
    /// may nest under `__schema` or `__type` (graphql-js's
    /// MaxIntrospectionDepthRule refuses the third level).
    pub max_introspection_depth: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 5_000,
            max_batch: 10,
            max_document_bytes: 32 * 1024,
            max_body_bytes: 256 * 1024,
            max_tokens: 1_000,
            max_fields: 2_000,
            max_aliases: 15,
            max_repeated_fields: 15,
            max_directives: 50,
            max_field_directives: 16,
            max_introspection_depth: 2,
        }
    }
}

/// How many attempts a window allows (`CADENZA_RATE_*`). Mutations are
/// counted per signed-in user and per API key; `register`, `login` and
/// `refreshToken` per client address as well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Mutations per user a minute (`CADENZA_RATE_USER_MUTATIONS`).
    pub user_mutations_per_minute: u32,
    /// Mutations per API key a minute (`CADENZA_RATE_KEY_MUTATIONS`).
    pub key_mutations_per_minute: u32,
    /// `register` per client address an hour (`CADENZA_RATE_REGISTRATIONS`).
    pub registrations_per_hour: u32,
    /// `login` per client address in 15 minutes (`CADENZA_RATE_LOGINS`).
    pub logins_per_15_minutes: u32,
    /// `refreshToken` per client address a minute (`CADENZA_RATE_REFRESHES`).
    pub refreshes_per_minute: u32,
    /// `exportMyData` per user a minute (`CADENZA_RATE_EXPORTS_PER_MINUTE`).
    pub exports_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            user_mutations_per_minute: 300,
            key_mutations_per_minute: 1200,
            registrations_per_hour: 20,
            logins_per_15_minutes: 100,
            refreshes_per_minute: 60,
            exports_per_minute: 1,
        }
    }
}

impl RateLimits {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            user_mutations_per_minute: env.or(
                "CADENZA_RATE_USER_MUTATIONS",
                defaults.user_mutations_per_minute,
                positive_u32,
            )?,
            key_mutations_per_minute: env.or(
                "CADENZA_RATE_KEY_MUTATIONS",
                defaults.key_mutations_per_minute,
                positive_u32,
            )?,
            registrations_per_hour: env.or(
                "CADENZA_RATE_REGISTRATIONS",
                defaults.registrations_per_hour,
                positive_u32,
            )?,
            logins_per_15_minutes: env.or(
                "CADENZA_RATE_LOGINS",
                defaults.logins_per_15_minutes,
                positive_u32,
            )?,
            refreshes_per_minute: env.or(
                "CADENZA_RATE_REFRESHES",
                defaults.refreshes_per_minute,
                positive_u32,
            )?,
            exports_per_minute: env.or(
                "CADENZA_RATE_EXPORTS_PER_MINUTE",
                defaults.exports_per_minute,
                positive_u32,
            )?,
        })
    }

    /// No limit a test would reach: for suites that make many accounts and
    /// mutations from one address.
    pub fn unlimited() -> Self {
        Self {
            user_mutations_per_minute: u32::MAX,
            key_mutations_per_minute: u32::MAX,
            registrations_per_hour: u32::MAX,
            logins_per_15_minutes: u32::MAX,
            refreshes_per_minute: u32::MAX,
            exports_per_minute: u32::MAX,
        }
    }
}
