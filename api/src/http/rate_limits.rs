//! Rate limits on what changes things, checked once per operation before
//! it runs: mutations per signed-in user and per API key, `exportMyData`
//! per user, and `register`, `login` (with `deleteAccount`, which checks a
//! password too) and `refreshToken` per client address (each selection
//! counted, so aliases buy no extra attempts). The per-account sign-in
//! limit is the accounts service's own.

use std::time::Duration;

use actix_web::HttpRequest;
use async_graphql::parser::types::ExecutableDocument;

use super::AppState;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::graphql::operation;
use crate::services::rate_limit::Limit;
use crate::settings::HttpSettings;

const MINUTE: Duration = Duration::from_secs(60);

/// The client's address: the configured proxy header's last hop (its last
/// line), or the connection's peer when there is none.
pub(super) fn client_address(req: &HttpRequest, http: &HttpSettings) -> Option<String> {
    let peer = || req.peer_addr().map(|peer| peer.ip().to_string());
    let Some(name) = &http.client_ip_header else {
        return peer();
    };
    // The last line of the header and its last hop: what the proxy in
    // front added. A client's own lines come before it (some proxies add
    // a line rather than extend one), and are never believed.
    req.headers()
        .get_all(name.as_str())
        .last()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .map(|hop| hop.trim().to_owned())
        .filter(|hop| !hop.is_empty())
        .or_else(peer)
}

/// Counts a mutation against its caller's limits; RATE_LIMITED past one.
/// Queries are not counted: the caller asks only for mutations.
pub(super) async fn admit(
    state: &AppState,
    principal: &Principal,
    client: Option<&str>,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> ApiResult<()> {
    let limits = &state.settings.rate_limits;
    let limiter = &state.services.rate_limiter;
    match principal {
        Principal::User { id, .. } => {
            let limit = Limit {
                name: "mutation",
                max: limits.user_mutations_per_minute,
                window: MINUTE,
            };
            let user = format!("user:{}", id.0);
            limiter.hit(limit, &user).await?;
            for field in operation::root_fields(document, operation_name) {
                if field == "exportMyData" {
                    let limit = Limit {
                        name: "export",
                        max: limits.exports_per_minute,
                        window: MINUTE,
                    };
                    limiter.hit(limit, &user).await?;
                }
            }
        }
        Principal::ApiKey { id, .. } => {
            let limit = Limit {
                name: "mutation",
                max: limits.key_mutations_per_minute,
                window: MINUTE,
            };
            limiter.hit(limit, &format!("key:{}", id.0)).await?;
        }
        Principal::Anonymous => {}
    }
    let Some(client) = client else {
        return Ok(());
    };
    for field in operation::root_fields(document, operation_name) {
        let limit = match field.as_str() {
            "register" => Limit {
                name: "register",
                max: limits.registrations_per_hour,
                window: 60 * MINUTE,
            },
            "login" | "deleteAccount" => Limit {
                name: "sign-in",
                max: limits.logins_per_15_minutes,
                window: 15 * MINUTE,
            },
            "refreshToken" => Limit {
                name: "token refresh",
                max: limits.refreshes_per_minute,
                window: MINUTE,
            },
            _ => continue,
        };
        limiter.hit(limit, &format!("ip:{client}")).await?;
    }
    Ok(())
}
