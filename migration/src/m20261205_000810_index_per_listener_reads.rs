//! Indexes that start with the listener and fit each page's order, so a
//! listener's reads cost what their own data costs, not what the whole
//! service holds. Since the store's migration made the `(user_id, …)`
//! uniqueness indexes of `locker_items` partial (`WHERE source = …`), no
//! index served `WHERE user_id = ?` and every locker page scanned the
//! table. The store's best-selling and price sorts get theirs too.
//!
//! The same statements on SQLite and PostgreSQL (both take expression
//! indexes; `lower(...)` is how the locker sorts and filters by name).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str)] = &[
    // Newest first (the default): `ORDER BY added_at DESC, id DESC`.
    (
        "idx_locker_items_user_added",
        "locker_items (user_id, added_at, id)",
    ),
    // By title: `ORDER BY lower(title)`.
    (
        "idx_locker_items_user_title",
        "locker_items (user_id, lower(title))",
    ),
    // By artist and album (filters, browse, the artist/album sort).
    (
        "idx_locker_items_user_artist_album",
        "locker_items (user_id, lower(artist), lower(album))",
    ),
    // Recently played, and the recommendations' seeds.
    ("idx_plays_user_played", "plays (user_id, played_at)"),
    // The store's best-selling page: `ORDER BY sales_count DESC, id`.
    ("idx_products_sales", "products (sales_count DESC, id)"),
    // By price, either way.
    ("idx_products_price", "products (price_minor, id)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
