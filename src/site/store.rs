//! The site's settings row.

use super::{MenuLink, Menus, Publishing, Registration, SiteSettings};
use crate::audit::store::{record_in, Actor, AuditEntry};
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

#[derive(sqlx::FromRow)]
struct Row {
    title: String,
    description: String,
    language: String,
    time_zone: String,
    footer: String,
    registration: String,
    publishing: String,
    comments_enabled: bool,
    comments_need_confirmed_email: bool,
    powered_by: bool,
    set_up: bool,
    accent_color: String,
    social_links: String,
    logo: String,
    icon: String,
}

pub async fn load(db: &Db) -> Result<SiteSettings, AppError> {
    let row: Row = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT title, description, language, time_zone, footer, registration, publishing,
                comments_enabled, comments_need_confirmed_email, powered_by, set_up_at IS NOT NULL AS set_up,
                accent_color, social_links, logo, icon
         FROM site_settings WHERE id = 1"
    )
    .fetch_one(pool)
    .await
    })?;
    Ok(SiteSettings {
        title: row.title,
        description: row.description,
        language: row.language,
        time_zone: row.time_zone,
        footer: row.footer,
        // The table's CHECKs hold these to the names `parse` knows.
        registration: Registration::parse(&row.registration).unwrap_or_default(),
        publishing: Publishing::parse(&row.publishing).unwrap_or_default(),
        comments_enabled: row.comments_enabled,
        comments_need_confirmed_email: row.comments_need_confirmed_email,
        powered_by: row.powered_by,
        set_up: row.set_up,
        accent_color: row.accent_color,
        social_links: row.social_links.lines().map(str::to_owned).collect(),
        logo: row.logo,
        icon: row.icon,
        menus: load_menus(db).await?,
    })
}

/// Both menus, in order.
async fn load_menus(db: &Db) -> Result<Menus, AppError> {
    let rows: Vec<(String, String, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT place, label, target FROM menu_links ORDER BY place, position"
    )
    .fetch_all(pool)
    .await)?;
    let mut menus = Menus::default();
    for (place, label, target) in rows {
        let link = MenuLink { label, target };
        match place.as_str() {
            "footer" => menus.footer.push(link),
            _ => menus.header.push(link),
        }
    }
    Ok(menus)
}

/// Replaces both menus with checked ones, and notes it in the audit log.
pub async fn save_menus(db: &Db, actor: Actor<'_>, menus: &Menus) -> Result<(), AppError> {
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM menu_links")
                .execute(&mut *tx)
                .await?;
            for (place, links) in [("header", &menus.header), ("footer", &menus.footer)] {
                for (position, link) in (0_i64..).zip(links.iter()) {
                    sqlx::query(
                        "INSERT INTO menu_links (place, position, label, target)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(place)
                    .bind(position)
                    .bind(&link.label)
                    .bind(&link.target)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let detail = format!(
                "{} header links, {} footer links",
                menus.header.len(),
                menus.footer.len()
            );
            let entry = AuditEntry::new(actor.id, actor.username, "site.menu", "site", None);
            record_in(&mut tx, entry.detail(detail)).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
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
                        updated_at = $9, accent_color = $10, social_links = $11, time_zone = $12,
                        comments_need_confirmed_email = $13
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
            .bind(&settings.accent_color)
            .bind(settings.social_links.join("\n"))
            .bind(&settings.time_zone)
            .bind(settings.comments_need_confirmed_email)
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
        ("time zone", before.time_zone != after.time_zone),
        ("footer", before.footer != after.footer),
        ("registration", before.registration != after.registration),
        ("publishing", before.publishing != after.publishing),
        (
            "comments",
            before.comments_enabled != after.comments_enabled,
        ),
        (
            "confirmed addresses to comment",
            before.comments_need_confirmed_email != after.comments_need_confirmed_email,
        ),
        ("powered by", before.powered_by != after.powered_by),
        ("accent colour", before.accent_color != after.accent_color),
        ("social links", before.social_links != after.social_links),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// Keeps the hash of a token that may claim the blog at `/setup`, unless it has been set up.
/// Answers whether the blog is still unclaimed (the token is then usable).
pub async fn add_setup_token(db: &Db, token_hash: &str) -> Result<bool, AppError> {
    let added = with_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at)
         SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM site_settings WHERE id = 1 AND set_up_at IS NULL)"
    )
    .bind(token_hash)
    .bind(now())
    .execute(pool)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(added == 1)
}

/// Whether `token_hash` may claim the blog now.
pub async fn setup_token_valid(db: &Db, token_hash: &str) -> Result<bool, AppError> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM setup_tokens t JOIN site_settings s ON s.id = 1
                        WHERE t.token_hash = $1 AND s.set_up_at IS NULL)"
    )
    .bind(token_hash)
    .fetch_one(pool)
    .await)?)
}

/// How the blog is claimed by its first admin.
#[derive(Clone, Copy)]
pub enum Claim<'a> {
    /// At `/setup`: the token's hash and the blog's name.
    Setup { token_hash: &'a str, title: &'a str },
    /// By an admin account made any other way (`quire user create --role admin`).
    Admin,
}

/// Marks the blog as set up, inside the transaction that makes its first admin. Answers false
/// for a setup whose token is not (or no longer) valid: the caller then rolls back. Pages of
/// every instance learn at once: the content version moves in the same transaction (the
/// command line makes admins too, outside any request the page cache would see).
pub async fn claim_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    claim: Claim<'_>,
) -> Result<bool, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> chrono::DateTime<chrono::Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    // RETURNING, not rows_affected: the latter is not part of sqlx's backend-generic API.
    let claimed: Option<i64> = match claim {
        Claim::Setup { token_hash, title } => {
            sqlx::query_scalar(
                "UPDATE site_settings SET set_up_at = $1, title = $2, updated_at = $1
                 WHERE id = 1 AND set_up_at IS NULL
                   AND EXISTS (SELECT 1 FROM setup_tokens WHERE token_hash = $3)
                 RETURNING CAST(id AS BIGINT)",
            )
            .bind(now())
            .bind(title.to_owned())
            .bind(token_hash.to_owned())
            .fetch_optional(&mut **tx)
            .await?
        }
        Claim::Admin => {
            sqlx::query_scalar(
                "UPDATE site_settings SET set_up_at = $1 WHERE id = 1 AND set_up_at IS NULL
                 RETURNING CAST(id AS BIGINT)",
            )
            .bind(now())
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    let claimed = claimed.is_some();
    if claimed {
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(&mut **tx)
            .await?;
    }
    Ok(claimed || matches!(claim, Claim::Admin))
}

/// Makes `value` the blog's logo or icon (empty: none); answers the one it replaces, whose
/// files the caller removes once this has committed.
pub async fn set_image(
    db: &Db,
    actor: Actor<'_>,
    kind: super::images::SiteImage,
    value: &str,
) -> Result<String, AppError> {
    use super::images::SiteImage;
    // Column names cannot be bound: one literal statement per picture.
    let (read, write) = match kind {
        SiteImage::Logo => (
            "SELECT logo FROM site_settings WHERE id = 1",
            "UPDATE site_settings SET logo = $1, updated_at = $2 WHERE id = 1",
        ),
        SiteImage::Icon => (
            "SELECT icon FROM site_settings WHERE id = 1",
            "UPDATE site_settings SET icon = $1, updated_at = $2 WHERE id = 1",
        ),
    };
    let old = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let old: String = sqlx::query_scalar(read).fetch_one(&mut *tx).await?;
            sqlx::query(write)
                .bind(value)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            let action = if value.is_empty() {
                "removed"
            } else {
                "replaced"
            };
            let entry = AuditEntry::new(actor.id, actor.username, "site.update", "site", None);
            record_in(&mut tx, entry.detail(format!("{} {action}", kind.field()))).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(old)
        }
        .await
    })?;
    Ok(old)
}
