//! Orders and what checkout needs around them:
//!
//! - `orders` and `order_lines`: an order is written as a payment intent
//!   (status PENDING, prices fixed) before the payment provider is called,
//!   so a crash at any point can be resolved by retrying the same
//!   idempotency key; one key is one order per user (a unique index).
//! - `payment_charges`: the built-in payment provider's ledger, one charge
//!   per payment intent whatever the retries.
//! - `entitlements.order_id`: the order that granted it, so a refund
//!   revokes exactly that.
//! - `tracks.master_*`: what the master audio is (format, type, bitrate),
//!   so a purchase's locker item can describe it.
//! - `locker_items.blob_id` may be null: a purchased track whose master is
//!   not attached yet is in the locker, not yet streamable. Uploads stay
//!   unique by their bytes, purchases by their catalogue track.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_auto(Orders::Id))
                    .col(string_len_uniq(Orders::Number, 32))
                    // Null once the buyer's account is deleted: the order
                    // stays, anonymised, for accounting.
                    .col(integer_null(Orders::UserId))
                    .col(string_len(Orders::IdempotencyKey, 255))
                    .col(string_len(Orders::Status, 16))
                    .col(big_integer(Orders::TotalMinor))
                    .col(char_len(Orders::Currency, 3))
                    .col(string_len_null(Orders::PaymentReference, 200))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone_null(Orders::PaidAt))
                    .col(timestamp_with_time_zone_null(Orders::RefundedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_user_key")
                    .table(Orders::Table)
                    .col(Orders::UserId)
                    .col(Orders::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_user_created")
                    .table(Orders::Table)
                    .col(Orders::UserId)
                    .col(Orders::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(pk_auto(OrderLines::Id))
                    .col(integer(OrderLines::OrderId))
                    .col(integer(OrderLines::ProductId))
                    .col(big_integer(OrderLines::PriceMinor))
                    .col(char_len(OrderLines::Currency, 3))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderLines::Table, OrderLines::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderLines::Table, OrderLines::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_lines_order")
                    .table(OrderLines::Table)
                    .col(OrderLines::OrderId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaymentCharges::Table)
                    .col(pk_auto(PaymentCharges::Id))
                    .col(string_len_uniq(PaymentCharges::Intent, 64))
                    .col(big_integer(PaymentCharges::AmountMinor))
                    .col(char_len(PaymentCharges::Currency, 3))
                    .col(timestamp_with_time_zone(PaymentCharges::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Entitlements::Table)
                    .add_column(integer_null(Entitlements::OrderId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_entitlements_order")
                    .table(Entitlements::Table)
                    .col(Entitlements::OrderId)
                    .to_owned(),
            )
            .await?;

        // SQLite adds one column a statement.
        for column in [
            string_len_null(Tracks::MasterFormat, 16),
            string_len_null(Tracks::MasterMimeType, 64),
            integer_null(Tracks::MasterBitrateKbps),
            integer_null(Tracks::MasterSampleRateHz),
            integer_null(Tracks::MasterChannels),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Tracks::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }

        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                for statement in [
                    "ALTER TABLE locker_items ALTER COLUMN blob_id DROP NOT NULL",
                    "DROP INDEX idx_locker_items_owner_hash",
                    UPLOADS_UNIQUE,
                    PURCHASES_UNIQUE,
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
            sea_orm::DbBackend::Sqlite => relax_sqlite_blob_id(db).await?,
            sea_orm::DbBackend::MySql => {
                return Err(DbErr::Migration("MySQL is not supported".into()))
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "orders are accounting records: this migration is not undone".into(),
        ))
    }
}

// Uploads stay unique by their bytes, purchases by their catalogue track.
// Partial indexes: the same syntax on SQLite and PostgreSQL.
const UPLOADS_UNIQUE: &str = "CREATE UNIQUE INDEX idx_locker_items_owner_hash ON locker_items \
     (user_id, content_hash) WHERE source = 'UPLOAD'";
const PURCHASES_UNIQUE: &str = "CREATE UNIQUE INDEX idx_locker_items_owner_purchase ON \
     locker_items (user_id, catalogue_track_id) WHERE source = 'PURCHASE'";

/// SQLite cannot drop a NOT NULL constraint: the table is rebuilt as its
/// documentation says (lang_altertable.html, "other kinds of table schema
/// changes"), from its own stored definition with that one constraint
/// removed (its indexes go with the old table and are made anew). Foreign
/// keys are off meanwhile, or dropping the old table would
/// cascade to the playlist entries that refer to it; everything runs in one
/// call so that it all happens on one connection of the pool.
async fn relax_sqlite_blob_id(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'locker_items'",
        ))
        .await?
        .ok_or_else(|| DbErr::Migration("no locker_items table".into()))?;
    let definition: String = row.try_get("", "sql")?;
    let relaxed = definition.replacen("\"blob_id\" integer NOT NULL", "\"blob_id\" integer", 1);
    if relaxed == definition {
        return Err(DbErr::Migration(format!(
            "unexpected locker_items definition: {definition}"
        )));
    }
    let create_new = relaxed.replacen(
        "CREATE TABLE \"locker_items\"",
        "CREATE TABLE \"locker_items_rebuilt\"",
        1,
    );
    if create_new == relaxed {
        return Err(DbErr::Migration(format!(
            "unexpected locker_items definition: {definition}"
        )));
    }
    db.execute_unprepared(&format!(
        "PRAGMA foreign_keys = OFF;
         BEGIN;
         {create_new};
         INSERT INTO locker_items_rebuilt SELECT * FROM locker_items;
         DROP TABLE locker_items;
         ALTER TABLE locker_items_rebuilt RENAME TO locker_items;
         CREATE INDEX idx_locker_items_blob ON locker_items (blob_id);
         {UPLOADS_UNIQUE};
         {PURCHASES_UNIQUE};
         COMMIT;
         PRAGMA foreign_keys = ON;"
    ))
    .await?;
    Ok(())
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
enum Orders {
    Table,
    Id,
    Number,
    UserId,
    IdempotencyKey,
    Status,
    TotalMinor,
    Currency,
    PaymentReference,
    CreatedAt,
    PaidAt,
    RefundedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    ProductId,
    PriceMinor,
    Currency,
}

#[derive(DeriveIden)]
enum PaymentCharges {
    Table,
    Id,
    Intent,
    AmountMinor,
    Currency,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Entitlements {
    Table,
    OrderId,
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    MasterFormat,
    MasterMimeType,
    MasterBitrateKbps,
    MasterSampleRateHz,
    MasterChannels,
}
