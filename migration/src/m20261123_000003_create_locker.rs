//! The locker: stored blobs (the uploaded bytes, unchanged) and each user's
//! locker items with the metadata read from them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blobs::Table)
                    .col(pk_auto(Blobs::Id))
                    .col(string_len_uniq(Blobs::StorageKey, 200))
                    .col(char_len(Blobs::ContentHash, 64))
                    .col(big_integer(Blobs::SizeBytes))
                    .col(timestamp_with_time_zone(Blobs::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LockerItems::Table)
                    .col(pk_auto(LockerItems::Id))
                    .col(integer(LockerItems::UserId))
                    .col(integer(LockerItems::BlobId))
                    .col(string_len(LockerItems::Source, 8))
                    .col(string_len(LockerItems::Title, 500))
                    .col(string_len(LockerItems::Artist, 500))
                    .col(string_len(LockerItems::Album, 500))
                    .col(string_len_null(LockerItems::AlbumArtist, 500))
                    .col(string_len_null(LockerItems::Genre, 100))
                    .col(integer_null(LockerItems::TrackNumber))
                    .col(integer_null(LockerItems::DiscNumber))
                    .col(integer_null(LockerItems::Year))
                    .col(string_len_null(LockerItems::Isrc, 12))
                    .col(integer(LockerItems::DurationMs))
                    .col(string_len(LockerItems::Format, 16))
                    .col(string_len(LockerItems::MimeType, 64))
                    .col(integer_null(LockerItems::BitrateKbps))
                    .col(integer_null(LockerItems::SampleRateHz))
                    .col(integer_null(LockerItems::Channels))
                    .col(big_integer(LockerItems::SizeBytes))
                    .col(char_len(LockerItems::ContentHash, 64))
                    .col(integer_null(LockerItems::CatalogueTrackId))
                    .col(boolean(LockerItems::ExcludeFromTasteProfile).default(false))
                    .col(timestamp_with_time_zone(LockerItems::AddedAt))
                    .col(timestamp_with_time_zone(LockerItems::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerItems::Table, LockerItems::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerItems::Table, LockerItems::BlobId)
                            .to(Blobs::Table, Blobs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerItems::Table, LockerItems::CatalogueTrackId)
                            .to(Tracks::Table, Tracks::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_locker_items_owner_hash")
                    .table(LockerItems::Table)
                    .col(LockerItems::UserId)
                    .col(LockerItems::Source)
                    .col(LockerItems::ContentHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_locker_items_blob")
                    .table(LockerItems::Table)
                    .col(LockerItems::BlobId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LockerItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Blobs::Table).to_owned())
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
enum Blobs {
    Table,
    Id,
    StorageKey,
    ContentHash,
    SizeBytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LockerItems {
    Table,
    Id,
    UserId,
    BlobId,
    Source,
    Title,
    Artist,
    Album,
    AlbumArtist,
    Genre,
    TrackNumber,
    DiscNumber,
    Year,
    Isrc,
    DurationMs,
    Format,
    MimeType,
    BitrateKbps,
    SampleRateHz,
    Channels,
    SizeBytes,
    ContentHash,
    CatalogueTrackId,
    ExcludeFromTasteProfile,
    AddedAt,
    UpdatedAt,
}
