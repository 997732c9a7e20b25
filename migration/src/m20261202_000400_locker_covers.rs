//! A locker item's cover: the picture embedded in the uploaded file, kept
//! as its own blob (the owner's alone), and its MIME type. Thumbnails are
//! derived from it and stored next to it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for column in [LockerItems::CoverKey, LockerItems::CoverMimeType] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LockerItems::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [LockerItems::CoverMimeType, LockerItems::CoverKey] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LockerItems::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum LockerItems {
    Table,
    CoverKey,
    CoverMimeType,
}
