//! sea-orm entities of Cadenza, one module per table.
//!
//! These are storage models only: they never depend on async-graphql or
//! actix-web, and the API maps them to its own GraphQL types.

pub mod album;
pub mod api_key;
pub mod artist;
pub mod artist_genre;
pub mod audit_entry;
pub mod blob;
pub mod blob_deletion;
pub mod cart_line;
pub mod consent_change;
pub mod data_export;
pub mod entitlement;
pub mod erased_user;
pub mod interaction;
pub mod locker_item;
pub mod locker_lyrics;
pub mod locker_star;
pub mod order;
pub mod order_line;
pub mod payment_charge;
pub mod payment_refund;
pub mod play;
pub mod playback_state;
pub mod player_key;
pub mod playlist;
pub mod playlist_entry;
pub mod privacy_settings;
pub mod product;
pub mod refresh_token;
pub mod review;
pub mod search_change;
pub mod track;
pub mod trusted_document;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
