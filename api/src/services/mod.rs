//! Domain services, one folder per area: they own the rules and the
//! database access, and know nothing of GraphQL or HTTP (a test in
//! `tests/architecture.rs` keeps it so).
//!
//! - `accounts`: registration, sign-in, sessions, partner API keys
//! - `catalogue`: catalogue reads; partner writes (feed import, masters);
//!   matching uploads to catalogue tracks; the demo catalogue
//! - `locker`: uploads, browsing, editing, removal, streams, locker events
//! - `playlists`: playlists and their entries
//! - `search`: the change feed and this replica's index
//! - `store`: the cart, checkout (payments, fulfilment), orders, refunds,
//!   entitlements, reviews
//! - `listening`: plays, interactions, playback
//! - `recommendations`: what to offer, and the k-anonymous statistics
//! - `privacy`: settings, consent, export, erasure, retention, audit
//! - `media`: audio files as received, read and stored (shared by the
//!   locker's uploads and the catalogue's masters)
//! - `webhooks`: partners' signed webhooks: endpoints, the outbox the
//!   store and the catalogue write events to, the delivery worker and log
//! - `trusted_documents`: the GraphQL operations storefronts declared
//!   ahead, which callers may be held to
//! - `jobs`: the supervisor every background job runs under
//! - `signed_urls`: the signed URLs of streams and covers, for the
//!   locker, the Subsonic API and the export alike
//! - `listing`, `keyset`, `rate_limit` and `bus`: the pager (by offset,
//!   and after an anchor for long lists), the rate limiter and the bus of
//!   events for one user's devices, which every area uses

pub mod accounts;
pub mod backup;
pub mod bus;
pub mod catalogue;
pub mod jobs;
pub mod keyset;
pub mod listening;
pub mod listing;
pub mod locker;
pub mod media;
pub mod playlists;
pub mod privacy;
pub mod rate_limit;
pub mod recommendations;
pub mod search;
pub mod signed_urls;
pub mod store;
pub mod trusted_documents;
pub mod webhooks;

use sea_orm::DatabaseConnection;

use crate::auth::AccessTokens;

/// Every service, built once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub accounts: accounts::Accounts,
    pub api_keys: accounts::api_keys::ApiKeys,
    pub catalogue: catalogue::Catalogue,
    pub import: catalogue::import::Importer,
    pub masters: catalogue::masters::Masters,
    /// Catalogue artwork kept and served by Cadenza (its job is started with the server).
    pub artwork: catalogue::artwork::Artwork,
    /// 30-second previews of catalogue tracks' master audio.
    pub previews: catalogue::previews::Previews,
    pub catalogue_version: catalogue::CatalogueVersion,
    pub locker: locker::Locker,
    pub stream_urls: signed_urls::SignedUrls,
    pub playlists: playlists::Playlists,
    pub search: search::Search,
    pub cart: store::cart::Cart,
    pub checkout: store::checkout::Checkout,
    pub orders: store::orders::Orders,
    pub refunds: store::refunds::Refunds,
    pub entitlements: store::entitlements::Entitlements,
    pub reviews: store::reviews::Reviews,
    pub sales: store::sales::Sales,
    pub recommendations: recommendations::Recommendations,
    pub recompute: recommendations::Recomputer,
    pub privacy: privacy::Privacy,
    pub audit: privacy::audit::AuditLog,
    pub erasure: privacy::erasure::Erasure,
    pub exports: privacy::Exports,
    pub listening: listening::Listening,
    pub playback: listening::Playback,
    /// Shared by every area and by the HTTP layer's per-caller limits.
    pub rate_limiter: rate_limit::RateLimiter,
    pub webhook_endpoints: webhooks::Endpoints,
    pub webhook_log: webhooks::log::DeliveryLog,
    /// Where events are written; its worker is started with the server.
    pub outbox: webhooks::Outbox,
    pub trusted_documents: trusted_documents::TrustedDocuments,
    /// Players' keys and sign-in, for the OpenSubsonic API.
    pub player_keys: accounts::player_keys::PlayerKeys,
}

/// What the services are built from.
pub struct ServiceConfig {
    /// Where the services' own background work runs (the play writer).
    pub jobs: jobs::Jobs,
    pub tokens: AccessTokens,
    pub server_secret: Vec<u8>,
    pub blobs: media::BlobStore,
    pub locker_events: locker::events::LockerEvents,
    pub playback_events: listening::PlaybackEvents,
    pub erasure_events: privacy::erasure::ErasureEvents,
    pub rate_limiter: rate_limit::RateLimiter,
    /// This replica's index, opened and current.
    pub search: search::Search,
    /// The change feed the writers record in.
    pub search_feed: search::Feed,
    pub payments: store::payments::Payments,
    pub quota_bytes: u64,
    pub k_anonymity: u32,
    /// How long a data export's URL works.
    pub export_ttl_secs: u64,
    /// Where erasures are noted apart from the database.
    pub erasure_ledger: std::path::PathBuf,
    /// Whether the artwork job may fetch from non-public addresses.
    pub artwork_private_hosts: bool,
}

impl Services {
    pub fn new(db: DatabaseConnection, config: ServiceConfig) -> Self {
        let catalogue_version = catalogue::CatalogueVersion::default();
        let outbox = webhooks::Outbox::default();
        let catalogue = catalogue::Catalogue::new(db.clone(), catalogue_version.clone());
        let fulfilment = store::fulfilment::Fulfilment::new(
            db.clone(),
            config.search_feed.clone(),
            config.locker_events.clone(),
            catalogue_version.clone(),
            outbox.clone(),
        );
        let reviews = store::reviews::Reviews::new(db.clone(), catalogue_version.clone());
        let refunds = store::refunds::Refunds::new(
            db.clone(),
            config.payments.clone(),
            config.search_feed.clone(),
            config.locker_events.clone(),
            catalogue_version.clone(),
        );
        let erased = config.tokens.erased().clone();
        let player_keys = accounts::player_keys::PlayerKeys::new(
            db.clone(),
            &config.server_secret,
            erased.clone(),
            config.rate_limiter.clone(),
        );
        let locker = locker::Locker::new(
            db.clone(),
            config.blobs.clone(),
            config.locker_events,
            config.search_feed.clone(),
            config.quota_bytes,
        );
        let erasure = privacy::erasure::Erasure::new(privacy::erasure::ErasureParts {
            db: db.clone(),
            blobs: config.blobs.clone(),
            feed: config.search_feed.clone(),
            search: config.search.clone(),
            locker: locker.clone(),
            erased,
            events: config.erasure_events,
            limiter: config.rate_limiter.clone(),
            catalogue_version: catalogue_version.clone(),
            ledger: config.erasure_ledger.clone(),
        });
        let stream_urls = signed_urls::SignedUrls::new(&config.server_secret);
        let exports = privacy::Exports::new(
            db.clone(),
            config.blobs.clone(),
            &config.server_secret,
            stream_urls.clone(),
            config.export_ttl_secs,
        );
        Self {
            accounts: accounts::Accounts::new(db.clone(), config.tokens)
                .with_rate_limiter(config.rate_limiter.clone()),
            rate_limiter: config.rate_limiter,
            api_keys: accounts::api_keys::ApiKeys::new(db.clone()),
            recommendations: recommendations::Recommendations::new(
                db.clone(),
                catalogue.clone(),
                store::entitlements::Entitlements::new(db.clone()),
                config.k_anonymity,
            ),
            recompute: recommendations::Recomputer::new(
                db.clone(),
                config.k_anonymity,
                catalogue_version.clone(),
            ),
            catalogue,
            import: catalogue::import::Importer::new(
                db.clone(),
                catalogue_version.clone(),
                config.search_feed.clone(),
                outbox.clone(),
            ),
            masters: catalogue::masters::Masters::new(
                db.clone(),
                config.blobs.clone(),
                catalogue_version.clone(),
            ),
            artwork: catalogue::artwork::Artwork::new(
                db.clone(),
                config.blobs.clone(),
                catalogue_version.clone(),
                config.artwork_private_hosts,
            ),
            previews: catalogue::previews::Previews::new(db.clone(), config.blobs.clone()),
            catalogue_version,
            locker,
            erasure,
            audit: privacy::audit::AuditLog::new(db.clone()),
            stream_urls,
            exports,
            playlists: playlists::Playlists::new(db.clone()),
            privacy: privacy::Privacy::new(db.clone()),
            listening: listening::Listening::new(db.clone(), &config.jobs),
            playback: listening::Playback::new(db.clone(), config.playback_events),
            search: config.search,
            cart: store::cart::Cart::new(db.clone()),
            checkout: store::checkout::Checkout::new(db.clone(), config.payments, fulfilment),
            orders: store::orders::Orders::new(db.clone()),
            sales: store::sales::Sales::new(db.clone()),
            refunds,
            entitlements: store::entitlements::Entitlements::new(db.clone()),
            reviews,
            webhook_endpoints: webhooks::Endpoints::new(db.clone()),
            webhook_log: webhooks::log::DeliveryLog::new(db.clone()),
            outbox,
            trusted_documents: trusted_documents::TrustedDocuments::new(db.clone()),
            player_keys,
        }
    }
}
