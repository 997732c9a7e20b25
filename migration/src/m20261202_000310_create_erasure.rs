//! Erasure and audit: the audit log of privacy actions, the users whose
//! accounts were erased (so their access tokens stop working on every
//! replica), and the stored objects an erasure still has to remove (so a
//! crash between the commit and the removal leaves nothing behind once the
//! server starts again). Plays and interactions get an index by time, for
//! the retention job.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(pk_auto(AuditEntries::Id))
                    // Whose data the action was about. Not a foreign key: the
                    // entry that records an erasure outlives the account.
                    .col(integer(AuditEntries::SubjectUserId))
                    // Who acted: the subject, or an ADMIN.
                    .col(integer_null(AuditEntries::ActorUserId))
                    .col(string_len(AuditEntries::Action, 32))
                    .col(string_len_null(AuditEntries::Detail, 200))
                    .col(timestamp_with_time_zone(AuditEntries::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_entries_subject_at")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::SubjectUserId)
                    .col(AuditEntries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_entries_at")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::At)
                    .to_owned(),
            )
            .await?;
        for (name, table, col) in [
            (
                "idx_plays_played_at",
                Alias::new("plays"),
                Alias::new("played_at"),
            ),
            (
                "idx_interactions_occurred_at",
                Alias::new("interactions"),
                Alias::new("occurred_at"),
            ),
            (
                "idx_consent_changes_changed_at",
                Alias::new("consent_changes"),
                Alias::new("changed_at"),
            ),
        ] {
            manager
                .create_index(Index::create().name(name).table(table).col(col).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ErasedUsers::Table)
                    .col(integer(ErasedUsers::UserId).primary_key())
                    .col(timestamp_with_time_zone(ErasedUsers::ErasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BlobDeletions::Table)
                    .col(string_len(BlobDeletions::StorageKey, 200).primary_key())
                    .col(timestamp_with_time_zone(BlobDeletions::RequestedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_plays_played_at", "plays"),
            ("idx_interactions_occurred_at", "interactions"),
            ("idx_consent_changes_changed_at", "consent_changes"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        for table in [
            BlobDeletions::Table.into_iden(),
            ErasedUsers::Table.into_iden(),
            AuditEntries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    SubjectUserId,
    ActorUserId,
    Action,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum ErasedUsers {
    Table,
    UserId,
    ErasedAt,
}

#[derive(DeriveIden)]
enum BlobDeletions {
    Table,
    StorageKey,
    RequestedAt,
}
