//! The GraphQL schema: types, roots, loaders and the limits every request
//! is held to. Resolvers stay thin; the rules live in `crate::services`.
//!
//! Each area has its own module with its types and its part of the roots;
//! `Query`, `Mutation` and `Subscription` are merged from those parts.

pub mod accounts;
pub mod batch;
pub mod catalogue;
pub mod connection;
pub mod error;
pub mod federation;
pub mod ids;
pub mod limits;
pub mod listening;
pub mod loaders;
pub mod locker;
pub mod node;
pub mod pipeline;
pub mod players;
pub mod playlists;
pub mod privacy;
pub mod recommendations;
pub mod scalars;
pub mod search;
pub mod store;
pub mod uploads;
pub mod viewer;
pub mod webhooks;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::auth::Principal;
use crate::services::Services;
use crate::settings::RequestLimits;

pub use error::server_error;
pub use loaders::Loaders;

// The query root, one part per area. The order is the order of the
// fields in the schema.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    viewer::ViewerQuery,
    catalogue::CatalogueQuery,
    search::SearchQuery,
    catalogue::ShelvesQuery,
    store::SalesQuery,
    webhooks::WebhooksQuery,
    privacy::PrivacyQuery,
    federation::FederationQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountsMutation,
    locker::LockerMutation,
    playlists::PlaylistsMutation,
    store::StoreMutation,
    catalogue::CatalogueMutation,
    accounts::ApiKeysMutation,
    privacy::PrivacyMutation,
    listening::ListeningMutation,
    webhooks::WebhooksMutation,
    players::PlayerKeysMutation,
);

// Over graphql-transport-ws on `/graphql`.
#[derive(MergedSubscription, Default)]
pub struct Subscription(locker::LockerSubscription, listening::ListeningSubscription);

pub type CadenzaSchema = Schema<Query, Mutation, Subscription>;

fn builder(limits: &RequestLimits) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .enable_federation()
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(limits::MAX_NESTING)
}

/// The schema every request runs on. It has no extensions: async-graphql
/// runs every field of every request through each extension's hooks, which
/// cost a boxed future per field per extension. The pipeline checks the
/// document limits once per document (with its parse, in a cache) and
/// gives errors their codes itself (`error::give_codes`), whatever the
/// transport.
pub fn build_schema(services: Services, limits: &RequestLimits) -> CadenzaSchema {
    builder(limits).data(services).finish()
}

/// The subgraph SDL a federation gateway composes (`_service { sdl }`).
pub fn federation_sdl() -> String {
    builder(&RequestLimits::default())
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

/// The served schema in SDL, as `cadenza export-schema` writes it: with
/// the `@specifiedBy` URLs introspection reports.
pub fn sdl() -> String {
    builder(&RequestLimits::default())
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
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
