//! Cadenza: a music locker and storefront behind one GraphQL API.
//!
//! `startup::Application` builds the running server from `settings::Settings`;
//! `http` speaks HTTP, `graphql` is the schema with thin resolvers, and
//! `services` own the rules and the database.

pub mod auth;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod services;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;
