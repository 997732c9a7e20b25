//! Accounts: registration, sign-in, refresh-token rotation, sign-out;
//! partner API keys in `api_keys`.

pub mod api_keys;
pub mod player_keys;

use chrono::{DateTime, Duration, Utc};
use entities::{refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::auth::{
    random_token, secret_hash, verify_password, AccessTokens, Email, NewPassword, Role,
};
use crate::db::{begin_write, is_unique_violation};
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};
use crate::services::rate_limit::{RateLimiter, LOGIN_PER_ACCOUNT};

/// A signed-in session: the access token and the refresh token that renews it.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub user: user::Model,
}

pub struct Registration<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
    pub role: Role,
}

#[derive(Clone)]
pub struct Accounts {
    db: DatabaseConnection,
    tokens: AccessTokens,
    refresh_ttl: Duration,
    limiter: RateLimiter,
}

impl Accounts {
    pub fn new(db: DatabaseConnection, tokens: AccessTokens) -> Self {
        Self {
            db,
            tokens,
            refresh_ttl: Duration::days(30),
            limiter: RateLimiter::in_process(),
        }
    }

    /// Where sign-in attempts are counted (shared through Redis when there
    /// are several replicas).
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = limiter;
        self
    }

    pub fn access_tokens(&self) -> &AccessTokens {
        &self.tokens
    }

    /// Creates an account. A taken email is CONFLICT.
    pub async fn create_user(&self, registration: Registration<'_>) -> ApiResult<user::Model> {
        let email = Email::parse(registration.email)?;
        let password = NewPassword::parse(registration.password)?;
        let display_name = registration.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "displayName must be between 1 and 100 characters",
            ));
        }
        if user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
            .is_some()
        {
            return Err(ApiError::Conflict(
                "an account with this email already exists".into(),
            ));
        }
        let password_hash = password.hash().await?;
        let inserted = user::ActiveModel {
            email: Set(email.as_str().to_owned()),
            password_hash: Set(password_hash),
            display_name: Set(display_name.to_owned()),
            role: Set(registration.role.as_str().to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(user) => {
                tracing::info!(
                    user.id = user.id,
                    user.role = registration.role.as_str(),
                    "account created"
                );
                Ok(user)
            }
            // Two registrations raced past the check above.
            Err(err) if is_unique_violation(&err) => Err(ApiError::Conflict(
                "an account with this email already exists".into(),
            )),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn register(&self, registration: Registration<'_>) -> ApiResult<Session> {
        let user = self.create_user(registration).await?;
        self.start_session(user, random_token(16)).await
    }

    /// Signs in. A wrong password and an unknown email give the same answer,
    /// after the same amount of work.
    pub async fn login(&self, email: &str, password: &str) -> ApiResult<Session> {
        // Counted per account before any work, so guessing a password is
        // slow whatever the guesses.
        let account = Email::parse(email)
            .map(|email| email.as_str().to_owned())
            .unwrap_or_else(|_| email.trim().to_lowercase());
        self.limiter
            .hit(LOGIN_PER_ACCOUNT, &secret_hash(&account))
            .await?;
        let user = match Email::parse(email) {
            Ok(email) => {
                user::Entity::find()
                    .filter(user::Column::Email.eq(email.as_str()))
                    .one(&self.db)
                    .await?
            }
            Err(_) => None,
        };
        let stored = user.as_ref().map(|user| user.password_hash.clone());
        if !verify_password(password.to_owned(), stored).await? {
            return Err(ApiError::InvalidCredentials);
        }
        let user = user.ok_or(ApiError::InvalidCredentials)?;
        self.start_session(user, random_token(16)).await
    }

    /// Checks the signed-in `user`'s password before an irreversible action
    /// (erasure), counted by the same per-account limit as signing in, so
    /// a stolen token cannot be used to guess it.
    pub async fn confirm_password(&self, user: UserId, password: &str) -> ApiResult<()> {
        let account = user::Entity::find_by_id(user.0)
            .one(&self.db)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        self.limiter
            .hit(LOGIN_PER_ACCOUNT, &secret_hash(&account.email))
            .await?;
        if verify_password(password.to_owned(), Some(account.password_hash)).await? {
            Ok(())
        } else {
            tracing::info!(
                user.id = user.0,
                "a wrong password was given to confirm an action"
            );
            Err(ApiError::WrongPassword)
        }
    }

    /// Trades a refresh token for a new session in the same family. The old
    /// token stops working; presenting it again revokes the whole family.
    pub async fn refresh(&self, presented: &str) -> ApiResult<Session> {
        let now = Utc::now();
        let token = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(secret_hash(presented)))
            .one(&self.db)
            .await?
            .ok_or(ApiError::InvalidRefreshToken)?;
        if token.revoked_at.is_some() {
            return Err(ApiError::InvalidRefreshToken);
        }
        if token.used_at.is_some() {
            self.revoke_family(&token.family, "reuse").await?;
            return Err(ApiError::InvalidRefreshToken);
        }
        if token.expires_at <= now {
            return Err(ApiError::InvalidRefreshToken);
        }
        // Claim the token and issue its successor in one transaction. The
        // claim locks the old token's row until the successor is committed,
        // so a concurrent refresh with the same token waits, finds it used,
        // and revokes the family, successor included.
        let txn = begin_write(&self.db).await?;
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(token.id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            self.revoke_family(&token.family, "reuse").await?;
            return Err(ApiError::InvalidRefreshToken);
        }
        let user = user::Entity::find_by_id(token.user_id)
            .one(&txn)
            .await?
            .ok_or(ApiError::InvalidRefreshToken)?;
        let session = self.issue_session(&txn, user, token.family).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// Ends the session the refresh token belongs to. False when the token
    /// was unknown or already revoked.
    pub async fn logout(&self, presented: &str) -> ApiResult<bool> {
        let token = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(secret_hash(presented)))
            .one(&self.db)
            .await?;
        match token {
            Some(token) if token.revoked_at.is_none() => {
                self.revoke_family(&token.family, "logout").await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub async fn user(&self, id: UserId) -> ApiResult<Option<user::Model>> {
        Ok(user::Entity::find_by_id(id.0).one(&self.db).await?)
    }

    async fn start_session(&self, user: user::Model, family: String) -> ApiResult<Session> {
        self.issue_session(&self.db, user, family).await
    }

    async fn issue_session(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        user: user::Model,
        family: String,
    ) -> ApiResult<Session> {
        let role = Role::parse(&user.role).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("user {} has role {:?}", user.id, user.role))
        })?;
        let (access_token, access_token_expires_at) = self.tokens.issue(UserId(user.id), role)?;
        let refresh = random_token(32);
        let now = Utc::now();
        refresh_token::ActiveModel {
            user_id: Set(user.id),
            family: Set(family),
            token_hash: Set(secret_hash(&refresh)),
            expires_at: Set(now + self.refresh_ttl),
            used_at: Set(None),
            revoked_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(Session {
            access_token,
            access_token_expires_at,
            refresh_token: refresh,
            user,
        })
    }

    async fn revoke_family(&self, family: &str, why: &'static str) -> ApiResult<()> {
        let txn = self.db.begin().await?;
        let revoked = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::Family.eq(family))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::info!(
            tokens = revoked.rows_affected,
            reason = why,
            "refresh token family revoked"
        );
        Ok(())
    }
}
