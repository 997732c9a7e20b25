//! Idempotency keys: the caller's name for one checkout, so a retry of the
//! same purchase (a timeout, a crash, a double tap) is one order and one
//! charge.

use crate::error::{ApiError, ApiResult};

/// Longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// 1 to 255 printable characters (no control characters), as given: keys
/// are compared exactly. A key belongs to its user; another user's equal
/// key names another checkout.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> ApiResult<Self> {
        let chars = raw.chars().count();
        if chars == 0 || chars > MAX_KEY_CHARS {
            return Err(ApiError::bad_input(format!(
                "an idempotency key is 1 to {MAX_KEY_CHARS} characters, this one has {chars}"
            )));
        }
        if raw.chars().any(char::is_control) {
            return Err(ApiError::bad_input(
                "an idempotency key holds printable characters only",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse(&"é".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("order 42 / try 1").is_ok());
        for bad in [
            String::new(),
            "k".repeat(256),
            "a\nb".into(),
            "\u{7}".into(),
        ] {
            assert!(IdempotencyKey::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
