//! Every setting with its default and meaning: the table of
//! `docs/configuration.md`, made from the typed defaults so that it cannot
//! say one thing while the code does another (a test compares them).

use super::Settings;

/// One row of the configuration table.
pub struct Documented {
    pub name: &'static str,
    /// The default as the table shows it.
    pub default: String,
    pub meaning: &'static str,
}

fn row(name: &'static str, default: impl Into<String>, meaning: &'static str) -> Documented {
    Documented {
        name,
        default: default.into(),
        meaning,
    }
}

/// `value` as a code span, with a reading for people when it helps.
fn code(value: impl std::fmt::Display) -> String {
    format!("`{value}`")
}

fn bytes(value: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if value >= GIB && value.is_multiple_of(GIB) {
        format!("`{value}` ({} GiB)", value / GIB)
    } else if value >= MIB && value.is_multiple_of(MIB) {
        format!("`{value}` ({} MiB)", value / MIB)
    } else {
        code(value)
    }
}

/// A whole number of days, hours or minutes, for people.
fn span(secs: u64) -> Option<String> {
    match secs {
        0 => None,
        s if s.is_multiple_of(86_400) => Some(format!("{} d", s / 86_400)),
        s if s.is_multiple_of(3_600) => Some(format!("{} h", s / 3_600)),
        s if s.is_multiple_of(60) => Some(format!("{} min", s / 60)),
        _ => None,
    }
}

fn seconds(value: u64) -> String {
    match span(value) {
        Some(span) => format!("`{value}` ({span})"),
        None => code(value),
    }
}

fn millis(value: u64) -> String {
    match value
        .is_multiple_of(1000)
        .then(|| span(value / 1000))
        .flatten()
    {
        Some(span) => format!("`{value}` ({span})"),
        None => code(value),
    }
}

/// Every setting, in the order the table lists them.
pub fn documented() -> Vec<Documented> {
    let d = Settings::default();
    vec![
        row("CADENZA_BIND", code(d.http.bind), "address to listen on"),
        row(
            "CADENZA_DATA_DIR",
            code(d.data_dir.display()),
            "SQLite file, blobs, generated secrets",
        ),
        row(
            "DATABASE_URL",
            "SQLite file in the data dir",
            "`postgres://...` for production",
        ),
        row(
            "CADENZA_DATABASE_MAX_CONNECTIONS",
            "4 (SQLite), 16 (PostgreSQL)",
            "connections the pool keeps; a SQLite connection is a thread of the server",
        ),
        row(
            "REDIS_URL",
            "unset",
            "`redis://...`: live events and rate limits shared by replicas (see docs/operations.md)",
        ),
        row(
            "CADENZA_REDIS_NAMESPACE",
            code(&d.redis.namespace),
            "prefix of every Redis key and channel, so deployments can share a Redis",
        ),
        row(
            "CADENZA_JWT_SECRET",
            "generated once, kept in the data dir (`jwt-secret`, mode 0600)",
            "HS256 signing key, 32 bytes or more",
        ),
        row(
            "CADENZA_ACCESS_TOKEN_TTL_SECS",
            seconds(d.accounts.access_token_ttl_secs),
            "how long an access token works (at most a day); clients renew it with their refresh token",
        ),
        row(
            "CADENZA_STORAGE",
            "`file://<data dir>/blobs`",
            "`s3://bucket/prefix` for S3 or any S3-compatible store",
        ),
        row(
            "AWS_ENDPOINT_URL",
            "AWS",
            "with `s3://`: another S3-compatible service (MinIO, Ceph); `http://` is allowed",
        ),
        row(
            "AWS_REGION",
            "AWS defaults",
            "with `s3://`: the bucket's region (else `AWS_DEFAULT_REGION`)",
        ),
        row(
            "AWS_ACCESS_KEY_ID",
            "AWS defaults",
            "with `s3://`: as whom, with `AWS_SECRET_ACCESS_KEY`; unset, the usual AWS chain (instance metadata, web identity) applies",
        ),
        row(
            "CADENZA_SEARCH_DIR",
            "`<data dir>/search`",
            "this replica's search index; replicas never share one",
        ),
        row(
            "CADENZA_SEED_DEMO",
            code(d.seed_demo),
            "seed the demo catalogue into an empty database",
        ),
        row(
            "CADENZA_CATALOGUE_ARTWORK",
            code(d.catalogue_artwork),
            "fetch each catalogue album's picture from its feed `coverUrl` in the background (10 s deadline, 8 MiB at most, retried later on failure) and serve it from `/artwork`; the demo's are drawn, not fetched",
        ),
        row(
            "CADENZA_DEMO_AUDIO",
            code(d.demo_audio),
            "make master audio for the demo catalogue's tracks in the background (generated melodies, one 8-bit 11 kHz WAV per track length, about 18 MB in all), so its previews play and its purchases stream",
        ),
        row(
            "CADENZA_ARTWORK_PRIVATE_HOSTS",
            code(d.artwork_private_hosts),
            "let the artwork job fetch from loopback, private, link-local and other non-public addresses (a redirect's too); off, a feed's `coverUrl` cannot reach the server's own network",
        ),
        row(
            "CADENZA_CORS_ORIGINS",
            "unset (this origin only)",
            "comma-separated origins (`https://shop.example`) whose pages may call the API, play streams and show covers from a browser (see docs/api.md, CORS)",
        ),
        row(
            "CADENZA_TRUSTED_DOCUMENTS",
            code(d.http.trusted_documents.as_str()),
            "`off`, `prefer` or `require`: whether callers other than administrators and API keys may run only the documents `cadenza documents import` loaded (see docs/api.md, Trusted documents)",
        ),
        row(
            "CADENZA_CLIENT_IP_HEADER",
            "unset (the connection's peer address)",
            "behind a proxy: the header it puts the client's address in (e.g. `X-Real-IP`; of several lines the last, of a list its last hop). Set it only when a proxy you run sets that header, or clients can pick their own address",
        ),
        row(
            "CADENZA_OTLP_ENDPOINT",
            "unset (no export)",
            "an OpenTelemetry collector's OTLP/HTTP address (`http://127.0.0.1:4318`): every request's span, with the caller's trace when it sent a `traceparent`, is sent to its `/v1/traces` as OTLP JSON (see docs/operations.md)",
        ),
        row(
            "CADENZA_WEB_DIR",
            "unset (the copy in the binary)",
            "serve the web app from this folder (e.g. `api/web`), read at every request: for working on the app without rebuilding",
        ),
        row(
            "CADENZA_MAX_UPLOAD_BYTES",
            bytes(d.locker.max_upload_bytes),
            "largest multipart upload; larger ones get PAYLOAD_TOO_LARGE",
        ),
        row(
            "CADENZA_QUOTA_BYTES",
            bytes(d.locker.quota_bytes),
            "a listener's locker quota",
        ),
        row(
            "CADENZA_RECOMPUTE_INTERVAL_SECS",
            seconds(d.recommendations.recompute_interval_secs),
            "how often recommendation statistics are recomputed in the background; the replica that takes the lease recomputes if none did in the last half interval",
        ),
        row(
            "CADENZA_K_ANONYMITY",
            code(d.recommendations.k_anonymity),
            "distinct consenting listeners a cross-customer statistic needs (at least 2)",
        ),
        row(
            "CADENZA_HISTORY_RETENTION_DAYS",
            code(d.privacy.history_retention_days),
            "plays and interactions older than this are deleted (hourly, on every replica)",
        ),
        row(
            "CADENZA_AUDIT_RETENTION_DAYS",
            code(d.privacy.audit_retention_days),
            "entries of the consent log and the audit log older than this are deleted",
        ),
        row(
            "CADENZA_ERASURE_LEDGER",
            "`<data dir>/erasure-ledger`",
            "a file where the numbers of erased accounts are also written, for `cadenza restore` to erase them again from an older backup; keep it apart from the data dir (see docs/backups.md)",
        ),
        row(
            "CADENZA_EXPORT_TTL_SECS",
            seconds(d.privacy.export_ttl_secs),
            "how long a data export's URL, and every `streamUrl` and `coverUrl` in it, works (at most a week)",
        ),
        row(
            "CADENZA_PAYMENTS",
            code(d.store.payments.as_str()),
            "how the built-in payment provider answers: `approve`, `decline`, `fail`, `hang` or `charge-then-hang` (see docs/store.md)",
        ),
        row(
            "CADENZA_PAYMENT_TIMEOUT_MS",
            code(d.store.payment_deadline_ms),
            "how long checkout waits for the payment provider",
        ),
        row(
            "CADENZA_PENDING_PAYMENT_SECS",
            seconds(d.store.pending_payment_secs),
            "how long a payment intent may stay unresolved before a background sweep asks the provider about it again",
        ),
        row(
            "CADENZA_RATE_USER_MUTATIONS",
            code(d.rate_limits.user_mutations_per_minute),
            "mutations a signed-in user may make a minute",
        ),
        row(
            "CADENZA_RATE_KEY_MUTATIONS",
            code(d.rate_limits.key_mutations_per_minute),
            "mutations an API key may make a minute",
        ),
        row(
            "CADENZA_RATE_REGISTRATIONS",
            code(d.rate_limits.registrations_per_hour),
            "`register` calls a client address may make an hour",
        ),
        row(
            "CADENZA_RATE_LOGINS",
            code(d.rate_limits.logins_per_15_minutes),
            "sign-ins a client address may attempt in 15 minutes (besides 20 per account)",
        ),
        row(
            "CADENZA_RATE_REFRESHES",
            code(d.rate_limits.refreshes_per_minute),
            "`refreshToken` calls a client address may make a minute",
        ),
        row(
            "CADENZA_RATE_EXPORTS_PER_MINUTE",
            code(d.rate_limits.exports_per_minute),
            "`exportMyData` calls a signed-in user may make a minute",
        ),
        row(
            "CADENZA_WEBHOOK_POLL_INTERVAL_MS",
            code(d.webhooks.poll_interval_ms),
            "how often each replica looks for due webhook deliveries (its own new events wake it at once)",
        ),
        row(
            "CADENZA_WEBHOOK_TIMEOUT_MS",
            code(d.webhooks.timeout_ms),
            "how long one delivery attempt may take, connecting included",
        ),
        row(
            "CADENZA_WEBHOOK_RETRY_BASE_MS",
            code(d.webhooks.retry_base_ms),
            "the wait before the first retry; each later one doubles",
        ),
        row(
            "CADENZA_WEBHOOK_RETRY_MAX_DELAY_MS",
            millis(d.webhooks.retry_max_delay_ms),
            "the longest wait between two attempts",
        ),
        row(
            "CADENZA_WEBHOOK_GIVE_UP_AFTER_SECS",
            seconds(d.webhooks.give_up_after_secs),
            "a delivery not answered with a 2xx by then is FAILED",
        ),
        row(
            "CADENZA_WEBHOOK_BATCH",
            code(d.webhooks.batch),
            "deliveries one replica sends at once (at most 1000)",
        ),
        row("RUST_LOG", "`info`", "log filter (`tracing` directives)"),
    ]
}

/// The Markdown table of every setting.
pub fn table() -> String {
    let mut table = String::from("| setting | default | meaning |\n|---|---|---|\n");
    for setting in documented() {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            setting.name, setting.default, setting.meaning
        ));
    }
    table
}
