//! Data exports: one row per document a listener asked for, while it may
//! still be downloaded. The document itself is an object in blob storage
//! under `storage_key`; the row and the object go together, once the
//! document is downloaded or expires.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataExports::Table)
                    .col(pk_auto(DataExports::Id))
                    .col(integer(DataExports::UserId))
                    .col(string_len_uniq(DataExports::StorageKey, 200))
                    .col(big_integer(DataExports::SizeBytes))
                    .col(timestamp_with_time_zone(DataExports::CreatedAt))
                    .col(timestamp_with_time_zone(DataExports::ExpiresAt))
                    .col(timestamp_with_time_zone_null(DataExports::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataExports::Table, DataExports::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_data_exports_user", DataExports::UserId),
            ("idx_data_exports_expires", DataExports::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(DataExports::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataExports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DataExports {
    Table,
    Id,
    UserId,
    StorageKey,
    SizeBytes,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
