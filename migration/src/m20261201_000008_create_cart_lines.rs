//! The cart: one line per product a listener means to buy. Digital goods,
//! so a product is in a cart at most once (a unique index keeps it so even
//! when two devices add it at the same moment).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CartLines::Table)
                    .col(pk_auto(CartLines::Id))
                    .col(integer(CartLines::UserId))
                    .col(integer(CartLines::ProductId))
                    .col(timestamp_with_time_zone(CartLines::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartLines::Table, CartLines::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartLines::Table, CartLines::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cart_lines_user_product")
                    .table(CartLines::Table)
                    .col(CartLines::UserId)
                    .col(CartLines::ProductId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CartLines::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CartLines {
    Table,
    Id,
    UserId,
    ProductId,
    AddedAt,
}
