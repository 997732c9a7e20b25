//! The documents of a batch of changes: the rows loaded from the tables
//! and turned into what the index holds, with everything that shows their
//! text (an artist's name is in its albums, tracks and products).

use std::collections::{BTreeSet, HashMap};

use cadenza_search::{Document, Kind};
use entities::{album, artist, artist_genre, locker_item, product, track};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select,
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
            ids.albums
                .extend(ids_where(db, album::Column::Id, album::Column::ArtistId, &chunk).await?);
        }
        for chunk in chunks(&ids.albums) {
            let tracks = ids_where(db, track::Column::Id, track::Column::AlbumId, &chunk);
            ids.tracks.extend(tracks.await?);
            let products = ids_where(db, product::Column::Id, product::Column::AlbumId, &chunk);
            ids.products.extend(products.await?);
        }
        for chunk in chunks(&ids.tracks) {
            let products = ids_where(db, product::Column::Id, product::Column::TrackId, &chunk);
            ids.products.extend(products.await?);
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
        for chunk in chunks(&ids.artists) {
            let docs = artist_docs(db, &chunk).await?;
            batch.found(Kind::Artist, &chunk, docs);
        }
        for chunk in chunks(&ids.albums) {
            let docs = album_docs(db, &mut names, &chunk).await?;
            batch.found(Kind::Album, &chunk, docs);
        }
        for chunk in chunks(&ids.tracks) {
            let docs = track_docs(db, &mut names, &chunk).await?;
            batch.found(Kind::Track, &chunk, docs);
        }
        for chunk in chunks(&ids.products) {
            let docs = product_docs(db, &mut names, &chunk).await?;
            batch.found(Kind::Product, &chunk, docs);
        }
        for chunk in chunks(&ids.locker_items) {
            let docs = locker_item_docs(db, &chunk).await?;
            batch.found(Kind::LockerItem, &chunk, docs);
        }
        batch.erased_owners = ids.erased_users.iter().map(|&id| i64::from(id)).collect();
        Ok(batch)
    }

    /// Upserts the documents found and removes the ids not found.
    fn found(&mut self, kind: Kind, asked: &[i32], docs: Vec<Document>) {
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
}

/// The documents of the artists with these ids.
async fn artist_docs(db: &DatabaseConnection, ids: &[i32]) -> Result<Vec<Document>, DbErr> {
    let rows = with_ids(db, artist::Entity::find(), artist::Column::Id, ids).await?;
    let mut genres: HashMap<i32, String> = HashMap::new();
    for genre in artist_genre::Entity::find()
        .filter(artist_genre::Column::ArtistId.is_in(ids.iter().copied()))
        .order_by_asc(artist_genre::Column::Genre)
        .all(db)
        .await?
    {
        genres.entry(genre.artist_id).or_insert(genre.genre);
    }
    Ok(rows
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
        .collect())
}

/// The documents of the albums with these ids.
async fn album_docs(
    db: &DatabaseConnection,
    names: &mut Names,
    ids: &[i32],
) -> Result<Vec<Document>, DbErr> {
    let rows = with_ids(db, album::Entity::find(), album::Column::Id, ids).await?;
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
        .filter(track::Column::AlbumId.is_in(ids.iter().copied()))
        .group_by(track::Column::AlbumId)
        .into_model::<Plays>()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.album_id, p.popularity.unwrap_or(0)))
        .collect();
    Ok(rows
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
        .collect())
}

/// The documents of the tracks with these ids.
async fn track_docs(
    db: &DatabaseConnection,
    names: &mut Names,
    ids: &[i32],
) -> Result<Vec<Document>, DbErr> {
    let rows = with_ids(db, track::Entity::find(), track::Column::Id, ids).await?;
    names
        .load_albums(db, rows.iter().map(|track| track.album_id))
        .await?;
    Ok(rows
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
        .collect())
}

/// The documents of the products with these ids that are for sale.
async fn product_docs(
    db: &DatabaseConnection,
    names: &mut Names,
    ids: &[i32],
) -> Result<Vec<Document>, DbErr> {
    // Products no longer for sale are not found.
    let for_sale = product::Entity::find().filter(product::Column::Available.eq(true));
    let rows = with_ids(db, for_sale, product::Column::Id, ids).await?;
    names
        .load_albums(db, rows.iter().map(|product| product.album_id))
        .await?;
    let track_ids: Vec<i32> = rows.iter().filter_map(|p| p.track_id).collect();
    let track_titles: HashMap<i32, String> =
        texts(db, track::Column::Id, track::Column::Title, &track_ids)
            .await?
            .into_iter()
            .collect();
    Ok(rows
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
        .collect())
}

/// The documents of the locker items with these ids.
async fn locker_item_docs(db: &DatabaseConnection, ids: &[i32]) -> Result<Vec<Document>, DbErr> {
    let rows = with_ids(
        db,
        locker_item::Entity::find(),
        locker_item::Column::Id,
        ids,
    )
    .await?;
    Ok(rows
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
        .collect())
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
            let names = texts(db, artist::Column::Id, artist::Column::Name, &chunk);
            self.artists.extend(names.await?);
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
            let albums = with_ids(db, album::Entity::find(), album::Column::Id, &chunk).await?;
            self.load_artists(db, albums.iter().map(|album| album.artist_id))
                .await?;
            self.albums
                .extend(albums.into_iter().map(|album| (album.id, album)));
        }
        Ok(())
    }
}

/// The rows of `select` whose `id` is one of `ids`.
async fn with_ids<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    ids: &[i32],
) -> Result<Vec<E::Model>, DbErr> {
    select.filter(id.is_in(ids.iter().copied())).all(db).await
}

/// The ids of the rows of `id`'s table whose column `of` is one of `ids`:
/// the albums of some artists, the tracks of some albums.
async fn ids_where<C: ColumnTrait>(
    db: &DatabaseConnection,
    id: C,
    of: C,
    ids: &[i32],
) -> Result<Vec<i32>, DbErr>
where
    C::EntityName: EntityTrait,
{
    C::EntityName::find()
        .select_only()
        .column(id)
        .filter(of.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// Each row of `id`'s table whose `id` is one of `ids`, with its `text`
/// column (an artist's name, a track's title).
async fn texts<C: ColumnTrait>(
    db: &DatabaseConnection,
    id: C,
    text: C,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, DbErr>
where
    C::EntityName: EntityTrait,
{
    C::EntityName::find()
        .select_only()
        .column(id)
        .column(text)
        .filter(id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

fn chunks(ids: &BTreeSet<i32>) -> Vec<Vec<i32>> {
    let ids: Vec<i32> = ids.iter().copied().collect();
    ids.chunks(CHUNK).map(<[i32]>::to_vec).collect()
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
