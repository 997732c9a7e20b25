//! The search change feed: one row per change to something searchable
//! (catalogue artist, album, track or product; locker item), numbered in
//! commit order. Each replica's index remembers the last number it applied
//! and catches up from there, so no replica misses a change.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchChanges::Table)
                    .col(
                        big_integer(SearchChanges::Seq)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(SearchChanges::Kind, 16))
                    .col(integer(SearchChanges::EntityId))
                    .col(timestamp_with_time_zone(SearchChanges::ChangedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchChanges::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchChanges {
    Table,
    Seq,
    Kind,
    EntityId,
    ChangedAt,
}
