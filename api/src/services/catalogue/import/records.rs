//! Applying one feed record: an artist, album, track or product upserted
//! by the partner's id (products by SKU), or the line rejected with why.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entities::{album, artist, artist_genre, product, track};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::Value;

use super::fields::{clip, Fields, Reject};
use super::ImportReport;
use crate::domain::{Currency, ProductKind};
use crate::error::ApiResult;
use crate::services::catalogue::{announce, matching};
use crate::services::search::Change;

type LineOutcome = Result<(), Reject>;

struct AlbumRef {
    id: i32,
}

struct TrackRef {
    id: i32,
    album_id: i32,
}

pub(super) struct ImportRun<'a> {
    txn: &'a DatabaseTransaction,
    now: DateTime<Utc>,
    pub(super) report: ImportReport,
    /// Partner id to row id, for records seen in this run or looked up.
    artists: HashMap<String, i32>,
    albums: HashMap<String, AlbumRef>,
    tracks: HashMap<String, TrackRef>,
    /// What search must re-index once the import commits.
    pub(super) changes: Vec<Change>,
    /// Whether partners listen for `product.updated`; if not, nothing
    /// below is gathered.
    announce: bool,
    /// Products whose public fields (title included) this run changed.
    pub(super) updated_products: BTreeSet<i32>,
}

impl<'a> ImportRun<'a> {
    pub(super) fn new(txn: &'a DatabaseTransaction, now: DateTime<Utc>, announce: bool) -> Self {
        Self {
            announce,
            updated_products: BTreeSet::new(),
            txn,
            now,
            report: ImportReport::default(),
            artists: HashMap::new(),
            albums: HashMap::new(),
            tracks: HashMap::new(),
            changes: Vec::new(),
        }
    }

    /// Applies one line. `Ok(Err(..))` rejects the line; `Err(..)` is a
    /// failure of ours that aborts the import.
    pub(super) async fn apply(&mut self, text: &str) -> ApiResult<LineOutcome> {
        let record = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(record)) => record,
            Ok(_) => return Ok(Err(Reject("line is not a JSON object".into()))),
            Err(err) => return Ok(Err(Reject(format!("line is not valid JSON: {err}")))),
        };
        let fields = Fields(&record);
        let kind = match fields.required_str("type") {
            Ok(kind) => kind,
            Err(reject) => return Ok(Err(reject)),
        };
        match kind {
            "artist" => self.artist(fields).await,
            "album" => self.album(fields).await,
            "track" => self.track(fields).await,
            "product" => self.product(fields).await,
            other => Ok(Err(Reject(format!(
                "unknown type `{}`: expected artist, album, track or product",
                clip(other)
            )))),
        }
    }

    async fn artist(&mut self, fields: Fields<'_>) -> ApiResult<LineOutcome> {
        let parsed = attempt(|| {
            let id = fields.partner_id("id")?;
            let name = fields.text("name", 500)?;
            let genres = fields.genres("genres")?;
            Ok((id, name, genres))
        });
        let (external_id, name, genres) = match parsed {
            Ok(parsed) => parsed,
            Err(reject) => return Ok(Err(reject)),
        };
        let row = artist::Entity::insert(artist::ActiveModel {
            external_id: Set(external_id.to_owned()),
            name: Set(name.to_owned()),
            popularity: Set(0),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(artist::Column::ExternalId)
                .update_columns([artist::Column::Name, artist::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_with_returning(self.txn)
        .await?;
        artist_genre::Entity::delete_many()
            .filter(artist_genre::Column::ArtistId.eq(row.id))
            .exec(self.txn)
            .await?;
        if !genres.is_empty() {
            artist_genre::Entity::insert_many(genres.into_iter().map(|genre| {
                artist_genre::ActiveModel {
                    artist_id: Set(row.id),
                    genre: Set(genre),
                }
            }))
            .exec(self.txn)
            .await?;
        }
        self.artists.insert(external_id.to_owned(), row.id);
        self.changes.push(Change::Artist(row.id));
        self.report.artists_upserted += 1;
        Ok(Ok(()))
    }

    async fn album(&mut self, fields: Fields<'_>) -> ApiResult<LineOutcome> {
        let parsed = attempt(|| {
            Ok((
                fields.partner_id("id")?,
                fields.partner_id("artist")?,
                fields.text("title", 500)?,
                fields.optional_int("year", 1000, 2100)?,
                fields.optional_text("genre", 100)?,
                fields.optional_url("coverUrl")?,
            ))
        });
        let (external_id, artist_ref, title, year, genre, cover_url) = match parsed {
            Ok(parsed) => parsed,
            Err(reject) => return Ok(Err(reject)),
        };
        let Some(artist_id) = self.artist_id(artist_ref).await? else {
            return Ok(Err(Reject(format!(
                "unknown artist `{}`",
                clip(artist_ref)
            ))));
        };
        let title_before = if self.announce {
            album::Entity::find()
                .filter(album::Column::ExternalId.eq(external_id))
                .one(self.txn)
                .await?
                .map(|before| before.title)
        } else {
            None
        };
        let row = album::Entity::insert(album::ActiveModel {
            external_id: Set(external_id.to_owned()),
            artist_id: Set(artist_id),
            title: Set(title.to_owned()),
            release_year: Set(year),
            genre: Set(genre.map(str::to_owned)),
            cover_url: Set(cover_url.map(str::to_owned)),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(album::Column::ExternalId)
                .update_columns([
                    album::Column::ArtistId,
                    album::Column::Title,
                    album::Column::ReleaseYear,
                    album::Column::Genre,
                    album::Column::CoverUrl,
                    album::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(self.txn)
        .await?;
        if title_before.is_some_and(|before| before != row.title) {
            // An album product's title is its album's.
            self.titles_changed(
                product::Column::AlbumId
                    .eq(row.id)
                    .and(product::Column::TrackId.is_null()),
            )
            .await?;
        }
        self.albums
            .insert(external_id.to_owned(), AlbumRef { id: row.id });
        self.changes.push(Change::Album(row.id));
        self.report.albums_upserted += 1;
        Ok(Ok(()))
    }

    async fn track(&mut self, fields: Fields<'_>) -> ApiResult<LineOutcome> {
        let parsed = attempt(|| {
            Ok((
                fields.partner_id("id")?,
                fields.partner_id("album")?,
                fields.text("title", 500)?,
                fields.required_int("durationMs", 1, 24 * 60 * 60 * 1000)?,
                fields.optional_int("trackNumber", 1, 9999)?,
                fields.optional_int("discNumber", 1, 999)?,
                fields.optional_isrc("isrc")?,
                fields.optional_text("genre", 100)?,
                fields.optional_int("previewStartMs", 0, 24 * 60 * 60 * 1000)?,
            ))
        });
        let (
            external_id,
            album_ref,
            title,
            duration_ms,
            track_number,
            disc_number,
            isrc,
            genre,
            preview_start_ms,
        ) = match parsed {
            Ok(parsed) => parsed,
            Err(reject) => return Ok(Err(reject)),
        };
        if preview_start_ms.is_some_and(|start| start >= duration_ms) {
            return Ok(Err(Reject(
                "`previewStartMs` must be within the track (less than `durationMs`)".into(),
            )));
        }
        let Some(album_id) = self.album_id(album_ref).await? else {
            return Ok(Err(Reject(format!("unknown album `{}`", clip(album_ref)))));
        };
        let title_before = if self.announce {
            track::Entity::find()
                .filter(track::Column::ExternalId.eq(external_id))
                .one(self.txn)
                .await?
                .map(|before| before.title)
        } else {
            None
        };
        let row = track::Entity::insert(track::ActiveModel {
            external_id: Set(external_id.to_owned()),
            album_id: Set(album_id),
            title: Set(title.to_owned()),
            title_key: Set(Some(matching::title_key(title))),
            track_number: Set(track_number),
            disc_number: Set(disc_number),
            duration_ms: Set(duration_ms),
            genre: Set(genre.map(str::to_owned)),
            isrc: Set(isrc),
            preview_start_ms: Set(preview_start_ms),
            popularity: Set(0),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(track::Column::ExternalId)
                .update_columns([
                    track::Column::AlbumId,
                    track::Column::Title,
                    track::Column::TitleKey,
                    track::Column::TrackNumber,
                    track::Column::DiscNumber,
                    track::Column::DurationMs,
                    track::Column::Genre,
                    track::Column::Isrc,
                    track::Column::PreviewStartMs,
                    track::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(self.txn)
        .await?;
        if title_before.is_some_and(|before| before != row.title) {
            self.titles_changed(product::Column::TrackId.eq(row.id))
                .await?;
        }
        self.tracks.insert(
            external_id.to_owned(),
            TrackRef {
                id: row.id,
                album_id,
            },
        );
        self.changes.push(Change::Track(row.id));
        self.report.tracks_upserted += 1;
        Ok(Ok(()))
    }

    async fn product(&mut self, fields: Fields<'_>) -> ApiResult<LineOutcome> {
        let parsed = attempt(|| {
            let sku = fields.partner_id("sku")?;
            if sku.chars().count() > 100 {
                return Err(Reject("`sku` must be at most 100 characters".into()));
            }
            let kind = fields.required_str("kind")?;
            let kind = ProductKind::parse(kind).ok_or_else(|| {
                Reject(format!(
                    "`kind` must be TRACK or ALBUM, not `{}`",
                    clip(kind)
                ))
            })?;
            let reference = fields.partner_id("ref")?;
            let price_minor = fields.required_i64("priceMinor", 0, i64::from(i32::MAX))?;
            let currency = fields.required_str("currency")?;
            if Currency::parse(currency).is_none() {
                return Err(Reject(format!(
                    "`currency` must be an ISO 4217 code such as USD, not `{}`",
                    clip(currency)
                )));
            }
            let audio_format = fields.optional_text("audioFormat", 100)?.unwrap_or("MP3");
            let available = fields.optional_bool("available")?.unwrap_or(true);
            Ok((
                sku,
                kind,
                reference,
                price_minor,
                currency,
                audio_format,
                available,
            ))
        });
        let (sku, kind, reference, price_minor, currency, audio_format, available) = match parsed {
            Ok(parsed) => parsed,
            Err(reject) => return Ok(Err(reject)),
        };
        let (album_id, track_id) = match kind {
            ProductKind::Album => match self.album_id(reference).await? {
                Some(album_id) => (album_id, None),
                None => return Ok(Err(Reject(format!("unknown album `{}`", clip(reference))))),
            },
            ProductKind::Track => match self.track_ref(reference).await? {
                Some(track) => (track.album_id, Some(track.id)),
                None => return Ok(Err(Reject(format!("unknown track `{}`", clip(reference))))),
            },
        };
        let before = if self.announce {
            product::Entity::find()
                .filter(product::Column::Sku.eq(sku))
                .one(self.txn)
                .await?
                .map(|before| announce::public_fields(&before))
        } else {
            None
        };
        let row = product::Entity::insert(product::ActiveModel {
            sku: Set(sku.to_owned()),
            kind: Set(kind.as_str().to_owned()),
            album_id: Set(album_id),
            track_id: Set(track_id),
            price_minor: Set(price_minor),
            currency: Set(currency.to_owned()),
            audio_format: Set(audio_format.to_owned()),
            available: Set(available),
            sales_count: Set(0),
            rating_count: Set(0),
            rating_sum: Set(0),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(product::Column::Sku)
                .update_columns([
                    product::Column::Kind,
                    product::Column::AlbumId,
                    product::Column::TrackId,
                    product::Column::PriceMinor,
                    product::Column::Currency,
                    product::Column::AudioFormat,
                    product::Column::Available,
                    product::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(self.txn)
        .await?;
        if self.announce && before.is_none_or(|before| before != announce::public_fields(&row)) {
            self.updated_products.insert(row.id);
        }
        self.changes.push(Change::Product(row.id));
        self.report.products_upserted += 1;
        Ok(Ok(()))
    }

    async fn artist_id(&mut self, external_id: &str) -> ApiResult<Option<i32>> {
        if let Some(id) = self.artists.get(external_id) {
            return Ok(Some(*id));
        }
        let found = artist::Entity::find()
            .filter(artist::Column::ExternalId.eq(external_id))
            .one(self.txn)
            .await?;
        Ok(found.map(|row| {
            self.artists.insert(external_id.to_owned(), row.id);
            row.id
        }))
    }

    async fn album_id(&mut self, external_id: &str) -> ApiResult<Option<i32>> {
        if let Some(album) = self.albums.get(external_id) {
            return Ok(Some(album.id));
        }
        let found = album::Entity::find()
            .filter(album::Column::ExternalId.eq(external_id))
            .one(self.txn)
            .await?;
        Ok(found.map(|row| {
            self.albums
                .insert(external_id.to_owned(), AlbumRef { id: row.id });
            row.id
        }))
    }

    async fn track_ref(&mut self, external_id: &str) -> ApiResult<Option<&TrackRef>> {
        if !self.tracks.contains_key(external_id) {
            let found = track::Entity::find()
                .filter(track::Column::ExternalId.eq(external_id))
                .one(self.txn)
                .await?;
            match found {
                Some(row) => {
                    self.tracks.insert(
                        external_id.to_owned(),
                        TrackRef {
                            id: row.id,
                            album_id: row.album_id,
                        },
                    );
                }
                None => return Ok(None),
            }
        }
        Ok(self.tracks.get(external_id))
    }
}

impl ImportRun<'_> {
    /// Notes the products matching `which` as changed: their title is
    /// their album's or track's, which this run renamed.
    async fn titles_changed(&mut self, which: sea_orm::sea_query::SimpleExpr) -> ApiResult<()> {
        let ids: Vec<i32> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .filter(which)
            .into_tuple()
            .all(self.txn)
            .await?;
        self.updated_products.extend(ids);
        Ok(())
    }
}

/// Runs a parse that may reject, giving `?` a known error type.
fn attempt<T>(parse: impl FnOnce() -> Result<T, Reject>) -> Result<T, Reject> {
    parse()
}
