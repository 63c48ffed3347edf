//! Categories in the database.

use super::{Category, CategoryId};
use crate::accounts::CurrentUser;
use crate::audit::store::{record_in, AuditEntry};
use crate::error::{AppError, FieldError};
use crate::platform::db::{now, unique_violation, BeginWrite, Db};
use crate::with_db;

/// Counts come from the (category_id, published_at) index: one range per category.
const CATEGORY_COLUMNS: &str = concat!(
    "c.id, c.name, c.slug, c.description, c.color,
    (SELECT COUNT(*) FROM post_categories x
     WHERE x.category_id = c.id AND ",
    crate::listed_and_due!(x, "$1"),
    ") AS post_count, p.name AS parent_name, p.slug AS parent_slug"
);

/// The categories with their parents.
const CATEGORY_TABLES: &str = "categories c LEFT JOIN categories p ON p.id = c.parent_id";

pub async fn list(db: &Db) -> Result<Vec<Category>, AppError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM {CATEGORY_TABLES} ORDER BY lower(c.name)");
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql).bind(now()).fetch_all(pool).await
    })?)
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Category>, AppError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM {CATEGORY_TABLES} WHERE c.slug = $2");
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(slug)
            .fetch_optional(pool)
            .await
    })?)
}

/// A category's fields, checked.
pub struct CategoryInput {
    name: String,
    slug: String,
    description: String,
    color: String,
}

pub const NAME_MAX: usize = 60;
pub const SLUG_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 500;

impl CategoryInput {
    pub fn validate(
        name: &str,
        slug: &str,
        description: &str,
        color: &str,
    ) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        // Lengths are measured as typed, before trimming: the API's schema says so.
        if name.trim().is_empty() || name.chars().count() > NAME_MAX {
            errors.push(FieldError::new(
                "name",
                format!("Give it a name of 1 to {NAME_MAX} characters"),
            ));
        }
        let name = name.trim();
        if slug.chars().count() > SLUG_MAX {
            errors.push(FieldError::new(
                "slug",
                format!("Keep the address under {SLUG_MAX} characters"),
            ));
        }
        let slug = crate::platform::markdown::derived_slug(slug, name, SLUG_MAX, "category");
        if description.chars().count() > DESCRIPTION_MAX {
            errors.push(FieldError::new(
                "description",
                format!("Keep the description under {DESCRIPTION_MAX} characters"),
            ));
        }
        let description = description.trim();
        let color = color.trim().to_lowercase();
        let hex = color.strip_prefix('#').unwrap_or("");
        if !(matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())) {
            errors.push(FieldError::new("color", "Use a colour like #3b82f6"));
        }
        if !errors.is_empty() {
            return Err(AppError::invalid(errors));
        }
        Ok(Self {
            name: name.to_owned(),
            slug,
            description: description.to_owned(),
            color,
        })
    }
}

pub async fn save(
    db: &Db,
    admin: &CurrentUser,
    id: Option<CategoryId>,
    input: CategoryInput,
    claim: Option<&crate::idempotency::Claim>,
) -> Result<Category, AppError> {
    let now = now();
    let result: Result<Option<i64>, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let saved: Option<i64> = match id {
                None => Some(
                    sqlx::query_scalar(
                        "INSERT INTO categories (name, slug, description, color, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                    )
                    .bind(&input.name)
                    .bind(&input.slug)
                    .bind(&input.description)
                    .bind(&input.color)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?,
                ),
                Some(id) => sqlx::query_scalar(
                    "UPDATE categories SET name = $1, slug = $2, description = $3, color = $4,
                            updated_at = $5
                     WHERE id = $6 RETURNING id",
                )
                .bind(&input.name)
                .bind(&input.slug)
                .bind(&input.description)
                .bind(&input.color)
                .bind(now)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?,
            };
            if let Some(saved) = saved {
                let action = if id.is_some() {
                    "category.update"
                } else {
                    "category.create"
                };
                let entry =
                    AuditEntry::new(admin.id.0, &admin.username, action, "category", Some(saved));
                record_in(&mut tx, entry.detail(format!("{} (/{})", input.name, input.slug)))
                    .await?;
                if let Some(claim) = claim {
                    crate::idempotency::record(&mut tx, claim, saved).await?;
                }
            }
            tx.commit().await?;
            Ok(saved)
        }
        .await
    });
    let saved = result.map_err(|err| match unique_violation(&err).as_deref() {
        Some("categories_name_key") => {
            AppError::taken("name", "Another category already has this name")
        }
        Some("categories_slug_key") => {
            AppError::taken("slug", "Another category already uses this address")
        }
        _ => err.into(),
    })?;
    let saved = saved.ok_or(AppError::NotFound)?;
    find_by_id(db, CategoryId(saved))
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn find_by_id(db: &Db, id: CategoryId) -> Result<Option<Category>, AppError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM {CATEGORY_TABLES} WHERE c.id = $2");
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(id)
            .fetch_optional(pool)
            .await
    })?)
}

pub async fn delete(db: &Db, admin: &CurrentUser, id: CategoryId) -> Result<(), AppError> {
    let deleted = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let name: Option<String> =
                sqlx::query_scalar("DELETE FROM categories WHERE id = $1 RETURNING name")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(name) = &name {
                let entry = AuditEntry::new(
                    admin.id.0,
                    &admin.username,
                    "category.delete",
                    "category",
                    Some(id.0),
                );
                record_in(&mut tx, entry.detail(name.clone())).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(name.is_some())
        }
        .await
    })?;
    if deleted {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Every category's slug, in order: the sitemap's category pages.
pub async fn slugs(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar("SELECT slug FROM categories ORDER BY slug")
            .fetch_all(pool)
            .await
    })?)
}
