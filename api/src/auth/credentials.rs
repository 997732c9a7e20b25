//! What people sign in with: email addresses and passwords (Argon2id), and
//! the random secrets of refresh tokens and API keys.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

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

#[cfg(test)]
mod tests {
    use super::*;

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
