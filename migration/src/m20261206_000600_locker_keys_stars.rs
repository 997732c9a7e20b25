//! Stable keys for a locker's artists and albums, stars and ratings, and
//! lyrics.
//!
//! - `locker_items` gets the keys of its artist, album artist and album
//!   (16 hex digits: the first 64 bits of the SHA-256 of the normalised
//!   name), filled in here for every item stored before, each with an index
//!   that starts with the listener; and `starred_at` and `rating` (1 to 5).
//! - `locker_stars`: the albums and artists a listener starred, by key.
//! - `locker_lyrics`: an item's unsynchronised lyrics, read from its tags,
//!   apart from the item's row so that listing a locker does not read them;
//!   removed with the item.
//! - `interactions` can name a locker item or a locker key: a star is a
//!   taste signal, recorded as an interaction where the listener allows it.

use sea_orm_migration::sea_orm::TransactionTrait;
use sea_orm_migration::{prelude::*, schema::*};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Items keyed per statement batch of the backfill.
const BACKFILL_BATCH: u64 = 1000;

const INDEXES: &[(&str, &[LockerItems])] = &[
    (
        "idx_locker_items_user_artist_key",
        &[LockerItems::UserId, LockerItems::ArtistKey],
    ),
    (
        "idx_locker_items_user_album_artist_key",
        &[LockerItems::UserId, LockerItems::AlbumArtistKey],
    ),
    (
        "idx_locker_items_user_album_key",
        &[LockerItems::UserId, LockerItems::AlbumKey],
    ),
    (
        "idx_locker_items_user_starred",
        &[LockerItems::UserId, LockerItems::StarredAt],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for key in [
            LockerItems::ArtistKey,
            LockerItems::AlbumArtistKey,
            LockerItems::AlbumKey,
        ] {
            add_column(manager, string_len(key, 16).default("").to_owned()).await?;
        }
        add_column(
            manager,
            timestamp_with_time_zone_null(LockerItems::StarredAt),
        )
        .await?;
        add_column(manager, integer_null(LockerItems::Rating)).await?;
        backfill_keys(manager).await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(LockerItems::Table);
            for column in *columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LockerStars::Table)
                    .col(pk_auto(LockerStars::Id))
                    .col(integer(LockerStars::UserId))
                    // `ALBUM` or `ARTIST`.
                    .col(string_len(LockerStars::Kind, 16))
                    .col(string_len(LockerStars::Key, 16))
                    .col(timestamp_with_time_zone(LockerStars::StarredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerStars::Table, LockerStars::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_locker_stars_user_kind_key")
                    .table(LockerStars::Table)
                    .col(LockerStars::UserId)
                    .col(LockerStars::Kind)
                    .col(LockerStars::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LockerLyrics::Table)
                    .col(integer(LockerLyrics::LockerItemId).primary_key())
                    .col(integer(LockerLyrics::UserId))
                    .col(text(LockerLyrics::Lyrics))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerLyrics::Table, LockerLyrics::LockerItemId)
                            .to(LockerItems::Table, LockerItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LockerLyrics::Table, LockerLyrics::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_locker_lyrics_user")
                    .table(LockerLyrics::Table)
                    .col(LockerLyrics::UserId)
                    .col(LockerLyrics::LockerItemId)
                    .to_owned(),
            )
            .await?;

        for column in [
            integer_null(Interactions::LockerItemId),
            string_len_null(Interactions::LockerKey, 16),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Interactions::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Interactions::LockerKey, Interactions::LockerItemId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Interactions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(LockerLyrics::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LockerStars::Table).to_owned())
            .await?;
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(LockerItems::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            LockerItems::Rating,
            LockerItems::StarredAt,
            LockerItems::AlbumKey,
            LockerItems::AlbumArtistKey,
            LockerItems::ArtistKey,
        ] {
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

async fn add_column(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(LockerItems::Table)
                .add_column(column)
                .to_owned(),
        )
        .await
}

/// Keys every item stored before this migration, a batch of rows at a
/// time, in one transaction (on PostgreSQL, inside the migration's own).
async fn backfill_keys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let txn = manager.get_connection().begin().await?;
    let backend = txn.get_database_backend();
    let mut after = 0;
    loop {
        let select = Query::select()
            .columns([
                LockerItems::Id,
                LockerItems::Artist,
                LockerItems::Album,
                LockerItems::AlbumArtist,
            ])
            .from(LockerItems::Table)
            .and_where(Expr::col(LockerItems::Id).gt(after))
            .order_by(LockerItems::Id, Order::Asc)
            .limit(BACKFILL_BATCH)
            .to_owned();
        let rows = txn.query_all(backend.build(&select)).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let id: i32 = row.try_get("", "id")?;
            let artist: String = row.try_get("", "artist")?;
            let album: String = row.try_get("", "album")?;
            let album_artist: Option<String> = row.try_get("", "album_artist")?;
            let album_artist = album_artist.as_deref().unwrap_or(&artist);
            let update = Query::update()
                .table(LockerItems::Table)
                .values([
                    (LockerItems::ArtistKey, artist_key(&artist).into()),
                    (LockerItems::AlbumArtistKey, artist_key(album_artist).into()),
                    (
                        LockerItems::AlbumKey,
                        album_key(&album, album_artist).into(),
                    ),
                ])
                .and_where(Expr::col(LockerItems::Id).eq(id))
                .to_owned();
            txn.execute(backend.build(&update)).await?;
            after = id;
        }
    }
    txn.commit().await
}

// The keys as `cadenza_api::domain::locker_keys` derives them on the day
// of this migration; a test in the API crate checks the two agree.

fn key_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn normalised(name: &str) -> String {
    name.trim().to_lowercase()
}

fn artist_key(name: &str) -> String {
    key_of(&normalised(name))
}

fn album_key(title: &str, album_artist: &str) -> String {
    key_of(&format!(
        "{}\u{1f}{}",
        normalised(title),
        normalised(album_artist)
    ))
}

#[derive(DeriveIden, Clone, Copy)]
enum LockerItems {
    Table,
    Id,
    UserId,
    Artist,
    Album,
    AlbumArtist,
    ArtistKey,
    AlbumArtistKey,
    AlbumKey,
    StarredAt,
    Rating,
}

#[derive(DeriveIden)]
enum LockerStars {
    Table,
    Id,
    UserId,
    Kind,
    Key,
    StarredAt,
}

#[derive(DeriveIden)]
enum LockerLyrics {
    Table,
    LockerItemId,
    UserId,
    Lyrics,
}

#[derive(DeriveIden)]
enum Interactions {
    Table,
    LockerItemId,
    LockerKey,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
