//! Trusted documents: the operations a storefront's build declared ahead,
//! which `CADENZA_TRUSTED_DOCUMENTS=require` holds callers to. Kept in the
//! database, so every replica sees one list; each replica reads it into
//! memory (`all`) and again when a request names a document it lacks.

use chrono::Utc;
use entities::trusted_document;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder};
use sha2::{Digest, Sha256};

use crate::db::begin_write;
use crate::error::{ApiError, ApiResult};

/// A document to trust, as a manifest gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTrustedDocument {
    /// The id its client sends (a hex hash of the client's choosing).
    pub id: String,
    pub body: String,
    pub operation_name: Option<String>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Already there with the same text.
    pub unchanged: usize,
}

/// The longest id accepted.
const MAX_ID_CHARS: usize = 128;

#[derive(Clone)]
pub struct TrustedDocuments {
    db: DatabaseConnection,
}

impl TrustedDocuments {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Adds the documents, all or none: an id that is malformed, or that
    /// already stands for another text, refuses the whole import
    /// (CONFLICT for the latter: an id must never change meaning).
    pub async fn import(&self, documents: &[NewTrustedDocument]) -> ApiResult<ImportReport> {
        for document in documents {
            let id = &document.id;
            if id.is_empty()
                || id.len() > MAX_ID_CHARS
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            {
                return Err(ApiError::bad_input(format!(
                    "document id `{id}` must be 1 to {MAX_ID_CHARS} letters, digits, '-', '_', ':' or '.'"
                )));
            }
        }
        // It reads, then writes: the write lock is taken first
        // (`begin_write`), or a writer committing in between makes SQLite
        // answer "database is locked" whatever the busy timeout.
        let txn = begin_write(&self.db).await?;
        let mut report = ImportReport::default();
        let now = Utc::now();
        for document in documents {
            let existing = trusted_document::Entity::find_by_id(document.id.clone())
                .one(&txn)
                .await?;
            match existing {
                Some(row) if row.body == document.body => report.unchanged += 1,
                Some(_) => {
                    return Err(ApiError::Conflict(format!(
                        "document id `{}` already stands for another text",
                        document.id
                    )))
                }
                None => {
                    trusted_document::Entity::insert(trusted_document::ActiveModel {
                        sha256: Set(text_hash(&document.body)),
                        id: Set(document.id.clone()),
                        body: Set(document.body.clone()),
                        operation_name: Set(document.operation_name.clone()),
                        imported_at: Set(now),
                    })
                    .exec_without_returning(&txn)
                    .await?;
                    report.added += 1;
                }
            }
        }
        txn.commit().await?;
        Ok(report)
    }

    /// Every trusted document, oldest first.
    pub async fn all(&self) -> ApiResult<Vec<trusted_document::Model>> {
        Ok(trusted_document::Entity::find()
            .order_by_asc(trusted_document::Column::ImportedAt)
            .order_by_asc(trusted_document::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// The hex SHA-256 of a document's text, as a client that sends the text
/// (or its Automatic Persisted Query hash) is matched by.
pub fn text_hash(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}
