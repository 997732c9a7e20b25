use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// Alive: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Ready: the database, storage and (when configured) Redis are reachable.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.db.ping().await {
        Ok(()) => "ok",
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database unreachable");
            "unreachable"
        }
    };
    let redis = match &state.redis {
        None => "not configured",
        Some(manager) => {
            let mut connection = manager.clone();
            let pong: redis::RedisResult<String> =
                redis::cmd("PING").query_async(&mut connection).await;
            match pong {
                Ok(_) => "ok",
                Err(err) => {
                    tracing::warn!(error = %err, "readiness: redis unreachable");
                    "unreachable"
                }
            }
        }
    };
    let storage = if state.services.locker.blobs().check().await {
        "ok"
    } else {
        "unreachable"
    };
    let ready = database == "ok" && redis != "unreachable" && storage != "unreachable";
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
