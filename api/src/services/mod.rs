//! Domain services: they own the rules and the database access, and know
//! nothing of GraphQL or HTTP.

pub mod accounts;
pub mod api_keys;
pub mod catalogue;
pub mod demo;
pub mod events;
pub mod import;
pub mod ingest;
pub mod locker;
pub mod matching;
pub mod money;
pub mod playlists;
pub mod rate_limit;
pub mod search;
pub mod storage;
pub mod stream_urls;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::AccessTokens;

/// Every service, built once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub accounts: accounts::Accounts,
    pub api_keys: api_keys::ApiKeys,
    pub catalogue: catalogue::Catalogue,
    pub import: import::Importer,
    pub locker: locker::Locker,
    pub playlists: playlists::Playlists,
    pub search: search::Search,
    pub stream_urls: stream_urls::StreamUrls,
    pub catalogue_version: CatalogueVersion,
}

/// What the services are built from.
pub struct ServiceConfig {
    pub tokens: AccessTokens,
    pub server_secret: Vec<u8>,
    pub blobs: storage::BlobStore,
    pub locker_events: events::LockerEvents,
    pub rate_limiter: rate_limit::RateLimiter,
    /// This replica's index, opened and current.
    pub search: search::Search,
    /// The change feed the writers record in.
    pub search_feed: search::Feed,
    pub quota_bytes: u64,
    pub k_anonymity: u32,
}

/// Moves on whenever this process changes the catalogue, so whatever was
/// derived from an older catalogue (cached responses) can tell it is stale.
/// Whatever later changes what anonymous callers see (sales, reviews,
/// availability) must bump it too.
#[derive(Clone, Default)]
pub struct CatalogueVersion(Arc<AtomicU64>);

impl CatalogueVersion {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

impl Services {
    pub fn new(db: DatabaseConnection, config: ServiceConfig) -> Self {
        let catalogue_version = CatalogueVersion::default();
        Self {
            accounts: accounts::Accounts::new(db.clone(), config.tokens)
                .with_rate_limiter(config.rate_limiter),
            api_keys: api_keys::ApiKeys::new(db.clone()),
            catalogue: catalogue::Catalogue::new(db.clone(), config.k_anonymity),
            locker: locker::Locker::new(
                db.clone(),
                config.blobs,
                config.locker_events,
                catalogue_version.clone(),
                config.search_feed.clone(),
                config.quota_bytes,
            ),
            playlists: playlists::Playlists::new(db.clone()),
            search: config.search,
            stream_urls: stream_urls::StreamUrls::new(&config.server_secret),
            import: import::Importer::new(db, catalogue_version.clone(), config.search_feed),
            catalogue_version,
        }
    }
}

/// True when a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
