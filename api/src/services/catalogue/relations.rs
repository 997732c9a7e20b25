//! Each catalogue row's relations, for many rows at once (the DataLoaders
//! ask with every id of one level of a query).

use std::collections::HashMap;

use entities::{album, artist_genre, product, track};
use sea_orm::sea_query::{Expr, NullOrdering};
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};

use super::Catalogue;
use crate::domain::ProductKind;
use crate::error::ApiResult;

impl Catalogue {
    pub async fn genres_of_artists(&self, ids: &[i32]) -> ApiResult<HashMap<i32, Vec<String>>> {
        let rows = artist_genre::Entity::find()
            .filter(artist_genre::Column::ArtistId.is_in(ids.iter().copied()))
            .order_by_asc(artist_genre::Column::Genre)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<String>> = HashMap::new();
        for row in rows {
            by_artist.entry(row.artist_id).or_default().push(row.genre);
        }
        Ok(by_artist)
    }

    /// Each artist's albums, newest first.
    pub async fn albums_of_artists(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<album::Model>>> {
        let rows = album::Entity::find()
            .filter(album::Column::ArtistId.is_in(ids.iter().copied()))
            .order_by_with_nulls(album::Column::ReleaseYear, Order::Desc, NullOrdering::Last)
            .order_by_asc(album::Column::Title)
            .order_by_asc(album::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<album::Model>> = HashMap::new();
        for row in rows {
            by_artist.entry(row.artist_id).or_default().push(row);
        }
        Ok(by_artist)
    }

    /// Each album's tracks in disc and track order.
    pub async fn tracks_of_albums(
        &self,
        ids: &[i32],
    ) -> ApiResult<HashMap<i32, Vec<track::Model>>> {
        let rows = track::Entity::find()
            .filter(track::Column::AlbumId.is_in(ids.iter().copied()))
            .order_by_asc(Expr::cust("COALESCE(disc_number, 1)"))
            .order_by_with_nulls(track::Column::TrackNumber, Order::Asc, NullOrdering::Last)
            .order_by_asc(track::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_album: HashMap<i32, Vec<track::Model>> = HashMap::new();
        for row in rows {
            by_album.entry(row.album_id).or_default().push(row);
        }
        Ok(by_album)
    }

    /// Each artist's most popular tracks, at most `limit` of them.
    pub async fn top_tracks_of_artists(
        &self,
        ids: &[i32],
        limit: usize,
    ) -> ApiResult<HashMap<i32, Vec<track::Model>>> {
        let albums: Vec<(i32, i32)> = album::Entity::find()
            .select_only()
            .column(album::Column::Id)
            .column(album::Column::ArtistId)
            .filter(album::Column::ArtistId.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let artist_of: HashMap<i32, i32> = albums.into_iter().collect();
        let tracks = track::Entity::find()
            .filter(track::Column::AlbumId.is_in(artist_of.keys().copied()))
            .order_by_desc(track::Column::Popularity)
            .order_by_asc(track::Column::Id)
            .all(&self.db)
            .await?;
        let mut by_artist: HashMap<i32, Vec<track::Model>> = HashMap::new();
        for track in tracks {
            if let Some(artist) = artist_of.get(&track.album_id) {
                let top = by_artist.entry(*artist).or_default();
                if top.len() < limit {
                    top.push(track);
                }
            }
        }
        Ok(by_artist)
    }

    /// The product that sells each track: an available one before an
    /// unavailable one, then the cheapest.
    pub async fn products_of_tracks(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        let rows = product::Entity::find()
            .filter(product::Column::Kind.eq(ProductKind::Track.as_str()))
            .filter(product::Column::TrackId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(preferred(rows, |row| row.track_id))
    }

    /// The product that sells each album as a whole.
    pub async fn products_of_albums(&self, ids: &[i32]) -> ApiResult<HashMap<i32, product::Model>> {
        let rows = product::Entity::find()
            .filter(product::Column::Kind.eq(ProductKind::Album.as_str()))
            .filter(product::Column::AlbumId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(preferred(rows, |row| Some(row.album_id)))
    }
}

/// Keeps, per key, the product a buyer would pick: available, then cheapest,
/// then oldest.
fn preferred(
    rows: Vec<product::Model>,
    key: impl Fn(&product::Model) -> Option<i32>,
) -> HashMap<i32, product::Model> {
    let mut best: HashMap<i32, product::Model> = HashMap::new();
    for row in rows {
        let Some(key) = key(&row) else { continue };
        let better = match best.get(&key) {
            None => true,
            Some(current) => {
                (!row.available, row.price_minor, row.id)
                    < (!current.available, current.price_minor, current.id)
            }
        };
        if better {
            best.insert(key, row);
        }
    }
    best
}
