//! Who is calling: credentials, passwords, access tokens and secrets.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, RwLock};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{ApiKeyId, UserId};
use crate::error::{ApiError, ApiResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Partner,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Partner => "partner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "customer" => Some(Role::Customer),
            "partner" => Some(Role::Partner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    CatalogueRead,
    CatalogueWrite,
    OrdersRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogueRead => "catalogue_read",
            Scope::CatalogueWrite => "catalogue_write",
            Scope::OrdersRead => "orders_read",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "catalogue_read" => Some(Scope::CatalogueRead),
            "catalogue_write" => Some(Scope::CatalogueWrite),
            "orders_read" => Some(Scope::OrdersRead),
            _ => None,
        }
    }
}

/// The caller of one request, as its credentials prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User { id: UserId, role: Role },
    ApiKey { id: ApiKeyId, scopes: Vec<Scope> },
}

impl Principal {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Principal::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whoever may change the catalogue (an administrator, a partner, a key
    /// with `catalogue_write`): they read their own changes back, so they
    /// are never answered from the shared response cache, which another
    /// replica may hold a few seconds past a change.
    pub fn writes_catalogue(&self) -> bool {
        match self {
            Principal::Anonymous => false,
            Principal::User { role, .. } => matches!(role, Role::Partner | Role::Admin),
            Principal::ApiKey { scopes, .. } => scopes.contains(&Scope::CatalogueWrite),
        }
    }

    /// The signed-in user, or UNAUTHENTICATED.
    pub fn require_user(&self) -> ApiResult<UserId> {
        self.user_id().ok_or(ApiError::Unauthenticated)
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self {
            Principal::User {
                role: Role::Admin, ..
            } => Ok(()),
            Principal::Anonymous => Err(ApiError::Unauthenticated),
            _ => Err(ApiError::Forbidden("only an administrator may do this")),
        }
    }

    /// An administrator, or an API key holding `scope`.
    pub fn require_admin_or_scope(&self, scope: Scope) -> ApiResult<()> {
        match self {
            Principal::ApiKey { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Principal::ApiKey { .. } => Err(ApiError::Forbidden(
                "this API key lacks the scope this operation needs",
            )),
            _ => self.require_admin(),
        }
    }
}

/// An email address, trimmed and lower-cased, checked once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> ApiResult<Self> {
        let email = raw.trim().to_lowercase();
        if email.len() > 254 || !email_address::EmailAddress::is_valid(&email) {
            return Err(ApiError::bad_input("email is not a valid address"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 10 characters, at most 1,024 bytes.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(raw: &str) -> ApiResult<Self> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(ApiError::bad_input(format!(
                "password must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if raw.len() > 1024 {
            return Err(ApiError::bad_input("password must be at most 1024 bytes"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Argon2id with the crate's recommended parameters, off the async runtime.
    pub async fn hash(self) -> ApiResult<String> {
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(self.0.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|err| ApiError::internal(anyhow::anyhow!("hashing a password: {err}")))
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// Checks `password` against a stored Argon2 hash, off the async runtime.
/// With no stored hash (unknown account) it still spends the same effort, so
/// timing does not tell which emails have accounts.
pub async fn verify_password(password: String, stored: Option<String>) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|err| ApiError::internal(anyhow::anyhow!("stored hash unreadable: {err}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY_HASH)
    })
    .await
    .map_err(ApiError::internal)?
}

/// An Argon2id hash of a random password nobody knows, default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ix0JfOOeCnXYlJ8tTjOqQrNgRBV4RWaOqMLpzMP55hM";

/// Random bytes as URL-safe text: refresh tokens, API key secrets, jtis.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Hex SHA-256 of a high-entropy secret. The secrets hashed here are random
/// 256-bit values, so a fast hash is enough; passwords use Argon2id.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const ISSUER: &str = "cadenza";
const AUDIENCE: &str = "cadenza-api";

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    sub: String,
    role: String,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    jti: String,
}

/// The users whose accounts were erased, as this replica knows them: a
/// token of theirs, however well signed and unexpired, proves nothing.
/// Only ever grows while the process runs (a number per erased account);
/// filled from the database at start-up and as erasures happen anywhere.
#[derive(Clone, Default)]
pub struct ErasedUsers(Arc<RwLock<HashSet<i32>>>);

impl ErasedUsers {
    pub fn contains(&self, user: UserId) -> bool {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&user.0)
    }

    pub fn extend(&self, users: impl IntoIterator<Item = UserId>) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(users.into_iter().map(|user| user.0));
    }
}

/// Seconds a token is still taken after its `exp`, for clocks that
/// disagree a little.
pub const CLOCK_LEEWAY_SECS: u64 = 5;

/// Signs and checks access tokens: HS256 only, with `exp`, `iss`, `aud`,
/// `sub` and `jti` required; a token of an erased account is refused.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    erased: ErasedUsers,
    pub ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: std::time::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = CLOCK_LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            erased: ErasedUsers::default(),
            ttl: Duration::from_std(ttl).unwrap_or(Duration::minutes(15)),
        }
    }

    /// The erased accounts whose tokens are refused.
    pub fn erased(&self) -> &ErasedUsers {
        &self.erased
    }

    pub fn issue(&self, user: UserId, role: Role) -> ApiResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + self.ttl;
        let claims = AccessClaims {
            sub: user.0.to_string(),
            role: role.as_str().to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: random_token(16),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, expires_at))
    }

    /// The principal a bearer token proves, or `None` for any token that is
    /// forged, expired, of another algorithm, missing a required claim, or
    /// of an erased account.
    pub fn verify(&self, token: &str) -> Option<Principal> {
        self.verify_until(token).map(|(principal, _)| principal)
    }

    /// The principal and the Unix time from which its token is refused
    /// (its `exp` and the leeway).
    pub fn verify_until(&self, token: &str) -> Option<(Principal, i64)> {
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?;
        let id = UserId(data.claims.sub.parse::<i32>().ok()?);
        if self.erased.contains(id) {
            return None;
        }
        let role = Role::parse(&data.claims.role)?;
        if data.claims.jti.is_empty() {
            return None;
        }
        // Taken while `exp >= now - leeway`, in whole seconds.
        let refused_from = data
            .claims
            .exp
            .saturating_add(i64::try_from(CLOCK_LEEWAY_SECS).unwrap_or(0))
            .saturating_add(1);
        Some((Principal::User { id, role }, refused_from))
    }
}

/// The token of an `Authorization` value with the `Bearer` scheme, whose
/// name is matched in any case (RFC 7235, 2.1).
pub fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The signing secret: `CADENZA_JWT_SECRET`, or one generated on first start
/// and kept (readable by the owner only) in the data dir.
pub fn load_or_create_secret(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => {
            return Ok(existing.trim().as_bytes().to_vec())
        }
        Ok(_) => anyhow::bail!("{} is too short to be a signing key", path.display()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err.into()),
    }
    let secret = random_token(48);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, secret.as_bytes())?;
            Ok(secret.into_bytes())
        }
        // Another process created it first; use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIFTEEN_MINUTES: std::time::Duration = std::time::Duration::from_secs(900);

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let keys = AccessTokens::new(b"0123456789abcdef0123456789abcdef", FIFTEEN_MINUTES);
        let (token, _) = keys.issue(UserId(7), Role::Admin).unwrap();
        assert_eq!(
            keys.verify(&token),
            Some(Principal::User {
                id: UserId(7),
                role: Role::Admin
            })
        );
        let other = AccessTokens::new(b"another-secret-another-secret-xx", FIFTEEN_MINUTES);
        assert_eq!(other.verify(&token), None);
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(keys.verify(&tampered), None);
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("a@").is_err());
    }

    #[tokio::test]
    async fn dummy_hash_is_a_valid_hash_that_never_verifies() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("whatever-password".into(), None)
            .await
            .unwrap());
        let hash = NewPassword::parse("correct horse battery")
            .unwrap()
            .hash()
            .await
            .unwrap();
        assert!(
            verify_password("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse battery".into(), Some(hash))
            .await
            .unwrap());
    }
}
