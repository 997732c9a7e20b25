//! The documents of a batch of changes: the rows loaded from the tables
//! and turned into what the index holds, with everything that shows their
//! text (an artist's name is in its albums, tracks and products).

use std::collections::{BTreeSet, HashMap};

use cadenza_search::{Document, Kind};
use entities::{album, artist, artist_genre, locker_item, product, track};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::feed::Change;
use super::CHUNK;

/// Documents to (re)write and documents to remove.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) upserts: Vec<Document>,
    pub(super) removals: Vec<(Kind, i64)>,
    /// Erased accounts: all their documents go, and the index is purged.
    pub(super) erased_owners: Vec<i64>,
}

#[derive(Default)]
struct Ids {
    artists: BTreeSet<i32>,
    albums: BTreeSet<i32>,
    tracks: BTreeSet<i32>,
    products: BTreeSet<i32>,
    locker_items: BTreeSet<i32>,
    erased_users: BTreeSet<i32>,
}

impl Ids {
    fn of(changes: impl IntoIterator<Item = Change>) -> Self {
        let mut ids = Self::default();
        for change in changes {
            match change {
                Change::Artist(id) => ids.artists.insert(id),
                Change::Album(id) => ids.albums.insert(id),
                Change::Track(id) => ids.tracks.insert(id),
                Change::Product(id) => ids.products.insert(id),
                Change::LockerItem(id) => ids.locker_items.insert(id),
                Change::UserErased(id) => ids.erased_users.insert(id),
            };
        }
        ids
    }
}

impl Batch {
    /// The documents for `changes` and for everything that shows their text:
    /// an artist's name is in its albums, tracks and products, an album's
    /// title in its tracks and products.
    pub(super) async fn load(
        db: &DatabaseConnection,
        changes: BTreeSet<Change>,
    ) -> Result<Self, DbErr> {
        let mut ids = Ids::of(changes);
        for chunk in chunks(&ids.artists) {
            ids.albums.extend(
                album::Entity::find()
                    .select_only()
                    .column(album::Column::Id)
                    .filter(album::Column::ArtistId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        for chunk in chunks(&ids.albums) {
            ids.tracks.extend(
                track::Entity::find()
                    .select_only()
                    .column(track::Column::Id)
                    .filter(track::Column::AlbumId.is_in(chunk.clone()))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
            ids.products.extend(
                product::Entity::find()
                    .select_only()
                    .column(product::Column::Id)
                    .filter(product::Column::AlbumId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        for chunk in chunks(&ids.tracks) {
            ids.products.extend(
                product::Entity::find()
                    .select_only()
                    .column(product::Column::Id)
                    .filter(product::Column::TrackId.is_in(chunk))
                    .into_tuple::<i32>()
                    .all(db)
                    .await?,
            );
        }
        Self::load_ids(db, ids).await
    }

    /// The documents for exactly these changes.
    pub(super) async fn load_exact(
        db: &DatabaseConnection,
        changes: impl IntoIterator<Item = Change>,
    ) -> Result<Self, DbErr> {
        Self::load_ids(db, Ids::of(changes)).await
    }

    async fn load_ids(db: &DatabaseConnection, ids: Ids) -> Result<Self, DbErr> {
        let mut batch = Batch::default();
        let mut names = Names::default();
        batch.artists(db, &ids.artists).await?;
        batch.albums(db, &ids.albums, &mut names).await?;
        batch.tracks(db, &ids.tracks, &mut names).await?;
        batch.products(db, &ids.products, &mut names).await?;
        batch.locker_items(db, &ids.locker_items).await?;
        batch.erased_owners = ids.erased_users.iter().map(|&id| i64::from(id)).collect();
        Ok(batch)
    }

    /// Upserts the documents found and removes the ids not found.
    fn found(&mut self, kind: Kind, asked: &BTreeSet<i32>, docs: Vec<Document>) {
        let found: BTreeSet<i64> = docs.iter().map(|doc| doc.id).collect();
        self.removals.extend(
            asked
                .iter()
                .map(|&id| i64::from(id))
                .filter(|id| !found.contains(id))
                .map(|id| (kind, id)),
        );
        self.upserts.extend(docs);
    }

    async fn artists(&mut self, db: &DatabaseConnection, ids: &BTreeSet<i32>) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = artist::Entity::find()
                .filter(artist::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            let mut genres: HashMap<i32, String> = HashMap::new();
            for genre in artist_genre::Entity::find()
                .filter(artist_genre::Column::ArtistId.is_in(chunk.clone()))
                .order_by_asc(artist_genre::Column::Genre)
                .all(db)
                .await?
            {
                genres.entry(genre.artist_id).or_insert(genre.genre);
            }
            let docs = rows
                .into_iter()
                .map(|row| Document {
                    kind: Kind::Artist,
                    id: row.id.into(),
                    owner: None,
                    genre: genres.remove(&row.id),
                    artist: row.name.clone(),
                    title: row.name,
                    album: String::new(),
                    popularity: non_negative(row.popularity),
                })
                .collect();
            self.found(Kind::Artist, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn albums(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = album::Entity::find()
                .filter(album::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            names
                .load_artists(db, rows.iter().map(|album| album.artist_id))
                .await?;
            #[derive(FromQueryResult)]
            struct Plays {
                album_id: i32,
                popularity: Option<i64>,
            }
            let plays: HashMap<i32, i64> = track::Entity::find()
                .select_only()
                .column(track::Column::AlbumId)
                // SUM of a bigint is numeric on PostgreSQL.
                .column_as(
                    Expr::col(track::Column::Popularity)
                        .sum()
                        .cast_as(Alias::new("bigint")),
                    "popularity",
                )
                .filter(track::Column::AlbumId.is_in(chunk.clone()))
                .group_by(track::Column::AlbumId)
                .into_model::<Plays>()
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.album_id, p.popularity.unwrap_or(0)))
                .collect();
            let docs = rows
                .into_iter()
                .map(|row| Document {
                    kind: Kind::Album,
                    id: row.id.into(),
                    owner: None,
                    artist: names.artist(row.artist_id),
                    popularity: non_negative(plays.get(&row.id).copied().unwrap_or(0)),
                    genre: row.genre.clone(),
                    title: row.title.clone(),
                    album: row.title,
                })
                .collect();
            self.found(Kind::Album, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn tracks(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = track::Entity::find()
                .filter(track::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            names
                .load_albums(db, rows.iter().map(|track| track.album_id))
                .await?;
            let docs = rows
                .into_iter()
                .filter_map(|row| {
                    let album = names.albums.get(&row.album_id)?;
                    Some(Document {
                        kind: Kind::Track,
                        id: row.id.into(),
                        owner: None,
                        title: row.title,
                        artist: names.artist(album.artist_id),
                        album: album.title.clone(),
                        genre: row.genre.or_else(|| album.genre.clone()),
                        popularity: non_negative(row.popularity),
                    })
                })
                .collect();
            self.found(Kind::Track, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn products(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
        names: &mut Names,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            // Products no longer for sale are not found.
            let rows = product::Entity::find()
                .filter(product::Column::Id.is_in(chunk.clone()))
                .filter(product::Column::Available.eq(true))
                .all(db)
                .await?;
            names
                .load_albums(db, rows.iter().map(|product| product.album_id))
                .await?;
            let track_ids: Vec<i32> = rows.iter().filter_map(|p| p.track_id).collect();
            let track_titles: HashMap<i32, String> = track::Entity::find()
                .select_only()
                .column(track::Column::Id)
                .column(track::Column::Title)
                .filter(track::Column::Id.is_in(track_ids))
                .into_tuple::<(i32, String)>()
                .all(db)
                .await?
                .into_iter()
                .collect();
            let docs = rows
                .into_iter()
                .filter_map(|row| {
                    let album = names.albums.get(&row.album_id)?;
                    let title = match row.track_id {
                        Some(track) => track_titles.get(&track)?.clone(),
                        None => album.title.clone(),
                    };
                    Some(Document {
                        kind: Kind::Product,
                        id: row.id.into(),
                        owner: None,
                        title,
                        artist: names.artist(album.artist_id),
                        album: album.title.clone(),
                        genre: album.genre.clone(),
                        popularity: non_negative(row.sales_count),
                    })
                })
                .collect();
            self.found(Kind::Product, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }

    async fn locker_items(
        &mut self,
        db: &DatabaseConnection,
        ids: &BTreeSet<i32>,
    ) -> Result<(), DbErr> {
        for chunk in chunks(ids) {
            let rows = locker_item::Entity::find()
                .filter(locker_item::Column::Id.is_in(chunk.clone()))
                .all(db)
                .await?;
            let docs = rows
                .into_iter()
                .map(|row| {
                    let artist = match &row.album_artist {
                        Some(album_artist) if *album_artist != row.artist => {
                            format!("{} / {album_artist}", row.artist)
                        }
                        _ => row.artist,
                    };
                    Document {
                        kind: Kind::LockerItem,
                        id: row.id.into(),
                        owner: Some(row.user_id.into()),
                        title: row.title,
                        artist,
                        album: row.album,
                        genre: row.genre,
                        popularity: 0,
                    }
                })
                .collect();
            self.found(Kind::LockerItem, &chunk.into_iter().collect(), docs);
        }
        Ok(())
    }
}

/// Artist names and albums looked up while building a batch.
#[derive(Default)]
struct Names {
    artists: HashMap<i32, String>,
    albums: HashMap<i32, album::Model>,
}

impl Names {
    fn artist(&self, id: i32) -> String {
        self.artists.get(&id).cloned().unwrap_or_default()
    }

    async fn load_artists(
        &mut self,
        db: &DatabaseConnection,
        ids: impl Iterator<Item = i32>,
    ) -> Result<(), DbErr> {
        let missing: BTreeSet<i32> = ids.filter(|id| !self.artists.contains_key(id)).collect();
        for chunk in chunks(&missing) {
            self.artists.extend(
                artist::Entity::find()
                    .select_only()
                    .column(artist::Column::Id)
                    .column(artist::Column::Name)
                    .filter(artist::Column::Id.is_in(chunk))
                    .into_tuple::<(i32, String)>()
                    .all(db)
                    .await?,
            );
        }
        Ok(())
    }

    async fn load_albums(
        &mut self,
        db: &DatabaseConnection,
        ids: impl Iterator<Item = i32>,
    ) -> Result<(), DbErr> {
        let missing: BTreeSet<i32> = ids.filter(|id| !self.albums.contains_key(id)).collect();
        for chunk in chunks(&missing) {
            let albums = album::Entity::find()
                .filter(album::Column::Id.is_in(chunk))
                .all(db)
                .await?;
            self.load_artists(db, albums.iter().map(|album| album.artist_id))
                .await?;
            self.albums
                .extend(albums.into_iter().map(|album| (album.id, album)));
        }
        Ok(())
    }
}

fn chunks(ids: &BTreeSet<i32>) -> Vec<Vec<i32>> {
    let ids: Vec<i32> = ids.iter().copied().collect();
    ids.chunks(CHUNK).map(<[i32]>::to_vec).collect()
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
