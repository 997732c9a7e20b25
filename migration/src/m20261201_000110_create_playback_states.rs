//! Playback state: where each listener is, on which device, right now.
//! One row per user, overwritten; never a history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlaybackStates::Table)
                    .col(integer(PlaybackStates::UserId).primary_key())
                    .col(string_len(PlaybackStates::DeviceId, 200))
                    .col(integer_null(PlaybackStates::LockerItemId))
                    .col(integer_null(PlaybackStates::TrackId))
                    .col(integer(PlaybackStates::PositionMs))
                    .col(boolean(PlaybackStates::Playing))
                    .col(timestamp_with_time_zone(PlaybackStates::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaybackStates::Table, PlaybackStates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // A removed item or track leaves the position with
                    // nothing loaded.
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaybackStates::Table, PlaybackStates::LockerItemId)
                            .to(LockerItems::Table, LockerItems::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaybackStates::Table, PlaybackStates::TrackId)
                            .to(Tracks::Table, Tracks::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlaybackStates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LockerItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PlaybackStates {
    Table,
    UserId,
    DeviceId,
    LockerItemId,
    TrackId,
    PositionMs,
    Playing,
    UpdatedAt,
}
