//! The smaller areas' settings: the database, Redis, the locker, privacy
//! and recommendations.

use super::env::{at_most, positive, Env, SettingError};
use super::secret::Secret;

/// The longest an access token may live: a day.
const MAX_ACCESS_TOKEN_TTL_SECS: u64 = 24 * 60 * 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSettings {
    /// How long an access token works (`CADENZA_ACCESS_TOKEN_TTL_SECS`);
    /// clients renew it with their refresh token.
    pub access_token_ttl_secs: u64,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            access_token_ttl_secs: 15 * 60,
        }
    }
}

impl AccountSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            access_token_ttl_secs: env.or(
                "CADENZA_ACCESS_TOKEN_TTL_SECS",
                defaults.access_token_ttl_secs,
                at_most(MAX_ACCESS_TOKEN_TTL_SECS),
            )?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct DatabaseSettings {
    /// `DATABASE_URL`; `None`: a SQLite file in the data dir.
    pub url: Option<Secret>,
    /// Connections the pool keeps at most (`CADENZA_DATABASE_MAX_CONNECTIONS`);
    /// `None`: 4 for SQLite (each connection is a thread of this process),
    /// 16 for PostgreSQL.
    pub max_connections: Option<u32>,
}

impl DatabaseSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        Ok(Self {
            url: env.optional("DATABASE_URL", |url| {
                if ["postgres://", "postgresql://", "sqlite:"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme))
                {
                    Ok(Secret::new(url))
                } else {
                    Err("must start with postgres://, postgresql:// or sqlite:".into())
                }
            })?,
            max_connections: env.optional("CADENZA_DATABASE_MAX_CONNECTIONS", |value| {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| format!("`{value}` is not a whole number from 1 to 1000"))
            })?,
        })
    }
}

#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// `REDIS_URL`; `None`: in-process events and rate limits.
    pub url: Option<Secret>,
    /// Prefix of every Redis key and channel, so deployments can share one
    /// Redis (`CADENZA_REDIS_NAMESPACE`).
    pub namespace: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            namespace: "cadenza".into(),
        }
    }
}

impl RedisSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            url: env.optional("REDIS_URL", |url| {
                if url.starts_with("redis://") || url.starts_with("rediss://") {
                    Ok(Secret::new(url))
                } else {
                    Err("must start with redis:// or rediss://".into())
                }
            })?,
            namespace: env.or("CADENZA_REDIS_NAMESPACE", defaults.namespace, |value| {
                if value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                {
                    Ok(value.to_owned())
                } else {
                    Err("may hold only letters, digits, '-', '_' and '.'".into())
                }
            })?,
        })
    }
}

/// The largest upload limit accepted: the multipart parser multiplies it by
/// the number of files, which must not overflow.
const MAX_UPLOAD_CEILING: u64 = 1 << 40;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockerSettings {
    /// The largest multipart upload (`CADENZA_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// A listener's locker quota (`CADENZA_QUOTA_BYTES`).
    pub quota_bytes: u64,
}

impl Default for LockerSettings {
    fn default() -> Self {
        Self {
            max_upload_bytes: 1 << 30,
            quota_bytes: 50 << 30,
        }
    }
}

impl LockerSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            max_upload_bytes: env.or(
                "CADENZA_MAX_UPLOAD_BYTES",
                defaults.max_upload_bytes,
                |value| {
                    positive(value).and_then(|bytes| {
                        if bytes > MAX_UPLOAD_CEILING {
                            Err(format!("`{value}` is more than 1 TiB"))
                        } else {
                            Ok(bytes)
                        }
                    })
                },
            )?,
            quota_bytes: env.or("CADENZA_QUOTA_BYTES", defaults.quota_bytes, positive)?,
        })
    }
}

/// The longest life of a data export's URL: a week.
const MAX_EXPORT_TTL_SECS: u64 = 7 * 24 * 60 * 60;
/// The longest anything may be kept: a hundred years.
const MAX_RETENTION_DAYS: u32 = 36_500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacySettings {
    /// Days plays and interactions are kept
    /// (`CADENZA_HISTORY_RETENTION_DAYS`).
    pub history_retention_days: u32,
    /// Days the consent and audit logs are kept
    /// (`CADENZA_AUDIT_RETENTION_DAYS`).
    pub audit_retention_days: u32,
    /// How long a data export's URL works, and its stream URLs with it
    /// (`CADENZA_EXPORT_TTL_SECS`).
    pub export_ttl_secs: u64,
    /// Where the numbers of erased accounts are written as well as the
    /// database (`CADENZA_ERASURE_LEDGER`), for `cadenza restore` to erase
    /// them again from an older backup; `None`: `<data dir>/erasure-ledger`.
    pub erasure_ledger: Option<std::path::PathBuf>,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            history_retention_days: 365,
            audit_retention_days: 730,
            export_ttl_secs: 900,
            erasure_ledger: None,
        }
    }
}

impl PrivacySettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        let days = |value: &str| {
            positive(value).and_then(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|days| *days <= MAX_RETENTION_DAYS)
                    .ok_or_else(|| format!("`{value}` is more than {MAX_RETENTION_DAYS} days"))
            })
        };
        Ok(Self {
            history_retention_days: env.or(
                "CADENZA_HISTORY_RETENTION_DAYS",
                defaults.history_retention_days,
                days,
            )?,
            audit_retention_days: env.or(
                "CADENZA_AUDIT_RETENTION_DAYS",
                defaults.audit_retention_days,
                days,
            )?,
            export_ttl_secs: env.or(
                "CADENZA_EXPORT_TTL_SECS",
                defaults.export_ttl_secs,
                |value| {
                    positive(value).and_then(|secs| {
                        if secs > MAX_EXPORT_TTL_SECS {
                            Err(format!(
                                "`{value}` is more than a week ({MAX_EXPORT_TTL_SECS})"
                            ))
                        } else {
                            Ok(secs)
                        }
                    })
                },
            )?,
            erasure_ledger: env
                .raw("CADENZA_ERASURE_LEDGER")
                .map(std::path::PathBuf::from),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecommendationSettings {
    /// How often the statistics are recomputed in the background
    /// (`CADENZA_RECOMPUTE_INTERVAL_SECS`).
    pub recompute_interval_secs: u64,
    /// Distinct consenting listeners a cross-customer statistic needs
    /// (`CADENZA_K_ANONYMITY`).
    pub k_anonymity: u32,
}

impl Default for RecommendationSettings {
    fn default() -> Self {
        Self {
            recompute_interval_secs: 300,
            k_anonymity: 5,
        }
    }
}

impl RecommendationSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            recompute_interval_secs: env.or(
                "CADENZA_RECOMPUTE_INTERVAL_SECS",
                defaults.recompute_interval_secs,
                positive,
            )?,
            k_anonymity: env.or("CADENZA_K_ANONYMITY", defaults.k_anonymity, |value| {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|k| *k >= 2)
                    .ok_or_else(|| format!("`{value}` is not a whole number of at least 2"))
            })?,
        })
    }
}
