//! Cadenza: a music locker and storefront behind one GraphQL API.
//!
//! `startup::Application` builds the running server from `settings::Settings`.
//! The layers, from the outside in: `http` speaks HTTP, `graphql` is the
//! schema with thin resolvers, `services` own the rules and the database
//! (one folder per area), and `domain` holds the values they all pass
//! around. `auth`, `db`, `error`, `metrics` and `settings` serve them all.

pub mod auth;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod redis_link;
pub mod services;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;
