//! Parsed GraphQL documents, kept by their text: a player or a storefront
//! sends the same few queries all day, so each is parsed once, not on
//! every request. And Automatic Persisted Queries (the
//! `extensions.persistedQuery` protocol Apollo clients speak): a client may
//! send a query's SHA-256 instead of its text, once the server has seen the
//! text with that hash.
//!
//! Both are bounded by the bytes of the texts they keep, least recently
//! used first out, so no client can grow them without limit.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::graphql::limits::check_tokens;
use crate::settings::RequestLimits;

/// Text of the documents kept parsed, at most.
const PARSED_BYTES: usize = 4 * 1024 * 1024;
/// Text of the persisted queries kept, at most.
const PERSISTED_BYTES: usize = 8 * 1024 * 1024;

pub struct Documents {
    parsed: Mutex<Bounded<Arc<ExecutableDocument>>>,
    persisted: Mutex<Bounded<Arc<str>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: Mutex::new(Bounded::new(PARSED_BYTES)),
            persisted: Mutex::new(Bounded::new(PERSISTED_BYTES)),
        }
    }
}

/// What `extensions.persistedQuery` asked.
pub enum Persisted<'a> {
    /// The text and its hash: keep it under the hash.
    Register { hash: &'a str, query: &'a str },
    /// The hash alone: the text kept under it.
    Lookup { hash: &'a str },
}

impl Documents {
    /// The parsed document of `query`: from the cache, or parsed now and
    /// kept. `None` when it does not parse, or has more tokens than the
    /// limit (a flood of tokens is never parsed); the executor then refuses
    /// it with the usual error.
    pub fn parsed(&self, query: &str, limits: &RequestLimits) -> Option<Arc<ExecutableDocument>> {
        if let Some(document) = lock(&self.parsed).get(query) {
            return Some(document.clone());
        }
        check_tokens(query, limits).ok()?;
        let document = Arc::new(async_graphql::parser::parse_query(query).ok()?);
        lock(&self.parsed).put(query, document.clone());
        Some(document)
    }

    /// The query text an APQ request stands for. A hash that is not a hex
    /// SHA-256, or a text that does not hash to it, is BAD_USER_INPUT; an
    /// unknown hash is `PersistedQueryNotFound`, which tells the client to
    /// send the text.
    pub fn persisted(&self, asked: Persisted<'_>) -> Result<Arc<str>, ApiError> {
        match asked {
            Persisted::Register { hash, query } => {
                let hash = valid_hash(hash)?;
                if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                    return Err(ApiError::bad_input(
                        "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                    ));
                }
                let text: Arc<str> = Arc::from(query);
                lock(&self.persisted).put(&hash, text.clone());
                Ok(text)
            }
            Persisted::Lookup { hash } => {
                let hash = valid_hash(hash)?;
                lock(&self.persisted)
                    .get(&hash)
                    .cloned()
                    .ok_or_else(|| ApiError::bad_input(PERSISTED_QUERY_NOT_FOUND))
            }
        }
    }
}

/// The message Apollo clients look for to send the query's text.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PersistedQueryNotFound";

fn valid_hash(hash: &str) -> Result<String, ApiError> {
    let hash = hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_input(
            "`extensions.persistedQuery.sha256Hash` must be a hex SHA-256",
        ));
    }
    Ok(hash)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An LRU map from text keys, bounded by the bytes of the keys and of the
/// texts they stand for (`weight` at insertion).
struct Bounded<V> {
    entries: LruCache<Box<str>, (V, usize)>,
    bytes: usize,
    max_bytes: usize,
}

trait Weighed {
    fn weight(&self) -> usize;
}

impl Weighed for Arc<ExecutableDocument> {
    /// The parsed form is a few times its text; its text is the key.
    fn weight(&self) -> usize {
        0
    }
}

impl Weighed for Arc<str> {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl<V: Weighed> Bounded<V> {
    fn new(max_bytes: usize) -> Self {
        Self {
            entries: LruCache::unbounded(),
            bytes: 0,
            max_bytes,
        }
    }

    fn get(&mut self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|(value, _)| value)
    }

    fn put(&mut self, key: &str, value: V) {
        let weight = key.len() + value.weight();
        if weight > self.max_bytes / 16 {
            // One huge entry would push out many ordinary ones.
            return;
        }
        if let Some((_, old)) = self.entries.put(key.into(), (value, weight)) {
            self.bytes -= old;
        }
        self.bytes += weight;
        while self.bytes > self.max_bytes {
            match self.entries.pop_lru() {
                Some((_, (_, evicted))) => self.bytes -= evicted,
                None => break,
            }
        }
    }
}

impl<V> Bounded<V> {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_shared() {
        let documents = Documents::default();
        let limits = RequestLimits::default();
        let first = documents.parsed("{ genres { name } }", &limits).unwrap();
        let again = documents.parsed("{ genres { name } }", &limits).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(documents.parsed("{ genres { ", &limits).is_none());
        let flood = format!("{{ {} }}", "__typename ".repeat(limits.max_tokens + 1));
        assert!(documents.parsed(&flood, &limits).is_none(), "too many tokens to parse");
    }

    #[test]
    fn persisted_queries_follow_the_apq_protocol() {
        let documents = Documents::default();
        let query = "{ genres { name } }";
        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        let unknown = documents.persisted(Persisted::Lookup { hash: &hash });
        assert_eq!(unknown.unwrap_err().to_string(), PERSISTED_QUERY_NOT_FOUND);
        let wrong = documents.persisted(Persisted::Register {
            hash: &hash,
            query: "{ artists { totalCount } }",
        });
        assert_eq!(wrong.unwrap_err().code(), "BAD_USER_INPUT");
        let bad_hash = documents.persisted(Persisted::Lookup { hash: "abc" });
        assert_eq!(bad_hash.unwrap_err().code(), "BAD_USER_INPUT");
        documents
            .persisted(Persisted::Register { hash: &hash, query })
            .unwrap();
        let found = documents
            .persisted(Persisted::Lookup {
                hash: &hash.to_uppercase(),
            })
            .unwrap();
        assert_eq!(&*found, query);
    }

    #[test]
    fn the_caches_are_bounded_by_bytes() {
        let mut bounded: Bounded<Arc<str>> = Bounded::new(1600);
        for n in 0..100 {
            bounded.put(&format!("key-{n:03}"), Arc::from("x".repeat(90)));
        }
        assert!(bounded.bytes <= 1600);
        assert!(bounded.len() < 100 && bounded.len() > 10);
        assert!(bounded.get("key-099").is_some(), "the newest stays");
        assert!(bounded.get("key-000").is_none(), "the oldest goes");
        bounded.put("huge", Arc::from("x".repeat(1000)));
        assert!(
            bounded.get("huge").is_none(),
            "one entry may not crowd out the rest"
        );
    }
}
