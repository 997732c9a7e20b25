//! The catalogue's artist and album lists in their order (by name, by
//! title; ties by id), alone and under each filter (an album's genre or
//! artist), so that a page of them reads twenty rows through an index
//! instead of sorting every artist or album of a catalogue of millions.
//! The albums' indexes by genre and by artist alone are each the start of
//! one of these, and go.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Indexes the new ones start with: `(name, on)`.
const REPLACED: &[(&str, &str)] = &[
    ("idx_albums_genre", "albums (genre)"),
    ("idx_albums_artist", "albums (artist_id)"),
];

const INDEXES: &[(&str, &str)] = &[
    ("idx_artists_name", "artists (name, id)"),
    ("idx_albums_title", "albums (title, id)"),
    ("idx_albums_genre_title", "albums (genre, title, id)"),
    ("idx_albums_artist_title", "albums (artist_id, title, id)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        for (name, _) in REPLACED {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in REPLACED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
