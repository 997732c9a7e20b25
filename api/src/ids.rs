//! Opaque global IDs, cursors and page arguments, parsed once at the edge.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{ApiError, ApiResult};

/// The kinds of object a global ID can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl NodeKind {
    const ALL: [NodeKind; 10] = [
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
    ];

    fn tag(self) -> &'static str {
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
        }
    }
}

/// A decoded global ID: which kind of object, and its row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalId {
    pub kind: NodeKind,
    pub id: i32,
}

impl GlobalId {
    pub fn new(kind: NodeKind, id: i32) -> Self {
        Self { kind, id }
    }

    pub fn encode(self) -> async_graphql::ID {
        async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind.tag(), self.id)))
    }

    /// Parses any global ID; one that does not decode is BAD_USER_INPUT.
    pub fn decode(raw: &str) -> ApiResult<Self> {
        let invalid = || ApiError::bad_input(format!("`{}` is not a valid ID", truncate(raw)));
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (tag, id) = text.split_once(':').ok_or_else(invalid)?;
        let kind = NodeKind::ALL
            .into_iter()
            .find(|kind| kind.tag() == tag)
            .ok_or_else(invalid)?;
        let id = id
            .parse::<i32>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        Ok(Self { kind, id })
    }

    /// Parses an ID that must name a `kind`. A well-formed ID of another kind
    /// names nothing of this kind, so it is `Ok(None)`: callers answer null or
    /// NOT_FOUND, as they would for a missing row.
    pub fn decode_as(raw: &str, kind: NodeKind) -> ApiResult<Option<i32>> {
        let id = Self::decode(raw)?;
        Ok((id.kind == kind).then_some(id.id))
    }
}

fn truncate(raw: &str) -> String {
    raw.chars().take(64).collect()
}

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// Relay forward pagination over an ordered list, as offset and limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    /// `first` defaults to 20 and must lie in 0..=100; `after` must be a
    /// cursor this server handed out. Anything else is BAD_USER_INPUT.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
        let limit = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 0 and {MAX_PAGE_SIZE}, got {limit}"
            )));
        }
        let offset = match after {
            None => 0,
            Some(cursor) => decode_cursor(cursor)? + 1,
        };
        Ok(Self {
            offset,
            limit: limit as u64,
        })
    }

    /// A bounded list (not a connection): `first` defaults to `default` and
    /// must lie in 0..=100.
    pub fn first(first: Option<i32>, default: i32) -> ApiResult<usize> {
        let limit = first.unwrap_or(default);
        if !(0..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 0 and {MAX_PAGE_SIZE}, got {limit}"
            )));
        }
        Ok(limit as usize)
    }
}

/// The complexity a list field with `first` adds: `first` times its children.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize;
    first.saturating_mul(child_complexity).saturating_add(1)
}

const CURSOR_PREFIX: &str = "cursor:";

/// The cursor of the item at `offset` in a list.
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> ApiResult<u64> {
    let invalid = || ApiError::bad_input(format!("`{}` is not a valid cursor", truncate(cursor)));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n < i64::MAX as u64)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = GlobalId::new(NodeKind::Album, 42);
        assert_eq!(GlobalId::decode(&id.encode()).unwrap(), id);
        assert_eq!(
            GlobalId::decode_as(&id.encode(), NodeKind::Artist).unwrap(),
            None
        );
        for bad in ["", "nope", "QWxidW06", "QWxidW06LTE", "Zm9vOjE"] {
            assert!(GlobalId::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_check_their_bounds() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page {
                offset: 0,
                limit: 20
            }
        );
        let after = encode_cursor(19);
        assert_eq!(
            Page::parse(Some(100), Some(&after)).unwrap(),
            Page {
                offset: 20,
                limit: 100
            }
        );
        assert!(Page::parse(Some(101), None).is_err());
        assert!(Page::parse(Some(-1), None).is_err());
        assert!(Page::parse(None, Some("garbage")).is_err());
        assert!(Page::parse(None, Some(&GlobalId::new(NodeKind::User, 1).encode())).is_err());
    }
}
