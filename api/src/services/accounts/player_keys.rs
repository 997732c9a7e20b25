//! Player keys and how a player signs in to the OpenSubsonic API.
//!
//! A listener makes one key per device. A key is shown once; it works as
//! the `apiKey` parameter, and as the password of legacy token
//! authentication (`t = md5(password + salt)`), which needs the server to
//! read the secret back: so it is sealed (ChaCha20-Poly1305 under a key
//! derived from the server secret, bound to its owner), never hashed, and
//! the account password is never kept that way. A key presented as
//! `apiKey` is found by a keyed hash of it, without opening any.
//!
//! The account password also works (`u` + `p`): verified against its
//! Argon2id hash, counted by the sign-in limits, and remembered for a few
//! minutes after a success so a player that sends it with every request
//! does not pay a password hash each time.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use entities::{player_key, user};
use hmac::{Hmac, Mac};
use lru::LruCache;
use md5::{Digest, Md5};
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use sha2::Sha256;

use crate::auth::{random_token, secret_hash, verify_password, Email, ErasedUsers};
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::{PlayerKeyId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::rate_limit::{RateLimiter, LOGIN_PER_ACCOUNT};

type HmacSha256 = Hmac<Sha256>;

/// Keys a listener may hold at once: token authentication tries each.
pub const MAX_KEYS_PER_LISTENER: u64 = 20;

/// How long a verified account password is remembered (per replica).
pub const PASSWORD_REMEMBERED: Duration = Duration::from_secs(5 * 60);

/// Marks a player key, so it is recognised (and refused) anywhere else.
const SECRET_PREFIX: &str = "cdzp_";

/// Whether `secret` has a player key's form (a random secret, not a word
/// a person chose).
pub fn is_player_key(secret: &str) -> bool {
    secret.starts_with(SECRET_PREFIX)
}

/// A key as created: the row, and the secret that is never shown again.
pub struct CreatedPlayerKey {
    pub key: player_key::Model,
    pub secret: String,
}

/// What a player presents, as the OpenSubsonic API reads it.
pub enum PlayerCredentials<'a> {
    ApiKey(&'a str),
    /// `u`, `t` and `s`.
    Token {
        user: &'a str,
        token: &'a str,
        salt: &'a str,
    },
    /// `u` and `p`, already decoded from `enc:` hex.
    Password {
        user: &'a str,
        password: &'a str,
    },
}

/// Who a player's credentials prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Player {
    pub user: UserId,
    pub email: String,
    /// The key it used; none when it used the account password.
    pub key: Option<PlayerKeyId>,
}

#[derive(Clone)]
pub struct PlayerKeys {
    db: DatabaseConnection,
    seal: Arc<LessSafeKey>,
    lookup_key: Vec<u8>,
    remember_key: Vec<u8>,
    erased: ErasedUsers,
    limiter: RateLimiter,
    /// Verified passwords: a keyed hash of the account and password, to
    /// the user and a fingerprint of the password hash it matched (so a
    /// changed password forgets it).
    remembered: Arc<Mutex<LruCache<[u8; 32], Remembered>>>,
}

#[derive(Clone)]
struct Remembered {
    user: UserId,
    password_hash: String,
    until: Instant,
}

impl PlayerKeys {
    pub fn new(
        db: DatabaseConnection,
        server_secret: &[u8],
        erased: ErasedUsers,
        limiter: RateLimiter,
    ) -> Self {
        let derive = |domain: &[u8]| {
            let mut mac = keyed(server_secret);
            mac.update(domain);
            mac.finalize().into_bytes().to_vec()
        };
        let seal_key = derive(b"cadenza player keys seal v1");
        let seal = UnboundKey::new(&CHACHA20_POLY1305, &seal_key)
            .map(LessSafeKey::new)
            .unwrap_or_else(|_| unreachable!("a 32-byte key is a ChaCha20-Poly1305 key"));
        Self {
            db,
            seal: Arc::new(seal),
            lookup_key: derive(b"cadenza player keys lookup v1"),
            remember_key: derive(b"cadenza player passwords remembered v1"),
            erased,
            limiter,
            remembered: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            ))),
        }
    }

    /// Makes a key for one of `user`'s devices. A name is 1 to 100
    /// characters; past `MAX_KEYS_PER_LISTENER` keys it is CONFLICT.
    pub async fn create(&self, user: UserId, name: &str) -> ApiResult<CreatedPlayerKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "name must be between 1 and 100 characters",
            ));
        }
        // Counted and written under the account's lock, so that two at once
        // cannot both be the last one allowed.
        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "users", user.0).await?;
        let held = player_key::Entity::find_owned_by(user.0)
            .count(&txn)
            .await?;
        if held >= MAX_KEYS_PER_LISTENER {
            return Err(ApiError::Conflict(format!(
                "you already have {MAX_KEYS_PER_LISTENER} player keys; revoke one first"
            )));
        }
        // 24 random bytes: 32 characters a person can type into a player.
        let secret = format!("{SECRET_PREFIX}{}", random_token(24));
        let key = player_key::ActiveModel {
            user_id: Set(user.0),
            name: Set(name.to_owned()),
            secret_sealed: Set(self.seal(user, &secret)?),
            secret_lookup: Set(self.lookup(&secret)),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            last_client: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(
            user.id = user.0,
            player_key.id = key.id,
            "player key created"
        );
        Ok(CreatedPlayerKey { key, secret })
    }

    /// `user`'s keys, newest first.
    pub async fn list(&self, user: UserId) -> ApiResult<Vec<player_key::Model>> {
        Ok(player_key::Entity::find_owned_by(user.0)
            .order_by_desc(player_key::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Revokes one of `user`'s keys: its next request is refused. Another
    /// listener's key, or one already revoked, is NOT_FOUND.
    pub async fn revoke(&self, user: UserId, id: PlayerKeyId) -> ApiResult<()> {
        let deleted = player_key::Entity::delete_many()
            .filter(player_key::Column::Id.eq(id.0))
            .filter(player_key::Column::UserId.eq(user.0))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(ApiError::NotFound("player key"));
        }
        tracing::info!(user.id = user.0, player_key.id = id.0, "player key revoked");
        Ok(())
    }

    /// Who `credentials` prove, or None when they prove no one. `client`
    /// is the address counted by the sign-in limit; `app` the player's
    /// `c`, kept as the key's last client.
    pub async fn authenticate(
        &self,
        credentials: PlayerCredentials<'_>,
        app: Option<&str>,
    ) -> ApiResult<Option<Player>> {
        let player = match credentials {
            PlayerCredentials::ApiKey(secret) => self.by_secret(secret).await?,
            PlayerCredentials::Token { user, token, salt } => {
                self.by_token(user, token, salt).await?
            }
            PlayerCredentials::Password { user, password } => {
                self.by_password(user, password).await?
            }
        };
        let Some(player) = player else {
            return Ok(None);
        };
        if self.erased.contains(player.user) {
            return Ok(None);
        }
        if let Some(key) = player.key {
            self.touch(key, app).await?;
        }
        Ok(Some(player))
    }

    async fn by_secret(&self, secret: &str) -> ApiResult<Option<Player>> {
        if !secret.starts_with(SECRET_PREFIX) || secret.len() > 128 {
            return Ok(None);
        }
        let Some(key) = player_key::Entity::find()
            .filter(player_key::Column::SecretLookup.eq(self.lookup(secret)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(owner) = user::Entity::find_by_id(key.user_id).one(&self.db).await? else {
            return Ok(None);
        };
        Ok(Some(Player {
            user: UserId(owner.id),
            email: owner.email,
            key: Some(PlayerKeyId(key.id)),
        }))
    }

    async fn by_token(&self, user: &str, token: &str, salt: &str) -> ApiResult<Option<Player>> {
        let Some(owner) = self.account(user).await? else {
            // Counted like a wrong token, so the limit does not tell which
            // accounts exist.
            self.limiter
                .hit(LOGIN_PER_ACCOUNT, &secret_hash(&normalised(user)))
                .await?;
            return Ok(None);
        };
        let Ok(token) = hex::decode(token.trim()) else {
            return Ok(None);
        };
        let keys = player_key::Entity::find_owned_by(owner.id)
            .all(&self.db)
            .await?;
        for key in keys {
            let Some(secret) = self.open(UserId(owner.id), &key.secret_sealed) else {
                tracing::warn!(
                    player_key.id = key.id,
                    "a player key does not open: was the server secret changed?"
                );
                continue;
            };
            let expected = Md5::new()
                .chain_update(secret.as_bytes())
                .chain_update(salt.as_bytes())
                .finalize();
            if constant_time_eq(&expected, &token) {
                return Ok(Some(Player {
                    user: UserId(owner.id),
                    email: owner.email,
                    key: Some(PlayerKeyId(key.id)),
                }));
            }
        }
        // A wrong token costs a sign-in attempt, so guessing is slow.
        self.limiter
            .hit(LOGIN_PER_ACCOUNT, &secret_hash(&owner.email))
            .await?;
        Ok(None)
    }

    async fn by_password(&self, user: &str, password: &str) -> ApiResult<Option<Player>> {
        // A player key given as the password.
        if password.starts_with(SECRET_PREFIX) {
            let by_key = self.by_secret(password).await?;
            return Ok(by_key.filter(|player| player.email == normalised(user)));
        }
        let account = normalised(user);
        let fingerprint = self.remember_fingerprint(&account, password);
        let owner = self.account(user).await?;
        if let (Some(owner), Some(known)) = (&owner, self.recall(&fingerprint)) {
            if known.user.0 == owner.id && known.password_hash == owner.password_hash {
                return Ok(Some(Player {
                    user: known.user,
                    email: owner.email.clone(),
                    key: None,
                }));
            }
        }
        // Counted before any work, like signing in.
        self.limiter
            .hit(LOGIN_PER_ACCOUNT, &secret_hash(&account))
            .await?;
        let stored = owner.as_ref().map(|owner| owner.password_hash.clone());
        if !verify_password(password.to_owned(), stored).await? {
            return Ok(None);
        }
        let Some(owner) = owner else {
            return Ok(None);
        };
        self.remember(
            fingerprint,
            Remembered {
                user: UserId(owner.id),
                password_hash: owner.password_hash.clone(),
                until: Instant::now() + PASSWORD_REMEMBERED,
            },
        );
        Ok(Some(Player {
            user: UserId(owner.id),
            email: owner.email,
            key: None,
        }))
    }

    async fn account(&self, user: &str) -> ApiResult<Option<user::Model>> {
        let Ok(email) = Email::parse(user) else {
            return Ok(None);
        };
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Notes the key's use, at most once a minute.
    async fn touch(&self, key: PlayerKeyId, app: Option<&str>) -> ApiResult<()> {
        let now = Utc::now();
        let client: Option<String> = app.map(|app| app.chars().take(100).collect());
        player_key::Entity::update_many()
            .col_expr(player_key::Column::LastUsedAt, Expr::value(now))
            .col_expr(player_key::Column::LastClient, Expr::value(client))
            .filter(player_key::Column::Id.eq(key.0))
            .filter(
                player_key::Column::LastUsedAt
                    .is_null()
                    .or(player_key::Column::LastUsedAt.lt(now - chrono::Duration::seconds(60))),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }

    fn lookup(&self, secret: &str) -> String {
        let mut mac = keyed(&self.lookup_key);
        mac.update(secret.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The secret sealed for `user`: nonce and ciphertext, base64.
    fn seal(&self, user: UserId, secret: &str) -> ApiResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut sealed = secret.as_bytes().to_vec();
        self.seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner_aad(user)),
                &mut sealed,
            )
            .map_err(|_| ApiError::internal(anyhow::anyhow!("sealing a player key failed")))?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok(STANDARD.encode(stored))
    }

    fn open(&self, user: UserId, stored: &str) -> Option<String> {
        let bytes = STANDARD.decode(stored).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let opened = self
            .seal
            .open_in_place(nonce, Aad::from(owner_aad(user)), &mut sealed)
            .ok()?;
        String::from_utf8(opened.to_vec()).ok()
    }

    fn remember_fingerprint(&self, account: &str, password: &str) -> [u8; 32] {
        let mut mac = keyed(&self.remember_key);
        mac.update(account.as_bytes());
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn recall(&self, fingerprint: &[u8; 32]) -> Option<Remembered> {
        let mut remembered = self
            .remembered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let known = remembered.get(fingerprint)?.clone();
        if known.until <= Instant::now() {
            remembered.pop(fingerprint);
            return None;
        }
        Some(known)
    }

    fn remember(&self, fingerprint: [u8; 32], known: Remembered) {
        self.remembered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .put(fingerprint, known);
    }
}

/// The account name as sign-in compares it.
fn normalised(user: &str) -> String {
    Email::parse(user)
        .map(|email| email.as_str().to_owned())
        .unwrap_or_else(|_| user.trim().to_lowercase())
}

/// A sealed secret opens only for the user it was sealed for.
fn owner_aad(user: UserId) -> [u8; 4] {
    user.0.to_be_bytes()
}

/// Equal in constant time.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_owner() {
        let db = DatabaseConnection::Disconnected;
        let keys = PlayerKeys::new(
            db,
            b"server secret",
            ErasedUsers::default(),
            RateLimiter::in_process(),
        );
        let sealed = keys.seal(UserId(7), "cdzp_secret").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(
            keys.open(UserId(7), &sealed).as_deref(),
            Some("cdzp_secret")
        );
        assert_eq!(keys.open(UserId(8), &sealed), None);
        let other = PlayerKeys::new(
            DatabaseConnection::Disconnected,
            b"another secret",
            ErasedUsers::default(),
            RateLimiter::in_process(),
        );
        assert_eq!(other.open(UserId(7), &sealed), None);
        // Two seals of one secret differ (a fresh nonce each).
        assert_ne!(sealed, keys.seal(UserId(7), "cdzp_secret").unwrap());
    }

    #[test]
    fn token_check_is_md5_of_secret_and_salt() {
        // The specification's own example.
        let token = Md5::new()
            .chain_update(b"sesame")
            .chain_update(b"c19b2d")
            .finalize();
        assert_eq!(hex::encode(token), "26719a1196d2a940705a59634eb18eab");
    }
}
