//! The partner catalogue feed (docs/catalogue-feed.md): JSON Lines, upserted
//! by the partner's own ids, bad lines rejected with their number and reason.
//!
//! The feed is read a line at a time, so a feed of any length imports in
//! bounded memory (what is kept per record is its id mapping, a few dozen
//! bytes). The whole import is one transaction: a failure of our own leaves
//! nothing half-imported, while a bad line only rejects that line. The
//! `product.updated` webhooks of what it changed are written to the outbox
//! in that transaction.

use chrono::Utc;
use sea_orm::DatabaseConnection;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::listed_by::{self, Touched};
use super::{announce, CatalogueVersion};
use crate::db::begin_write;
use crate::error::{ApiError, ApiResult};
use crate::services::search::{Change, Feed};
use crate::services::webhooks::{EventType, Outbox};

mod fields;
mod records;

use fields::Reject;
use records::ImportRun;

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
    outbox: Outbox,
}

impl Importer {
    pub fn new(
        db: DatabaseConnection,
        catalogue_version: CatalogueVersion,
        search: Feed,
        outbox: Outbox,
    ) -> Self {
        Self {
            db,
            catalogue_version,
            search,
            outbox,
        }
    }

    pub async fn import(&self, mut feed: impl AsyncBufRead + Unpin) -> ApiResult<ImportReport> {
        let txn = begin_write(&self.db).await?;
        // Telling partners what changed costs a read per record; skipped
        // when nobody listens.
        let announce = self
            .outbox
            .subscribed(&txn, EventType::ProductUpdated)
            .await?;
        let mut run = ImportRun::new(&txn, Utc::now(), announce);
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
        let updates = announce::product_updates(&txn, &run.updated_products).await?;
        let report = run.report;
        listed_by::refresh(&txn, &touched(&run.changes)).await?;
        self.search.record(&txn, run.changes).await?;
        self.outbox.record(&txn, updates).await?;
        txn.commit().await?;
        self.outbox.wake();
        self.catalogue_version.bump_listings();
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

/// The albums, tracks and products a run wrote, once each.
fn touched(changes: &[Change]) -> Touched {
    let mut touched = Touched::default();
    for change in changes {
        match *change {
            Change::Album(id) => touched.albums.push(id),
            Change::Track(id) => touched.tracks.push(id),
            Change::Product(id) => touched.products.push(id),
            _ => {}
        }
    }
    for ids in [
        &mut touched.albums,
        &mut touched.tracks,
        &mut touched.products,
    ] {
        ids.sort_unstable();
        ids.dedup();
    }
    touched
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
