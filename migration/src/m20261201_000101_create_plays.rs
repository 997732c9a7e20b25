//! Plays: the listener's own history. A play names what was played (a
//! locker item or a catalogue track) and, for statistics, the catalogue
//! track it counts as; `excluded` plays stay in the history but never feed
//! a statistic.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plays::Table)
                    .col(pk_auto(Plays::Id))
                    .col(integer(Plays::UserId))
                    .col(integer_null(Plays::LockerItemId))
                    .col(integer_null(Plays::TrackId))
                    .col(integer_null(Plays::StatsTrackId))
                    .col(integer(Plays::MsPlayed))
                    .col(boolean(Plays::Completed))
                    .col(string_len_null(Plays::DeviceId, 200))
                    .col(string_len_null(Plays::Context, 200))
                    .col(boolean(Plays::Excluded))
                    .col(timestamp_with_time_zone(Plays::PlayedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plays::Table, Plays::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plays::Table, Plays::LockerItemId)
                            .to(LockerItems::Table, LockerItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plays::Table, Plays::TrackId)
                            .to(Tracks::Table, Tracks::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plays::Table, Plays::StatsTrackId)
                            .to(Tracks::Table, Tracks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_plays_user", vec![Plays::UserId, Plays::Id]),
            ("idx_plays_item", vec![Plays::LockerItemId]),
            ("idx_plays_stats_track", vec![Plays::StatsTrackId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Plays::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Plays::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LockerItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Plays {
    Table,
    Id,
    UserId,
    LockerItemId,
    TrackId,
    StatsTrackId,
    MsPlayed,
    Completed,
    DeviceId,
    Context,
    Excluded,
    PlayedAt,
}
