//! Typed settings, one struct per area, each with its defaults in code
//! (`Default`). They are read once at start-up from the environment and
//! passed in explicitly; there is no global. A bad value stops start-up
//! with a message naming the setting. Secrets are `Secret`s: `Debug` shows
//! `[redacted]`.
//!
//! `documented()` lists every setting with its default and meaning; a test
//! holds it to what `from_lookup` reads and to `docs/configuration.md`.

mod areas;
mod docs;
mod env;
mod http;
mod limits;
mod secret;
mod storage;
mod store;
mod webhooks;

use std::path::{Path, PathBuf};

pub use areas::{
    AccountSettings, DatabaseSettings, LockerSettings, PrivacySettings, RecommendationSettings,
    RedisSettings,
};
pub use docs::{documented, table as configuration_table, Documented};
pub use env::SettingError;
pub use http::{HttpSettings, Origin, TrustedDocuments};
pub use limits::{RateLimits, RequestLimits};
pub use secret::Secret;
pub use storage::{S3Location, StorageLocation};
pub use store::{PaymentMode, StoreSettings};
pub use webhooks::WebhookSettings;

use env::{boolean, Env};

#[derive(Clone, Debug)]
pub struct Settings {
    pub http: HttpSettings,
    /// SQLite file, blobs and generated secrets, unless told otherwise
    /// (`CADENZA_DATA_DIR`).
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub accounts: AccountSettings,
    /// The access tokens' signing key (`CADENZA_JWT_SECRET`); `None`:
    /// generated once and kept in the data dir.
    pub jwt_secret: Option<Secret>,
    /// `CADENZA_STORAGE`.
    pub storage: StorageLocation,
    /// This replica's search index (`CADENZA_SEARCH_DIR`). Each replica
    /// keeps its own.
    pub search_dir: PathBuf,
    /// Seed the demo catalogue into an empty database (`CADENZA_SEED_DEMO`).
    pub seed_demo: bool,
    /// Fetch catalogue albums' pictures from their feed URLs in the
    /// background, and draw the demo's (`CADENZA_CATALOGUE_ARTWORK`).
    pub catalogue_artwork: bool,
    /// Let the artwork job fetch from loopback, private and other
    /// non-public addresses (`CADENZA_ARTWORK_PRIVATE_HOSTS`): off, a feed
    /// cannot point the server at its own neighbours.
    pub artwork_private_hosts: bool,
    /// Make master audio for the demo catalogue's tracks in the background
    /// (`CADENZA_DEMO_AUDIO`), so its previews play and its purchases do.
    pub demo_audio: bool,
    pub locker: LockerSettings,
    pub store: StoreSettings,
    pub privacy: PrivacySettings,
    pub recommendations: RecommendationSettings,
    pub limits: RequestLimits,
    pub rate_limits: RateLimits,
    pub webhooks: WebhookSettings,
}

pub const DEFAULT_DATA_DIR: &str = "./data";

impl Default for Settings {
    fn default() -> Self {
        Self::in_data_dir(PathBuf::from(DEFAULT_DATA_DIR))
    }
}

impl Settings {
    /// The defaults, with the SQLite file, blobs and search index in
    /// `data_dir`.
    pub fn in_data_dir(data_dir: PathBuf) -> Self {
        Self {
            http: HttpSettings::default(),
            storage: StorageLocation::Local(data_dir.join("blobs")),
            search_dir: data_dir.join("search"),
            data_dir,
            database: DatabaseSettings::default(),
            redis: RedisSettings::default(),
            accounts: AccountSettings::default(),
            jwt_secret: None,
            seed_demo: true,
            catalogue_artwork: true,
            artwork_private_hosts: false,
            demo_audio: true,
            locker: LockerSettings::default(),
            store: StoreSettings::default(),
            privacy: PrivacySettings::default(),
            recommendations: RecommendationSettings::default(),
            limits: RequestLimits::default(),
            rate_limits: RateLimits::default(),
            webhooks: WebhookSettings::default(),
        }
    }

    /// Where erased accounts' numbers are kept apart from the database.
    pub fn erasure_ledger(&self) -> PathBuf {
        self.privacy
            .erasure_ledger
            .clone()
            .unwrap_or_else(|| self.data_dir.join("erasure-ledger"))
    }

    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any source of `NAME -> value`; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let env = Env::new(&lookup);
        let data_dir = env
            .raw("CADENZA_DATA_DIR")
            .map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), PathBuf::from);
        let defaults = Self::in_data_dir(data_dir.clone());
        let jwt_secret = env.optional("CADENZA_JWT_SECRET", |secret| {
            if secret.len() < 32 {
                Err("must be at least 32 bytes".into())
            } else {
                Ok(Secret::new(secret))
            }
        })?;
        let storage = env.or("CADENZA_STORAGE", defaults.storage, |value| {
            storage::parse(value, &env)
        })?;
        Ok(Self {
            http: HttpSettings::read(&env)?,
            search_dir: env
                .raw("CADENZA_SEARCH_DIR")
                .map_or(defaults.search_dir, PathBuf::from),
            data_dir,
            database: DatabaseSettings::read(&env)?,
            redis: RedisSettings::read(&env)?,
            accounts: AccountSettings::read(&env)?,
            jwt_secret,
            storage,
            seed_demo: env.or("CADENZA_SEED_DEMO", defaults.seed_demo, boolean)?,
            catalogue_artwork: env.or(
                "CADENZA_CATALOGUE_ARTWORK",
                defaults.catalogue_artwork,
                boolean,
            )?,
            artwork_private_hosts: env.or(
                "CADENZA_ARTWORK_PRIVATE_HOSTS",
                defaults.artwork_private_hosts,
                boolean,
            )?,
            demo_audio: env.or("CADENZA_DEMO_AUDIO", defaults.demo_audio, boolean)?,
            locker: LockerSettings::read(&env)?,
            store: StoreSettings::read(&env)?,
            privacy: PrivacySettings::read(&env)?,
            recommendations: RecommendationSettings::read(&env)?,
            limits: RequestLimits::default(),
            rate_limits: RateLimits::read(&env)?,
            webhooks: WebhookSettings::read(&env)?,
        })
    }

    /// The database to connect to: `DATABASE_URL`, or SQLite in the data
    /// dir. It may hold a password: never log it.
    pub fn database_url(&self) -> Secret {
        match &self.database.url {
            Some(url) => url.clone(),
            None => Secret::new(sqlite_url(&self.data_dir)),
        }
    }

    /// True when the database is the SQLite file of the data dir or another
    /// SQLite file.
    pub fn uses_sqlite(&self) -> bool {
        self.database
            .url
            .as_ref()
            .is_none_or(|url| url.expose().starts_with("sqlite:"))
    }
}

fn sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("cadenza.sqlite3").display()
    )
}

#[cfg(test)]
mod tests;
