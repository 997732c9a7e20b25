//! The export of everything stored about a listener: one JSON document
//! (`docs/export.schema.json` describes it), written a page at a time to a
//! temporary file, kept in blob storage, and downloaded once through a
//! signed URL before it expires. The audio itself is handed over as a
//! stream URL per locker item, valid as long as the export.
//!
//! - `document`: the streaming writer
//! - `sections`: what the document holds, one function per section
//! - `links`: signing and verifying download URLs
//! - `sweep`: removing expired and downloaded exports on every replica

mod document;
mod links;
mod sections;
mod sweep;

pub use links::ExportClaim;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::data_export;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use self::document::Document;
use self::links::ExportLinks;
use super::audit::{self, AuditAction, AuditRecord};
use crate::db::begin_write;
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};
use crate::services::media::storage::ByteStream;
use crate::services::media::BlobStore;
use crate::services::signed_urls::SignedUrls;

/// The version of the document's format; `docs/export.schema.json` holds
/// it as a constant, so a change to the format changes both.
const FORMAT_VERSION: u32 = 2;

#[derive(Clone)]
pub struct Exports {
    db: DatabaseConnection,
    blobs: BlobStore,
    links: ExportLinks,
    stream_urls: SignedUrls,
    ttl: Duration,
}

/// An export ready to download.
pub struct DataExport {
    /// A path on this server, signed; it works once.
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub size_bytes: i64,
}

/// Who else a download request identifies, besides its signature.
pub enum Caller {
    /// No credentials: the signature alone decides.
    Nobody,
    /// A signed-in user's bearer token: it must be the owner's.
    User(UserId),
    /// Credentials that name no user (invalid, or an API key's).
    Unrecognised,
}

/// An export's document on its way to the one client allowed it.
pub struct Download {
    pub file_name: String,
    pub size: u64,
    /// The document's bytes; once it ends or is dropped, the document and
    /// its row are removed.
    pub body: ByteStream,
}

impl Exports {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        server_secret: &[u8],
        stream_urls: SignedUrls,
        ttl_secs: u64,
    ) -> Self {
        Self {
            db,
            blobs,
            links: ExportLinks::new(server_secret),
            stream_urls,
            // Settings allow at most a week; anything larger is a week.
            ttl: i64::try_from(ttl_secs)
                .ok()
                .and_then(Duration::try_seconds)
                .unwrap_or_else(|| Duration::weeks(1)),
        }
    }

    /// Writes the document of everything stored about `user` and stores
    /// it. A failure leaves no row and no object behind; a crash leaves at
    /// most a row the sweep removes, with its object, when it expires.
    pub async fn create(&self, user: UserId) -> ApiResult<DataExport> {
        // Whole seconds: the URL carries the expiry as Unix seconds, and it
        // must equal the row's.
        let now = Utc::now().trunc_subsecs(0);
        let expires_at = now + self.ttl;
        let (file, size) = self.write_document(user, now, expires_at).await?;
        let size_bytes = i64::try_from(size).map_err(ApiError::internal)?;
        let storage_key = BlobStore::new_export_key();
        // The row first: if the process dies while the object is stored,
        // the sweep still knows where to look.
        let txn = begin_write(&self.db).await?;
        let row = data_export::ActiveModel {
            user_id: Set(user.0),
            storage_key: Set(storage_key.clone()),
            size_bytes: Set(size_bytes),
            created_at: Set(now),
            expires_at: Set(expires_at),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditRecord::by_subject(user, AuditAction::ExportCreated)
                .detail(format!("export={}", row.id)),
        )
        .await?;
        txn.commit().await?;
        if let Err(err) = self.blobs.put_file(&storage_key, file, size).await {
            sweep::remove(&self.db, &self.blobs, row.id, &storage_key).await?;
            return Err(err);
        }
        // An erasure that ran while the object was stored removed the row
        // and found no object yet: nothing must outlive the account.
        if data_export::Entity::find_by_id(row.id)
            .one(&self.db)
            .await?
            .is_none()
        {
            self.blobs.delete(&storage_key).await?;
            return Err(ApiError::Unauthenticated);
        }
        tracing::info!(
            user.id = user.0,
            export.id = row.id,
            size_bytes,
            "data export written"
        );
        Ok(DataExport {
            url: self.links.url(row.id, user, expires_at.timestamp()),
            expires_at,
            size_bytes,
        })
    }

    /// The document, the one time a valid URL is used. Tampered, expired,
    /// already used, unknown, or asked for with another user's credentials:
    /// `None`, whichever it is.
    pub async fn download(
        &self,
        claim: &ExportClaim,
        caller: Caller,
    ) -> ApiResult<Option<Download>> {
        let now = Utc::now();
        if claim.expires <= now.timestamp() {
            return Ok(None);
        }
        let Some(row) = data_export::Entity::find_by_id(claim.id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let owner = UserId(row.user_id);
        if row.expires_at.timestamp() != claim.expires || !self.links.verify(claim, owner) {
            return Ok(None);
        }
        match caller {
            Caller::Nobody => {}
            Caller::User(user) if user == owner => {}
            Caller::User(_) | Caller::Unrecognised => return Ok(None),
        }
        // Once: of two requests at once, the one whose update changed the
        // row serves it.
        let claimed = data_export::Entity::update_many()
            .col_expr(data_export::Column::UsedAt, Expr::value(now))
            .filter(data_export::Column::Id.eq(row.id))
            .filter(data_export::Column::UsedAt.is_null())
            .filter(data_export::Column::ExpiresAt.gt(now))
            .exec(&self.db)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            return Ok(None);
        }
        audit::record(
            &self.db,
            AuditRecord::by_subject(owner, AuditAction::ExportDownloaded)
                .detail(format!("export={}", row.id)),
        )
        .await?;
        let cleanup = sweep::RemoveWhenDone::new(&self.db, &self.blobs, &row);
        let size = row.size_bytes.unsigned_abs();
        let Some(body) = self.blobs.read_range(&row.storage_key, 0, size).await? else {
            return Ok(None);
        };
        tracing::info!(
            user.id = owner.0,
            export.id = row.id,
            "data export downloaded"
        );
        let body = body
            .map(move |chunk| {
                // Holds the clean-up until the body ends or is dropped.
                let _ = &cleanup;
                chunk
            })
            .boxed();
        Ok(Some(Download {
            file_name: format!(
                "cadenza-export-{}.json",
                row.created_at.format("%Y%m%d-%H%M%S")
            ),
            size,
            body,
        }))
    }

    /// The document: each section is one call, in the order it appears.
    async fn write_document(
        &self,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> ApiResult<(std::fs::File, u64)> {
        let db = &self.db;
        let expires = expires_at.timestamp();
        let mut doc = Document::create().await?;
        doc.value("formatVersion", &FORMAT_VERSION).await?;
        doc.value("generatedAt", &now).await?;
        doc.value("expiresAt", &expires_at).await?;
        doc.value("profile", &sections::profile(db, user).await?)
            .await?;
        doc.value(
            "privacySettings",
            &sections::privacy_settings(db, user).await?,
        )
        .await?;
        doc.list("consentLog", |after| sections::consent_log(db, user, after))
            .await?;
        doc.list("locker", |after| {
            sections::locker(db, &self.stream_urls, user, expires, after)
        })
        .await?;
        doc.list("lockerStars", |after| {
            sections::locker_stars(db, user, after)
        })
        .await?;
        doc.list("playlists", |after| sections::playlists(db, user, after))
            .await?;
        doc.list("plays", |after| sections::plays(db, user, after))
            .await?;
        doc.list("interactions", |after| {
            sections::interactions(db, user, after)
        })
        .await?;
        doc.value("playback", &sections::playback(db, user).await?)
            .await?;
        doc.list("cart", |after| sections::cart(db, user, after))
            .await?;
        doc.list("orders", |after| sections::orders(db, user, after))
            .await?;
        doc.list("reviews", |after| sections::reviews(db, user, after))
            .await?;
        doc.list("apiKeys", |after| sections::api_keys(db, user, after))
            .await?;
        doc.list("playerKeys", |after| sections::player_keys(db, user, after))
            .await?;
        doc.list("sessions", |after| sections::sessions(db, user, after))
            .await?;
        doc.list("audit", |after| sections::audit(db, user, after))
            .await?;
        doc.finish().await
    }
}
