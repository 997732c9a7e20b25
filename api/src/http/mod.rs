//! HTTP: routes, GraphQL over HTTP and WebSocket, streams, covers,
//! exports, the web app, health and metrics.

mod artwork;
mod auth;
pub mod caching;
pub mod cors;
mod covers;
mod exports;
mod graphql;
mod health;
pub mod otlp;
mod previews;
mod response_cache;
mod stream;
mod subscriptions;
pub mod subsonic;
pub mod telemetry;
mod web_app;

pub use response_cache::ResponseCache;

use std::sync::Arc;

use actix_web::{guard, web};
use sea_orm::DatabaseConnection;

use crate::graphql::pipeline::Pipeline;
use crate::metrics::Metrics;
use crate::services::Services;
use crate::settings::Settings;

/// What every handler can reach.
pub struct AppState {
    /// Every GraphQL request, whatever its transport, goes through it.
    pub pipeline: Arc<Pipeline>,
    pub services: Services,
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub redis: Option<crate::redis_link::RedisLink>,
    pub metrics: Metrics,
    pub response_cache: ResponseCache,
    /// The background jobs, for readiness and metrics.
    pub jobs: crate::services::jobs::Jobs,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(web_app::index))
        .route("/assets/{path:.*}", web::get().to(web_app::asset))
        .route("/graphiql/{file}", web::get().to(web_app::graphiql_asset))
        .route(
            "/graphql",
            web::get()
                .guard(guard::fn_guard(|ctx| {
                    ctx.head()
                        .headers()
                        .get("upgrade")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
                }))
                .to(subscriptions::subscriptions),
        )
        .route("/graphql", web::get().to(graphql::get))
        .route("/graphql", web::post().to(graphql::post))
        .route("/exports/{id}", web::get().to(exports::download))
        .route("/stream/{id}", web::get().to(stream::stream))
        .route("/stream/{id}", web::head().to(stream::stream))
        .route("/covers/{id}", web::get().to(covers::cover))
        .service(
            web::resource("/rest/{method}")
                .app_data(web::PayloadConfig::new(subsonic::MAX_FORM_BYTES))
                .route(web::get().to(subsonic::rest))
                .route(web::post().to(subsonic::rest))
                .route(web::head().to(subsonic::rest)),
        )
        .route("/artwork/{id}", web::get().to(artwork::artwork))
        .route("/preview/{id}", web::get().to(previews::preview))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics));
}
