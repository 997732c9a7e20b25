//! Signed export URLs: an HMAC over the export, its owner and its expiry.
//! The owner is not in the URL; it is read from the export's row, so a
//! URL names nothing about the person it belongs to.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::UserId;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub(super) struct ExportLinks {
    key: Vec<u8>,
}

/// What an export URL claims: the export's row id, its expiry (Unix
/// seconds) and the signature over both and the owner.
pub struct ExportClaim {
    pub id: i32,
    pub expires: i64,
    pub signature: Vec<u8>,
}

impl ExportClaim {
    /// The claim of a URL's parts, or `None` when one is malformed.
    pub fn parse(id: &str, expires: &str, signature: &str) -> Option<Self> {
        Some(Self {
            id: id.parse::<i32>().ok().filter(|id| *id > 0)?,
            expires: expires.parse::<i64>().ok()?,
            signature: hex::decode(signature).ok()?,
        })
    }
}

impl ExportLinks {
    /// The key is derived from the server secret, so export signatures,
    /// stream signatures and access tokens never share a key.
    pub(super) fn new(server_secret: &[u8]) -> Self {
        let mut mac = keyed(server_secret);
        mac.update(b"cadenza export links v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, id: i32, user: UserId, expires: i64) -> HmacSha256 {
        let mut mac = keyed(&self.key);
        mac.update(format!("{id}:{}:{expires}", user.0).as_bytes());
        mac
    }

    /// A path on this server that downloads the export once, until
    /// `expires` (Unix seconds).
    pub(super) fn url(&self, id: i32, user: UserId, expires: i64) -> String {
        let signature = hex::encode(self.mac(id, user, expires).finalize().into_bytes());
        format!("/exports/{id}?exp={expires}&sig={signature}")
    }

    /// Whether `claim` was signed for `user`'s export (in constant time).
    pub(super) fn verify(&self, claim: &ExportClaim, user: UserId) -> bool {
        self.mac(claim.id, user, claim.expires)
            .verify_slice(&claim.signature)
            .is_ok()
    }
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_verifies_for_its_owner_only() {
        let links = ExportLinks::new(b"secret");
        let url = links.url(7, UserId(3), 1_900_000_000);
        let query = url.strip_prefix("/exports/7?").unwrap();
        let (exp, sig) = query.split_once('&').unwrap();
        let claim = ExportClaim::parse(
            "7",
            exp.strip_prefix("exp=").unwrap(),
            sig.strip_prefix("sig=").unwrap(),
        )
        .unwrap();
        assert!(links.verify(&claim, UserId(3)));
        assert!(!links.verify(&claim, UserId(4)));
        let other_key = ExportLinks::new(b"another secret");
        assert!(!other_key.verify(&claim, UserId(3)));
        assert!(ExportClaim::parse("x", "1", "00").is_none());
        assert!(ExportClaim::parse("7", "1", "zz").is_none());
        assert!(ExportClaim::parse("-7", "1", "00").is_none());
    }
}
