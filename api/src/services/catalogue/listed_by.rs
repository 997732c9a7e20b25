//! What a product is listed by in the store, copied onto it: its genre (the
//! track's own, else the album's), its album's artist and release year. The
//! store filters and sorts by these, and an index of `products` can serve
//! only the product's own columns (migration `m20261206_000920`). The feed
//! import is the only writer of albums and tracks; it refreshes the copies
//! of every product whose album, track or own line it touched, in the same
//! transaction.

use entities::product;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, IdenStatic, QueryFilter};

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

/// Each copy: its column and where it comes from.
const COPIES: [(product::Column, &str); 3] = [
    (
        product::Column::ListingGenre,
        "COALESCE(\
         (SELECT tracks.genre FROM tracks WHERE tracks.id = products.track_id), \
         (SELECT albums.genre FROM albums WHERE albums.id = products.album_id))",
    ),
    (
        product::Column::ArtistId,
        "(SELECT albums.artist_id FROM albums WHERE albums.id = products.album_id)",
    ),
    (
        product::Column::ReleaseYear,
        "(SELECT albums.release_year FROM albums WHERE albums.id = products.album_id)",
    ),
];

/// Copies each touched product's listing fields from its album and track.
/// Only products whose copies differ are written (a feed that changes
/// nothing writes nothing, nor do its products' indexes), so a product
/// touched through its album, its track and its own line is written once.
pub async fn refresh(db: &impl ConnectionTrait, touched: &Touched) -> ApiResult<()> {
    let by = [
        (product::Column::AlbumId, &touched.albums),
        (product::Column::TrackId, &touched.tracks),
        (product::Column::Id, &touched.products),
    ];
    let differs = COPIES
        .iter()
        .fold(Condition::any(), |differs, (column, source)| {
            differs.add(Expr::cust(format!(
                "products.{} IS DISTINCT FROM {source}",
                column.as_str()
            )))
        });
    for (column, ids) in by {
        for chunk in ids.chunks(CHUNK) {
            let mut update = product::Entity::update_many();
            for (copy, source) in COPIES {
                update = update.col_expr(copy, Expr::cust(source));
            }
            update
                .filter(column.is_in(chunk.iter().copied()))
                .filter(differs.clone())
                .exec(db)
                .await?;
        }
    }
    Ok(())
}
