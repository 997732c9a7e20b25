//! Every store page served by an index that fits its filter and order, so a
//! page costs its twenty products whether the catalogue holds a thousand or
//! a million. The newest sort and the genre and artist filters were on the
//! product's album and track (a join), which no index of `products` can
//! serve: a product now carries a copy of what it is listed by
//! (`listing_genre`: its track's genre, else its album's; its album's
//! artist and release year), kept by the feed import
//! (`services::catalogue::listed_by`).
//!
//! SQLite puts NULLs first ascending and last descending, which is the
//! store's order; PostgreSQL's index says `NULLS LAST` to match it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The average rating, as the top-rated sort orders by it.
const RATING: &str = "(CAST(rating_sum AS DOUBLE PRECISION) / NULLIF(rating_count, 0))";

/// `(name, columns)`, with `{nulls_last}` where a descending key may be NULL.
const INDEXES: &[(&str, &str)] = &[
    (
        "idx_products_newest",
        "release_year DESC{nulls_last}, created_at DESC, id",
    ),
    (
        "idx_products_rated",
        "{rating} DESC{nulls_last}, rating_count DESC, id",
    ),
    (
        "idx_products_genre_newest",
        "listing_genre, release_year DESC{nulls_last}, created_at DESC, id",
    ),
    (
        "idx_products_genre_sales",
        "listing_genre, sales_count DESC, id",
    ),
    ("idx_products_genre_price", "listing_genre, price_minor, id"),
    (
        "idx_products_genre_rated",
        "listing_genre, {rating} DESC{nulls_last}, rating_count DESC, id",
    ),
    (
        "idx_products_artist_newest",
        "artist_id, release_year DESC{nulls_last}, created_at DESC, id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in [
            "listing_genre TEXT",
            "artist_id INTEGER",
            "release_year INTEGER",
        ] {
            db.execute_unprepared(&format!("ALTER TABLE products ADD COLUMN {column}"))
                .await?;
        }
        db.execute_unprepared(
            "UPDATE products SET \
               listing_genre = COALESCE(\
                 (SELECT tracks.genre FROM tracks WHERE tracks.id = products.track_id), \
                 (SELECT albums.genre FROM albums WHERE albums.id = products.album_id)), \
               artist_id = (SELECT albums.artist_id FROM albums WHERE albums.id = products.album_id), \
               release_year = (SELECT albums.release_year FROM albums WHERE albums.id = products.album_id)",
        )
        .await?;
        let nulls_last = match manager.get_database_backend() {
            DbBackend::Postgres => " NULLS LAST",
            _ => "",
        };
        for (name, columns) in INDEXES {
            let columns = columns
                .replace("{rating}", RATING)
                .replace("{nulls_last}", nulls_last);
            db.execute_unprepared(&format!("CREATE INDEX {name} ON products ({columns})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        for column in ["listing_genre", "artist_id", "release_year"] {
            db.execute_unprepared(&format!("ALTER TABLE products DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
