//! Tags in the database.

use chrono::{DateTime, Utc};

use super::TagCount;
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

/// The tags index shows at most this many.
pub const INDEX_LIMIT: i64 = 500;

/// Tags of the posts readers see, most used first, with how many of them carry each.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<TagCount>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(concat!(
            "SELECT t.name, COUNT(*) AS post_count
             FROM post_tags x JOIN tags t ON t.id = x.tag_id
             WHERE ",
            crate::listed_and_due!(x, "$1"),
            "
             GROUP BY t.name
             ORDER BY post_count DESC, t.name
             LIMIT $2"
        ))
        .bind(now())
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

pub async fn exists(db: &Db, name: &str) -> Result<bool, AppError> {
    let found: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM tags WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await
    })?;
    Ok(found.is_some())
}

/// The names of the tags on posts readers see at `now`, in order: the sitemap's tag pages.
pub async fn listed_names(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(concat!(
            "SELECT DISTINCT t.name FROM post_tags x JOIN tags t ON t.id = x.tag_id
                     WHERE ",
            crate::listed_and_due!(x, "$1"),
            " ORDER BY t.name"
        ))
        .bind(now)
        .fetch_all(pool)
        .await
    })?)
}
