//! The catalogue: artists, albums, tracks and the products that sell them,
//! reviews, entitlements (who owns which product), and the cross-customer
//! affinity tables that recommendation jobs fill (each row carries how many
//! distinct consenting users support it, so readers can enforce k-anonymity).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(Alias::new(*col));
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Artists::Table)
                    .col(pk_auto(Artists::Id))
                    .col(string_len_uniq(Artists::ExternalId, 200))
                    .col(string_len(Artists::Name, 500))
                    .col(big_integer(Artists::Popularity).default(0))
                    .col(timestamp_with_time_zone(Artists::CreatedAt))
                    .col(timestamp_with_time_zone(Artists::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArtistGenres::Table)
                    .col(integer(ArtistGenres::ArtistId))
                    .col(string_len(ArtistGenres::Genre, 100))
                    .primary_key(
                        Index::create()
                            .col(ArtistGenres::ArtistId)
                            .col(ArtistGenres::Genre),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArtistGenres::Table, ArtistGenres::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_artist_genres_genre",
                ArtistGenres::Table,
                &["genre"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Albums::Table)
                    .col(pk_auto(Albums::Id))
                    .col(string_len_uniq(Albums::ExternalId, 200))
                    .col(integer(Albums::ArtistId))
                    .col(string_len(Albums::Title, 500))
                    .col(integer_null(Albums::ReleaseYear))
                    .col(string_len_null(Albums::Genre, 100))
                    .col(string_len_null(Albums::CoverUrl, 2000))
                    .col(timestamp_with_time_zone(Albums::CreatedAt))
                    .col(timestamp_with_time_zone(Albums::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Albums::Table, Albums::ArtistId)
                            .to(Artists::Table, Artists::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_albums_artist", Albums::Table, &["artist_id"]))
            .await?;
        manager
            .create_index(index("idx_albums_genre", Albums::Table, &["genre"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tracks::Table)
                    .col(pk_auto(Tracks::Id))
                    .col(string_len_uniq(Tracks::ExternalId, 200))
                    .col(integer(Tracks::AlbumId))
                    .col(string_len(Tracks::Title, 500))
                    .col(integer_null(Tracks::TrackNumber))
                    .col(integer_null(Tracks::DiscNumber))
                    .col(integer(Tracks::DurationMs))
                    .col(string_len_null(Tracks::Genre, 100))
                    .col(string_len_null(Tracks::Isrc, 12))
                    .col(big_integer(Tracks::Popularity).default(0))
                    .col(timestamp_with_time_zone(Tracks::CreatedAt))
                    .col(timestamp_with_time_zone(Tracks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tracks::Table, Tracks::AlbumId)
                            .to(Albums::Table, Albums::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_tracks_album", Tracks::Table, &["album_id"]))
            .await?;
        manager
            .create_index(index("idx_tracks_isrc", Tracks::Table, &["isrc"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(pk_auto(Products::Id))
                    .col(string_len_uniq(Products::Sku, 100))
                    .col(string_len(Products::Kind, 8))
                    .col(integer(Products::AlbumId))
                    .col(integer_null(Products::TrackId))
                    .col(big_integer(Products::PriceMinor))
                    .col(char_len(Products::Currency, 3))
                    .col(string_len(Products::AudioFormat, 100))
                    .col(boolean(Products::Available))
                    .col(big_integer(Products::SalesCount).default(0))
                    .col(integer(Products::RatingCount).default(0))
                    .col(integer(Products::RatingSum).default(0))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::AlbumId)
                            .to(Albums::Table, Albums::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::TrackId)
                            .to(Tracks::Table, Tracks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_products_album", Products::Table, &["album_id"]))
            .await?;
        manager
            .create_index(index("idx_products_track", Products::Table, &["track_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(pk_auto(Reviews::Id))
                    .col(integer(Reviews::ProductId))
                    .col(integer_null(Reviews::UserId))
                    .col(string_len(Reviews::AuthorName, 100))
                    .col(small_integer(Reviews::Rating))
                    .col(text_null(Reviews::Body))
                    .col(boolean(Reviews::VerifiedPurchase))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reviews_product",
                Reviews::Table,
                &["product_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Entitlements::Table)
                    .col(pk_auto(Entitlements::Id))
                    .col(integer(Entitlements::UserId))
                    .col(integer(Entitlements::ProductId))
                    .col(timestamp_with_time_zone(Entitlements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Entitlements::Table, Entitlements::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Entitlements::Table, Entitlements::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_entitlements_user_product",
                    Entitlements::Table,
                    &["user_id", "product_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        for (table, subject, related) in [
            ("product_affinity", "product_id", "related_product_id"),
            ("track_affinity", "track_id", "product_id"),
            ("artist_affinity", "artist_id", "related_artist_id"),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(Alias::new(table))
                        .col(integer(Alias::new(subject)))
                        .col(integer(Alias::new(related)))
                        .col(integer(Alias::new("supporters")))
                        .col(double(Alias::new("score")))
                        .primary_key(
                            Index::create()
                                .col(Alias::new(subject))
                                .col(Alias::new(related)),
                        )
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "artist_affinity",
            "track_affinity",
            "product_affinity",
            "entitlements",
            "reviews",
            "products",
            "tracks",
            "albums",
            "artist_genres",
            "artists",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
    ExternalId,
    Name,
    Popularity,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArtistGenres {
    Table,
    ArtistId,
    Genre,
}

#[derive(DeriveIden)]
enum Albums {
    Table,
    Id,
    ExternalId,
    ArtistId,
    Title,
    ReleaseYear,
    Genre,
    CoverUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    Id,
    ExternalId,
    AlbumId,
    Title,
    TrackNumber,
    DiscNumber,
    DurationMs,
    Genre,
    Isrc,
    Popularity,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Sku,
    Kind,
    AlbumId,
    TrackId,
    PriceMinor,
    Currency,
    AudioFormat,
    Available,
    SalesCount,
    RatingCount,
    RatingSum,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    UserId,
    AuthorName,
    Rating,
    Body,
    VerifiedPurchase,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Entitlements {
    Table,
    Id,
    UserId,
    ProductId,
    CreatedAt,
}
