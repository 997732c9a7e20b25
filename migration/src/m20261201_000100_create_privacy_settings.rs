//! A listener's privacy settings (one row once they first change one; no row
//! means every setting is on) and their consent log: every change, with its
//! time, which the listener can read back.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PrivacySettings::Table)
                    .col(integer(PrivacySettings::UserId).primary_key())
                    .col(boolean(PrivacySettings::RecordListeningHistory).default(true))
                    .col(boolean(PrivacySettings::PersonalizedRecommendations).default(true))
                    .col(boolean(PrivacySettings::ContributeToAggregates).default(true))
                    .col(timestamp_with_time_zone_null(
                        PrivacySettings::PrivateSessionUntil,
                    ))
                    .col(timestamp_with_time_zone(PrivacySettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PrivacySettings::Table, PrivacySettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsentChanges::Table)
                    .col(pk_auto(ConsentChanges::Id))
                    .col(integer(ConsentChanges::UserId))
                    .col(string_len(ConsentChanges::Setting, 64))
                    .col(boolean(ConsentChanges::Enabled))
                    .col(timestamp_with_time_zone_null(ConsentChanges::Until))
                    .col(timestamp_with_time_zone(ConsentChanges::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentChanges::Table, ConsentChanges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consent_changes_user")
                    .table(ConsentChanges::Table)
                    .col(ConsentChanges::UserId)
                    .col(ConsentChanges::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PrivacySettings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PrivacySettings {
    Table,
    UserId,
    RecordListeningHistory,
    PersonalizedRecommendations,
    ContributeToAggregates,
    PrivateSessionUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsentChanges {
    Table,
    Id,
    UserId,
    Setting,
    Enabled,
    Until,
    ChangedAt,
}
