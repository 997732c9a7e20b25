//! Artists, albums, tracks, products and reviews as the API shows them:
//! thin wrappers over the stored rows, every relation loaded through the
//! request's DataLoader. They refer to each other as the schema does
//! (`Album.product`, `Product.album`), so they live together.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entities::{album, artist, product, review, track};

use super::products::{Money, ProductKindGql};
use crate::domain::{
    self, AlbumId, ArtistId, EntityId, Page, ProductId, ProductKind, ReviewId, TrackId,
};
use crate::graphql::connection::list_complexity;
use crate::graphql::connection::{paged_slice, Paged};
use crate::graphql::error::dangling;
use crate::graphql::ids::id_of;
use crate::graphql::loaders;
use crate::graphql::loaders::*;
use crate::graphql::scalars::DateTime;
use crate::services::catalogue;
use crate::services::catalogue::artwork::Artwork;
use crate::services::locker::checked_size;

pub struct Artist(pub artist::Model);

#[Object]
impl Artist {
    pub async fn id(&self) -> ID {
        id_of(ArtistId(self.0.id))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn genres(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(loaders(ctx)?
            .load_one(GenresOfArtist(self.0.id))
            .await?
            .unwrap_or_default())
    }

    /// Newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn albums(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<Album>> {
        let page = Page::parse(first, after.as_deref())?;
        let albums = loaders(ctx)?
            .load_one(AlbumsOfArtist(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(paged_slice(&albums, page, Album))
    }

    /// The artist's most played and bought tracks (default 10).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn top_tracks(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<Track>> {
        let first = Page::first(first, 10)?;
        let mut tracks = loaders(ctx)?
            .load_one(TopTracksOfArtist(self.0.id))
            .await?
            .unwrap_or_default();
        tracks.truncate(first);
        Ok(tracks.into_iter().map(Track).collect())
    }

    /// Artists that enough listeners share with this one (never fewer than
    /// the k-anonymity threshold), then artists of the same genres (default 10).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn similar_artists(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<Artist>> {
        let first = Page::first(first, 10)?;
        let loaders = loaders(ctx)?;
        let mut ids = loaders
            .load_one(SimilarArtists(self.0.id))
            .await?
            .unwrap_or_default();
        ids.truncate(first);
        load_in_order(loaders, ids, ArtistById, Artist).await
    }
}

pub struct Album(pub album::Model);

#[Object]
impl Album {
    pub async fn id(&self) -> ID {
        id_of(AlbumId(self.0.id))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn artist(&self, ctx: &Context<'_>) -> Result<Artist> {
        let artist = loaders(ctx)?.load_one(ArtistById(self.0.artist_id)).await?;
        artist
            .map(Artist)
            .ok_or_else(|| dangling("album", "artist"))
    }

    async fn release_year(&self) -> Option<i32> {
        self.0.release_year
    }

    async fn genre(&self) -> Option<&str> {
        self.0.genre.as_deref()
    }

    /// The album's artwork as Cadenza serves it (`/artwork/<id>`, a JPEG
    /// at most `size` pixels on a side: 64, 300 or 600, else
    /// BAD_USER_INPUT), fetched in the background from the feed's picture
    /// URL; null until it has been. Public and the same for everyone; a
    /// new picture gets a new URL.
    async fn cover_url(
        &self,
        #[graphql(default = 300)] size: Option<i32>,
    ) -> Result<Option<String>> {
        let size = checked_size(size.unwrap_or(300))?;
        Ok(Artwork::version_of(&self.0).map(|version| {
            format!(
                "/artwork/{}?size={size}&v={version}",
                AlbumId(self.0.id).global().encode()
            )
        }))
    }

    /// In disc and track order.
    #[graphql(complexity = "list_complexity(None, child_complexity)")]
    async fn tracks(&self, ctx: &Context<'_>) -> Result<Vec<Track>> {
        let tracks = loaders(ctx)?
            .load_one(TracksOfAlbum(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(tracks.into_iter().map(Track).collect())
    }

    /// The sum of the tracks' durations.
    async fn duration_ms(&self, ctx: &Context<'_>) -> Result<i32> {
        let tracks = loaders(ctx)?
            .load_one(TracksOfAlbum(self.0.id))
            .await?
            .unwrap_or_default();
        let total: i64 = tracks
            .iter()
            .map(|track| i64::from(track.duration_ms))
            .sum();
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }

    /// The product that sells the whole album, if it is for sale.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        Ok(loaders(ctx)?
            .load_one(ProductOfAlbum(self.0.id))
            .await?
            .map(Product))
    }
}

pub struct Track(pub track::Model);

impl Track {
    async fn load_album(&self, ctx: &Context<'_>) -> Result<album::Model> {
        loaders(ctx)?
            .load_one(AlbumById(self.0.album_id))
            .await?
            .ok_or_else(|| dangling("track", "album"))
    }
}

#[Object]
impl Track {
    pub async fn id(&self) -> ID {
        id_of(TrackId(self.0.id))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The album's artist.
    async fn artist(&self, ctx: &Context<'_>) -> Result<Artist> {
        let album = self.load_album(ctx).await?;
        Album(album).artist(ctx).await
    }

    async fn album(&self, ctx: &Context<'_>) -> Result<Album> {
        Ok(Album(self.load_album(ctx).await?))
    }

    async fn track_number(&self) -> Option<i32> {
        self.0.track_number
    }

    async fn disc_number(&self) -> Option<i32> {
        self.0.disc_number
    }

    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }

    /// The track's own genre, or its album's.
    async fn genre(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if let Some(genre) = &self.0.genre {
            return Ok(Some(genre.clone()));
        }
        Ok(self.load_album(ctx).await?.genre)
    }

    async fn isrc(&self) -> Option<&str> {
        self.0.isrc.as_deref()
    }

    /// Whether master audio is attached, so buyers receive the track.
    async fn has_master_audio(&self) -> bool {
        self.0.master_blob_id.is_some()
    }

    /// 30 seconds of the master audio, for anyone to hear before buying:
    /// a signed URL (like `streamUrl`, valid an hour or a little more) of
    /// a plain GET. It starts where the feed's `previewStartMs` says, else
    /// a third of the way in. WAV and AIFF masters are cut exactly, MP3,
    /// AAC (ADTS) and FLAC on frame boundaries; null without master audio,
    /// or when the master is Ogg (Vorbis, Opus, FLAC in Ogg) or MP4 (not
    /// cut: see docs/catalogue-feed.md).
    async fn preview_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if !catalogue::previews::has_preview(&self.0) {
            return Ok(None);
        }
        Ok(Some(
            crate::graphql::services(ctx)?
                .stream_urls
                .preview_url(TrackId(self.0.id)),
        ))
    }

    /// The product that sells this track on its own, if it is for sale.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        Ok(loaders(ctx)?
            .load_one(ProductOfTrack(self.0.id))
            .await?
            .map(Product))
    }

    /// What listeners of this track went on to buy, never what the viewer owns.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn recommended_products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Vec<Product>> {
        let first = Page::first(first, 10)?;
        let loaders = loaders(ctx)?;
        let candidates = loaders
            .load_one(BoughtByListenersOf(self.0.id))
            .await?
            .unwrap_or_default();
        not_owned_available(loaders, candidates, first).await
    }
}

#[derive(SimpleObject)]
pub struct Genre {
    pub name: String,
    pub artist_count: i32,
    pub album_count: i32,
}

impl From<catalogue::GenreStats> for Genre {
    fn from(stats: catalogue::GenreStats) -> Self {
        Self {
            name: stats.name,
            artist_count: i32::try_from(stats.artist_count).unwrap_or(i32::MAX),
            album_count: i32::try_from(stats.album_count).unwrap_or(i32::MAX),
        }
    }
}

/// Loads rows by id, keeping the order of `ids` and skipping missing ones.
async fn load_in_order<K, M, N>(
    loaders: &Loaders,
    ids: Vec<i32>,
    key: impl Fn(i32) -> K,
    node: impl Fn(M) -> N,
) -> Result<Vec<N>>
where
    K: Copy + Send + Sync + std::hash::Hash + Eq + 'static,
    M: Clone + Send + Sync + 'static,
    RequestLoader: async_graphql::dataloader::Loader<K, Value = M, Error = async_graphql::Error>,
{
    let keys: Vec<K> = ids.iter().map(|id| key(*id)).collect();
    let mut found = loaders.load_many(keys.iter().copied()).await?;
    Ok(keys
        .iter()
        .filter_map(|key| found.remove(key))
        .map(node)
        .collect())
}

pub struct Product(pub product::Model);

#[Object]
impl Product {
    pub async fn id(&self) -> ID {
        id_of(ProductId(self.0.id))
    }

    async fn sku(&self) -> &str {
        &self.0.sku
    }

    /// The title of the track or album it sells.
    async fn title(&self, ctx: &Context<'_>) -> Result<String> {
        let loaders = loaders(ctx)?;
        match self.0.track_id {
            Some(track_id) => Ok(loaders
                .load_one(TrackById(track_id))
                .await?
                .ok_or_else(|| dangling("product", "track"))?
                .title),
            None => Ok(loaders
                .load_one(AlbumById(self.0.album_id))
                .await?
                .ok_or_else(|| dangling("product", "album"))?
                .title),
        }
    }

    async fn kind(&self) -> ProductKindGql {
        match ProductKind::of_row(&self.0.kind) {
            ProductKind::Track => ProductKindGql::Track,
            ProductKind::Album => ProductKindGql::Album,
        }
    }

    async fn price(&self) -> Result<Money> {
        let currency = domain::Currency::of_row(&self.0.currency)?;
        Ok(Money(domain::Money::new(self.0.price_minor, currency)))
    }

    async fn audio_format(&self) -> &str {
        &self.0.audio_format
    }

    /// The track sold, for a TRACK product.
    async fn track(&self, ctx: &Context<'_>) -> Result<Option<Track>> {
        let Some(track_id) = self.0.track_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(TrackById(track_id))
            .await?
            .map(Track))
    }

    /// The album sold, for an ALBUM product; for a TRACK product, the track's album.
    async fn album(&self, ctx: &Context<'_>) -> Result<Option<Album>> {
        Ok(loaders(ctx)?
            .load_one(AlbumById(self.0.album_id))
            .await?
            .map(Album))
    }

    async fn available(&self) -> bool {
        self.0.available
    }

    async fn average_rating(&self) -> Option<f64> {
        (self.0.rating_count > 0)
            .then(|| f64::from(self.0.rating_sum) / f64::from(self.0.rating_count))
    }

    async fn review_count(&self) -> i32 {
        self.0.rating_count
    }

    /// Newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<Review>> {
        let page = Page::parse(first, after.as_deref())?;
        let reviews = loaders(ctx)?
            .load_one(ReviewsOfProduct(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(paged_slice(&reviews, page, Review))
    }

    /// False for anonymous callers.
    async fn owned_by_viewer(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(loaders(ctx)?
            .load_one(OwnedByViewer(self.0.id))
            .await?
            .unwrap_or(false))
    }

    /// Customers who bought or played this also bought these.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn also_bought(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<Product>> {
        let first = Page::first(first, 10)?;
        let loaders = loaders(ctx)?;
        let candidates = loaders
            .load_one(AlsoBought(self.0.id))
            .await?
            .unwrap_or_default();
        not_owned_available(loaders, candidates, first).await
    }
}

pub struct Review(pub review::Model);

#[Object]
impl Review {
    pub async fn id(&self) -> ID {
        id_of(ReviewId(self.0.id))
    }

    async fn product(&self, ctx: &Context<'_>) -> Result<Product> {
        loaders(ctx)?
            .load_one(ProductById(self.0.product_id))
            .await?
            .map(Product)
            .ok_or_else(|| dangling("review", "product"))
    }

    async fn author_name(&self) -> &str {
        &self.0.author_name
    }

    async fn rating(&self) -> i32 {
        self.0.rating.into()
    }

    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// The author owns the product.
    async fn verified_purchase(&self) -> bool {
        self.0.verified_purchase
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// Of the candidate products, in order, the first `first` that are for sale
/// and that the viewer does not own yet.
async fn not_owned_available(
    loaders: &Loaders,
    candidates: Vec<i32>,
    first: usize,
) -> Result<Vec<Product>> {
    let owned = loaders
        .load_many(candidates.iter().map(|id| OwnedByViewer(*id)))
        .await?;
    let wanted: Vec<i32> = candidates
        .into_iter()
        .filter(|id| !owned.get(&OwnedByViewer(*id)).copied().unwrap_or(false))
        .collect();
    let products = load_in_order(loaders, wanted, ProductById, Product).await?;
    Ok(products
        .into_iter()
        .filter(|product| product.0.available)
        .take(first)
        .collect())
}
