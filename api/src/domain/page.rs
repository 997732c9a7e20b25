//! Pages of a list: Relay's `first` and `after`, as an offset and a limit.

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
        let limit = Self::first(first, DEFAULT_PAGE_SIZE)?;
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

const CURSOR_PREFIX: &str = "cursor:";

/// The cursor of the item at `offset` in a list.
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> ApiResult<u64> {
    let invalid = || ApiError::bad_input(format!("`{}` is not a valid cursor", clip(cursor)));
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
}
