//! HTTP: routes, GraphQL over HTTP, health and metrics.

pub mod cors;
mod covers;
mod documents;
mod exports;
mod graphql;
mod health;
mod multipart;
mod rate_limits;
mod response_cache;
mod stream;
mod subscriptions;
mod web_app;

pub use documents::Documents;
pub use response_cache::ResponseCache;

use std::sync::Arc;

use actix_web::{guard, web};
use sea_orm::DatabaseConnection;

use crate::graphql::CadenzaSchema;
use crate::metrics::Metrics;
use crate::services::Services;
use crate::settings::Settings;

/// What every handler can reach.
pub struct AppState {
    pub schema: CadenzaSchema,
    /// The same schema with the checks HTTP makes itself, for subscriptions.
    pub subscription_schema: CadenzaSchema,
    pub services: Services,
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub redis: Option<crate::redis_link::RedisLink>,
    pub metrics: Metrics,
    pub response_cache: ResponseCache,
    pub documents: Documents,
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    let value = headers
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    crate::auth::bearer_credentials(value)
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
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics));
}
