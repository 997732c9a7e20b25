//! Prometheus metrics: GraphQL requests and latencies by operation, HTTP
//! requests by route, SQL statements issued, the search index's size
//! and position in the change feed, webhook attempts by outcome, and
//! each background job's last success and failures.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Distinct operation names kept as labels; later ones are counted as
/// `other`, so clients cannot grow the metrics without bound.
const MAX_OPERATION_LABELS: usize = 200;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    graphql_requests: IntCounterVec,
    graphql_duration: HistogramVec,
    http_requests: IntCounterVec,
    sql_statements: IntCounter,
    search_documents: IntGauge,
    search_applied_seq: IntGauge,
    webhook_attempts: IntCounterVec,
    job_last_success: IntGaugeVec,
    job_failures: IntGaugeVec,
    storage_free: IntGauge,
    storage_total: IntGauge,
    operations_seen: Arc<Mutex<HashSet<String>>>,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let graphql_requests = IntCounterVec::new(
            Opts::new(
                "cadenza_graphql_requests_total",
                "GraphQL operations served",
            ),
            &["operation", "outcome"],
        )?;
        let graphql_duration = HistogramVec::new(
            HistogramOpts::new(
                "cadenza_graphql_request_duration_seconds",
                "Time to execute a GraphQL operation",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ]),
            &["operation"],
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "cadenza_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )?;
        let sql_statements = IntCounter::new(
            "cadenza_sql_statements_total",
            "SQL statements sent to the database",
        )?;
        let search_documents = IntGauge::new(
            "cadenza_search_documents",
            "Documents in this replica's search index",
        )?;
        let search_applied_seq = IntGauge::new(
            "cadenza_search_applied_seq",
            "The last change of the search feed this replica's index holds",
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "cadenza_webhook_attempts_total",
                "Webhook delivery attempts by outcome: delivered (2xx), retry (to be tried again), failed (given up)",
            ),
            &["outcome"],
        )?;
        let job_last_success = IntGaugeVec::new(
            Opts::new(
                "cadenza_job_last_success_timestamp_seconds",
                "When each background job last succeeded (Unix seconds; 0: not yet)",
            ),
            &["job"],
        )?;
        let job_failures = IntGaugeVec::new(
            Opts::new(
                "cadenza_job_failures",
                "Failures of each background job since the server started",
            ),
            &["job"],
        )?;
        let storage_free = IntGauge::new(
            "cadenza_storage_free_bytes",
            "Bytes free on the filesystem of local blob storage",
        )?;
        let storage_total = IntGauge::new(
            "cadenza_storage_total_bytes",
            "Size of the filesystem of local blob storage",
        )?;
        registry.register(Box::new(storage_free.clone()))?;
        registry.register(Box::new(storage_total.clone()))?;
        registry.register(Box::new(job_last_success.clone()))?;
        registry.register(Box::new(job_failures.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(search_documents.clone()))?;
        registry.register(Box::new(search_applied_seq.clone()))?;
        registry.register(Box::new(graphql_requests.clone()))?;
        registry.register(Box::new(graphql_duration.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(sql_statements.clone()))?;
        Ok(Self {
            registry,
            graphql_requests,
            graphql_duration,
            http_requests,
            sql_statements,
            search_documents,
            search_applied_seq,
            webhook_attempts,
            job_last_success,
            job_failures,
            storage_free,
            storage_total,
            operations_seen: Arc::default(),
        })
    }

    pub fn graphql(&self, operation: Option<&str>, ok: bool, elapsed: Duration) {
        let label = self.operation_label(operation);
        let outcome = if ok { "ok" } else { "error" };
        self.graphql_requests
            .with_label_values(&[label.as_str(), outcome])
            .inc();
        self.graphql_duration
            .with_label_values(&[label.as_str()])
            .observe(elapsed.as_secs_f64());
    }

    pub fn http(&self, route: &str, status: u16) {
        self.http_requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
    }

    /// One webhook attempt recorded: `delivered`, `retry` or `failed`.
    pub fn webhook_attempt(&self, outcome: &str) {
        self.webhook_attempts.with_label_values(&[outcome]).inc();
    }

    pub fn sql_statement(&self) {
        self.sql_statements.inc();
    }

    pub fn search(&self, documents: u64, applied_seq: u64) {
        self.search_documents
            .set(i64::try_from(documents).unwrap_or(i64::MAX));
        self.search_applied_seq
            .set(i64::try_from(applied_seq).unwrap_or(i64::MAX));
    }

    /// Local storage's free and total bytes (left alone for a bucket).
    pub fn storage(&self, free: u64, total: u64) {
        self.storage_free
            .set(i64::try_from(free).unwrap_or(i64::MAX));
        self.storage_total
            .set(i64::try_from(total).unwrap_or(i64::MAX));
    }

    /// How a background job fares, as of now: when it last succeeded
    /// (Unix seconds, 0 for never) and how often it has failed.
    pub fn job(&self, name: &str, last_success: i64, failures: u64) {
        self.job_last_success
            .with_label_values(&[name])
            .set(last_success);
        self.job_failures
            .with_label_values(&[name])
            .set(i64::try_from(failures).unwrap_or(i64::MAX));
    }

    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %err, "metrics could not be encoded");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation else {
            return "anonymous".into();
        };
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "other".into();
        }
        let Ok(mut seen) = self.operations_seen.lock() else {
            return "other".into();
        };
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "other".into()
    }
}
