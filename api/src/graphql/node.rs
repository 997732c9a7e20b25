//! `Query.node`: any object by its global ID, dispatched to its loader.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Interface, Object, Result, ID};

use super::accounts::User;
use super::catalogue::{Album, Artist, Product, Review, Track};
use super::loaders::*;
use super::locker::{LockerAlbum, LockerArtist, LockerItem};
use super::playlists::Playlist;
use super::store::Order;
use super::{loaders, principal, services};
use crate::domain::{AnyId, GlobalId, NodeKind, OrderId, PlaylistId};

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Artist(Artist),
    Album(Album),
    Track(Track),
    Product(Product),
    Review(Review),
    LockerItem(LockerItem),
    LockerArtist(LockerArtist),
    LockerAlbum(LockerAlbum),
    Playlist(Playlist),
    Order(Order),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist or is not
    /// the viewer's to see.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let viewer = principal(ctx)?.user_id();
        let GlobalId { kind, id } = match AnyId::decode(&id)? {
            AnyId::Row(id) => id,
            // A locker's artists and albums: the viewer's only.
            AnyId::LockerArtist(key) => {
                let Some(viewer) = viewer else {
                    return Ok(None);
                };
                let artist = services(ctx)?.locker.artist(viewer, key).await?;
                return Ok(artist.map(|artist| LockerArtist(artist).into()));
            }
            AnyId::LockerAlbum(key) => {
                let Some(viewer) = viewer else {
                    return Ok(None);
                };
                let album = services(ctx)?.locker.album(viewer, key).await?;
                return Ok(album.map(|album| LockerAlbum(album).into()));
            }
        };
        Ok(match kind {
            NodeKind::Artist => load(ctx, ArtistById(id), Artist).await?,
            NodeKind::Album => load(ctx, AlbumById(id), Album).await?,
            NodeKind::Track => load(ctx, TrackById(id), Track).await?,
            NodeKind::Product => load(ctx, ProductById(id), Product).await?,
            NodeKind::Review => load(ctx, ReviewById(id), Review).await?,
            // Private objects: the loader and services find the viewer's only.
            NodeKind::LockerItem => load(ctx, LockerItemOfViewer(id), LockerItem::from).await?,
            NodeKind::User => match viewer.filter(|viewer| viewer.0 == id) {
                Some(viewer) => services(ctx)?
                    .accounts
                    .user(viewer)
                    .await?
                    .map(|u| User(u).into()),
                None => None,
            },
            NodeKind::Playlist => match viewer {
                Some(viewer) => services(ctx)?
                    .playlists
                    .get(viewer, PlaylistId(id))
                    .await?
                    .map(|p| Playlist(p).into()),
                None => None,
            },
            // The buyer's only.
            NodeKind::Order => match viewer {
                Some(viewer) => services(ctx)?
                    .orders
                    .get(viewer, OrderId(id))
                    .await?
                    .map(|order| Order(order).into()),
                None => None,
            },
            NodeKind::ApiKey
            | NodeKind::PlaylistEntry
            | NodeKind::CartLine
            | NodeKind::PlayEvent
            | NodeKind::WebhookEndpoint
            | NodeKind::WebhookDelivery
            | NodeKind::PlayerKey => None,
        })
    }
}

/// One row through the request's loader, as a node.
async fn load<K, N>(
    ctx: &Context<'_>,
    key: K,
    node: impl FnOnce(<RequestLoader as Loader<K>>::Value) -> N,
) -> Result<Option<Node>>
where
    K: Copy + Send + Sync + std::hash::Hash + Eq + 'static,
    RequestLoader: Loader<K, Error = async_graphql::Error>,
    Node: From<N>,
{
    Ok(loaders(ctx)?
        .load_one(key)
        .await?
        .map(|row| node(row).into()))
}
