//! The built-in payment provider's ledger of refunds: one per payment
//! intent, so a refund asked again is the same refund.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaymentRefunds::Table)
                    .col(pk_auto(PaymentRefunds::Id))
                    .col(string_len_uniq(PaymentRefunds::Intent, 64))
                    .col(big_integer(PaymentRefunds::AmountMinor))
                    .col(char_len(PaymentRefunds::Currency, 3))
                    .col(timestamp_with_time_zone(PaymentRefunds::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaymentRefunds::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PaymentRefunds {
    Table,
    Id,
    Intent,
    AmountMinor,
    Currency,
    CreatedAt,
}
