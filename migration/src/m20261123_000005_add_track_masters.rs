//! A catalogue track's master audio: the blob its buyers receive.

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
                    .add_column(integer_null(Tracks::MasterBlobId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tracks::Table)
                    .drop_column(Tracks::MasterBlobId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    MasterBlobId,
}
