//! Rate limits on what changes things, checked once per operation before
//! it runs: mutations per signed-in user and per API key, and the
//! operations with limits of their own (`Limited`): `exportMyData` per
//! user; `register`, `login` (with `deleteAccount`, which checks a password
//! too) and `refreshToken` per client address, each selection counted, so
//! aliases buy no extra attempts. The per-account sign-in limit is the
//! accounts service's own.

use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition};

use super::operation;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::services::rate_limit::{Limit, RateLimiter};
use crate::settings::RateLimits;

const MINUTE: Duration = Duration::from_secs(60);

/// The mutations with limits of their own, by the root field that runs
/// them. A test holds every one to the served schema's `Mutation` type, so
/// renaming a mutation without renaming it here fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    Register,
    Login,
    DeleteAccount,
    RefreshToken,
    ExportMyData,
}

impl Limited {
    pub const ALL: [Limited; 5] = [
        Limited::Register,
        Limited::Login,
        Limited::DeleteAccount,
        Limited::RefreshToken,
        Limited::ExportMyData,
    ];

    /// The `Mutation` field.
    pub fn field(self) -> &'static str {
        match self {
            Limited::Register => "register",
            Limited::Login => "login",
            Limited::DeleteAccount => "deleteAccount",
            Limited::RefreshToken => "refreshToken",
            Limited::ExportMyData => "exportMyData",
        }
    }

    fn of(field: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|limited| limited.field() == field)
    }

    /// The limit, and whom it counts: the client's address, or the user.
    fn limit(self, limits: &RateLimits) -> (Limit, Counted) {
        match self {
            Limited::Register => (
                Limit {
                    name: "register",
                    max: limits.registrations_per_hour,
                    window: 60 * MINUTE,
                },
                Counted::Address,
            ),
            // Both check a password.
            Limited::Login | Limited::DeleteAccount => (
                Limit {
                    name: "sign-in",
                    max: limits.logins_per_15_minutes,
                    window: 15 * MINUTE,
                },
                Counted::Address,
            ),
            Limited::RefreshToken => (
                Limit {
                    name: "token refresh",
                    max: limits.refreshes_per_minute,
                    window: MINUTE,
                },
                Counted::Address,
            ),
            Limited::ExportMyData => (
                Limit {
                    name: "export",
                    max: limits.exports_per_minute,
                    window: MINUTE,
                },
                Counted::User,
            ),
        }
    }
}

enum Counted {
    Address,
    User,
}

/// Counts a mutation against its caller's limits; RATE_LIMITED past one.
/// Only mutations are counted: the pipeline asks for nothing else.
pub(super) async fn admit(
    limiter: &RateLimiter,
    limits: &RateLimits,
    principal: &Principal,
    client: Option<&str>,
    document: &ExecutableDocument,
    mutation: &OperationDefinition,
) -> ApiResult<()> {
    let user = principal.user_id().map(|id| format!("user:{}", id.0));
    match principal {
        Principal::User { .. } => {
            let limit = Limit {
                name: "mutation",
                max: limits.user_mutations_per_minute,
                window: MINUTE,
            };
            if let Some(user) = &user {
                limiter.hit(limit, user).await?;
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
    for field in operation::root_fields(document, mutation) {
        let Some(limited) = Limited::of(&field) else {
            continue;
        };
        let (limit, counted) = limited.limit(limits);
        let key = match counted {
            Counted::Address => client.map(|client| format!("ip:{client}")),
            Counted::User => user.clone(),
        };
        if let Some(key) = key {
            limiter.hit(limit, &key).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limited_operation_is_a_mutation_of_the_schema() {
        let sdl = crate::graphql::sdl();
        let schema = async_graphql::parser::parse_schema(&sdl).unwrap();
        let mutations: Vec<String> = schema
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                async_graphql::parser::types::TypeSystemDefinition::Type(ty)
                    if ty.node.name.node == "Mutation" =>
                {
                    match &ty.node.kind {
                        async_graphql::parser::types::TypeKind::Object(object) => Some(
                            object
                                .fields
                                .iter()
                                .map(|field| field.node.name.node.to_string())
                                .collect::<Vec<_>>(),
                        ),
                        _ => None,
                    }
                }
                _ => None,
            })
            .flatten()
            .collect();
        for limited in Limited::ALL {
            assert!(
                mutations.iter().any(|name| name == limited.field()),
                "{limited:?} names `{}`, which is not a mutation: was it renamed?",
                limited.field()
            );
        }
    }
}
