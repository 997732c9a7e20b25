//! Player keys: one per device a listener connects through the OpenSubsonic
//! API (`/rest`). Legacy token authentication (`t = md5(password + salt)`)
//! needs the server to read the secret back, so it is kept encrypted under
//! a key derived from the server secret, never in clear, and never the
//! account password; `secret_lookup` (a keyed hash) finds a key presented as
//! `apiKey` without decrypting anything.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlayerKeys::Table)
                    .col(pk_auto(PlayerKeys::Id))
                    .col(integer(PlayerKeys::UserId))
                    .col(string_len(PlayerKeys::Name, 100))
                    // Nonce and ciphertext (ChaCha20-Poly1305), base64.
                    .col(string_len(PlayerKeys::SecretSealed, 200))
                    .col(string_len(PlayerKeys::SecretLookup, 64).unique_key())
                    .col(timestamp_with_time_zone(PlayerKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(PlayerKeys::LastUsedAt))
                    .col(string_len_null(PlayerKeys::LastClient, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlayerKeys::Table, PlayerKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("player_keys_user")
                    .table(PlayerKeys::Table)
                    .col(PlayerKeys::UserId)
                    .col(PlayerKeys::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlayerKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PlayerKeys {
    Table,
    Id,
    UserId,
    Name,
    SecretSealed,
    SecretLookup,
    CreatedAt,
    LastUsedAt,
    LastClient,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
