//! Playlists and their entries. An entry plays an item of the owner's
//! locker or a catalogue track the owner owns; positions are dense, from 0.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Playlists::Table)
                    .col(pk_auto(Playlists::Id))
                    .col(integer(Playlists::UserId))
                    .col(string_len(Playlists::Name, 200))
                    .col(text_null(Playlists::Description))
                    .col(boolean(Playlists::ExcludeFromTasteProfile).default(false))
                    .col(timestamp_with_time_zone(Playlists::CreatedAt))
                    .col(timestamp_with_time_zone(Playlists::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Playlists::Table, Playlists::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_playlists_user")
                    .table(Playlists::Table)
                    .col(Playlists::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlaylistEntries::Table)
                    .col(pk_auto(PlaylistEntries::Id))
                    .col(integer(PlaylistEntries::PlaylistId))
                    .col(integer(PlaylistEntries::Position))
                    .col(integer_null(PlaylistEntries::LockerItemId))
                    .col(integer_null(PlaylistEntries::TrackId))
                    .col(timestamp_with_time_zone(PlaylistEntries::AddedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaylistEntries::Table, PlaylistEntries::PlaylistId)
                            .to(Playlists::Table, Playlists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaylistEntries::Table, PlaylistEntries::LockerItemId)
                            .to(LockerItems::Table, LockerItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlaylistEntries::Table, PlaylistEntries::TrackId)
                            .to(Tracks::Table, Tracks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_playlist_entries_playlist", PlaylistEntries::PlaylistId),
            ("idx_playlist_entries_item", PlaylistEntries::LockerItemId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PlaylistEntries::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlaylistEntries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Playlists::Table).to_owned())
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
enum Playlists {
    Table,
    Id,
    UserId,
    Name,
    Description,
    ExcludeFromTasteProfile,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlaylistEntries {
    Table,
    Id,
    PlaylistId,
    Position,
    LockerItemId,
    TrackId,
    AddedAt,
}
