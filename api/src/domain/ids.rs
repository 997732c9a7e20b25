//! Ids: one newtype per kind of object, so a playlist's id can never be
//! passed where a locker item's is meant, and the opaque global IDs that
//! clients see, which name the kind and the row.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::locker_keys::{LockerAlbumKey, LockerArtistKey};
use crate::error::{ApiError, ApiResult};

/// The kinds of object a global ID can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    User,
    ApiKey,
    Artist,
    Album,
    Track,
    Product,
    Review,
    LockerItem,
    Playlist,
    PlaylistEntry,
    CartLine,
    Order,
    PlayEvent,
    WebhookEndpoint,
    WebhookDelivery,
    PlayerKey,
}

impl NodeKind {
    const ALL: [NodeKind; 16] = [
        NodeKind::User,
        NodeKind::ApiKey,
        NodeKind::Artist,
        NodeKind::Album,
        NodeKind::Track,
        NodeKind::Product,
        NodeKind::Review,
        NodeKind::LockerItem,
        NodeKind::Playlist,
        NodeKind::PlaylistEntry,
        NodeKind::CartLine,
        NodeKind::Order,
        NodeKind::PlayEvent,
        NodeKind::WebhookEndpoint,
        NodeKind::WebhookDelivery,
        NodeKind::PlayerKey,
    ];

    /// The name a global ID carries; also the GraphQL type's name.
    pub fn tag(self) -> &'static str {
        match self {
            NodeKind::User => "User",
            NodeKind::ApiKey => "ApiKey",
            NodeKind::Artist => "Artist",
            NodeKind::Album => "Album",
            NodeKind::Track => "Track",
            NodeKind::Product => "Product",
            NodeKind::Review => "Review",
            NodeKind::LockerItem => "LockerItem",
            NodeKind::Playlist => "Playlist",
            NodeKind::PlaylistEntry => "PlaylistEntry",
            NodeKind::CartLine => "CartLine",
            NodeKind::Order => "Order",
            NodeKind::PlayEvent => "PlayEvent",
            NodeKind::WebhookEndpoint => "WebhookEndpoint",
            NodeKind::WebhookDelivery => "WebhookDelivery",
            NodeKind::PlayerKey => "PlayerKey",
        }
    }
}

/// The id of one kind of object: its row id, typed.
pub trait EntityId: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    const KIND: NodeKind;

    fn from_row(id: i32) -> Self;

    fn row(self) -> i32;

    /// Its global ID, as clients see it.
    fn global(self) -> GlobalId {
        GlobalId {
            kind: Self::KIND,
            id: self.row(),
        }
    }
}

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident => $kind:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl EntityId for $name {
            const KIND: NodeKind = NodeKind::$kind;

            fn from_row(id: i32) -> Self {
                Self(id)
            }

            fn row(self) -> i32 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// So an id can be compared with its column in a query.
        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }
    };
}

entity_id!(UserId => User);
entity_id!(ApiKeyId => ApiKey);
entity_id!(ArtistId => Artist);
entity_id!(AlbumId => Album);
entity_id!(TrackId => Track);
entity_id!(ProductId => Product);
entity_id!(ReviewId => Review);
entity_id!(LockerItemId => LockerItem);
entity_id!(PlaylistId => Playlist);
entity_id!(PlaylistEntryId => PlaylistEntry);
entity_id!(CartLineId => CartLine);
entity_id!(OrderId => Order);
entity_id!(PlayEventId => PlayEvent);
entity_id!(WebhookEndpointId => WebhookEndpoint);
entity_id!(WebhookDeliveryId => WebhookDelivery);
entity_id!(PlayerKeyId => PlayerKey);

/// A decoded global ID: which kind of object, and its row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalId {
    pub kind: NodeKind,
    pub id: i32,
}

impl GlobalId {
    /// The opaque form clients see.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind.tag(), self.id))
    }

    /// Parses the global ID of a row; one that does not decode is
    /// BAD_USER_INPUT. A locker artist's or album's ID names no row: as an
    /// ID of the wrong kind would, it names nothing (NOT_FOUND).
    pub fn decode(raw: &str) -> ApiResult<Self> {
        match AnyId::decode(raw)? {
            AnyId::Row(id) => Ok(id),
            AnyId::LockerArtist(_) | AnyId::LockerAlbum(_) => Err(ApiError::NotFound("object")),
        }
    }

    /// The id, when it names a `T`.
    pub fn as_id<T: EntityId>(self) -> Option<T> {
        (self.kind == T::KIND).then(|| T::from_row(self.id))
    }

    /// Parses an ID that must name a `T`. A well-formed ID of another kind
    /// names nothing of this kind, so it is `Ok(None)`: callers answer null
    /// or NOT_FOUND, as they would for a missing row.
    pub fn decode_as<T: EntityId>(raw: &str) -> ApiResult<Option<T>> {
        Ok(match AnyId::decode(raw)? {
            AnyId::Row(id) => id.as_id(),
            AnyId::LockerArtist(_) | AnyId::LockerAlbum(_) => None,
        })
    }
}

fn invalid_id(raw: &str) -> ApiError {
    ApiError::bad_input(format!("`{}` is not a valid ID", clip(raw)))
}

/// An id that names its object by a key, not a row: a locker's artists
/// and albums (`locker_keys`). Its global ID has the same form as a row's,
/// the kind's name and the key.
pub trait KeyedId: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    /// The name a global ID carries; also the GraphQL type's name.
    const TAG: &'static str;

    /// The opaque form clients see.
    fn encode(self) -> String;

    /// Parses an ID that must name a `Self`: a well-formed ID of another
    /// kind names nothing of this kind (`Ok(None)`), one that does not
    /// decode is BAD_USER_INPUT.
    fn decode_as(raw: &str) -> ApiResult<Option<Self>>;
}

macro_rules! keyed_id {
    ($key:ident => $variant:ident, $tag:literal) => {
        impl KeyedId for $key {
            const TAG: &'static str = $tag;

            fn encode(self) -> String {
                URL_SAFE_NO_PAD.encode(format!("{}:{self}", Self::TAG))
            }

            fn decode_as(raw: &str) -> ApiResult<Option<Self>> {
                Ok(match AnyId::decode(raw)? {
                    AnyId::$variant(key) => Some(key),
                    _ => None,
                })
            }
        }
    };
}

keyed_id!(LockerArtistKey => LockerArtist, "LockerArtist");
keyed_id!(LockerAlbumKey => LockerAlbum, "LockerAlbum");

/// Any global ID the API hands out, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyId {
    Row(GlobalId),
    LockerArtist(LockerArtistKey),
    LockerAlbum(LockerAlbumKey),
}

impl AnyId {
    /// Parses any global ID; one that does not decode is BAD_USER_INPUT.
    pub fn decode(raw: &str) -> ApiResult<Self> {
        let invalid = || invalid_id(raw);
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (tag, id) = text.split_once(':').ok_or_else(invalid)?;
        if tag == LockerArtistKey::TAG {
            return LockerArtistKey::parse(id)
                .map(AnyId::LockerArtist)
                .ok_or_else(invalid);
        }
        if tag == LockerAlbumKey::TAG {
            return LockerAlbumKey::parse(id)
                .map(AnyId::LockerAlbum)
                .ok_or_else(invalid);
        }
        let kind = NodeKind::ALL
            .into_iter()
            .find(|kind| kind.tag() == tag)
            .ok_or_else(invalid)?;
        let id = id
            .parse::<i32>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        Ok(AnyId::Row(GlobalId { kind, id }))
    }
}

/// At most 64 characters of client input, for an error message.
pub(crate) fn clip(raw: &str) -> String {
    raw.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = AlbumId(42).global();
        assert_eq!(GlobalId::decode(&id.encode()).unwrap(), id);
        assert_eq!(
            GlobalId::decode_as::<AlbumId>(&id.encode()).unwrap(),
            Some(AlbumId(42))
        );
        assert_eq!(GlobalId::decode_as::<ArtistId>(&id.encode()).unwrap(), None);
        for bad in ["", "nope", "QWxidW06", "QWxidW06LTE", "Zm9vOjE"] {
            assert!(GlobalId::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keyed_ids_round_trip_and_name_nothing_of_another_kind() {
        let album = LockerAlbumKey::of("Blue", "Joni");
        let encoded = album.encode();
        assert_eq!(LockerAlbumKey::decode_as(&encoded).unwrap(), Some(album));
        assert_eq!(LockerArtistKey::decode_as(&encoded).unwrap(), None);
        assert_eq!(GlobalId::decode_as::<AlbumId>(&encoded).unwrap(), None);
        assert_eq!(GlobalId::decode(&encoded).unwrap_err().code(), "NOT_FOUND");
        let row = AlbumId(42).global().encode();
        assert_eq!(LockerAlbumKey::decode_as(&row).unwrap(), None);
        let short = URL_SAFE_NO_PAD.encode("LockerAlbum:0123");
        assert!(LockerAlbumKey::decode_as(&short).is_err());
        assert!(LockerArtistKey::decode_as("garbage").is_err());
    }
}
