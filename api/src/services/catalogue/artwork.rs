//! Catalogue artwork served by Cadenza. A feed's `coverUrl` names a
//! picture on the partner's host, which a browser on the web app may not
//! load (its policy allows this origin only) and which no player should
//! have to reach. The artwork job fetches each album's picture once, with
//! a deadline and a size limit, keeps it as a blob, and makes JPEG
//! thumbnails next to it on first request, as for locker covers. A fetch
//! that fails is tried again later, waiting longer each time.
//!
//! The demo catalogue's `coverUrl`s are on `covers.cadenza.example` (a
//! reserved name that never resolves): for those the job draws the
//! artwork instead, from a hash of the album's title and artist, with no
//! network: distinct per album, the same on every machine.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use entities::album;
use image::{Rgb, RgbImage};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use sha2::{Digest, Sha256};

use super::public_hosts::{host_allowed, public_only};
use super::CatalogueVersion;
use crate::domain::AlbumId;
use crate::error::{ApiError, ApiResult};
use crate::services::media::cover::CoverImage;
use crate::services::media::cover::{self, etag, thumbnail_key, MAX_COVER_BYTES, THUMBNAIL_SIZES};
use crate::services::media::BlobStore;

/// The host of the demo catalogue's cover URLs: drawn, never fetched.
pub const DEMO_ARTWORK_HOST: &str = "covers.cadenza.example";

/// How long one fetch may take, connection to last byte.
pub const FETCH_DEADLINE: Duration = Duration::from_secs(10);

/// How often the job looks for albums without their artwork.
pub const EVERY: Duration = Duration::from_secs(10);

/// Redirects a fetch follows at most.
const MAX_REDIRECTS: usize = 3;

/// Albums one round handles at most (the next round goes on).
const ROUND_LIMIT: u64 = 200;

/// The first retry after a failure; each further failure doubles it, up
/// to a day.
const FIRST_RETRY: Duration = Duration::from_secs(60);
const LAST_RETRY: Duration = Duration::from_secs(24 * 60 * 60);

/// The edge drawn artwork is computed at, and the edge it is stored at
/// (the largest thumbnail): computed small and scaled up (soft shapes on a
/// gradient lose nothing), as the pixel loop is the costly part.
const DRAWN_SIDE: u32 = 120;
const STORED_SIDE: u32 = 600;

#[derive(Clone)]
pub struct Artwork {
    db: DatabaseConnection,
    blobs: BlobStore,
    http: Option<reqwest::Client>,
    catalogue_version: CatalogueVersion,
    private_hosts: bool,
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub stored: usize,
    pub failed: usize,
}

impl Artwork {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        catalogue_version: CatalogueVersion,
        private_hosts: bool,
    ) -> Self {
        let builder = reqwest::Client::builder()
            .timeout(FETCH_DEADLINE)
            .connect_timeout(Duration::from_secs(5))
            .user_agent("Cadenza artwork fetcher");
        let builder = if private_hosts {
            builder.redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        } else {
            public_only(builder, MAX_REDIRECTS)
        };
        // Building fails only when the TLS backend cannot start; then no
        // picture is fetched (each attempt says why), rather than one
        // fetched by a client without the guard.
        let http = builder
            .build()
            .inspect_err(
                |err| tracing::error!(error = %err, "the artwork fetcher could not be built"),
            )
            .ok();
        Self {
            db,
            blobs,
            http,
            catalogue_version,
            private_hosts,
        }
    }

    /// Fetches (or draws) the artwork of every album that needs it and may
    /// be tried now: a `coverUrl` with no artwork made from it yet, and no
    /// retry pending. A failure is the album's, not the round's.
    #[tracing::instrument(skip(self))]
    pub async fn round(&self) -> ApiResult<Round> {
        let now = Utc::now();
        let due = album::Entity::find()
            .filter(album::Column::CoverUrl.is_not_null())
            .filter(
                Condition::any()
                    .add(album::Column::ArtworkSource.is_null())
                    .add(
                        Expr::col(album::Column::ArtworkSource)
                            .ne(Expr::col(album::Column::CoverUrl)),
                    ),
            )
            .filter(
                Condition::any()
                    .add(album::Column::ArtworkRetryAt.is_null())
                    .add(album::Column::ArtworkRetryAt.lte(now)),
            )
            // Newest releases first: the store and the welcome lead with them.
            .order_by_desc(album::Column::ReleaseYear)
            .order_by_asc(album::Column::Id)
            .limit(ROUND_LIMIT)
            .all(&self.db)
            .await?;
        let mut round = Round::default();
        for row in due {
            let Some(url) = row.cover_url.clone() else {
                continue;
            };
            match self.picture(&row, &url).await {
                Ok(bytes) => {
                    self.keep(&row, &url, bytes).await?;
                    // Cached answers carry `coverUrl`: each picture shows as it comes.
                    self.catalogue_version.bump();
                    round.stored += 1;
                }
                Err(why) => {
                    self.postpone(&row, &why).await?;
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    /// The picture for `row`: drawn for the demo's host, else fetched.
    async fn picture(&self, row: &album::Model, url: &str) -> Result<Vec<u8>, String> {
        let parsed = reqwest::Url::parse(url).map_err(|err| format!("not a URL: {err}"))?;
        if parsed.host_str() == Some(DEMO_ARTWORK_HOST) {
            let title = row.title.clone();
            let seed = format!("{}\u{0}{}", row.title, row.artist_id);
            return tokio::task::spawn_blocking(move || draw(&seed, &title))
                .await
                .map_err(|err| format!("drawing failed: {err}"))?;
        }
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("only http and https URLs are fetched".into());
        }
        if !self.private_hosts && !host_allowed(&parsed) {
            return Err("the host is not a public address".into());
        }
        let bytes = self.fetch(parsed).await?;
        // Only a picture that decodes (JPEG or PNG, of a sane size) is kept.
        let checked = bytes.clone();
        let readable = tokio::task::spawn_blocking(move || cover::decodable(&checked))
            .await
            .map_err(|err| format!("checking the picture failed: {err}"))?;
        if readable.is_none() {
            return Err("not a JPEG or PNG picture Cadenza can read".into());
        }
        Ok(bytes)
    }

    /// The body at `url`, read to at most `MAX_COVER_BYTES` within the
    /// deadline the client carries.
    async fn fetch(&self, url: reqwest::Url) -> Result<Vec<u8>, String> {
        let http = self
            .http
            .as_ref()
            .ok_or("the server has no HTTP client to fetch with")?;
        let mut response = http
            .get(url)
            .send()
            .await
            .map_err(|err| format!("fetch failed: {err}"))?;
        if !response.status().is_success() {
            return Err(format!("the host answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > MAX_COVER_BYTES as u64)
        {
            return Err(format!("larger than {MAX_COVER_BYTES} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("reading failed: {err}"))?
        {
            if body.len() + chunk.len() > MAX_COVER_BYTES {
                return Err(format!("larger than {MAX_COVER_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Stores the picture as the album's artwork, replacing (and removing)
    /// any it had.
    /// Returns the key now stored (another's, when a request and the job
    /// made the same album's at once: the first one kept wins, the other's
    /// blob is removed).
    async fn keep(&self, row: &album::Model, url: &str, bytes: Vec<u8>) -> ApiResult<String> {
        let key = BlobStore::new_cover_key();
        self.blobs.put_bytes(&key, bytes).await?;
        let unchanged = match &row.artwork_key {
            Some(old) => album::Column::ArtworkKey.eq(old.clone()),
            None => album::Column::ArtworkKey.is_null(),
        };
        let updated = album::Entity::update_many()
            .col_expr(album::Column::ArtworkKey, Expr::value(key.clone()))
            .col_expr(album::Column::ArtworkSource, Expr::value(url.to_owned()))
            .col_expr(album::Column::ArtworkAttempts, Expr::value(0))
            .col_expr(
                album::Column::ArtworkRetryAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(album::Column::Id.eq(row.id))
            .filter(unchanged)
            .exec(&self.db)
            .await?;
        if updated.rows_affected == 0 {
            self.remove(&key).await;
            let now = album::Entity::find_by_id(row.id).one(&self.db).await?;
            return now.and_then(|row| row.artwork_key).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("an album's artwork vanished while stored"))
            });
        }
        if let Some(old) = &row.artwork_key {
            self.remove(old).await;
        }
        tracing::info!(album.id = row.id, "catalogue artwork stored");
        Ok(key)
    }

    /// Whether an album's artwork is drawn (the demo's), so it can be made
    /// on the first request for it rather than wait for the job.
    pub fn drawn(row: &album::Model) -> bool {
        row.cover_url
            .as_deref()
            .and_then(|url| reqwest::Url::parse(url).ok())
            .is_some_and(|url| url.host_str() == Some(DEMO_ARTWORK_HOST))
    }

    /// Notes a failure: the album is tried again later, waiting twice as
    /// long as the time before.
    async fn postpone(&self, row: &album::Model, why: &str) -> ApiResult<()> {
        let attempts = row.artwork_attempts.saturating_add(1);
        let wait = retry_after(attempts);
        tracing::warn!(album.id = row.id, attempts, retry_in_secs = wait.as_secs(), error = %why, "catalogue artwork not fetched; trying again later");
        let retry_at = Utc::now() + chrono::Duration::from_std(wait).map_err(ApiError::internal)?;
        album::Entity::update(album::ActiveModel {
            id: Set(row.id),
            artwork_attempts: Set(attempts),
            artwork_retry_at: Set(Some(retry_at)),
            ..Default::default()
        })
        .exec(&self.db)
        .await?;
        Ok(())
    }

    async fn remove(&self, key: &str) {
        let keys = std::iter::once(key.to_owned())
            .chain(THUMBNAIL_SIZES.map(|size| thumbnail_key(key, size)));
        for key in keys {
            if let Err(err) = self.blobs.delete(&key).await {
                tracing::error!(error = %format!("{err:?}"), "an artwork blob could not be removed");
            }
        }
    }

    /// The stored artwork's key, and the version a URL of it carries (a
    /// new picture is a new URL, so a browser may keep each for long).
    pub fn version_of(row: &album::Model) -> Option<String> {
        match row.artwork_key.as_deref() {
            Some(key) => Some(hex::encode(&Sha256::digest(key.as_bytes())[..6])),
            // Drawn on the first request if the job has not drawn it yet.
            None if Self::drawn(row) => Some("drawn".to_owned()),
            None => None,
        }
    }

    /// The ETag of an album's artwork at `size`, without reading it.
    pub async fn etag(&self, id: AlbumId, size: u32) -> ApiResult<Option<String>> {
        let row = album::Entity::find_by_id(id.0).one(&self.db).await?;
        Ok(row
            .and_then(|row| row.artwork_key)
            .map(|key| etag(&key, size)))
    }

    /// The album's artwork as a JPEG at most `size` pixels on a side: read
    /// back when made before, else made now and stored.
    pub async fn image(&self, id: AlbumId, size: u32) -> ApiResult<Option<CoverImage>> {
        let Some(row) = album::Entity::find_by_id(id.0).one(&self.db).await? else {
            return Ok(None);
        };
        let artwork_key = match (&row.artwork_key, &row.cover_url) {
            (Some(key), _) => key.clone(),
            (None, Some(url)) if Self::drawn(&row) => {
                let bytes = self.picture(&row, url).await.map_err(|why| {
                    ApiError::internal(anyhow::anyhow!("drawing artwork failed: {why}"))
                })?;
                let key = self.keep(&row, url, bytes).await?;
                self.catalogue_version.bump();
                key
            }
            _ => return Ok(None),
        };
        let etag = etag(&artwork_key, size);
        let key = thumbnail_key(&artwork_key, size);
        if let Some(bytes) = self.blobs.get_bytes(&key).await? {
            return Ok(Some(CoverImage { bytes, etag }));
        }
        let Some(original) = self.blobs.get_bytes(&artwork_key).await? else {
            return Ok(None);
        };
        let made = tokio::task::spawn_blocking(move || cover::thumbnail(&original, size))
            .await
            .map_err(ApiError::internal)?;
        let Some(thumbnail) = made else {
            tracing::warn!(album.id = id.0, "stored artwork no longer decodes");
            return Ok(None);
        };
        if let Err(err) = self.blobs.put_bytes(&key, thumbnail.clone()).await {
            // Not kept is no reason to refuse it: it is made again next time.
            tracing::warn!(album.id = id.0, error = %format!("{err:?}"), "an artwork thumbnail could not be stored");
        }
        Ok(Some(CoverImage {
            bytes: Bytes::from(thumbnail),
            etag,
        }))
    }
}

/// How long to wait after the `attempts`-th failure in a row.
fn retry_after(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LAST_RETRY)
}

/// Artwork drawn from `seed` (an album's title and artist): a two-colour
/// gradient at an angle and one of a few motifs (rings, bands, discs), all
/// chosen by a hash of the seed; encoded as a JPEG. `title` only labels
/// the error.
pub fn draw(seed: &str, title: &str) -> Result<Vec<u8>, String> {
    let hash = Sha256::digest(seed.as_bytes());
    let byte = |i: usize| f32::from(hash[i % hash.len()]);
    let hue = (byte(0) * 256.0 + byte(1)) % 360.0;
    let hue2 = (hue + 40.0 + byte(2) % 140.0) % 360.0;
    let from = hsl(
        hue,
        0.55 + byte(3) / 255.0 * 0.25,
        0.30 + byte(4) / 255.0 * 0.15,
    );
    let to = hsl(
        hue2,
        0.60 + byte(5) / 255.0 * 0.25,
        0.50 + byte(6) / 255.0 * 0.15,
    );
    let accent = hsl((hue + 180.0) % 360.0, 0.70, 0.70);
    let angle = byte(7) / 255.0 * std::f32::consts::TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    let motif = hash[8] % 3;
    let side = DRAWN_SIDE as f32;
    // Centres and sizes of the motif, in units of the side.
    let cx = 0.2 + byte(9) / 255.0 * 0.6;
    let cy = 0.2 + byte(10) / 255.0 * 0.6;
    let bands = 3.0 + f32::from(hash[11] % 6);
    let discs: Vec<(f32, f32, f32)> = (0..5)
        .map(|i| {
            (
                byte(12 + 3 * i) / 255.0,
                byte(13 + 3 * i) / 255.0,
                0.06 + byte(14 + 3 * i) / 255.0 * 0.18,
            )
        })
        .collect();
    let image = RgbImage::from_fn(DRAWN_SIDE, DRAWN_SIDE, |x, y| {
        let (u, v) = (x as f32 / side, y as f32 / side);
        let t =
            (((u - 0.5) * dx + (v - 0.5) * dy) / std::f32::consts::SQRT_2 + 0.5).clamp(0.0, 1.0);
        let mut colour = mix(from, to, t);
        let (alpha, over) = match motif {
            // Rings around a point: a record, a sun.
            0 => {
                let r = ((u - cx).powi(2) + (v - cy).powi(2)).sqrt();
                let ring = soft_band((r * 9.0).rem_euclid(1.0), 0.5, 9.0 / side);
                if r < 0.45 {
                    (0.35 * (1.0 - r / 0.45) * ring, accent)
                } else {
                    (0.0, accent)
                }
            }
            // Bands across, at the gradient's angle turned a quarter.
            1 => {
                let across = (u * dy - v * dx) * bands;
                (
                    0.24 * soft_band(across.rem_euclid(1.0), 0.35, bands / side),
                    [255.0, 255.0, 255.0],
                )
            }
            // Discs of the accent colour.
            _ => {
                let inside = discs
                    .iter()
                    .filter(|(px, py, r)| (u - px).powi(2) + (v - py).powi(2) < r * r)
                    .count();
                (0.38 * inside.min(2) as f32, accent)
            }
        };
        colour = mix(colour, over, alpha);
        // A soft vignette, so the title beside it reads as on a sleeve.
        let edge = ((u - 0.5).powi(2) + (v - 0.5).powi(2)).sqrt();
        let shade = 1.0 - (edge - 0.45).max(0.0) * 0.6;
        Rgb(colour.map(|c| (c * shade).round().clamp(0.0, 255.0) as u8))
    });
    let image = image::imageops::resize(
        &image,
        STORED_SIDE,
        STORED_SIDE,
        image::imageops::FilterType::CatmullRom,
    );
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88)
        .encode_image(&image)
        .map_err(|err| format!("encoding the artwork of “{title}” failed: {err}"))?;
    Ok(out)
}

/// How much of a band a point `f` (0 to 1 across one period) is in, for
/// a band from 0 to `width`: 1 inside, 0 outside, and a ramp about a pixel
/// wide (`pixel`, in periods) at each edge, so scaled-up edges stay smooth.
fn soft_band(f: f32, width: f32, pixel: f32) -> f32 {
    // Signed distance to the band's nearer edge: positive inside.
    let distance = if f <= width {
        f.min(width - f)
    } else {
        -(f - width).min(1.0 - f)
    };
    (distance / pixel + 0.5).clamp(0.0, 1.0)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// A colour from hue (degrees), saturation and lightness (0 to 1), as RGB 0 to 255.
fn hsl(hue: f32, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue / 60.0;
    let x = chroma * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_artwork_is_a_picture_of_its_own_per_album_and_the_same_each_time() {
        let first = draw("Confessions\u{0}1", "Confessions").unwrap();
        let again = draw("Confessions\u{0}1", "Confessions").unwrap();
        let other = draw("Dangerously in Love\u{0}2", "Dangerously in Love").unwrap();
        assert_eq!(first, again);
        assert_ne!(first, other);
        assert_eq!(cover::decodable(&first), Some("image/jpeg"));
        let thumbnail = cover::thumbnail(&first, 64).unwrap();
        assert!(!thumbnail.is_empty());
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_a_day() {
        assert_eq!(retry_after(1), Duration::from_secs(60));
        assert_eq!(retry_after(2), Duration::from_secs(120));
        assert_eq!(retry_after(3), Duration::from_secs(240));
        assert_eq!(retry_after(30), LAST_RETRY);
    }
}
