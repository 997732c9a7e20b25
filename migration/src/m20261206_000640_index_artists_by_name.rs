//! The catalogue's artists by name, ignoring case: how a locker's artist,
//! known only by its tag, finds the catalogue artist whose neighbours a
//! Subsonic player asks for (`getArtistInfo2`, `getSimilarSongs2`),
//! without reading every artist.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX idx_artists_lower_name ON artists (lower(name))")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_artists_lower_name")
            .await?;
        Ok(())
    }
}
