//! Trusted documents: the GraphQL operations a storefront's build declared
//! (`cadenza documents import`), by the id its client sends and by the
//! SHA-256 of their text, for `CADENZA_TRUSTED_DOCUMENTS`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedDocuments::Table)
                    // The id the manifest gives it (a hash of the client's
                    // choosing: SHA-256 or SHA-1, hex).
                    .col(string_len(TrustedDocuments::Id, 128).primary_key())
                    // Hex SHA-256 of the text, for a client that sends it.
                    .col(string_len(TrustedDocuments::Sha256, 64))
                    .col(text(TrustedDocuments::Body))
                    .col(string_len_null(TrustedDocuments::OperationName, 200))
                    .col(timestamp_with_time_zone(TrustedDocuments::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("trusted_documents_sha256")
                    .table(TrustedDocuments::Table)
                    .col(TrustedDocuments::Sha256)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrustedDocuments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TrustedDocuments {
    Table,
    Id,
    Sha256,
    Body,
    OperationName,
    ImportedAt,
}
