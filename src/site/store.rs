//! The site's settings row.

use super::{Publishing, Registration, SiteSettings};
use crate::audit::store::{record_in, Actor, AuditEntry};
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

#[derive(sqlx::FromRow)]
struct Row {
    title: String,
    description: String,
    language: String,
    footer: String,
    registration: String,
    publishing: String,
    comments_enabled: bool,
    powered_by: bool,
}

pub async fn load(db: &Db) -> Result<SiteSettings, AppError> {
    let row: Row = with_db!(db, |pool| sqlx::query_as(
        "SELECT title, description, language, footer, registration, publishing,
                comments_enabled, powered_by
         FROM site_settings WHERE id = 1"
    )
    .fetch_one(pool)
    .await)?;
    Ok(SiteSettings {
        title: row.title,
        description: row.description,
        language: row.language,
        footer: row.footer,
        // The table's CHECKs hold these to the names `parse` knows.
        registration: Registration::parse(&row.registration).unwrap_or_default(),
        publishing: Publishing::parse(&row.publishing).unwrap_or_default(),
        comments_enabled: row.comments_enabled,
        powered_by: row.powered_by,
    })
}

/// Writes checked settings and notes in the audit log which ones changed.
pub async fn save(db: &Db, actor: Actor<'_>, settings: &SiteSettings) -> Result<(), AppError> {
    let before = load(db).await?;
    let changed = changed_fields(&before, settings);
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE site_settings SET title = $1, description = $2, language = $3, footer = $4,
                        registration = $5, publishing = $6, comments_enabled = $7, powered_by = $8,
                        updated_at = $9
                 WHERE id = 1",
            )
            .bind(&settings.title)
            .bind(&settings.description)
            .bind(&settings.language)
            .bind(&settings.footer)
            .bind(settings.registration.as_str())
            .bind(settings.publishing.as_str())
            .bind(settings.comments_enabled)
            .bind(settings.powered_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if !changed.is_empty() {
                let entry = AuditEntry::new(actor.id, actor.username, "site.update", "site", None);
                record_in(&mut tx, entry.detail(changed.join(", "))).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The names of the settings that differ, as the audit log lists them.
fn changed_fields(before: &SiteSettings, after: &SiteSettings) -> Vec<&'static str> {
    [
        ("title", before.title != after.title),
        ("description", before.description != after.description),
        ("language", before.language != after.language),
        ("footer", before.footer != after.footer),
        ("registration", before.registration != after.registration),
        ("publishing", before.publishing != after.publishing),
        (
            "comments",
            before.comments_enabled != after.comments_enabled,
        ),
        ("powered by", before.powered_by != after.powered_by),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}
