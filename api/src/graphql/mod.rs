//! The GraphQL schema: types, roots, loaders and the limits every request
//! is held to. Resolvers stay thin; the rules live in `crate::services`.

pub mod accounts;
pub mod catalogue;
pub mod connection;
pub mod loaders;
pub mod locker;
pub mod mutation;
pub mod playlists;
pub mod query;
pub mod scalars;
pub mod search;
pub mod subscription;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{Context, Response, Schema, SchemaBuilder};

use crate::auth::Principal;
use crate::error::{server_error, ApiError};
use crate::services::Services;
use crate::settings::RequestLimits;

pub use loaders::Loaders;

pub type CadenzaSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

fn builder(
    limits: &RequestLimits,
) -> SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    Schema::build(query::Query, mutation::Mutation, subscription::Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(ErrorCodes {
            limits: limits.clone(),
        })
}

pub fn build_schema(services: Services, limits: &RequestLimits) -> CadenzaSchema {
    builder(limits).data(services).finish()
}

/// The served schema in SDL, as `cadenza export-schema` writes it.
pub fn sdl() -> String {
    builder(&RequestLimits::default()).finish().sdl()
}

pub(crate) fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}

pub(crate) fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    ctx.data::<Principal>()
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// A row that should exist (a foreign key points at it) but does not.
pub(crate) fn dangling(from: &str, to: &str) -> async_graphql::Error {
    ApiError::internal(anyhow::anyhow!("a {from} refers to a missing {to}")).into()
}

/// Gives every error the contract's `extensions.code`: async-graphql's depth
/// and complexity rejections become QUERY_TOO_COMPLEX with a message that
/// names the limit, and its other errors of the request's own making
/// (syntax, unknown fields, arguments of the wrong type) BAD_USER_INPUT.
struct ErrorCodes {
    limits: RequestLimits,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            limits: self.limits.clone(),
        })
    }
}

struct ErrorCodesExtension {
    limits: RequestLimits,
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            match error.message.as_str() {
                "Query is too complex." => {
                    *error = server_error(ApiError::QueryTooComplex(format!(
                        "query is too complex: its cost exceeds the limit of {} (a list field costs `first` times its selection)",
                        self.limits.max_complexity
                    )))
                }
                "Query is nested too deep." => {
                    *error = server_error(ApiError::QueryTooComplex(format!(
                        "query is nested too deep: the limit is {} levels",
                        self.limits.max_depth
                    )))
                }
                _ => {
                    let coded = error
                        .extensions
                        .as_ref()
                        .is_some_and(|extensions| extensions.get("code").is_some());
                    if !coded {
                        error
                            .extensions
                            .get_or_insert_with(Default::default)
                            .set("code", ApiError::bad_input("").code());
                    }
                }
            }
        }
        response
    }
}
