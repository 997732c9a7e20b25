//! The viewer's privacy settings and consent log, as the API shows them.

use async_graphql::{Context, Enum, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entities::consent_change;

use super::scalars::Int64;
use super::{principal, services};
use crate::domain::UserId;
use crate::services::privacy::{self as domain, PrivacyEdit};

/// What the viewer allows to be recorded and used. Every setting is on
/// until the viewer turns it off.
pub struct PrivacySettings {
    pub user: UserId,
    pub settings: domain::Settings,
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
    async fn private_session_until(&self) -> Option<DateTime<Utc>> {
        self.settings.private_session_until
    }

    /// The consent log: every change to these settings, with its time,
    /// newest first (the latest 500).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ConsentChange>> {
        let changes = services(ctx)?.privacy.history(self.user).await?;
        Ok(changes.into_iter().map(ConsentChange).collect())
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
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.0.until
    }

    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
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
    /// purchase, the catalogue's master): that is the export of the audio.
    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
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
