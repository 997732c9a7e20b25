//! End-to-end tests: each starts the real server on port 0 with its own data
//! dir and database, and talks HTTP to it.
//!
//! `CADENZA_TEST_DATABASE=postgres` runs the suite on PostgreSQL and Redis
//! (`CADENZA_TEST_POSTGRES_URL`, `CADENZA_TEST_REDIS_URL`); the default is
//! SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod api_keys;
mod artwork;
use cadenza_tests::audio;
mod browser;
mod catalogue;
mod clients;
mod cors;
mod covers;
mod erasure;
mod export;
mod helpers;
mod http;
mod import;
mod interactions;
mod limits;
mod listening;
mod locker;
mod locker_groups;
mod locker_lists;
mod otlp;
mod playback;
mod playlists;
mod previews;
mod privacy;
mod rate_limits;
mod recommendations;
mod resilience;
mod s3;
mod schema;
mod search;
mod storage_full;
mod store;
mod subscriptions;
mod subsonic;
