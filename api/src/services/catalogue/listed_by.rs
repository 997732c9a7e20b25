//! What a product is listed by in the store, copied onto it: its genre (the
//! track's own, else the album's), its album's artist and release year. The
//! store filters and sorts by these, and an index of `products` can serve
//! only the product's own columns (migration `m20261206_000920`). The feed
//! import is the only writer of albums and tracks; it refreshes the copies
//! of every product whose album, track or own line it touched, in the same
//! transaction.

use entities::product;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::ApiResult;

/// Bound parameters per statement, well under every database's limit.
const CHUNK: usize = 5_000;

/// The products touched by a change to these albums, tracks or products.
#[derive(Default)]
pub struct Touched {
    pub albums: Vec<i32>,
    pub tracks: Vec<i32>,
    pub products: Vec<i32>,
}

/// Copies each touched product's listing fields from its album and track.
pub async fn refresh(db: &impl ConnectionTrait, touched: &Touched) -> ApiResult<()> {
    let by = [
        (product::Column::AlbumId, &touched.albums),
        (product::Column::TrackId, &touched.tracks),
        (product::Column::Id, &touched.products),
    ];
    for (column, ids) in by {
        for chunk in ids.chunks(CHUNK) {
            product::Entity::update_many()
                .col_expr(
                    product::Column::ListingGenre,
                    Expr::cust(
                        "COALESCE(\
                         (SELECT tracks.genre FROM tracks WHERE tracks.id = products.track_id), \
                         (SELECT albums.genre FROM albums WHERE albums.id = products.album_id))",
                    ),
                )
                .col_expr(
                    product::Column::ArtistId,
                    Expr::cust(
                        "(SELECT albums.artist_id FROM albums WHERE albums.id = products.album_id)",
                    ),
                )
                .col_expr(
                    product::Column::ReleaseYear,
                    Expr::cust(
                        "(SELECT albums.release_year FROM albums \
                         WHERE albums.id = products.album_id)",
                    ),
                )
                .filter(column.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}
