//! A cache of whole responses to anonymous catalogue queries.
//!
//! Anonymous queries see only the public catalogue, so their responses are
//! the same for everyone until the catalogue changes. Entries are keyed by
//! the request (query, operation name, variables) and the catalogue version,
//! which every import bumps, so this process never serves a response older
//! than the last change it made. Another replica's change is picked up
//! within `TTL`.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use async_graphql::Request;
use lru::LruCache;
use sha2::{Digest, Sha256};

/// What HTTP caches are told too (`caching::PUBLIC_MAX_AGE_SECS`).
const TTL: Duration = Duration::from_secs(crate::http::caching::PUBLIC_MAX_AGE_SECS);
const MAX_ENTRIES: usize = 4096;
/// Responses larger than this are not worth the memory.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub struct ResponseCache {
    entries: Mutex<LruCache<[u8; 32], Entry>>,
}

struct Entry {
    stored_at: Instant,
    body: Bytes,
    etag: Arc<str>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self {
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAX_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl ResponseCache {
    /// The key of a request at a catalogue version, or `None` when the
    /// request's variables cannot be serialised.
    pub fn key(request: &Request, catalogue_version: u64, media: &str) -> Option<[u8; 32]> {
        let variables = serde_json::to_vec(&request.variables).ok()?;
        let mut hasher = Sha256::new();
        for part in [
            request.query.as_bytes(),
            request.operation_name.as_deref().unwrap_or("").as_bytes(),
            &variables,
            media.as_bytes(),
            &catalogue_version.to_le_bytes(),
        ] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Some(hasher.finalize().into())
    }

    /// The answer stored under `key`, with its ETag.
    pub fn get(&self, key: &[u8; 32]) -> Option<(Bytes, Arc<str>)> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some(entry) if entry.stored_at.elapsed() < TTL => {
                Some((entry.body.clone(), entry.etag.clone()))
            }
            Some(_) => {
                entries.pop(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: [u8; 32], body: Bytes, etag: String) {
        if body.len() > MAX_BODY_BYTES {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(
                key,
                Entry {
                    stored_at: Instant::now(),
                    body,
                    etag: etag.into(),
                },
            );
        }
    }
}
