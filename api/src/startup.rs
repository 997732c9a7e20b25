//! Building the running server from settings. Tests call `Application::build`
//! with port 0 and talk HTTP to the port it bound.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::auth::{self, AccessTokens};
use crate::graphql::build_schema;
use crate::graphql::pipeline::documents::Documents;
use crate::graphql::pipeline::public::PublicFields;
use crate::graphql::pipeline::Pipeline;
use crate::http::cors::{self, Cors};
use crate::http::otlp::Otlp;
use crate::http::telemetry;
use crate::http::{routes, AppState, ResponseCache};
use crate::metrics::Metrics;
use crate::redis_link::RedisLink;
use crate::services::catalogue::{demo, matching};
use crate::services::jobs::Jobs;
use crate::services::listening::PlaybackEvents;
use crate::services::locker::events::LockerEvents;
use crate::services::media::BlobStore;
use crate::services::privacy::erasure::ErasureEvents;
use crate::services::privacy::retention::{self, Retention, RetentionPolicy};
use crate::services::rate_limit::RateLimiter;
use crate::services::search::{Feed, Search};
use crate::services::store::checkout::Checkout;
use crate::services::store::payments::{BuiltInProvider, Payments};
use crate::services::webhooks::worker::Worker;
use crate::services::{ServiceConfig, Services};
use crate::settings::{DatabaseSettings, Settings};
use crate::{db, graphql};

pub struct Application {
    port: u16,
    server: Server,
    jobs: Jobs,
    services: Services,
    db: sea_orm::DatabaseConnection,
}

impl Application {
    /// Connects, migrates, seeds the demo catalogue into an empty database,
    /// and binds the listener. The server runs once `run_until_stopped` is
    /// awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        std::fs::create_dir_all(&settings.data_dir).map_err(|err| {
            anyhow::anyhow!("CADENZA_DATA_DIR {}: {err}", settings.data_dir.display())
        })?;
        let metrics = Metrics::new()?;
        let db = db::connect(&settings, Some(metrics.clone())).await?;
        prepare_database(&settings, &db).await?;

        let secret = auth::load_or_create_secret(
            settings.jwt_secret.as_ref().map(|secret| secret.expose()),
            &settings.data_dir,
        )?;
        // Redis is optional and may be away: nothing here waits for it.
        let redis = match &settings.redis.url {
            None => None,
            Some(url) => Some(RedisLink::new(url.expose(), &settings.redis.namespace)?),
        };
        let jobs = Jobs::default();
        let (locker_events, playback_events, erasure_events, rate_limiter) = match &redis {
            None => (
                LockerEvents::in_process(),
                PlaybackEvents::in_process(),
                ErasureEvents::in_process(),
                RateLimiter::in_process(),
            ),
            Some(link) => (
                LockerEvents::with_redis(link.clone(), &jobs).await,
                PlaybackEvents::with_redis(link.clone(), &jobs).await,
                ErasureEvents::with_redis(link.clone(), &jobs).await,
                RateLimiter::shared(link.clone()),
            ),
        };
        let search_feed = Feed::default();
        let search = Search::open(db.clone(), &settings.search_dir, search_feed.clone()).await?;
        let services = Services::new(
            db.clone(),
            ServiceConfig {
                jobs: jobs.clone(),
                tokens: AccessTokens::new(
                    &secret,
                    Duration::from_secs(settings.accounts.access_token_ttl_secs),
                ),
                blobs: BlobStore::open(&settings.storage)?,
                locker_events,
                playback_events,
                erasure_events,
                rate_limiter,
                search,
                search_feed,
                artwork_private_hosts: settings.artwork_private_hosts,
                server_secret: secret,
                quota_bytes: settings.locker.quota_bytes,
                k_anonymity: settings.recommendations.k_anonymity,
                export_ttl_secs: settings.privacy.export_ttl_secs,
                erasure_ledger: settings.erasure_ledger(),
                payments: Payments {
                    provider: Arc::new(BuiltInProvider::new(db.clone(), settings.store.payments)),
                    deadline: Duration::from_millis(settings.store.payment_deadline_ms),
                },
            },
        );
        // Before the first request: tokens of accounts erased before a
        // restart are refused from the start.
        services.erasure.load().await?;
        start_jobs(&jobs, &services, &settings, &db, &metrics).await?;
        let schema = build_schema(services.clone(), &settings.limits);
        let public_fields = PublicFields::new(&schema.sdl());
        let pipeline = Arc::new(Pipeline::new(
            schema,
            services.clone(),
            Documents::new(public_fields),
            settings.http.trusted_documents,
            settings.limits.clone(),
            settings.rate_limits.clone(),
            metrics.clone(),
        ));
        let state = web::Data::new(AppState {
            pipeline,
            services,
            settings: settings.clone(),
            db,
            redis,
            metrics,
            response_cache: ResponseCache::default(),
            jobs: jobs.clone(),
        });

        let services = state.services.clone();
        let app_db = state.db.clone();
        let listener = TcpListener::bind(settings.http.bind)
            .map_err(|err| anyhow::anyhow!("CADENZA_BIND {}: {err}", settings.http.bind))?;
        let port = listener.local_addr()?.port();
        let cors = web::Data::new(Cors::new(&settings.http.cors_origins));
        let otlp = settings.http.otlp_endpoint.as_deref().map(|endpoint| {
            let (otlp, exporter) = Otlp::new(endpoint);
            jobs.follow("otlp-export", move |beat| {
                let exporter = exporter.clone();
                async move { exporter.run(beat).await }
            });
            otlp
        });
        let otlp = web::Data::new(otlp);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(cors.clone())
                .app_data(web::Data::new(state.metrics.clone()))
                .app_data(otlp.clone())
                .wrap(actix_web::middleware::from_fn(cors::middleware))
                // Outermost: every request, preflights included, in its span.
                .wrap(actix_web::middleware::from_fn(telemetry::middleware))
                .configure(routes)
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            port,
            server,
            jobs,
            services,
            db: app_db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Erases `users` again with the server's own erasure (rows, files,
    /// index), without serving: what `cadenza restore` and `cadenza
    /// replay-erasures` do for the accounts an erasure ledger names. An
    /// account that is not there is skipped. How many were erased.
    pub async fn erase_again(self, users: &[i32]) -> anyhow::Result<usize> {
        let outcome = async {
            // No account made from now on may get an erased account's
            // number: a later replay of the ledger would erase it.
            if let Some(highest) = users.iter().max() {
                crate::services::privacy::erasure::ledger::reserve_numbers(&self.db, *highest)
                    .await?;
            }
            let mut erased = 0;
            for user in users {
                match self
                    .services
                    .erasure
                    .erase(crate::domain::UserId(*user))
                    .await
                {
                    Ok(()) => erased += 1,
                    // No such account: erased already.
                    Err(crate::error::ApiError::Unauthenticated) => {}
                    Err(err) => anyhow::bail!("erasing account {user} again failed: {err}"),
                }
            }
            anyhow::Ok(erased)
        }
        .await;
        self.jobs.stop();
        // The server only hears its stop while it is polled.
        let handle = self.server.handle();
        let (served, ()) = tokio::join!(self.server, handle.stop(false));
        served?;
        outcome
    }

    /// Serves until the server is stopped (a signal), then stops the
    /// background jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.jobs.stop();
        served
    }
}

/// Every background job, by name, in one place; each runs supervised
/// (`services::jobs`), and `/readyz` and `/metrics` show how each fares.
async fn start_jobs(
    jobs: &Jobs,
    services: &Services,
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    metrics: &Metrics,
) -> anyhow::Result<()> {
    let search = services.search.clone();
    jobs.follow("search", move |beat| {
        let search = search.clone();
        async move { search.follow(beat).await }
    });
    let locker = services.locker.clone();
    jobs.follow("stream-cache", move |beat| {
        let locker = locker.clone();
        async move { locker.evict_removed_items(beat).await }
    });
    let erasure = services.erasure.clone();
    jobs.follow("erasure", move |beat| {
        let erasure = erasure.clone();
        async move { erasure.follow(beat).await }
    });
    if settings.demo_audio && settings.seed_demo {
        let (db, masters) = (db.clone(), services.masters.clone());
        jobs.every(
            "demo-audio",
            Duration::from_secs(60 * 60),
            true,
            move || {
                let (db, masters) = (db.clone(), masters.clone());
                async move {
                    crate::services::catalogue::demo_audio::attach(&db, &masters).await?;
                    anyhow::Ok(())
                }
            },
        );
    }
    if settings.catalogue_artwork {
        let artwork = services.artwork.clone();
        jobs.every(
            "catalogue-artwork",
            crate::services::catalogue::artwork::EVERY,
            true,
            move || {
                let artwork = artwork.clone();
                async move {
                    artwork.round().await?;
                    anyhow::Ok(())
                }
            },
        );
    }
    let retention = Retention::new(
        db.clone(),
        RetentionPolicy {
            history_days: settings.privacy.history_retention_days,
            audit_days: settings.privacy.audit_retention_days,
        },
    );
    jobs.every("retention", retention::EVERY, true, move || {
        let retention = retention.clone();
        async move { retention.round().await }
    });
    let exports = services.exports.clone();
    jobs.every("export-sweep", exports.sweep_interval(), true, move || {
        let exports = exports.clone();
        async move { exports.sweep_round().await }
    });
    let checkout = services.checkout.clone();
    let unresolved = Duration::from_secs(settings.store.pending_payment_secs);
    jobs.every(
        "payment-sweep",
        Checkout::sweep_interval(unresolved),
        false,
        move || {
            let checkout = checkout.clone();
            async move { checkout.sweep_round(unresolved).await }
        },
    );
    let recompute = services.recompute.clone();
    let interval = Duration::from_secs(settings.recommendations.recompute_interval_secs);
    jobs.every("recommendations", interval, false, move || {
        let recompute = recompute.clone();
        async move { recompute.scheduled_round(interval).await }
    });
    // Sends what the outbox holds, this replica's share of it, on a small
    // pool of its own: its polls never take a connection a request waits
    // for, and its background statements stay out of the SQL statement
    // count, which tells what requests cost.
    let worker_db = db::connect(
        &Settings {
            database: DatabaseSettings {
                max_connections: Some(2),
                ..settings.database.clone()
            },
            ..settings.clone()
        },
        None,
    )
    .await?;
    let worker = Arc::new(Worker::new(
        worker_db,
        settings.webhooks.clone(),
        &services.outbox,
        metrics.clone(),
    )?);
    jobs.follow("webhooks", move |beat| {
        let worker = worker.clone();
        async move { worker.run(beat).await }
    });
    Ok(())
}

/// Migrates, then what needs the application's own rules: title keys for
/// matching on tracks stored before they existed.
pub async fn migrate(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    db::migrate(db).await?;
    matching::backfill_title_keys(db)
        .await
        .context("filling in track title keys failed")
}

/// Migrates, and seeds the demo catalogue into an empty database when the
/// settings allow: everything a database needs before the server serves.
pub async fn prepare_database(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<()> {
    migrate(db).await?;
    if !settings.seed_demo {
        return Ok(());
    }
    let seeded = demo::seed_if_empty(db)
        .await
        .context("seeding the demo catalogue failed")?;
    if let Some(report) = seeded {
        tracing::info!(
            artists = report.artists_upserted,
            albums = report.albums_upserted,
            tracks = report.tracks_upserted,
            products = report.products_upserted,
            "demo catalogue seeded"
        );
    }
    Ok(())
}

/// The SDL that `cadenza export-schema` writes to `schema.graphql`.
pub fn schema_sdl() -> String {
    graphql::sdl()
}
