//! The play queue beside the playback state: what a listener's device
//! means to play next, so a queue saved by a Subsonic player resumes in the
//! web app and the other way round. Locker item ids, in order, separated
//! by commas, and where in it the current item is (a queue may hold an
//! item twice); still one row per listener, overwritten, never a history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PlaybackStates::Table)
                    .add_column(ColumnDef::new(PlaybackStates::Queue).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PlaybackStates::Table)
                    .add_column(ColumnDef::new(PlaybackStates::QueueIndex).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PlaybackStates::Table)
                    .drop_column(PlaybackStates::QueueIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PlaybackStates::Table)
                    .drop_column(PlaybackStates::Queue)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PlaybackStates {
    Table,
    Queue,
    QueueIndex,
}
