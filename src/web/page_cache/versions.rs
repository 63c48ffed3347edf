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

/// One reading of the row: the version pages are rendered under, and the readers version
/// signed-in readers' own rows are kept under (`web::reader_rows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Reading {
    pub(super) pages: Version,
    pub(super) readers: i64,
}

/// The versions readers see now.
pub(super) async fn current_version(db: &Db) -> Result<Reading, sqlx::Error> {
    let (content, views, readers) = with_db!(db, |pool| sqlx::query_as(
        "SELECT version, views_version, readers_version FROM content_version WHERE id = 1"
    )
    .fetch_one(pool)
    .await)?;
    Ok(Reading {
        pages: Version { content, views },
        readers,
    })
}

/// Tells every instance's cache that what readers see may have changed. Called after the
/// change has committed. A reader's own rows may have changed with it (a comment approved
/// leaves their waiting ones), so the readers version moves too.
pub async fn bump(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version
         SET version = version + 1, readers_version = readers_version + 1 WHERE id = 1"
    )
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Tells every instance that some signed-in reader's own rows changed (a session ended, a
/// comment held for moderation), and nothing everybody sees.
pub async fn bump_readers(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version SET readers_version = readers_version + 1 WHERE id = 1"
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
