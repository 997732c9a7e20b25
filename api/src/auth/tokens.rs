//! Access tokens (HS256 JWTs) and the server's signing secret.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{random_token, ErasedUsers, Principal, Role};
use crate::domain::UserId;
use crate::error::{ApiError, ApiResult};

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
}
