//! The versions kept pages are rendered under, one row in the database shared by every
//! instance: what a write bumps, and what a page's age is bounded by (the next publication).

use chrono::{DateTime, Utc};

use crate::platform::db::Db;
use crate::with_db;

/// What a page was rendered under. Both counters only grow and one row holds both, so any
/// two readings are ordered alike by each, and the derived order (content first) is theirs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Version {
    pub(super) content: i64,
    pub(super) views: i64,
}

/// The version readers see now.
pub(super) async fn current_version(db: &Db) -> Result<Version, sqlx::Error> {
    let (content, views) = with_db!(db, |pool| sqlx::query_as(
        "SELECT version, views_version FROM content_version WHERE id = 1"
    )
    .fetch_one(pool)
    .await)?;
    Ok(Version { content, views })
}

/// Tells every instance's cache that what readers see may have changed. Called after the
/// change has committed.
pub async fn bump(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version SET version = version + 1 WHERE id = 1"
    )
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Tells every instance's cache that view counts have changed.
pub async fn bump_views(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version SET views_version = views_version + 1 WHERE id = 1"
    )
    .execute(pool)
    .await
    .map(|_| ()))
}

/// The next time a scheduled post goes out, if one is scheduled.
pub(super) async fn next_publication(
    db: &Db,
) -> Result<Option<DateTime<Utc>>, crate::error::AppError> {
    crate::posts::store::next_publication(db).await
}
