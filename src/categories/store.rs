//! Categories in the database.

use super::Category;
use crate::error::AppError;
use crate::server::db::{now, Db};
use crate::with_db;

/// Counts come from the (category_id, published_at) index: one range per category.
const CATEGORY_COLUMNS: &str = "c.id, c.name, c.slug, c.description, c.color,
    (SELECT COUNT(*) FROM post_categories x
     WHERE x.category_id = c.id AND x.published_at <= $1) AS post_count";

pub async fn list(db: &Db) -> Result<Vec<Category>, AppError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM categories c ORDER BY lower(c.name)");
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql).bind(now()).fetch_all(pool).await
    })?)
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Category>, AppError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM categories c WHERE c.slug = $2");
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(slug)
            .fetch_optional(pool)
            .await
    })?)
}
