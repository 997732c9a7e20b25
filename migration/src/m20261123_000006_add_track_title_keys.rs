//! A normalised form of each catalogue track's title (lower case, no
//! accents, punctuation or "feat." credits), so uploads can be matched to
//! the catalogue by name.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tracks::Table)
                    .add_column(string_len_null(Tracks::TitleKey, 500))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracks_title_key")
                    .table(Tracks::Table)
                    .col(Tracks::TitleKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tracks_title_key")
                    .table(Tracks::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tracks::Table)
                    .drop_column(Tracks::TitleKey)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    TitleKey,
}
