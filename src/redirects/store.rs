//! The redirects table.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Redirect;
use crate::audit::store::{record_in, Actor, AuditEntry};
use crate::error::AppError;
use crate::platform::db::{now, unique_violation, BeginWrite, Db};
use crate::with_db;

/// How many hops a chain of redirects may take before it counts as a circle.
const MAX_HOPS: usize = 20;

/// Every redirect, newest first: the admin's list.
pub async fn list(db: &Db) -> Result<Vec<Redirect>, AppError> {
    Ok(with_db!(db, |pool| sqlx::query_as(
        "SELECT from_path, to_target, automatic, created_at FROM redirects
         ORDER BY created_at DESC, from_path"
    )
    .fetch_all(pool)
    .await)?)
}

/// Every redirect as path → target: what the server answers with (kept per content version).
pub async fn table(db: &Db) -> Result<HashMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT from_path, to_target FROM redirects"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// An admin's redirect from a checked path to a checked target; refused when the path has
/// one already or when readers would be sent around in a circle.
pub async fn add(
    db: &Db,
    actor: Actor<'_>,
    from: String,
    to: String,
) -> Result<Redirect, AppError> {
    let mut table = table(db).await?;
    if table.contains_key(&from) {
        return Err(AppError::taken(
            "from_path",
            "This path already has a redirect",
        ));
    }
    table.insert(from.clone(), to.clone());
    if leads_back(&table, &from) {
        return Err(AppError::field(
            "to_target",
            "This would send readers around in a circle",
        ));
    }
    let created_at = now();
    let result = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO redirects (from_path, to_target, automatic, created_at)
                 VALUES ($1, $2, FALSE, $3)",
            )
            .bind(&from)
            .bind(&to)
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry::new(
                actor.id,
                actor.username,
                "redirect.create",
                "redirect",
                None,
            );
            record_in(&mut tx, entry.detail(format!("{from} → {to}"))).await?;
            tx.commit().await
        }
        .await
    });
    result.map_err(|err| match unique_violation(&err) {
        Some(_) => AppError::taken("from_path", "This path already has a redirect"),
        None => err.into(),
    })?;
    Ok(Redirect {
        from_path: from,
        to_target: to,
        automatic: false,
        created_at,
    })
}

pub async fn remove(db: &Db, actor: Actor<'_>, from: &str) -> Result<(), AppError> {
    let removed = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let target: Option<String> = sqlx::query_scalar(
                "DELETE FROM redirects WHERE from_path = $1 RETURNING to_target",
            )
            .bind(from)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(target) = &target {
                let entry = AuditEntry::new(
                    actor.id,
                    actor.username,
                    "redirect.delete",
                    "redirect",
                    None,
                );
                record_in(&mut tx, entry.detail(format!("{from} → {target}"))).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(target.is_some())
        }
        .await
    })?;
    if removed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether following the redirects from `start` comes back to it.
fn leads_back(table: &HashMap<String, String>, start: &str) -> bool {
    let mut at = start;
    for _ in 0..MAX_HOPS {
        match table.get(at) {
            Some(next) if next == start => return true,
            Some(next) => at = next,
            None => return false,
        }
    }
    true
}

/// A redirect kept as given (an old blog's address, brought by an import), replacing the one
/// the path had, inside the transaction that brings it.
pub async fn keep_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO redirects (from_path, to_target, automatic, created_at) VALUES ($1, $2, FALSE, $3)
         ON CONFLICT (from_path) DO UPDATE SET to_target = $2",
    )
    .bind(from.to_owned())
    .bind(to.to_owned())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A public address moved from `from` to `to` (both paths), inside the transaction that
/// moved it: the old one now leads to the new one, redirects that led to the old one lead
/// straight to the new one (no chains), and a redirect from the new one (it answers again)
/// is gone.
pub async fn record_move<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("DELETE FROM redirects WHERE from_path = $1")
        .bind(to.to_owned())
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE redirects SET to_target = $1 WHERE to_target = $2")
        .bind(to.to_owned())
        .bind(from.to_owned())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM redirects WHERE from_path = $1")
        .bind(from.to_owned())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO redirects (from_path, to_target, automatic, created_at)
         VALUES ($1, $2, TRUE, $3)",
    )
    .bind(from.to_owned())
    .bind(to.to_owned())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circle_is_found_however_long() {
        let table: HashMap<String, String> =
            [("/a", "/b"), ("/b", "/c"), ("/c", "/a"), ("/d", "/a")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect();
        assert!(leads_back(&table, "/a"));
        assert!(leads_back(&table, "/d"), "into a circle counts too");
        let straight: HashMap<String, String> =
            [("/x".to_owned(), "https://example.com/".to_owned())].into();
        assert!(!leads_back(&straight, "/x"));
    }
}
