//! The listener's privacy settings and the consent log of their changes.
//!
//! Settings live in the database only and are read there on every request:
//! a change takes effect on the next request on every replica.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::{consent_change, privacy_settings};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect,
    Set,
};

use super::audit::{self, AuditAction, AuditRecord};
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};

/// The longest private session, in minutes (a day).
pub const MAX_PRIVATE_SESSION_MINUTES: i32 = 1440;

/// The entries of the consent log a listener reads back, newest first.
const HISTORY_LIMIT: u64 = 500;

/// What a listener allows, as of now: their privacy settings (the
/// server's own configuration is `crate::settings::Settings`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListeningConsent {
    pub record_listening_history: bool,
    pub personalized_recommendations: bool,
    pub contribute_to_aggregates: bool,
    /// Set only while a private session runs.
    pub private_session_until: Option<DateTime<Utc>>,
}

impl Default for ListeningConsent {
    fn default() -> Self {
        Self {
            record_listening_history: true,
            personalized_recommendations: true,
            contribute_to_aggregates: true,
            private_session_until: None,
        }
    }
}

impl ListeningConsent {
    fn from_row(row: privacy_settings::Model, now: DateTime<Utc>) -> Self {
        Self {
            record_listening_history: row.record_listening_history,
            personalized_recommendations: row.personalized_recommendations,
            contribute_to_aggregates: row.contribute_to_aggregates,
            private_session_until: row.private_session_until.filter(|until| *until > now),
        }
    }

    /// Whether plays and interactions may be stored now.
    pub fn may_record(&self) -> bool {
        self.record_listening_history && self.private_session_until.is_none()
    }
}

/// A change to the settings; what is `None` stays as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrivacyEdit {
    pub record_listening_history: Option<bool>,
    pub personalized_recommendations: Option<bool>,
    pub contribute_to_aggregates: Option<bool>,
}

/// What a consent log entry changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentSetting {
    RecordListeningHistory,
    PersonalizedRecommendations,
    ContributeToAggregates,
    PrivateSession,
}

impl ConsentSetting {
    fn as_str(self) -> &'static str {
        match self {
            Self::RecordListeningHistory => "record_listening_history",
            Self::PersonalizedRecommendations => "personalized_recommendations",
            Self::ContributeToAggregates => "contribute_to_aggregates",
            Self::PrivateSession => "private_session",
        }
    }

    pub fn parse(stored: &str) -> ApiResult<Self> {
        [
            Self::RecordListeningHistory,
            Self::PersonalizedRecommendations,
            Self::ContributeToAggregates,
            Self::PrivateSession,
        ]
        .into_iter()
        .find(|setting| setting.as_str() == stored)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown consent setting {stored:?}")))
    }
}

#[derive(Clone)]
pub struct Privacy {
    db: DatabaseConnection,
}

impl Privacy {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The settings as they are now, from the database.
    pub async fn settings(&self, user: UserId) -> ApiResult<ListeningConsent> {
        settings_in(&self.db, user, Utc::now()).await
    }

    /// Applies `edit` and logs each setting it changes, in one transaction.
    pub async fn update(&self, user: UserId, edit: PrivacyEdit) -> ApiResult<ListeningConsent> {
        let now = Utc::now().trunc_subsecs(6);
        let txn = begin_write(&self.db).await?;
        // Two changes at once must not both start from the old row (the
        // second would write the first's setting back): one at a time.
        lock_row_for_update(&txn, "users", user.0).await?;
        let mut settings = settings_in(&txn, user, now).await?;
        let changes = [
            (
                ConsentSetting::RecordListeningHistory,
                edit.record_listening_history,
                &mut settings.record_listening_history,
            ),
            (
                ConsentSetting::PersonalizedRecommendations,
                edit.personalized_recommendations,
                &mut settings.personalized_recommendations,
            ),
            (
                ConsentSetting::ContributeToAggregates,
                edit.contribute_to_aggregates,
                &mut settings.contribute_to_aggregates,
            ),
        ];
        let mut changed = Vec::new();
        for (setting, wanted, current) in changes {
            if let Some(wanted) = wanted.filter(|wanted| wanted != current) {
                *current = wanted;
                changed.push((setting, wanted));
            }
        }
        if !changed.is_empty() {
            save(&txn, user, &settings, now).await?;
            for (setting, enabled) in changed {
                log(&txn, user, setting, enabled, None, now).await?;
                audit::record(
                    &txn,
                    AuditRecord::by_subject(user, AuditAction::SettingChanged)
                        .detail(format!("{}={enabled}", setting.as_str())),
                )
                .await?;
            }
        }
        txn.commit().await?;
        Ok(settings)
    }

    /// Starts a private session of `minutes` (1 to 1440) from now, or ends
    /// the running one (0). Each call is logged.
    pub async fn start_private_session(
        &self,
        user: UserId,
        minutes: i32,
    ) -> ApiResult<ListeningConsent> {
        if !(0..=MAX_PRIVATE_SESSION_MINUTES).contains(&minutes) {
            return Err(ApiError::bad_input(format!(
                "`minutes` must be from 1 to {MAX_PRIVATE_SESSION_MINUTES}, or 0 to end the private session; got {minutes}"
            )));
        }
        // Whole microseconds, as PostgreSQL keeps them, so the answer and
        // the stored row agree.
        let now = Utc::now().trunc_subsecs(6);
        let until = (minutes > 0).then(|| now + Duration::minutes(i64::from(minutes)));
        let txn = begin_write(&self.db).await?;
        // Two changes at once must not both start from the old row (the
        // second would write the first's setting back): one at a time.
        lock_row_for_update(&txn, "users", user.0).await?;
        let mut settings = settings_in(&txn, user, now).await?;
        settings.private_session_until = until;
        save(&txn, user, &settings, now).await?;
        log(
            &txn,
            user,
            ConsentSetting::PrivateSession,
            until.is_some(),
            until,
            now,
        )
        .await?;
        let action = if until.is_some() {
            AuditAction::PrivateSessionStarted
        } else {
            AuditAction::PrivateSessionEnded
        };
        audit::record(
            &txn,
            AuditRecord::by_subject(user, action).detail(format!("minutes={minutes}")),
        )
        .await?;
        txn.commit().await?;
        Ok(settings)
    }

    /// The consent log, newest first.
    pub async fn history(&self, user: UserId) -> ApiResult<Vec<consent_change::Model>> {
        Ok(consent_change::Entity::find_owned_by(user.0)
            .order_by_desc(consent_change::Column::Id)
            .limit(HISTORY_LIMIT)
            .all(&self.db)
            .await?)
    }
}

/// The settings of `user` as of `now`, read through `db` (a transaction
/// or the pool).
pub async fn settings_in(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
) -> ApiResult<ListeningConsent> {
    Ok(privacy_settings::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|row| ListeningConsent::from_row(row, now))
        .unwrap_or_default())
}

async fn save(
    db: &impl ConnectionTrait,
    user: UserId,
    settings: &ListeningConsent,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let row = privacy_settings::ActiveModel {
        user_id: Set(user.0),
        record_listening_history: Set(settings.record_listening_history),
        personalized_recommendations: Set(settings.personalized_recommendations),
        contribute_to_aggregates: Set(settings.contribute_to_aggregates),
        private_session_until: Set(settings.private_session_until),
        updated_at: Set(now),
    };
    privacy_settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(privacy_settings::Column::UserId)
                .update_columns([
                    privacy_settings::Column::RecordListeningHistory,
                    privacy_settings::Column::PersonalizedRecommendations,
                    privacy_settings::Column::ContributeToAggregates,
                    privacy_settings::Column::PrivateSessionUntil,
                    privacy_settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

async fn log(
    db: &impl ConnectionTrait,
    user: UserId,
    setting: ConsentSetting,
    enabled: bool,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    consent_change::ActiveModel {
        user_id: Set(user.0),
        setting: Set(setting.as_str().to_owned()),
        enabled: Set(enabled),
        until: Set(until),
        changed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
