//! Domain values, parsed once at the edge and trusted everywhere after:
//! the id of each kind of object, global IDs and pages, the keys of a
//! locker's artists and albums, money, ISRCs,
//! product kinds and locker sources. Nothing here does I/O or knows GraphQL
//! or HTTP; the services take these types, and the GraphQL layer builds them
//! from what clients send.

pub mod idempotency;
pub mod ids;
pub mod isrc;
pub mod kinds;
pub mod locker_keys;
pub mod money;
pub mod page;

pub use idempotency::IdempotencyKey;
pub use ids::{
    AlbumId, AnyId, ApiKeyId, ArtistId, CartLineId, EntityId, GlobalId, KeyedId, LockerItemId,
    NodeKind, OrderId, PlayEventId, PlayerKeyId, PlaylistEntryId, PlaylistId, ProductId, ReviewId,
    TrackId, UserId, WebhookDeliveryId, WebhookEndpointId,
};
pub use isrc::Isrc;
pub use kinds::{LockerSource, OrderStatus, ProductKind};
pub use locker_keys::{LockerAlbumKey, LockerArtistKey, LockerKeys};
pub use money::{Currency, Money};
pub use page::Page;
