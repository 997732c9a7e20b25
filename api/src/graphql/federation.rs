//! Cadenza as a subgraph of an Apollo Federation v2 supergraph: `Product`,
//! `Album`, `Artist` and `Track` are entities keyed by their global `id`.
//! A gateway's `_entities` call is resolved through the request's loaders,
//! so a hundred products of one call are read in one statement. The
//! subgraph SDL (`_service { sdl }`) is async-graphql's federation export.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object, Result, ID};

use super::catalogue::{Album, Artist, Product, Track};
use super::loaders;
use super::loaders::*;
use crate::domain::{GlobalId, NodeKind};

#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    #[graphql(entity)]
    async fn find_product_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        entity(ctx, &id, NodeKind::Product, ProductById, Product).await
    }

    #[graphql(entity)]
    async fn find_album_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Album>> {
        entity(ctx, &id, NodeKind::Album, AlbumById, Album).await
    }

    #[graphql(entity)]
    async fn find_artist_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Artist>> {
        entity(ctx, &id, NodeKind::Artist, ArtistById, Artist).await
    }

    #[graphql(entity)]
    async fn find_track_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Track>> {
        entity(ctx, &id, NodeKind::Track, TrackById, Track).await
    }
}

/// The entity `id` names, if it is one of `kind` and exists: through the
/// request's loader, so a gateway's many representations batch.
async fn entity<K, T>(
    ctx: &Context<'_>,
    id: &ID,
    kind: NodeKind,
    key: fn(i32) -> K,
    wrap: impl FnOnce(<RequestLoader as Loader<K>>::Value) -> T,
) -> Result<Option<T>>
where
    K: Copy + Send + Sync + std::hash::Hash + Eq + 'static,
    RequestLoader: Loader<K, Error = async_graphql::Error>,
{
    let Ok(global) = GlobalId::decode(id) else {
        return Ok(None);
    };
    if global.kind != kind {
        return Ok(None);
    }
    Ok(loaders(ctx)?.load_one(key(global.id)).await?.map(wrap))
}
