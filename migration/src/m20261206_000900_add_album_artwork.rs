//! A catalogue album's artwork, served by Cadenza itself (a browser on the
//! web app loads nothing from another origin): the picture the artwork job
//! fetched from the feed's `coverUrl` (or, for the demo catalogue, drew),
//! kept as a blob with thumbnails next to it, and what the job needs to
//! fetch each album once and retry a failure later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        let columns = [
            // The stored picture's blob key; null: none yet.
            string_null(Albums::ArtworkKey),
            // The `coverUrl` it was made from: a feed that changes the URL
            // gets the new picture fetched.
            string_null(Albums::ArtworkSource),
            // Failed fetches in a row, and when the next may be tried.
            integer(Albums::ArtworkAttempts).default(0).to_owned(),
            timestamp_with_time_zone_null(Albums::ArtworkRetryAt),
        ];
        for column in columns {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Albums::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Albums::ArtworkRetryAt,
            Albums::ArtworkAttempts,
            Albums::ArtworkSource,
            Albums::ArtworkKey,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Albums::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Albums {
    Table,
    ArtworkKey,
    ArtworkSource,
    ArtworkAttempts,
    ArtworkRetryAt,
}
