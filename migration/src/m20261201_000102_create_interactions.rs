//! Interactions: what a listener viewed, browsed, searched or clicked, kept
//! as their own history on the same terms as plays.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Interactions::Table)
                    .col(pk_auto(Interactions::Id))
                    .col(integer(Interactions::UserId))
                    .col(string_len(Interactions::Kind, 32))
                    .col(integer_null(Interactions::ArtistId))
                    .col(integer_null(Interactions::AlbumId))
                    .col(integer_null(Interactions::ProductId))
                    .col(string_len_null(Interactions::Genre, 200))
                    .col(string_len_null(Interactions::Query, 200))
                    .col(timestamp_with_time_zone(Interactions::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Interactions::Table, Interactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_interactions_user")
                    .table(Interactions::Table)
                    .col(Interactions::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Interactions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Interactions {
    Table,
    Id,
    UserId,
    Kind,
    ArtistId,
    AlbumId,
    ProductId,
    Genre,
    Query,
    OccurredAt,
}
