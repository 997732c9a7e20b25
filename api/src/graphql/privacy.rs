//! The viewer's privacy settings, consent log and audit log, and erasing
//! an account, as the API shows them.

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use entities::{audit_entry, consent_change};

use super::connection::list_complexity;
use super::connection::{paged, Paged};
use super::ids::{decode, id_of};
use super::scalars::Int64;
use super::{principal, services};
use crate::domain::{Page, UserId};
use crate::graphql::scalars::DateTime;
use crate::services::privacy::audit::AuditAction;
use crate::services::privacy::{self as domain, PrivacyEdit};

/// What the viewer allows to be recorded and used. Every setting is on
/// until the viewer turns it off.
pub struct PrivacySettings {
    pub user: UserId,
    pub settings: domain::ListeningConsent,
}

#[Object]
impl PrivacySettings {
    /// Off: plays and interactions are not stored at all.
    async fn record_listening_history(&self) -> bool {
        self.settings.record_listening_history
    }

    /// Off: recommendations use no personal data (popular and editorial only).
    async fn personalized_recommendations(&self) -> bool {
        self.settings.personalized_recommendations
    }

    /// Off: the viewer's activity never enters cross-customer statistics (also-bought, similar artists).
    async fn contribute_to_aggregates(&self) -> bool {
        self.settings.contribute_to_aggregates
    }

    /// Until then nothing is recorded, whatever the settings above say.
    async fn private_session_until(&self) -> Option<DateTime> {
        self.settings.private_session_until.map(Into::into)
    }

    /// The consent log: every change to these settings, with its time,
    /// newest first (the latest 500).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ConsentChange>> {
        let changes = services(ctx)?.privacy.history(self.user).await?;
        Ok(changes.into_iter().map(ConsentChange).collect())
    }

    /// The audit log of privacy actions on the viewer's data, newest first:
    /// exports, setting changes, private sessions, cleared histories, and
    /// every time an ADMIN read these entries. Kept for
    /// `CADENZA_AUDIT_RETENTION_DAYS` (two years unless configured).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn audit(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<AuditEntry>> {
        let page = Page::parse(first, after.as_deref())?;
        let listing = services(ctx)?.audit.of(self.user, page).await?;
        Ok(paged(listing.items, listing.total, page, AuditEntry))
    }
}

/// What an audit entry records.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AuditAction")]
pub enum AuditActionGql {
    /// A privacy setting changed; `detail` names it and its new value.
    SettingChanged,
    PrivateSessionStarted,
    PrivateSessionEnded,
    /// The listening history was cleared; `detail` says how many went.
    HistoryCleared,
    /// An export of everything stored was made.
    ExportCreated,
    /// An export was downloaded.
    ExportDownloaded,
    /// The account was deleted (kept, with its number only, for ADMIN).
    AccountDeleted,
    /// An ADMIN read the subject's audit entries.
    AdminRead,
}

impl From<AuditAction> for AuditActionGql {
    fn from(action: AuditAction) -> Self {
        match action {
            AuditAction::SettingChanged => Self::SettingChanged,
            AuditAction::PrivateSessionStarted => Self::PrivateSessionStarted,
            AuditAction::PrivateSessionEnded => Self::PrivateSessionEnded,
            AuditAction::HistoryCleared => Self::HistoryCleared,
            AuditAction::ExportCreated => Self::ExportCreated,
            AuditAction::ExportDownloaded => Self::ExportDownloaded,
            AuditAction::AccountDeleted => Self::AccountDeleted,
            AuditAction::AdminRead => Self::AdminRead,
        }
    }
}

/// One privacy action, as the audit log keeps it: ids and a short detail.
pub struct AuditEntry(audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn action(&self) -> Result<AuditActionGql> {
        Ok(AuditAction::parse(&self.0.action)?.into())
    }

    /// The user whose data the action was about.
    async fn subject_id(&self) -> ID {
        id_of(UserId(self.0.subject_user_id))
    }

    /// Who acted: the subject or an ADMIN; null for the entry that records
    /// the account's deletion.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_user_id.map(|actor| id_of(UserId(actor)))
    }

    /// Setting names, counts and ids only.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// ADMIN only. The audit log of privacy actions, newest first: every
    /// listener's, or one's when `userId` is given. Each listener whose
    /// entries a page shows gets an ADMIN_READ entry of their own.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Paged<AuditEntry>> {
        let principal = principal(ctx)?;
        principal.require_admin()?;
        let admin = principal.require_user()?;
        let page = Page::parse(first, after.as_deref())?;
        let subject = match &user_id {
            None => None,
            Some(id) => match decode::<UserId>(id)? {
                Some(user) => Some(user),
                // An id of another kind names no listener: an empty log.
                None => return Ok(paged(Vec::new(), 0, page, AuditEntry)),
            },
        };
        let listing = services(ctx)?
            .audit
            .read_as_admin(admin, subject, page)
            .await?;
        Ok(paged(listing.items, listing.total, page, AuditEntry))
    }
}

/// The setting a consent log entry changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSetting {
    RecordListeningHistory,
    PersonalizedRecommendations,
    ContributeToAggregates,
    /// A private session started (`enabled`, until `until`) or ended.
    PrivateSession,
}

impl From<domain::ConsentSetting> for ConsentSetting {
    fn from(setting: domain::ConsentSetting) -> Self {
        match setting {
            domain::ConsentSetting::RecordListeningHistory => Self::RecordListeningHistory,
            domain::ConsentSetting::PersonalizedRecommendations => {
                Self::PersonalizedRecommendations
            }
            domain::ConsentSetting::ContributeToAggregates => Self::ContributeToAggregates,
            domain::ConsentSetting::PrivateSession => Self::PrivateSession,
        }
    }
}

/// One change to the viewer's privacy settings.
pub struct ConsentChange(consent_change::Model);

#[Object]
impl ConsentChange {
    async fn setting(&self) -> Result<ConsentSetting> {
        Ok(domain::ConsentSetting::parse(&self.0.setting)?.into())
    }

    /// The setting's new value; for a private session, whether one started.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// When the private session this change started ends.
    async fn until(&self) -> Option<DateTime> {
        self.0.until.map(Into::into)
    }

    async fn changed_at(&self) -> DateTime {
        self.0.changed_at.into()
    }
}

/// A document of everything stored about the viewer, to download once.
pub struct DataExport(domain::DataExport);

#[Object]
impl DataExport {
    /// Signed URL of a JSON document holding everything stored about the viewer.
    /// A path on this server; a plain GET downloads it, once, until `expiresAt`;
    /// after that (or a second time) it is 404. The document's format is
    /// `docs/export.schema.json` in the repository. Each locker item in it
    /// carries a `streamUrl` that streams its audio until `expiresAt` (for a
    /// purchase, the catalogue's master): that is the export of the audio;
    /// and a `coverUrl` (null without a cover) that serves its cover as long.
    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn expires_at(&self) -> DateTime {
        self.0.expires_at.into()
    }

    async fn size_bytes(&self) -> Int64 {
        Int64(self.0.size_bytes)
    }
}

#[derive(InputObject)]
pub struct PrivacySettingsInput {
    pub record_listening_history: Option<bool>,
    pub personalized_recommendations: Option<bool>,
    pub contribute_to_aggregates: Option<bool>,
}

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Changes the settings given; each change is written to the consent log.
    async fn update_privacy_settings(
        &self,
        ctx: &Context<'_>,
        input: PrivacySettingsInput,
    ) -> Result<PrivacySettings> {
        let user = principal(ctx)?.require_user()?;
        let edit = PrivacyEdit {
            record_listening_history: input.record_listening_history,
            personalized_recommendations: input.personalized_recommendations,
            contribute_to_aggregates: input.contribute_to_aggregates,
        };
        let settings = services(ctx)?.privacy.update(user, edit).await?;
        Ok(PrivacySettings { user, settings })
    }

    /// Deletes the viewer's account and everything stored about them, after
    /// checking their password (wrong: UNAUTHENTICATED, nothing removed,
    /// counted like a sign-in). Their locker, uploaded files, playlists,
    /// history, settings, reviews, sessions and keys go, from the database,
    /// storage and the search index; their orders stay for accounting,
    /// linked to no one. Every token and subscription of theirs stops at
    /// once. CONFLICT while a payment of theirs is still being settled.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let user = principal(ctx)?.require_user()?;
        let services = services(ctx)?;
        services.accounts.confirm_password(user, &password).await?;
        services.erasure.erase(user).await?;
        Ok(true)
    }

    /// Writes a document of everything stored about the viewer (profile,
    /// privacy settings and consent log, locker metadata with stream URLs
    /// for the audio, playlists, plays, interactions, playback, cart,
    /// orders, reviews, API keys, sessions; never a password, token or
    /// secret) and answers with a signed URL that downloads it once. One
    /// export a minute (RATE_LIMITED beyond, with `retryAfterSeconds`).
    async fn export_my_data(&self, ctx: &Context<'_>) -> Result<DataExport> {
        let user = principal(ctx)?.require_user()?;
        Ok(DataExport(services(ctx)?.exports.create(user).await?))
    }

    /// Nothing is recorded for this many minutes (1 to 1440); 0 ends it.
    async fn start_private_session(
        &self,
        ctx: &Context<'_>,
        minutes: i32,
    ) -> Result<PrivacySettings> {
        let user = principal(ctx)?.require_user()?;
        let settings = services(ctx)?
            .privacy
            .start_private_session(user, minutes)
            .await?;
        Ok(PrivacySettings { user, settings })
    }
}
