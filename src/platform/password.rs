//! Password hashing with argon2id at OWASP's parameters.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

/// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_else(|_| Params::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password that is never printed; the `Debug` form hides it.
pub struct Password(String);

impl Password {
    pub fn new(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Argon2 is designed to be slow and memory-hard (19 MiB per hash), so it runs on a blocking
/// thread, never on the async runtime's workers, and only a few at a time: a burst of
/// sign-ins waits its turn instead of taking 19 MiB each at once.
async fn hashing_turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURNS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            tokio::sync::Semaphore::new(cores.clamp(1, 8))
        })
        .acquire()
        .await
        .map_err(|e| AppError::internal(format_args!("password hashing turns: {e}")))
}

pub async fn hash(password: Password) -> Result<String, AppError> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::internal(format_args!("password hashing task failed: {e}")))?
    .map_err(|e| AppError::internal(format_args!("password hashing failed: {e}")))
}

/// What checking a password against a stored hash found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right, but the hash was made with older parameters and should be replaced.
    YesButRehash,
}

pub async fn verify(password: Password, stored_hash: String) -> Result<Verified, AppError> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored_hash) else {
            return Verified::No;
        };
        if Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_err()
        {
            return Verified::No;
        }
        let current = Params::try_from(&parsed).ok();
        let up_to_date = parsed.algorithm == Algorithm::Argon2id.ident()
            && current.is_some_and(|p| {
                p.m_cost() == MEMORY_KIB && p.t_cost() == ITERATIONS && p.p_cost() == LANES
            });
        if up_to_date {
            Verified::Yes
        } else {
            Verified::YesButRehash
        }
    })
    .await
    .map_err(|e| AppError::internal(format_args!("password check task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_old_parameters_ask_for_a_rehash() {
        let hashed = hash(Password::new("correct horse battery".into()))
            .await
            .unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify(
                Password::new("correct horse battery".into()),
                hashed.clone()
            )
            .await
            .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            verify(Password::new("wrong horse battery".into()), hashed)
                .await
                .unwrap(),
            Verified::No
        );

        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let old = weak
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            verify(Password::new("correct horse battery".into()), old)
                .await
                .unwrap(),
            Verified::YesButRehash
        );
    }
}
