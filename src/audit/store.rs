//! The audit log in the database.

use chrono::{DateTime, Utc};

use super::AuditLine;
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

/// One line of the audit log, to be written.
pub struct AuditEntry {
    pub actor_id: i64,
    pub actor_name: String,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<i64>,
    pub detail: String,
}

/// Who acts, as the log names them: stores that are below the accounts take this instead of
/// the signed-in user.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: i64,
    pub username: &'a str,
}

impl AuditEntry {
    /// The log keeps the actor's name as it was, so a line still reads after the account goes.
    pub fn new(
        actor_id: i64,
        actor_name: &str,
        action: &'static str,
        target_type: &'static str,
        target_id: Option<i64>,
    ) -> Self {
        Self {
            actor_id,
            actor_name: actor_name.to_owned(),
            action,
            target_type,
            target_id,
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Records an action inside the transaction of the action itself (either backend): both
/// happen or neither.
pub async fn record_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    entry: AuditEntry,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, detail, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.actor_id)
    .bind(entry.actor_name)
    .bind(entry.action.to_owned())
    .bind(entry.target_type.to_owned())
    .bind(entry.target_id)
    .bind(entry.detail)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records an action that ran in its own transaction (role and account changes).
pub async fn record(db: &Db, entry: AuditEntry) -> Result<(), AppError> {
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            record_in(&mut tx, entry).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// A page of the log, newest first, before `before_id`.
pub async fn page(db: &Db, before_id: Option<i64>, limit: i64) -> Result<Vec<AuditLine>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, actor_name, action, target_type, target_id, detail, created_at
             FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}
