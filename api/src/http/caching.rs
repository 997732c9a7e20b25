//! HTTP caching, shared by every route that answers with validators:
//! strong ETags, `If-None-Match`, and what a GraphQL answer may be kept as.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpResponseBuilder;
use sha2::{Digest, Sha256};

/// True when `If-None-Match` names `etag` (weak tags match too, as RFC 9110
/// says for this header) or is `*`.
pub fn matches_etag(header: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(value) = header.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value
        .split(',')
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag)
}

/// A strong ETag of a body: its SHA-256, shortened.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// How long a public GraphQL answer may be kept: as long as the server's
/// own shared cache keeps it (`ResponseCache`), then served stale a while
/// longer while a cache asks again.
pub const PUBLIC_MAX_AGE_SECS: u64 = 5;
pub const PUBLIC_STALE_SECS: u64 = 30;

/// What a GraphQL answer may be kept as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The same for everyone: any cache may keep it briefly.
    Public,
    /// Depends on the caller (or is a change, or an error): no one keeps it.
    Nowhere,
}

impl Keep {
    pub fn apply(self, response: &mut HttpResponseBuilder) {
        let value = match self {
            Keep::Public => format!(
                "public, max-age={PUBLIC_MAX_AGE_SECS}, stale-while-revalidate={PUBLIC_STALE_SECS}"
            ),
            Keep::Nowhere => "private, no-store".to_owned(),
        };
        response.insert_header((header::CACHE_CONTROL, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_as_rfc_9110_says() {
        let tag = etag_of(b"{}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        let header = |v: &str| HeaderValue::from_str(v).unwrap();
        assert!(matches_etag(Some(&header(&tag)), &tag));
        assert!(matches_etag(Some(&header(&format!("W/{tag}"))), &tag));
        assert!(matches_etag(Some(&header(&format!("\"x\", {tag}"))), &tag));
        assert!(matches_etag(Some(&header("*")), &tag));
        assert!(!matches_etag(Some(&header("\"other\"")), &tag));
        assert!(!matches_etag(None, &tag));
        assert_ne!(etag_of(b"{}"), etag_of(b"[]"));
    }
}
