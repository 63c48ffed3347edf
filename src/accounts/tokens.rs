//! The API's tokens, and the only door to their tables: access tokens (short-lived JWTs,
//! HS256, signed with a secret kept in the settings when not configured) and refresh tokens
//! (random, stored only as hashes, rotated on every use; presenting a used one revokes its
//! whole family).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::UserId;
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

pub const ACCESS_TOKEN_MINUTES: i64 = 15;
pub const REFRESH_TOKEN_DAYS: i64 = 30;
const SECRET_SETTING: &str = "jwt_secret";

/// The signing secret: `QUIRE_JWT_SECRET`, or one generated on first start and kept in the
/// database, so every instance signs and checks with the same one.
pub struct Keys {
    from_env: Option<Vec<u8>>,
    loaded: OnceCell<Vec<u8>>,
}

impl Keys {
    pub fn new(from_env: Option<String>) -> Self {
        Self {
            from_env: from_env.map(String::into_bytes),
            loaded: OnceCell::new(),
        }
    }

    async fn secret(&self, db: &Db) -> Result<&[u8], AppError> {
        if let Some(secret) = &self.from_env {
            return Ok(secret);
        }
        let secret = self
            .loaded
            .get_or_try_init(|| async {
                let fresh: String = rand::random::<[u8; 32]>()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let stored: String = with_db!(db, |pool| {
                    async {
                        sqlx::query(
                            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
                             ON CONFLICT (key) DO NOTHING",
                        )
                        .bind(SECRET_SETTING)
                        .bind(&fresh)
                        .bind(now())
                        .execute(pool)
                        .await?;
                        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                            .bind(SECRET_SETTING)
                            .fetch_one(pool)
                            .await
                    }
                    .await
                })?;
                Ok::<_, AppError>(stored.into_bytes())
            })
            .await?;
        Ok(secret)
    }

    /// What signs one-click unsubscribe links: the same key, another purpose.
    pub async fn unsubscribe_signer(
        &self,
        db: &Db,
    ) -> Result<crate::mail::unsubscribe::Signer, AppError> {
        crate::mail::unsubscribe::Signer::new(self.secret(db).await?)
    }

    /// A signed access token for `user_id`, valid for 15 minutes.
    pub async fn access_token(&self, db: &Db, user_id: UserId) -> Result<String, AppError> {
        let expires = Utc::now() + Duration::minutes(ACCESS_TOKEN_MINUTES);
        self.access_token_until(db, user_id, expires).await
    }

    /// A signed access token for `user_id` that expires at `expires` (tests make expired ones).
    pub async fn access_token_until(
        &self,
        db: &Db,
        user_id: UserId,
        expires: chrono::DateTime<Utc>,
    ) -> Result<String, AppError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "sub": user_id.to_string(),
            "iat": Utc::now().timestamp(),
            "exp": expires.timestamp(),
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = sign(self.secret(db).await?, &signing_input)?;
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The user an access token was issued to, if it is genuine and not expired.
    pub async fn verify(&self, db: &Db, token: &str) -> Result<Option<UserId>, AppError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return Ok(None);
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret(db).await?)
            .map_err(|e| AppError::internal(format_args!("token key: {e}")))?;
        mac.update(format!("{header}.{payload}").as_bytes());
        if mac.verify_slice(&signature).is_err() {
            return Ok(None);
        }
        // Only tokens this server made get this far; still, only HS256 is accepted.
        let header: serde_json::Value = URL_SAFE_NO_PAD
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .unwrap_or_default();
        if header["alg"] != "HS256" {
            return Ok(None);
        }
        let claims: serde_json::Value = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .unwrap_or_default();
        let expires = claims["exp"].as_i64().unwrap_or(0);
        if expires <= Utc::now().timestamp() {
            return Ok(None);
        }
        Ok(claims["sub"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(UserId))
    }
}

impl Keys {
    /// A digest of `data` keyed by the signing secret: to recognize a request again later
    /// (`idempotency`) without storing anything that reveals or lets anyone guess its body,
    /// which may hold a password.
    pub async fn fingerprint(&self, db: &Db, data: &[u8]) -> Result<String, AppError> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret(db).await?).map_err(AppError::internal)?;
        mac.update(data);
        Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

fn sign(secret: &[u8], input: &str) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|e| AppError::internal(format_args!("token key: {e}")))?;
    mac.update(input.as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

pub(super) fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Whether a single-use mailed link can still be used, from its row (`expires_at`,
/// `used_at`) if there is one. A link that never existed is not found (404); a used or
/// expired one is refused on the field `token`, at odds with what is stored as a used
/// invitation is (409 in the API), with `again`: how to get a new one.
pub(super) fn usable_link(
    found: Option<(chrono::DateTime<Utc>, Option<chrono::DateTime<Utc>>)>,
    again: &str,
) -> Result<(), AppError> {
    let refused = |why: &str| AppError::taken("token", format!("{why} {again}"));
    match found {
        None => Err(AppError::NotFound),
        Some((_, Some(_))) => Err(refused("This link has been used already.")),
        Some((expires_at, None)) if expires_at <= now() => Err(refused("This link has expired.")),
        Some(_) => Ok(()),
    }
}

/// A new refresh token in `family` (a new family when None).
pub async fn issue_refresh(
    db: &Db,
    user_id: UserId,
    family: Option<String>,
) -> Result<String, AppError> {
    let token = random_token();
    let family = family.unwrap_or_else(random_token);
    let now = now();
    with_db!(db, |pool| sqlx::query(
        "INSERT INTO refresh_tokens (user_id, token_hash, family_id, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(user_id)
    .bind(hash(&token))
    .bind(&family)
    .bind(now + Duration::days(REFRESH_TOKEN_DAYS))
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(token)
}

fn invalid_refresh() -> AppError {
    AppError::Unauthorized
}

/// Trades a refresh token for a new one (same family) and returns the user. A token used
/// twice means it leaked: its whole family is revoked.
async fn rotate(db: &Db, token: &str) -> Result<(UserId, String), AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        user_id: UserId,
        family_id: String,
        expires_at: chrono::DateTime<Utc>,
        used_at: Option<chrono::DateTime<Utc>>,
        revoked_at: Option<chrono::DateTime<Utc>>,
    }
    let now = now();
    let row: Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, user_id, family_id, expires_at, used_at, revoked_at
             FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(hash(token))
        .fetch_optional(pool)
        .await
    })?;
    let row = row.ok_or_else(invalid_refresh)?;
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(invalid_refresh());
    }
    // Marking it used only if nobody did first: of two racing uses, one wins.
    let claimed = with_db!(db, |pool| sqlx::query(
        "UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL"
    )
    .bind(now)
    .bind(row.id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if row.used_at.is_some() || claimed == 0 {
        revoke_family(db, &row.family_id).await?;
        tracing::warn!(
            user_id = row.user_id.0,
            "a used refresh token was presented again; its family is revoked"
        );
        return Err(invalid_refresh());
    }
    let fresh = issue_refresh(db, row.user_id, Some(row.family_id)).await?;
    Ok((row.user_id, fresh))
}

async fn revoke_family(db: &Db, family: &str) -> Result<(), AppError> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL"
    )
    .bind(now())
    .bind(family)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Revokes a refresh token and the tokens rotated from the same sign-in.
pub async fn revoke(db: &Db, token: &str) -> Result<(), AppError> {
    let family: Option<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash(token))
            .fetch_optional(pool)
            .await
    })?;
    let family = family.ok_or_else(invalid_refresh)?;
    revoke_family(db, &family).await
}

/// Trades a refresh token for a new pair: `(access token, refresh token)`. The old refresh
/// token stops working either way; a deactivated user gets no new tokens.
pub async fn renew(db: &Db, keys: &Keys, token: &str) -> Result<(String, String), AppError> {
    let (user_id, refresh_token) = rotate(db, token).await?;
    let active = super::store::find_by_id(db, user_id)
        .await?
        .is_some_and(|u| u.is_active);
    if !active {
        return Err(AppError::Unauthorized);
    }
    let access_token = keys.access_token(db, user_id).await?;
    Ok((access_token, refresh_token))
}
