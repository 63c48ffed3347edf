//! `Idempotency-Key` on the API's POSTs that create something. A client that never heard the
//! answer (a timeout, a dropped connection, a server killed mid-request) sends the same request
//! again with the same key and gets the first answer, not a second post or comment.
//!
//! The key is written in the same transaction as what the request created, so after any crash
//! either both exist or neither does: a retry then replays the answer or does the work, never
//! half of it. Keys are kept per user for [`KEPT_HOURS`]; the same key with another body is
//! refused (422), and a retry that arrives while the first request is still being answered
//! gets 409 and may try again.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};

use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

pub const HEADER: &str = "idempotency-key";
/// How long a key is remembered, as the common APIs that take one do.
pub const KEPT_HOURS: i64 = 24;
const MAX_KEY_LEN: usize = 255;

/// The `Idempotency-Key` header, if the request has one: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=MAX_KEY_LEN).contains(&k.len()))
            .filter(|k| k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                AppError::field(
                    "Idempotency-Key",
                    "An Idempotency-Key is 1 to 255 visible ASCII characters",
                )
            })?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// A keyed request: whose, the key, and a fingerprint of what it asked for.
#[derive(Debug, Clone)]
pub struct Claim {
    pub user_id: i64,
    pub key: String,
    pub request: String,
}

/// What an earlier request with the same key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    /// Nothing yet (or it was forgotten): do the work, and record the key with it.
    None,
    /// The same request created this resource: answer with it again.
    Created(i64),
    /// Another request used this key.
    Different,
}

impl Claim {
    /// `fingerprint` is a keyed digest of the method, path and body (see
    /// `accounts::tokens::Keys::fingerprint`): a body may hold a password.
    pub fn new(user_id: i64, key: String, fingerprint: String) -> Self {
        Self {
            user_id,
            key,
            request: fingerprint,
        }
    }

    /// What an earlier request with this key did. Keys past their time are forgotten first.
    pub async fn earlier(&self, db: &Db) -> Result<Earlier, AppError> {
        let cutoff = now() - Duration::hours(KEPT_HOURS);
        let row: Option<(String, i64)> = with_db!(db, |pool| {
            async {
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3",
                )
                .bind(self.user_id)
                .bind(&self.key)
                .bind(cutoff)
                .execute(pool)
                .await?;
                sqlx::query_as(
                    "SELECT request, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                )
                .bind(self.user_id)
                .bind(&self.key)
                .fetch_optional(pool)
                .await
            }
            .await
        })?;
        Ok(match row {
            None => Earlier::None,
            Some((request, id)) if request == self.request => Earlier::Created(id),
            Some(_) => Earlier::Different,
        })
    }
}

/// The answer to a key reused with another request.
pub fn reused() -> AppError {
    AppError::Unprocessable(
        "This Idempotency-Key was already used with a different request".to_owned(),
    )
}

/// Records `claim` as having created `resource_id`, inside the transaction that created it.
pub async fn record<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    claim: &Claim,
    resource_id: i64,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request, resource_id, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(claim.user_id)
    .bind(claim.key.clone())
    .bind(claim.request.clone())
    .bind(resource_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keys past their time, for the server's periodic clean-up.
pub async fn forget_expired(db: &Db) -> Result<u64, AppError> {
    let cutoff = now() - Duration::hours(KEPT_HOURS);
    let gone = with_db!(db, |pool| {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(cutoff)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(gone)
}
