use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// Alive: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Longest each readiness check may take; they run side by side, so the
/// answer comes within about this long whatever a dependency is doing.
const CHECK_DEADLINE: Duration = Duration::from_millis(800);

/// Ready: the database and storage answer in time. Each background job's
/// last success and failure are reported with them. Redis is reported but
/// does not make a replica unready: without it the server falls back to
/// in-process rate limits and events, and one Redis blip must not take
/// every replica out of the load balancer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = async {
        match tokio::time::timeout(CHECK_DEADLINE, state.db.ping()).await {
            Ok(Ok(())) => "ok",
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "readiness: database unreachable");
                "unreachable"
            }
            Err(_) => {
                tracing::warn!("readiness: the database did not answer in time");
                "unreachable"
            }
        }
    };
    let redis = async {
        match &state.redis {
            None => "not configured",
            Some(redis) if redis.ping().await => "ok",
            Some(_) => "unreachable (falling back to in-process)",
        }
    };
    let storage = async {
        let blobs = state.services.locker.blobs();
        match tokio::time::timeout(CHECK_DEADLINE, blobs.check()).await {
            Ok(true) => match blobs.space() {
                // A full disk still serves what it holds: reported, ready.
                Some(space) if space.verdict() != "ok" => format!(
                    "{}: {} MiB free of {} MiB",
                    space.verdict(),
                    space.free >> 20,
                    space.total >> 20
                ),
                _ => "ok".to_owned(),
            },
            Ok(false) => "unreachable".to_owned(),
            Err(_) => {
                tracing::warn!("readiness: storage did not answer in time");
                "unreachable".to_owned()
            }
        }
    };
    let (database, redis, storage) = futures_util::join!(database, redis, storage);
    let ready = database == "ok" && storage != "unreachable";
    let jobs: serde_json::Map<String, serde_json::Value> = state
        .jobs
        .statuses()
        .into_iter()
        .map(|job| {
            let health = if job.failing_for == 0 {
                "ok"
            } else {
                "failing"
            };
            (
                job.name.to_owned(),
                json!({
                    "status": health,
                    "lastSuccess": job.last_success.map(|at| at.to_rfc3339()),
                    "lastFailure": job.last_failure.map(|at| at.to_rfc3339()),
                    "lastError": job.last_error,
                    "failures": job.failures,
                }),
            )
        })
        .collect();
    // A failing job is reported, not a reason to take the replica out of
    // the load balancer: requests are still answered.
    let body = json!({ "database": database, "redis": redis, "storage": storage, "jobs": jobs });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let search = &state.services.search;
    state
        .metrics
        .search(search.num_docs(), search.applied_seq());
    for job in state.jobs.statuses() {
        let last_success = job.last_success.map_or(0, |at| at.timestamp());
        state.metrics.job(job.name, last_success, job.failures);
    }
    if let Some(space) = state.services.locker.blobs().space() {
        state.metrics.storage(space.free, space.total);
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
