//! Typed settings, read from the environment with the defaults of DESIGN.md.
//!
//! Settings are parsed once at start-up and passed in explicitly; there is no
//! global. A bad value stops start-up with a message naming the setting.

use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: a SQLite file in the data dir.
    pub database_url: Option<String>,
    /// Connections the pool keeps at most; `None`: 4 for SQLite (each
    /// connection is a thread of this process), 16 for PostgreSQL.
    pub database_max_connections: Option<u32>,
    /// `None`: in-process cache, rate limiter and pub/sub.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel, so deployments can share one
    /// Redis.
    pub redis_namespace: String,
    /// `None`: generated once and kept in the data dir.
    pub jwt_secret: Option<String>,
    pub storage: StorageLocation,
    /// This replica's search index: `<data dir>/search` unless told
    /// otherwise. Each replica keeps its own.
    pub search_dir: PathBuf,
    pub seed_demo: bool,
    pub max_upload_bytes: u64,
    pub quota_bytes: u64,
    pub recompute_interval_secs: u64,
    pub k_anonymity: u32,
    /// Days plays and interactions are kept
    /// (`CADENZA_HISTORY_RETENTION_DAYS`).
    pub history_retention_days: u32,
    /// Days the consent and audit logs are kept
    /// (`CADENZA_AUDIT_RETENTION_DAYS`).
    pub audit_retention_days: u32,
    /// How the built-in payment provider answers (`CADENZA_PAYMENTS`).
    pub payments: PaymentMode,
    /// How long checkout waits for the payment provider
    /// (`CADENZA_PAYMENT_TIMEOUT_MS`).
    pub payment_deadline_ms: u64,
    /// How long a payment intent may stay unresolved before the background
    /// sweep asks the provider about it (`CADENZA_PENDING_PAYMENT_SECS`).
    pub pending_payment_secs: u64,
    /// How long a data export's URL works, and its stream URLs with it
    /// (`CADENZA_EXPORT_TTL_SECS`).
    pub export_ttl_secs: u64,
    pub limits: RequestLimits,
    pub rate_limits: RateLimits,
    /// How webhooks are delivered (`CADENZA_WEBHOOK_*`).
    pub webhooks: WebhookSettings,
    /// Serve the web app from this folder, read at each request, instead of
    /// the copy embedded in the binary (`CADENZA_WEB_DIR`): for working on
    /// the app without rebuilding the server.
    pub web_dir: Option<PathBuf>,
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
    /// A request header holding the client's address, set by a proxy in
    /// front (`CADENZA_CLIENT_IP_HEADER`, e.g. `X-Real-IP`); `None`: the
    /// peer address of the connection.
    pub client_ip_header: Option<String>,
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
            client_ip_header: None,
        }
    }
}

/// How the webhook delivery worker runs. Tests shorten the times to
/// milliseconds; production keeps the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// How often each replica looks for due deliveries
    /// (`CADENZA_WEBHOOK_POLL_INTERVAL_MS`). Events written by this
    /// replica wake it at once; the poll finds retries and other
    /// replicas' events.
    pub poll_interval_ms: u64,
    /// How long one attempt may take, connecting included
    /// (`CADENZA_WEBHOOK_TIMEOUT_MS`).
    pub timeout_ms: u64,
    /// The delay before the first retry; each later one doubles it, with
    /// jitter (`CADENZA_WEBHOOK_RETRY_BASE_MS`).
    pub retry_base_ms: u64,
    /// The longest delay between two attempts
    /// (`CADENZA_WEBHOOK_RETRY_MAX_DELAY_MS`).
    pub retry_max_delay_ms: u64,
    /// How long after the event a delivery is given up as failed
    /// (`CADENZA_WEBHOOK_GIVE_UP_AFTER_SECS`).
    pub give_up_after_secs: u64,
    /// Deliveries one replica sends at once (`CADENZA_WEBHOOK_BATCH`).
    pub batch: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1_000,
            timeout_ms: 10_000,
            retry_base_ms: 5_000,
            retry_max_delay_ms: 6 * 60 * 60 * 1000,
            give_up_after_secs: 24 * 60 * 60,
            batch: 16,
        }
    }
}

/// How the built-in provider answers (`CADENZA_PAYMENTS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaymentMode {
    /// Every charge is approved.
    #[default]
    Approve,
    /// Every charge is declined.
    Decline,
    /// Every charge fails with an error.
    Fail,
    /// No charge is ever answered (checkout's deadline ends the wait).
    Hang,
    /// Every charge is made and recorded, and then never answered: the
    /// provider charged, its answer was lost (a crash test's moment).
    ChargeThenHang,
}

impl PaymentMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "approve" => Some(Self::Approve),
            "decline" => Some(Self::Decline),
            "fail" => Some(Self::Fail),
            "hang" => Some(Self::Hang),
            "charge-then-hang" => Some(Self::ChargeThenHang),
            _ => None,
        }
    }
}

/// Where blobs live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageLocation {
    /// `file://<data dir>/blobs` unless told otherwise.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3(S3Location),
}

/// An S3-compatible bucket. Endpoint, region and credentials come from the
/// usual `AWS_*` variables; what is not set there falls back to the AWS
/// defaults (instance metadata, web identity).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Keys go under this prefix, without leading or trailing `/`.
    pub prefix: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service (MinIO, Ceph,
    /// moto). An `http://` endpoint is allowed without TLS.
    pub endpoint: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Location")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Bounds on every GraphQL request (DESIGN.md, "Limits on every request").
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

/// The longest life of a data export's URL: a week.
const MAX_EXPORT_TTL_SECS: u64 = 7 * 24 * 60 * 60;

/// The largest upload limit accepted: the multipart parser multiplies it by
/// the number of files, which must not overflow.
const MAX_UPLOAD_CEILING: u64 = 1 << 40;
/// The longest anything may be kept: a hundred years.
const MAX_RETENTION_DAYS: u32 = 36_500;

#[derive(Debug, Error)]
#[error("{name}: {problem}")]
pub struct SettingError {
    pub name: &'static str,
    pub problem: String,
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any source of `NAME -> value`; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let bind = parse(&get, "CADENZA_BIND", "127.0.0.1:8080", |value| {
            value
                .parse::<SocketAddr>()
                .map_err(|_| format!("`{value}` is not an address like 127.0.0.1:8080"))
        })?;
        let data_dir = PathBuf::from(get("CADENZA_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url)
                if url.starts_with("postgres://")
                    || url.starts_with("postgresql://")
                    || url.starts_with("sqlite:") =>
            {
                Some(url)
            }
            Some(_) => {
                return Err(SettingError {
                    name: "DATABASE_URL",
                    problem: "must start with postgres://, postgresql:// or sqlite:".into(),
                })
            }
            None => None,
        };
        let database_max_connections = match get("CADENZA_DATABASE_MAX_CONNECTIONS") {
            None => None,
            Some(value) => Some(
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| SettingError {
                        name: "CADENZA_DATABASE_MAX_CONNECTIONS",
                        problem: format!("`{value}` is not a whole number from 1 to 1000"),
                    })?,
            ),
        };
        let redis_url = match get("REDIS_URL") {
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => Some(url),
            Some(_) => {
                return Err(SettingError {
                    name: "REDIS_URL",
                    problem: "must start with redis:// or rediss://".into(),
                })
            }
            None => None,
        };
        let redis_namespace = get("CADENZA_REDIS_NAMESPACE").unwrap_or_else(|| "cadenza".into());
        if !redis_namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(SettingError {
                name: "CADENZA_REDIS_NAMESPACE",
                problem: "may hold only letters, digits, '-', '_' and '.'".into(),
            });
        }
        let jwt_secret = match get("CADENZA_JWT_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(SettingError {
                    name: "CADENZA_JWT_SECRET",
                    problem: "must be at least 32 bytes".into(),
                })
            }
            other => other,
        };
        let search_dir = get("CADENZA_SEARCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("search"));
        let web_dir = get("CADENZA_WEB_DIR").map(PathBuf::from);
        let storage = match get("CADENZA_STORAGE") {
            None => StorageLocation::Local(data_dir.join("blobs")),
            Some(value) => parse_storage(&value, &get).map_err(|problem| SettingError {
                name: "CADENZA_STORAGE",
                problem,
            })?,
        };
        let seed_demo = parse(&get, "CADENZA_SEED_DEMO", "true", |value| {
            match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(format!("`{value}` is not true or false")),
            }
        })?;
        let max_upload_bytes = parse(&get, "CADENZA_MAX_UPLOAD_BYTES", "1073741824", |value| {
            positive(value).and_then(|bytes| {
                if bytes > MAX_UPLOAD_CEILING {
                    Err(format!("`{value}` is more than 1 TiB"))
                } else {
                    Ok(bytes)
                }
            })
        })?;
        let quota_bytes = parse(&get, "CADENZA_QUOTA_BYTES", "53687091200", positive)?;
        let recompute_interval_secs =
            parse(&get, "CADENZA_RECOMPUTE_INTERVAL_SECS", "300", positive)?;
        let k_anonymity = parse(&get, "CADENZA_K_ANONYMITY", "5", |value| {
            value
                .parse::<u32>()
                .ok()
                .filter(|k| *k >= 2)
                .ok_or_else(|| format!("`{value}` is not a whole number of at least 2"))
        })?;
        let payments = parse(&get, "CADENZA_PAYMENTS", "approve", |value| {
            PaymentMode::parse(value).ok_or_else(|| {
                format!("`{value}` is not approve, decline, fail, hang or charge-then-hang")
            })
        })?;
        let days = |value: &str| {
            positive(value).and_then(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|days| *days <= MAX_RETENTION_DAYS)
                    .ok_or_else(|| format!("`{value}` is more than {MAX_RETENTION_DAYS} days"))
            })
        };
        let history_retention_days = parse(&get, "CADENZA_HISTORY_RETENTION_DAYS", "365", days)?;
        let audit_retention_days = parse(&get, "CADENZA_AUDIT_RETENTION_DAYS", "730", days)?;
        let payment_deadline_ms = parse(&get, "CADENZA_PAYMENT_TIMEOUT_MS", "10000", positive)?;
        let pending_payment_secs = parse(&get, "CADENZA_PENDING_PAYMENT_SECS", "900", positive)?;
        let export_ttl_secs = parse(&get, "CADENZA_EXPORT_TTL_SECS", "900", |value| {
            positive(value).and_then(|secs| {
                if secs > MAX_EXPORT_TTL_SECS {
                    Err(format!(
                        "`{value}` is more than a week ({MAX_EXPORT_TTL_SECS})"
                    ))
                } else {
                    Ok(secs)
                }
            })
        })?;
        let per_window = |value: &str| {
            positive(value).and_then(|n| {
                u32::try_from(n).map_err(|_| format!("`{value}` is more than {}", u32::MAX))
            })
        };
        let defaults = RateLimits::default();
        let rate_limits = RateLimits {
            user_mutations_per_minute: parse(
                &get,
                "CADENZA_RATE_USER_MUTATIONS",
                &defaults.user_mutations_per_minute.to_string(),
                per_window,
            )?,
            key_mutations_per_minute: parse(
                &get,
                "CADENZA_RATE_KEY_MUTATIONS",
                &defaults.key_mutations_per_minute.to_string(),
                per_window,
            )?,
            registrations_per_hour: parse(
                &get,
                "CADENZA_RATE_REGISTRATIONS",
                &defaults.registrations_per_hour.to_string(),
                per_window,
            )?,
            logins_per_15_minutes: parse(
                &get,
                "CADENZA_RATE_LOGINS",
                &defaults.logins_per_15_minutes.to_string(),
                per_window,
            )?,
            refreshes_per_minute: parse(
                &get,
                "CADENZA_RATE_REFRESHES",
                &defaults.refreshes_per_minute.to_string(),
                per_window,
            )?,
            exports_per_minute: parse(
                &get,
                "CADENZA_RATE_EXPORTS_PER_MINUTE",
                &defaults.exports_per_minute.to_string(),
                per_window,
            )?,
            client_ip_header: get("CADENZA_CLIENT_IP_HEADER").filter(|h| !h.trim().is_empty()),
        };
        let defaults = WebhookSettings::default();
        let webhooks = WebhookSettings {
            poll_interval_ms: parse(
                &get,
                "CADENZA_WEBHOOK_POLL_INTERVAL_MS",
                &defaults.poll_interval_ms.to_string(),
                positive,
            )?,
            timeout_ms: parse(
                &get,
                "CADENZA_WEBHOOK_TIMEOUT_MS",
                &defaults.timeout_ms.to_string(),
                positive,
            )?,
            retry_base_ms: parse(
                &get,
                "CADENZA_WEBHOOK_RETRY_BASE_MS",
                &defaults.retry_base_ms.to_string(),
                positive,
            )?,
            retry_max_delay_ms: parse(
                &get,
                "CADENZA_WEBHOOK_RETRY_MAX_DELAY_MS",
                &defaults.retry_max_delay_ms.to_string(),
                positive,
            )?,
            give_up_after_secs: parse(
                &get,
                "CADENZA_WEBHOOK_GIVE_UP_AFTER_SECS",
                &defaults.give_up_after_secs.to_string(),
                positive,
            )?,
            batch: parse(
                &get,
                "CADENZA_WEBHOOK_BATCH",
                &defaults.batch.to_string(),
                |value| {
                    positive(value).and_then(|n| {
                        if n > 1000 {
                            Err(format!("`{value}` is more than 1000"))
                        } else {
                            Ok(n)
                        }
                    })
                },
            )?,
        };

        Ok(Self {
            bind,
            data_dir,
            database_url,
            database_max_connections,
            redis_url,
            redis_namespace,
            jwt_secret,
            storage,
            search_dir,
            seed_demo,
            max_upload_bytes,
            quota_bytes,
            recompute_interval_secs,
            k_anonymity,
            history_retention_days,
            audit_retention_days,
            payments,
            payment_deadline_ms,
            pending_payment_secs,
            export_ttl_secs,
            limits: RequestLimits::default(),
            rate_limits,
            webhooks,
            web_dir,
        })
    }

    /// The database to connect to: `DATABASE_URL`, or SQLite in the data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("cadenza.sqlite3").display()
            ),
        }
    }
}

fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    convert: impl Fn(&str) -> Result<T, String>,
) -> Result<T, SettingError> {
    let value = get(name).unwrap_or_else(|| default.to_owned());
    convert(value.trim()).map_err(|problem| SettingError { name, problem })
}

fn positive(value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{value}` is not a positive whole number"))
}

fn parse_storage(
    value: &str,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<StorageLocation, String> {
    if let Some(path) = value.strip_prefix("file://") {
        if path.is_empty() {
            return Err("file:// needs a directory".into());
        }
        return Ok(StorageLocation::Local(PathBuf::from(path)));
    }
    if let Some(rest) = value.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err("s3:// needs a bucket, as in s3://bucket/prefix".into());
        }
        let endpoint = get("AWS_ENDPOINT_URL").or_else(|| get("AWS_ENDPOINT"));
        if let Some(endpoint) = &endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(format!(
                    "AWS_ENDPOINT_URL `{endpoint}` must start with http:// or https://"
                ));
            }
        }
        let access_key_id = get("AWS_ACCESS_KEY_ID");
        let secret_access_key = get("AWS_SECRET_ACCESS_KEY");
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into());
        }
        return Ok(StorageLocation::S3(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint,
            region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
            access_key_id,
            secret_access_key,
        }));
    }
    Err(format!(
        "`{value}` is neither file://<dir> nor s3://bucket/prefix"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert!(s.seed_demo);
        assert_eq!(s.max_upload_bytes, 1_073_741_824);
        assert_eq!(s.quota_bytes, 53_687_091_200);
        assert_eq!(s.recompute_interval_secs, 300);
        assert_eq!(s.k_anonymity, 5);
        assert_eq!(s.history_retention_days, 365);
        assert_eq!(s.audit_retention_days, 730);
        assert_eq!(s.export_ttl_secs, 900);
        assert_eq!(s.rate_limits.exports_per_minute, 1);
        assert_eq!(s.webhooks, WebhookSettings::default());
        assert_eq!(s.webhooks.give_up_after_secs, 86_400);
        assert_eq!(
            s.storage,
            StorageLocation::Local(PathBuf::from("./data/blobs"))
        );
        assert!(s
            .database_url()
            .starts_with("sqlite://./data/cadenza.sqlite3"));
    }

    #[test]
    fn a_bad_value_names_its_setting() {
        for (name, value) in [
            ("CADENZA_BIND", "localhost"),
            ("CADENZA_SEED_DEMO", "maybe"),
            ("CADENZA_MAX_UPLOAD_BYTES", "-1"),
            ("CADENZA_MAX_UPLOAD_BYTES", "18446744073709551615"),
            ("CADENZA_QUOTA_BYTES", "lots"),
            ("CADENZA_K_ANONYMITY", "1"),
            ("CADENZA_RATE_LOGINS", "0"),
            ("CADENZA_RATE_REGISTRATIONS", "many"),
            ("CADENZA_PENDING_PAYMENT_SECS", "0"),
            ("CADENZA_HISTORY_RETENTION_DAYS", "0"),
            ("CADENZA_AUDIT_RETENTION_DAYS", "40000"),
            ("CADENZA_RATE_USER_MUTATIONS", "5000000000"),
            ("CADENZA_STORAGE", "ftp://x"),
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "http://x"),
            ("CADENZA_JWT_SECRET", "short"),
            ("CADENZA_WEBHOOK_RETRY_BASE_MS", "0"),
            ("CADENZA_WEBHOOK_BATCH", "5000"),
            ("CADENZA_EXPORT_TTL_SECS", "0"),
            ("CADENZA_EXPORT_TTL_SECS", "604801"),
            ("CADENZA_EXPORT_TTL_SECS", "soon"),
            ("CADENZA_RATE_EXPORTS_PER_MINUTE", "0"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name);
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn storage_urls_parse() {
        let s = settings(&[("CADENZA_STORAGE", "s3://music/lockers/")]).unwrap();
        let StorageLocation::S3(location) = s.storage else {
            panic!("{:?}", s.storage);
        };
        assert_eq!(location.bucket, "music");
        assert_eq!(location.prefix, "lockers");
        assert_eq!(location.endpoint, None);

        let s = settings(&[
            ("CADENZA_STORAGE", "s3://music"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "very secret"),
        ])
        .unwrap();
        let StorageLocation::S3(location) = s.storage else {
            panic!("{:?}", s.storage);
        };
        assert_eq!(location.prefix, "");
        assert_eq!(location.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(location.region.as_deref(), Some("eu-west-1"));
        let shown = format!("{location:?}");
        assert!(!shown.contains("very secret"), "{shown}");
    }

    #[test]
    fn s3_settings_are_checked() {
        for pairs in [
            &[("CADENZA_STORAGE", "s3://")][..],
            &[
                ("CADENZA_STORAGE", "s3://music"),
                ("AWS_ENDPOINT_URL", "localhost:9000"),
            ],
            &[
                ("CADENZA_STORAGE", "s3://music"),
                ("AWS_ACCESS_KEY_ID", "key"),
            ],
        ] {
            let err = settings(pairs).unwrap_err();
            assert_eq!(err.name, "CADENZA_STORAGE", "{pairs:?}");
        }
    }
}
