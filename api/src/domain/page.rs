//! Pages of a list: Relay's `first` and `after`, as an offset and a limit,
//! and for a long list the item the page follows (its `Anchor`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::ids::clip;
use crate::error::{ApiError, ApiResult};

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
        Ok(Self::parse_anchored(first, after, "")?.0)
    }

    /// As `parse`, with the item `after` names when it is a cursor of a
    /// list in `order` (`encode_anchored_cursor`). A cursor of another
    /// order, or a plain one, pages by offset.
    pub fn parse_anchored(
        first: Option<i32>,
        after: Option<&str>,
        order: &str,
    ) -> ApiResult<(Self, Option<i32>)> {
        let limit = Self::first(first, DEFAULT_PAGE_SIZE)? as u64;
        let (offset, anchor) = match after {
            None => (0, None),
            Some(cursor) => {
                let (offset, anchor) = decode_cursor(cursor)?;
                let anchor = anchor
                    .filter(|anchor| !order.is_empty() && anchor.order == order)
                    .map(|anchor| anchor.id);
                (offset + 1, anchor)
            }
        };
        Ok((Self { offset, limit }, anchor))
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

const CURSOR_PREFIX: &str = "cursor:";

/// The cursor of the item at `offset` in a list.
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

/// The cursor of the item `id` at `offset` in a list in `order`: the next
/// page is read from where the item sits (`services::keyset`).
pub fn encode_anchored_cursor(offset: u64, order: &str, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}:{order}:{id}"))
}

/// The item a cursor names, in the order of its list.
#[derive(Debug, PartialEq, Eq)]
struct Anchor {
    order: String,
    id: i32,
}

/// A cursor's offset, and the item it names if it is anchored.
fn decode_cursor(cursor: &str) -> ApiResult<(u64, Option<Anchor>)> {
    let invalid = || ApiError::bad_input(format!("`{}` is not a valid cursor", clip(cursor)));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let text = text.strip_prefix(CURSOR_PREFIX).ok_or_else(invalid)?;
    let (offset, anchor) = match text.split_once(':') {
        None => (text, None),
        Some((offset, anchor)) => (offset, Some(anchor)),
    };
    let offset = offset
        .parse::<u64>()
        .ok()
        .filter(|n| *n < i64::MAX as u64)
        .ok_or_else(invalid)?;
    let anchor = match anchor {
        None => None,
        Some(anchor) => {
            let (order, id) = anchor.rsplit_once(':').ok_or_else(invalid)?;
            let id = id.parse::<i32>().map_err(|_| invalid())?;
            Some(Anchor {
                order: order.to_owned(),
                id,
            })
        }
    };
    Ok((offset, anchor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntityId, UserId};

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
        assert!(Page::parse(None, Some(&UserId(1).global().encode())).is_err());
    }

    #[test]
    fn an_anchored_cursor_names_its_item_in_its_own_order_only() {
        let after = encode_anchored_cursor(39, "newest", 1234);
        let (page, anchor) = Page::parse_anchored(Some(20), Some(&after), "newest").unwrap();
        assert_eq!(
            (page, anchor),
            (
                Page {
                    offset: 40,
                    limit: 20
                },
                Some(1234)
            )
        );
        // Another order pages by offset, as does a plain cursor.
        let (page, anchor) = Page::parse_anchored(None, Some(&after), "price").unwrap();
        assert_eq!((page.offset, anchor), (40, None));
        let plain = encode_cursor(39);
        assert_eq!(
            Page::parse_anchored(None, Some(&plain), "newest").unwrap(),
            (
                Page {
                    offset: 40,
                    limit: 20
                },
                None
            )
        );
        // Lists that page by offset take an anchored cursor's offset.
        assert_eq!(Page::parse(None, Some(&after)).unwrap().offset, 40);
        for broken in ["cursor:1:newest", "cursor:1:newest:x", "cursor:x:newest:1"] {
            let cursor = URL_SAFE_NO_PAD.encode(broken);
            assert!(
                Page::parse_anchored(None, Some(&cursor), "newest").is_err(),
                "{broken}"
            );
        }
    }
}
