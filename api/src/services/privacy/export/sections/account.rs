//! The account: profile, privacy settings and their consent log, the API
//! keys the listener made and their signed-in sessions.

use chrono::{DateTime, Utc};
use entities::{api_key, audit_entry, consent_change, player_key, refresh_token, user};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::{global, page_by_id};
use crate::domain::{ApiKeyId, PlayerKeyId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::privacy::audit::AuditAction;
use crate::services::privacy::export::document::PAGE_ROWS;
use crate::services::privacy::{settings_in, ConsentSetting};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Profile {
    id: String,
    email: String,
    display_name: String,
    role: String,
    created_at: DateTime<Utc>,
}

/// The profile; never the password hash.
pub(in crate::services::privacy::export) async fn profile(
    db: &DatabaseConnection,
    user: UserId,
) -> ApiResult<Profile> {
    let row = user::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Profile {
        id: global::<UserId>(row.id),
        email: row.email,
        display_name: row.display_name,
        role: row.role.to_ascii_uppercase(),
        created_at: row.created_at,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct PrivacySettings {
    record_listening_history: bool,
    personalized_recommendations: bool,
    contribute_to_aggregates: bool,
    private_session_until: Option<DateTime<Utc>>,
}

pub(in crate::services::privacy::export) async fn privacy_settings(
    db: &DatabaseConnection,
    user: UserId,
) -> ApiResult<PrivacySettings> {
    let settings = settings_in(db, user, Utc::now()).await?;
    Ok(PrivacySettings {
        record_listening_history: settings.record_listening_history,
        personalized_recommendations: settings.personalized_recommendations,
        contribute_to_aggregates: settings.contribute_to_aggregates,
        private_session_until: settings.private_session_until,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct ConsentChange {
    /// As the API's `ConsentSetting` names it.
    setting: String,
    enabled: bool,
    until: Option<DateTime<Utc>>,
    changed_at: DateTime<Utc>,
}

/// The whole consent log, oldest first.
pub(in crate::services::privacy::export) async fn consent_log(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, ConsentChange)>> {
    let select = consent_change::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, consent_change::Column::Id, after, PAGE_ROWS).await?;
    rows.into_iter()
        .map(|row| {
            // Only the settings the API knows are ever stored.
            ConsentSetting::parse(&row.setting)?;
            Ok((
                row.id,
                ConsentChange {
                    setting: row.setting.to_ascii_uppercase(),
                    enabled: row.enabled,
                    until: row.until,
                    changed_at: row.changed_at,
                },
            ))
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct AuditEntry {
    action: String,
    actor_id: Option<String>,
    detail: Option<String>,
    at: DateTime<Utc>,
}

/// The audit log of privacy actions on the listener's data, oldest first.
pub(in crate::services::privacy::export) async fn audit(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, AuditEntry)>> {
    let select = audit_entry::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, audit_entry::Column::Id, after, PAGE_ROWS).await?;
    rows.into_iter()
        .map(|row| {
            Ok((
                row.id,
                AuditEntry {
                    action: AuditAction::parse(&row.action)?
                        .as_str()
                        .to_ascii_uppercase(),
                    actor_id: row.actor_user_id.map(global::<UserId>),
                    detail: row.detail,
                    at: row.at,
                },
            ))
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct ApiKey {
    id: String,
    name: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// The API keys the listener made (an admin's); never a secret or its
/// hash. Keys do not record when they were last used.
pub(in crate::services::privacy::export) async fn api_keys(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, ApiKey)>> {
    let select = api_key::Entity::find().filter(api_key::Column::CreatedBy.eq(user.0));
    let rows = page_by_id(db, select, api_key::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let scopes = row
                .scopes
                .split(',')
                .filter(|scope| !scope.is_empty())
                .map(str::to_ascii_uppercase)
                .collect();
            (
                row.id,
                ApiKey {
                    id: global::<ApiKeyId>(row.id),
                    name: row.name,
                    scopes,
                    created_at: row.created_at,
                    revoked_at: row.revoked_at,
                },
            )
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct PlayerKey {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    last_client: Option<String>,
}

/// The keys of the listener's player devices; never a secret, sealed or
/// not.
pub(in crate::services::privacy::export) async fn player_keys(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, PlayerKey)>> {
    let select = player_key::Entity::find_owned_by(user.0);
    let rows = page_by_id(db, select, player_key::Column::Id, after, PAGE_ROWS).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                PlayerKey {
                    id: global::<PlayerKeyId>(row.id),
                    name: row.name,
                    created_at: row.created_at,
                    last_used_at: row.last_used_at,
                    last_client: row.last_client,
                },
            )
        })
        .collect())
}

/// One signed-in session: a family of refresh tokens, each exchanged for
/// the next.
#[derive(FromQueryResult)]
struct SessionRow {
    first_id: i32,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::services::privacy::export) struct Session {
    created_at: DateTime<Utc>,
    /// When its refresh token was last exchanged for a new one.
    last_used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// The sessions, oldest first; never a token or its hash.
pub(in crate::services::privacy::export) async fn sessions(
    db: &DatabaseConnection,
    user: UserId,
    after: i32,
) -> ApiResult<Vec<(i32, Session)>> {
    let first_id = || Func::min(Expr::col(refresh_token::Column::Id));
    let rows = refresh_token::Entity::find()
        .select_only()
        .expr_as(first_id(), "first_id")
        .expr_as(
            Func::min(Expr::col(refresh_token::Column::CreatedAt)),
            "created_at",
        )
        .expr_as(
            Func::max(Expr::col(refresh_token::Column::UsedAt)),
            "last_used_at",
        )
        .expr_as(
            Func::max(Expr::col(refresh_token::Column::ExpiresAt)),
            "expires_at",
        )
        .expr_as(
            Func::max(Expr::col(refresh_token::Column::RevokedAt)),
            "revoked_at",
        )
        .filter(refresh_token::Column::UserId.eq(user.0))
        .group_by(refresh_token::Column::Family)
        .having(Expr::expr(first_id()).gt(after))
        .order_by(SimpleExpr::from(first_id()), Order::Asc)
        .limit(PAGE_ROWS)
        .into_model::<SessionRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.first_id,
                Session {
                    created_at: row.created_at,
                    last_used_at: row.last_used_at,
                    expires_at: row.expires_at,
                    revoked_at: row.revoked_at,
                },
            )
        })
        .collect())
}
