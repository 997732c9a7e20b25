//! Signed stream URLs: an HMAC over the item, its owner and an expiry, so a
//! player can fetch the bytes with a plain GET and no other credentials.
//! Cover URLs are signed the same way (with the size too), by a key of
//! their own; so are catalogue previews (the track and an expiry: anyone
//! may play a preview, but only through a URL the API handed out).

use chrono::Utc;
use entities::locker_item;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{EntityId, LockerItemId, TrackId, UserId};

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct SignedUrls {
    key: Vec<u8>,
    cover_key: Vec<u8>,
    preview_key: Vec<u8>,
    ttl_secs: i64,
}

/// What a stream request claims.
pub struct StreamGrant {
    pub item: LockerItemId,
    pub user: UserId,
}

impl SignedUrls {
    /// The key is derived from the server secret, so stream signatures and
    /// access tokens never share a key.
    pub fn new(server_secret: &[u8]) -> Self {
        let derive = |domain: &[u8]| {
            let mut mac = keyed(server_secret);
            mac.update(domain);
            mac.finalize().into_bytes().to_vec()
        };
        Self {
            key: derive(b"cadenza stream urls v1"),
            cover_key: derive(b"cadenza cover urls v1"),
            preview_key: derive(b"cadenza preview urls v1"),
            ttl_secs: 3600,
        }
    }

    fn mac(&self, item_id: i32, user_id: i32, expires: i64) -> HmacSha256 {
        let mut mac = keyed(&self.key);
        mac.update(format!("{item_id}:{user_id}:{expires}").as_bytes());
        mac
    }

    /// A path on this server that streams the item for the next hour.
    pub fn url(&self, item: &locker_item::Model) -> String {
        self.url_until(item, Utc::now().timestamp() + self.ttl_secs)
    }

    /// A path on this server that streams the item until `expires` (Unix
    /// seconds): a data export's URLs live as long as the export.
    pub fn url_until(&self, item: &locker_item::Model, expires: i64) -> String {
        let signature = hex::encode(
            self.mac(item.id, item.user_id, expires)
                .finalize()
                .into_bytes(),
        );
        format!(
            "/stream/{}?u={}&exp={expires}&sig={signature}",
            LockerItemId(item.id).global().encode(),
            item.user_id
        )
    }

    /// The grant a signed URL proves, or `None` when it is tampered with,
    /// expired or malformed.
    pub fn verify(
        &self,
        item: LockerItemId,
        user: &str,
        expires: &str,
        signature: &str,
    ) -> Option<StreamGrant> {
        grant(item, user, expires, signature, |user_id, expires| {
            self.mac(item.0, user_id, expires)
        })
    }
}

impl SignedUrls {
    fn cover_mac(&self, item_id: i32, user_id: i32, size: u32, expires: i64) -> HmacSha256 {
        let mut mac = keyed(&self.cover_key);
        mac.update(format!("{item_id}:{user_id}:{size}:{expires}").as_bytes());
        mac
    }

    /// A path on this server that serves the item's cover, `size` pixels
    /// at most on a side, for an hour or a little more; `None` when it has
    /// none. The expiry is rounded up to a quarter hour, so the same cover
    /// has the same URL for 15 minutes and a browser's cached copy is used.
    pub fn cover_url(&self, item: &locker_item::Model, size: u32) -> Option<String> {
        const STEP: i64 = 15 * 60;
        let expires = Utc::now().timestamp() + self.ttl_secs;
        self.cover_url_until(item, size, expires - expires.rem_euclid(STEP) + STEP)
    }

    /// The same until `expires` (Unix seconds), for a data export.
    pub fn cover_url_until(
        &self,
        item: &locker_item::Model,
        size: u32,
        expires: i64,
    ) -> Option<String> {
        item.cover_key.as_ref()?;
        let mac = self.cover_mac(item.id, item.user_id, size, expires);
        let signature = hex::encode(mac.finalize().into_bytes());
        Some(format!(
            "/covers/{}?size={size}&u={}&exp={expires}&sig={signature}",
            LockerItemId(item.id).global().encode(),
            item.user_id
        ))
    }

    /// The owner a signed cover URL proves, or `None` when it is tampered
    /// with, expired or malformed.
    pub fn verify_cover(
        &self,
        item: LockerItemId,
        size: u32,
        user: &str,
        expires: &str,
        signature: &str,
    ) -> Option<StreamGrant> {
        grant(item, user, expires, signature, |user_id, expires| {
            self.cover_mac(item.0, user_id, size, expires)
        })
    }
}

impl SignedUrls {
    fn preview_mac(&self, track_id: i32, expires: i64) -> HmacSha256 {
        let mut mac = keyed(&self.preview_key);
        mac.update(format!("{track_id}:{expires}").as_bytes());
        mac
    }

    /// A path on this server that plays the track's 30-second preview for
    /// an hour or a little more, to anyone (rounded up to a quarter hour,
    /// so a browser's cached copy is used).
    pub fn preview_url(&self, track: TrackId) -> String {
        const STEP: i64 = 15 * 60;
        let expires = Utc::now().timestamp() + self.ttl_secs;
        let expires = expires - expires.rem_euclid(STEP) + STEP;
        let signature = hex::encode(self.preview_mac(track.0, expires).finalize().into_bytes());
        format!(
            "/preview/{}?exp={expires}&sig={signature}",
            track.global().encode()
        )
    }

    /// Whether a preview URL is one this server signed and still alive.
    pub fn verify_preview(&self, track: TrackId, expires: &str, signature: &str) -> bool {
        let Ok(expires) = expires.parse::<i64>() else {
            return false;
        };
        if expires < Utc::now().timestamp() {
            return false;
        }
        let Ok(signature) = hex::decode(signature) else {
            return false;
        };
        self.preview_mac(track.0, expires)
            .verify_slice(&signature)
            .is_ok()
    }
}

/// The grant a signed URL's owner, expiry and signature prove, where `mac`
/// makes the URL's MAC from the owner and expiry; `None` when tampered
/// with, expired or malformed.
fn grant(
    item: LockerItemId,
    user: &str,
    expires: &str,
    signature: &str,
    mac: impl FnOnce(i32, i64) -> HmacSha256,
) -> Option<StreamGrant> {
    let user_id = user.parse::<i32>().ok()?;
    let expires = expires.parse::<i64>().ok()?;
    if expires < Utc::now().timestamp() {
        return None;
    }
    let signature = hex::decode(signature).ok()?;
    mac(user_id, expires)
        .verify_slice(&signature)
        .ok()
        .map(|()| StreamGrant {
            item,
            user: UserId(user_id),
        })
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}
