//! Cadenza's schema, as append-only migrations named by date and verb.
//!
//! Migrations never import the live entity types: each one describes the
//! tables as they were on the day it was written.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_accounts;
mod m20261123_000002_create_catalogue;
mod m20261123_000003_create_locker;
mod m20261123_000004_create_playlists;
mod m20261123_000005_add_track_masters;
mod m20261123_000006_add_track_title_keys;
mod m20261123_000007_create_search_changes;
mod m20261201_000008_create_cart_lines;
mod m20261201_000009_create_orders;
mod m20261201_000100_create_privacy_settings;
mod m20261201_000101_create_plays;
mod m20261201_000102_create_interactions;
mod m20261201_000110_create_playback_states;
mod m20261201_000111_create_payment_refunds;
mod m20261201_000200_create_webhooks;
mod m20261201_000210_create_job_leases;
mod m20261202_000300_create_data_exports;
mod m20261202_000310_create_erasure;
mod m20261202_000400_locker_covers;
mod m20261205_000800_create_trusted_documents;
mod m20261205_000810_index_per_listener_reads;
mod m20261206_000600_locker_keys_stars;
mod m20261206_000620_create_player_keys;
mod m20261206_000630_playback_queue;
mod m20261206_000640_index_artists_by_name;
mod m20261206_000650_locker_removed_at;
mod m20261206_000900_add_album_artwork;
mod m20261206_000910_add_track_preview_start;
mod m20261206_000920_index_store_pages;
mod m20261206_000930_index_catalogue_lists;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_catalogue::Migration),
            Box::new(m20261123_000003_create_locker::Migration),
            Box::new(m20261123_000004_create_playlists::Migration),
            Box::new(m20261123_000005_add_track_masters::Migration),
            Box::new(m20261123_000006_add_track_title_keys::Migration),
            Box::new(m20261123_000007_create_search_changes::Migration),
            Box::new(m20261201_000008_create_cart_lines::Migration),
            Box::new(m20261201_000009_create_orders::Migration),
            Box::new(m20261201_000100_create_privacy_settings::Migration),
            Box::new(m20261201_000101_create_plays::Migration),
            Box::new(m20261201_000102_create_interactions::Migration),
            Box::new(m20261201_000110_create_playback_states::Migration),
            Box::new(m20261201_000111_create_payment_refunds::Migration),
            Box::new(m20261201_000200_create_webhooks::Migration),
            Box::new(m20261201_000210_create_job_leases::Migration),
            Box::new(m20261202_000300_create_data_exports::Migration),
            Box::new(m20261202_000310_create_erasure::Migration),
            Box::new(m20261202_000400_locker_covers::Migration),
            Box::new(m20261205_000800_create_trusted_documents::Migration),
            Box::new(m20261205_000810_index_per_listener_reads::Migration),
            Box::new(m20261206_000600_locker_keys_stars::Migration),
            Box::new(m20261206_000620_create_player_keys::Migration),
            Box::new(m20261206_000630_playback_queue::Migration),
            Box::new(m20261206_000640_index_artists_by_name::Migration),
            Box::new(m20261206_000650_locker_removed_at::Migration),
            Box::new(m20261206_000900_add_album_artwork::Migration),
            Box::new(m20261206_000910_add_track_preview_start::Migration),
            Box::new(m20261206_000920_index_store_pages::Migration),
            Box::new(m20261206_000930_index_catalogue_lists::Migration),
        ]
    }
}
