//! The audit log of privacy actions: exports, erasures, setting changes,
//! private sessions, cleared histories and an ADMIN reading a listener's
//! privacy records. Each entry is written in the same transaction as the
//! action it records, holds ids and a short detail only (never a name, an
//! email or a title), and is readable by its subject and by ADMIN.

use std::collections::BTreeSet;

use chrono::{DateTime, SubsecRound, Utc};
use entities::audit_entry;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::domain::{Page, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::listing::{listing, Listing};

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// A privacy setting changed (the detail names it and its new value).
    SettingChanged,
    PrivateSessionStarted,
    PrivateSessionEnded,
    HistoryCleared,
    ExportCreated,
    ExportDownloaded,
    /// The account was erased; the entry keeps only the number it had.
    AccountDeleted,
    /// An ADMIN read the subject's audit entries.
    AdminRead,
}

impl AuditAction {
    pub const ALL: [Self; 8] = [
        Self::SettingChanged,
        Self::PrivateSessionStarted,
        Self::PrivateSessionEnded,
        Self::HistoryCleared,
        Self::ExportCreated,
        Self::ExportDownloaded,
        Self::AccountDeleted,
        Self::AdminRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SettingChanged => "setting_changed",
            Self::PrivateSessionStarted => "private_session_started",
            Self::PrivateSessionEnded => "private_session_ended",
            Self::HistoryCleared => "history_cleared",
            Self::ExportCreated => "export_created",
            Self::ExportDownloaded => "export_downloaded",
            Self::AccountDeleted => "account_deleted",
            Self::AdminRead => "admin_read",
        }
    }

    pub fn parse(stored: &str) -> ApiResult<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == stored)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown audit action {stored:?}")))
    }
}

/// One action to record.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub subject: UserId,
    pub actor: Option<UserId>,
    pub action: AuditAction,
    /// Ids, setting names and counts only.
    pub detail: Option<String>,
}

impl AuditRecord {
    /// The subject acting on their own data.
    pub fn by_subject(subject: UserId, action: AuditAction) -> Self {
        Self {
            subject,
            actor: Some(subject),
            action,
            detail: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Writes `record` through `db`: the action's own transaction.
pub async fn record(db: &impl ConnectionTrait, record: AuditRecord) -> ApiResult<()> {
    audit_entry::ActiveModel {
        subject_user_id: Set(record.subject.0),
        actor_user_id: Set(record.actor.map(|actor| actor.0)),
        action: Set(record.action.as_str().to_owned()),
        detail: Set(record.detail),
        at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Now, in whole microseconds as PostgreSQL keeps it.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Reads the audit log.
#[derive(Clone)]
pub struct AuditLog {
    db: DatabaseConnection,
}

impl AuditLog {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The entries about `user`, newest first.
    pub async fn of(&self, user: UserId, page: Page) -> ApiResult<Listing<audit_entry::Model>> {
        let select =
            audit_entry::Entity::find_owned_by(user.0).order_by_desc(audit_entry::Column::Id);
        listing(&self.db, select, page).await
    }

    /// For ADMIN: every entry, or those about `subject`, newest first.
    /// Reading a listener's entries is itself recorded in their log: one
    /// entry for each listener whose entries the page shows.
    pub async fn read_as_admin(
        &self,
        admin: UserId,
        subject: Option<UserId>,
        page: Page,
    ) -> ApiResult<Listing<audit_entry::Model>> {
        let mut select = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id);
        if let Some(subject) = subject {
            select = select.filter(audit_entry::Column::SubjectUserId.eq(subject.0));
        }
        let listing = listing(&self.db, select, page).await?;
        let read: BTreeSet<i32> = listing
            .items
            .iter()
            .map(|entry| entry.subject_user_id)
            .filter(|subject| *subject != admin.0)
            .collect();
        if !read.is_empty() {
            let at = now();
            audit_entry::Entity::insert_many(read.into_iter().map(|subject| {
                audit_entry::ActiveModel {
                    subject_user_id: Set(subject),
                    actor_user_id: Set(Some(admin.0)),
                    action: Set(AuditAction::AdminRead.as_str().to_owned()),
                    detail: Set(Some("audit log".to_owned())),
                    at: Set(at),
                    ..Default::default()
                }
            }))
            .exec_without_returning(&self.db)
            .await?;
        }
        Ok(listing)
    }
}
