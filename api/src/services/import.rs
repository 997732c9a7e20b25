//! The partner catalogue feed (shared/catalogue-feed.md): JSON Lines, upserted
//! by the partner's own ids, bad lines rejected with their number and reason.
//!
//! The feed is read a line at a time, so a feed of any length imports in
//! bounded memory (what is kept per record is its id mapping, a few dozen
//! bytes). The whole import is one transaction: a failure of our own leaves
//! nothing half-imported, while a bad line only rejects that line.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{album, artist, artist_genre, product, track};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};
use serde_json::{Map, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::catalogue::ProductKind;
use super::search::{Change, Feed};
use super::{money, CatalogueVersion};
use crate::error::{ApiError, ApiResult};

/// Longest line accepted; longer ones are rejected without being buffered.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub artists_upserted: u64,
    pub albums_upserted: u64,
    pub tracks_upserted: u64,
    pub products_upserted: u64,
    pub rejected: Vec<Rejection>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub message: String,
}

#[derive(Clone)]
pub struct Importer {
    db: DatabaseConnection,
    catalogue_version: CatalogueVersion,
    search: Feed,
}

impl Importer {
    pub fn new(db: DatabaseConnection, catalogue_version: CatalogueVersion, search: Feed) -> Self {
        Self {
            db,
            catalogue_version,
            search,
        }
    }

    pub async fn import(&self, mut feed: impl AsyncBufRead + Unpin) -> ApiResult<ImportReport> {
        let txn = crate::db::begin_write(&self.db).await?;
        let mut run = ImportRun {
            txn: &txn,
            now: Utc::now(),
            report: ImportReport::default(),
            artists: HashMap::new(),
            albums: HashMap::new(),
            tracks: HashMap::new(),
            changes: Vec::new(),
        };
        let mut buf = Vec::with_capacity(1024);
        let mut line_number = 0u64;
        loop {
            buf.clear();
            let read = read_line(&mut feed, &mut buf).await.map_err(|err| {
                ApiError::bad_input(format!(
                    "the feed could not be read after line {line_number}: {err}"
                ))
            })?;
            let too_long = match read {
                LineRead::Eof => break,
                LineRead::Line => false,
                LineRead::TooLong => true,
            };
            line_number += 1;
            let outcome = if too_long {
                Err(Reject(format!(
                    "line is longer than {MAX_LINE_BYTES} bytes"
                )))
            } else {
                match std::str::from_utf8(&buf) {
                    Err(_) => Err(Reject("line is not valid UTF-8".into())),
                    Ok(text) if text.trim().is_empty() => continue,
                    Ok(text) => run.apply(text).await?,
                }
            };
            if let Err(Reject(message)) = outcome {
                run.report.rejected.push(Rejection {
                    line: line_number,
                    message,
                });
            }
        }
        let report = run.report;
        self.search.record(&txn, run.changes).await?;
        txn.commit().await?;
        self.catalogue_version.bump();
        self.search.changed();
        tracing::info!(
            lines = line_number,
            artists = report.artists_upserted,
            albums = report.albums_upserted,
            tracks = report.tracks_upserted,
            products = report.products_upserted,
            rejected = report.rejected.len(),
            "catalogue feed imported"
        );
        Ok(report)
    }
}

enum LineRead {
    Eof,
    Line,
    TooLong,
}

/// Reads one line (without its newline) into `buf`, never buffering more
/// than `MAX_LINE_BYTES`; the rest of an over-long line is skipped.
async fn read_line(
    feed: &mut (impl AsyncBufRead + Unpin),
    buf: &mut Vec<u8>,
) -> std::io::Result<LineRead> {
    let read = (&mut *feed)
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', buf)
        .await?;
    if read == 0 {
        return Ok(LineRead::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        return Ok(LineRead::Line);
    }
    if buf.len() <= MAX_LINE_BYTES {
        // The last line, without a newline.
        return Ok(LineRead::Line);
    }
    let mut rest = Vec::new();
    loop {
        rest.clear();
        let skipped = (&mut *feed)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut rest)
            .await?;
        if skipped == 0 || rest.last() == Some(&b'\n') {
            return Ok(LineRead::TooLong);
        }
    }
}

/// Why a line was rejected, in words for the partner.
struct Reject(String);

type LineOutcome = Result<(), Reject>;

struct AlbumRef {
    id: i32,
}

struct TrackRef {
    id: i32,
    album_id: i32,
}

struct ImportRun<'a> {
    txn: &'a DatabaseTransaction,
    now: DateTime<Utc>,
    report: ImportReport,
    /// Partner id to row id, for records seen in this run or looked up.
    artists: HashMap<String, i32>,
    albums: HashMap<String, AlbumRef>,
    tracks: HashMap<String, TrackRef>,
    /// What search must re-index once the import commits.
    changes: Vec<Change>,
}

impl ImportRun<'_> {
    /// Applies one line. `Ok(Err(..))` rejects the line; `Err(..)` is a
    /// failure of ours that aborts the import.
    async fn apply(&mut self, text: &str) -> ApiResult<LineOutcome> {
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
            ))
        });
        let (external_id, album_ref, title, duration_ms, track_number, disc_number, isrc, genre) =
            match parsed {
                Ok(parsed) => parsed,
                Err(reject) => return Ok(Err(reject)),
            };
        let Some(album_id) = self.album_id(album_ref).await? else {
            return Ok(Err(Reject(format!("unknown album `{}`", clip(album_ref)))));
        };
        let row = track::Entity::insert(track::ActiveModel {
            external_id: Set(external_id.to_owned()),
            album_id: Set(album_id),
            title: Set(title.to_owned()),
            title_key: Set(Some(super::matching::title_key(title))),
            track_number: Set(track_number),
            disc_number: Set(disc_number),
            duration_ms: Set(duration_ms),
            genre: Set(genre.map(str::to_owned)),
            isrc: Set(isrc),
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
                    track::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(self.txn)
        .await?;
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
            if money::exponent(currency).is_none() {
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

/// Typed access to one record's fields, with rejections that name the field.
#[derive(Clone, Copy)]
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn present(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }

    fn required_str(&self, name: &str) -> Result<&'a str, Reject> {
        match self.present(name) {
            None => Err(Reject(format!("missing required field `{name}`"))),
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    fn optional_str(&self, name: &str) -> Result<Option<&'a str>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    /// A partner's id: non-empty, at most 200 characters.
    fn partner_id(&self, name: &str) -> Result<&'a str, Reject> {
        let id = self.required_str(name)?.trim();
        if id.is_empty() || id.chars().count() > 200 {
            return Err(Reject(format!(
                "`{name}` must be between 1 and 200 characters"
            )));
        }
        Ok(id)
    }

    fn text(&self, name: &str, max: usize) -> Result<&'a str, Reject> {
        let text = self.required_str(name)?.trim();
        check_len(name, text, max)?;
        Ok(text)
    }

    fn optional_text(&self, name: &str, max: usize) -> Result<Option<&'a str>, Reject> {
        match self.optional_str(name)?.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => {
                check_len(name, text, max)?;
                Ok(Some(text))
            }
        }
    }

    fn optional_url(&self, name: &str) -> Result<Option<&'a str>, Reject> {
        let url = self.optional_text(name, 2000)?;
        match url {
            Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => Err(
                Reject(format!("`{name}` must be an http:// or https:// URL")),
            ),
            _ => Ok(url),
        }
    }

    fn required_i64(&self, name: &str, min: i64, max: i64) -> Result<i64, Reject> {
        match self.present(name) {
            None => Err(Reject(format!("missing required field `{name}`"))),
            Some(value) => integer_in(name, value, min, max),
        }
    }

    fn required_int(&self, name: &str, min: i32, max: i32) -> Result<i32, Reject> {
        // In range of i32 by construction of the bounds.
        self.required_i64(name, min.into(), max.into())
            .map(|n| n as i32)
    }

    fn optional_int(&self, name: &str, min: i32, max: i32) -> Result<Option<i32>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(value) => integer_in(name, value, min.into(), max.into()).map(|n| Some(n as i32)),
        }
    }

    fn optional_bool(&self, name: &str) -> Result<Option<bool>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(wrong_type(name, "true or false", other)),
        }
    }

    /// An ISRC (CC-XXX-YY-NNNNN), hyphens optional, stored without them in
    /// upper case.
    fn optional_isrc(&self, name: &str) -> Result<Option<String>, Reject> {
        let Some(raw) = self.optional_text(name, 20)? else {
            return Ok(None);
        };
        let isrc: String = raw
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = isrc.as_bytes();
        let valid = bytes.len() == 12
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
            && bytes[5..].iter().all(u8::is_ascii_digit);
        if !valid {
            return Err(Reject(format!(
                "`{name}` must be an ISRC such as USAR10400001, not `{}`",
                clip(raw)
            )));
        }
        Ok(Some(isrc))
    }

    fn genres(&self, name: &str) -> Result<Vec<String>, Reject> {
        let list = match self.present(name) {
            None => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(other) => return Err(wrong_type(name, "a list of strings", other)),
        };
        if list.len() > 20 {
            return Err(Reject(format!("`{name}` may list at most 20 genres")));
        }
        let mut genres: Vec<String> = Vec::with_capacity(list.len());
        for value in list {
            let Value::String(genre) = value else {
                return Err(wrong_type(name, "a list of strings", value));
            };
            let genre = genre.trim();
            if genre.is_empty() {
                continue;
            }
            check_len(name, genre, 100)?;
            if !genres.iter().any(|known| known == genre) {
                genres.push(genre.to_owned());
            }
        }
        Ok(genres)
    }
}

/// Runs a parse that may reject, giving `?` a known error type.
fn attempt<T>(parse: impl FnOnce() -> Result<T, Reject>) -> Result<T, Reject> {
    parse()
}

fn check_len(name: &str, text: &str, max: usize) -> Result<(), Reject> {
    if text.is_empty() {
        return Err(Reject(format!("`{name}` must not be empty")));
    }
    if text.chars().count() > max {
        return Err(Reject(format!("`{name}` must be at most {max} characters")));
    }
    Ok(())
}

fn integer_in(name: &str, value: &Value, min: i64, max: i64) -> Result<i64, Reject> {
    let number = value
        .as_i64()
        .ok_or_else(|| wrong_type(name, "a whole number", value))?;
    if number < min || number > max {
        return Err(Reject(format!(
            "`{name}` must be between {min} and {max}, not {number}"
        )));
    }
    Ok(number)
}

fn wrong_type(name: &str, expected: &str, got: &Value) -> Reject {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    Reject(format!("`{name}` must be {expected}, not {got}"))
}

/// Echoes partner text back in a message, bounded.
fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(80).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}
