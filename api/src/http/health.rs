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

/// Ready: the database and storage answer in time. Redis is reported but
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
        match tokio::time::timeout(CHECK_DEADLINE, state.services.locker.blobs().check()).await {
            Ok(true) => "ok",
            Ok(false) => "unreachable",
            Err(_) => {
                tracing::warn!("readiness: storage did not answer in time");
                "unreachable"
            }
        }
    };
    let (database, redis, storage) = futures_util::join!(database, redis, storage);
    let ready = database == "ok" && storage == "ok";
    let body = json!({ "database": database, "redis": redis, "storage": storage });
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
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
