//! Parsed GraphQL documents, kept by their text: a player or a storefront
//! sends the same few queries all day, so each is parsed, held to the
//! document limits and judged public or not once, not on every request.
//! And Automatic Persisted Queries (the
//! `extensions.persistedQuery` protocol Apollo clients speak): a client may
//! send a query's SHA-256 instead of its text, once the server has seen the
//! text with that hash.
//!
//! Both are bounded by the memory they keep (texts by their bytes, parsed
//! documents by an estimate of their syntax trees), least recently used
//! first out, so no client can grow them without limit.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use lru::LruCache;
use sha2::{Digest, Sha256};

use super::operation;
use crate::error::ApiError;
use crate::graphql::limits::{check_document, check_tokens};
use crate::graphql::pipeline::public::PublicFields;
use crate::settings::RequestLimits;

/// Memory the parsed documents may take, at most, as estimated below.
const PARSED_BYTES: usize = 32 * 1024 * 1024;
/// A syntax tree's bytes per byte of its text, as estimated: every name,
/// value and selection is a node with its position, in its own allocation.
const TREE_BYTES_PER_TEXT_BYTE: usize = 48;
/// Text of the persisted queries kept, at most.
const PERSISTED_BYTES: usize = 8 * 1024 * 1024;

pub struct Documents {
    prepared: Mutex<Bounded<Arc<Prepared>>>,
    persisted: Mutex<Bounded<Arc<str>>>,
    public_fields: PublicFields,
}

/// A document as the server judged it once.
pub enum Prepared {
    /// Within the limits.
    Ready(Checked),
    /// Over a limit: the refusal, for every request that sends it.
    Refused(String),
    /// It does not parse; the executor reports the syntax error.
    Unparsed,
}

pub struct Checked {
    pub document: ExecutableDocument,
    /// The estimated bytes of `document`.
    bytes: usize,
    /// Whether each operation a request may run reads only public fields,
    /// by the name the request gives (`None`: none given).
    public: Vec<(Option<String>, bool)>,
    /// Whether the text mentions `__schema`: only then may an answer need
    /// its schema description cleared.
    pub mentions_schema: bool,
}

impl Checked {
    /// True when the operation named `operation_name` reads only public
    /// fields: its answer may be shared by everyone.
    pub fn is_public(&self, operation_name: Option<&str>) -> bool {
        self.public
            .iter()
            .any(|(name, public)| *public && name.as_deref() == operation_name)
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
    pub fn new(public_fields: PublicFields) -> Self {
        Self {
            prepared: Mutex::new(Bounded::new(PARSED_BYTES)),
            persisted: Mutex::new(Bounded::new(PERSISTED_BYTES)),
            public_fields,
        }
    }

    /// `query` parsed and checked: from the cache, or now. A document over
    /// the token limit is refused without being parsed.
    pub fn prepared(&self, query: &str, limits: &RequestLimits) -> Arc<Prepared> {
        if let Some(prepared) = lock(&self.prepared).get(query) {
            return prepared.clone();
        }
        let prepared = Arc::new(self.prepare(query, limits));
        lock(&self.prepared).put(query, prepared.clone());
        prepared
    }

    fn prepare(&self, query: &str, limits: &RequestLimits) -> Prepared {
        if let Err(refusal) = check_tokens(query, limits) {
            return Prepared::Refused(refusal.to_string());
        }
        let Ok(document) = async_graphql::parser::parse_query(query) else {
            return Prepared::Unparsed;
        };
        if let Err(refusal) = check_document(&document, limits) {
            return Prepared::Refused(refusal.to_string());
        }
        // Every name a request could give, and none, judged as the one
        // place that chooses the operation chooses it.
        let mut names: Vec<Option<String>> = vec![None];
        if let DocumentOperations::Multiple(operations) = &document.operations {
            names.extend(operations.keys().map(|name| Some(name.to_string())));
        }
        let public = names
            .into_iter()
            .filter_map(|name| {
                let chosen = operation::select(&document, name.as_deref())?;
                Some((name, self.public_fields.is_public(&document, chosen)))
            })
            .collect();
        Prepared::Ready(Checked {
            document,
            bytes: query.len().saturating_mul(TREE_BYTES_PER_TEXT_BYTE),
            public,
            mentions_schema: query.contains("__schema"),
        })
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
                    .ok_or(ApiError::PersistedQueryNotFound)
            }
        }
    }
}

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

impl Weighed for Arc<Prepared> {
    /// Its syntax tree, as estimated; its text is the key.
    fn weight(&self) -> usize {
        match &**self {
            Prepared::Ready(checked) => checked.bytes,
            Prepared::Refused(message) => message.len(),
            Prepared::Unparsed => 0,
        }
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

    fn documents() -> Documents {
        Documents::new(PublicFields::new(&crate::graphql::sdl()))
    }

    #[test]
    fn a_document_is_prepared_once_and_shared() {
        let documents = documents();
        let limits = RequestLimits::default();
        let first = documents.prepared("{ genres { name } }", &limits);
        let again = documents.prepared("{ genres { name } }", &limits);
        assert!(Arc::ptr_eq(&first, &again));
        let Prepared::Ready(checked) = &*first else {
            panic!("a plain query is ready")
        };
        assert!(checked.is_public(None));
        assert!(matches!(
            *documents.prepared("{ genres { ", &limits),
            Prepared::Unparsed
        ));
        let flood = format!("{{ {} }}", "__typename ".repeat(limits.max_tokens + 1));
        assert!(
            matches!(&*documents.prepared(&flood, &limits), Prepared::Refused(why) if why.contains("tokens")),
            "too many tokens to parse"
        );
        let aliases: String = (0..20)
            .map(|n| format!("a{n}: genres {{ name }} "))
            .collect();
        assert!(matches!(
            &*documents.prepared(&format!("{{ {aliases} }}"), &limits),
            Prepared::Refused(why) if why.contains("aliases")
        ));
    }

    #[test]
    fn public_is_judged_per_operation() {
        let documents = documents();
        let limits = RequestLimits::default();
        let prepared = documents.prepared(
            "query Shelves { genres { name } } query Me { viewer { user { email } } }",
            &limits,
        );
        let Prepared::Ready(checked) = &*prepared else {
            panic!("ready")
        };
        assert!(checked.is_public(Some("Shelves")));
        assert!(!checked.is_public(Some("Me")));
        assert!(!checked.is_public(None), "which one would run is not known");
        let prepared = documents.prepared("query Only { genres { name } }", &limits);
        let Prepared::Ready(checked) = &*prepared else {
            panic!("ready")
        };
        assert!(checked.is_public(None) && checked.is_public(Some("Only")));
    }

    #[test]
    fn persisted_queries_follow_the_apq_protocol() {
        let documents = documents();
        let query = "{ genres { name } }";
        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        let unknown = documents.persisted(Persisted::Lookup { hash: &hash });
        let unknown = unknown.unwrap_err();
        assert_eq!(unknown.to_string(), "PersistedQueryNotFound");
        assert_eq!(unknown.code(), "PERSISTED_QUERY_NOT_FOUND");
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
