//! The queries behind the moderation queue and the admin's overview.

use chrono::{DateTime, Utc};

use super::{AdminUser, Overview, QueueItem, Report};
use crate::accounts::{CurrentUser, Role};
use crate::audit::store::{record_in, AuditEntry};
use crate::comments::store::recount;
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::posts::Byline;
use crate::with_db;

/// The queue shows at most this many at once; deciding makes room for the next.
pub const QUEUE_LIMIT: i64 = 100;

pub async fn pending_count(db: &Db) -> Result<i64, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM comments WHERE is_approved = FALSE AND NOT is_deleted)
                  + (SELECT COUNT(DISTINCT comment_id) FROM comment_reports)",
        )
        .fetch_one(pool)
        .await
    })?)
}

pub async fn queue(db: &Db, limit: i64) -> Result<Vec<QueueItem>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        post_title: String,
        post_slug: String,
        parent_content: Option<String>,
        author_id: i64,
        username: String,
        first_name: Option<String>,
        last_name: Option<String>,
        avatar_url: Option<String>,
        author_approved: i64,
        author_rejected: i64,
        content_html: String,
        created_at: DateTime<Utc>,
        is_approved: bool,
    }
    // Pending comments come from their partial index; reported ones from the reports.
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT c.id, p.title AS post_title, p.slug AS post_slug, parent.content AS parent_content,
                    c.author_id, u.username, u.first_name, u.last_name, u.avatar_url,
                    (SELECT COUNT(*) FROM comments a WHERE a.author_id = c.author_id AND a.is_approved
                        AND NOT a.is_deleted) AS author_approved,
                    CAST(u.comments_rejected AS BIGINT) AS author_rejected,
                    c.content_html, c.created_at, c.is_approved
             FROM comments c
             JOIN posts p ON p.id = c.post_id
             JOIN users u ON u.id = c.author_id
             LEFT JOIN comments parent ON parent.id = c.parent_id
             WHERE NOT c.is_deleted
               AND (c.is_approved = FALSE
                    OR c.id IN (SELECT comment_id FROM comment_reports))
             ORDER BY c.created_at, c.id
             LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await
    })?;
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.is_approved)
        .map(|r| r.id)
        .collect();
    let reports = reports_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| QueueItem {
            id: row.id,
            post_title: row.post_title,
            post_slug: row.post_slug,
            parent_excerpt: row.parent_content.map(|c| excerpt(&c, 160)),
            author_id: row.author_id,
            author: Byline::new(
                row.username,
                row.first_name.as_deref(),
                row.last_name.as_deref(),
                row.avatar_url,
            ),
            author_approved: row.author_approved,
            author_rejected: row.author_rejected,
            content_html: row.content_html,
            created_at: row.created_at,
            pending: !row.is_approved,
            reports: reports
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, r)| r.clone())
                .collect(),
        })
        .collect())
}

async fn reports_of(db: &Db, comment_ids: &[i64]) -> Result<Vec<(i64, Report)>, AppError> {
    if comment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=comment_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT r.comment_id, u.username, r.reason, r.created_at
         FROM comment_reports r JOIN users u ON u.id = r.reporter_id
         WHERE r.comment_id IN ({})
         ORDER BY r.created_at, r.id",
        placeholders.join(", ")
    );
    let rows: Vec<(i64, String, String, DateTime<Utc>)> = with_db!(db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for id in comment_ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, reporter, reason, created_at)| {
            (
                id,
                Report {
                    reporter,
                    reason,
                    created_at,
                },
            )
        })
        .collect())
}

fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

pub async fn users(
    db: &Db,
    search: &str,
    role: Option<Role>,
    active: Option<bool>,
    limit: i64,
) -> Result<Vec<AdminUser>, AppError> {
    use crate::accounts::store::{list_users, UserOrder, UserQuery};
    let query = UserQuery {
        search,
        role,
        active,
        by_email: true,
        order: UserOrder::CreatedAt,
        descending: true,
        limit,
        offset: 0,
    };
    let rows = list_users(db, &query).await?;
    Ok(rows
        .into_iter()
        .map(|row| row.user)
        .map(|row| AdminUser {
            display_name: crate::accounts::display_name(
                &row.username,
                row.first_name.as_deref(),
                row.last_name.as_deref(),
            ),
            id: row.id.0,
            username: row.username,
            email: row.email,
            role: Role::parse(&row.role).unwrap_or(Role::User),
            is_active: row.is_active,
            created_at: row.created_at,
        })
        .collect())
}

/// Unapproves all of a user's comments and recounts the posts they were on.
pub async fn hide_comments(db: &Db, admin: &CurrentUser, user_id: i64) -> Result<usize, AppError> {
    let hidden = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let posts: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT post_id FROM comments WHERE author_id = $1 AND is_approved",
            )
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
            let hidden = sqlx::query(
                "UPDATE comments SET is_approved = FALSE WHERE author_id = $1 AND is_approved",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            for post_id in posts {
                recount(&mut tx, post_id).await?;
            }
            let entry = AuditEntry::new(
                admin.id.0,
                &admin.username,
                "user.hide_comments",
                "user",
                Some(user_id),
            );
            record_in(&mut tx, entry.detail(format!("{hidden} comments"))).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(hidden)
        }
        .await
    })?;
    Ok(hidden as usize)
}

pub async fn overview(db: &Db) -> Result<Overview, AppError> {
    let now = now();
    let since = now - chrono::Duration::days(29);
    let start = since.date_naive();
    #[derive(sqlx::FromRow)]
    struct Counts {
        users: i64,
        drafts: i64,
        published: i64,
        archived: i64,
        pending: i64,
        approved_7d: i64,
    }
    let (counts, views): (Counts, Vec<(DateTime<Utc>,)>) = with_db!(db, |pool| {
        async {
                let counts = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM users) AS users,
                            (SELECT COUNT(*) FROM posts WHERE status = 'DRAFT') AS drafts,
                            (SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED') AS published,
                            (SELECT COUNT(*) FROM posts WHERE status = 'ARCHIVED') AS archived,
                            (SELECT COUNT(*) FROM comments WHERE is_approved = FALSE AND NOT is_deleted) AS pending,
                            (SELECT COUNT(*) FROM comments WHERE is_approved AND created_at > $1) AS approved_7d",
                )
                .bind(now - chrono::Duration::days(7))
                .fetch_one(pool)
                .await?;
                // Views are remembered for a month (post_views), which is what the chart shows.
                let views = sqlx::query_as("SELECT viewed_at FROM post_views WHERE viewed_at >= $1")
                    .bind(since)
                    .fetch_all(pool)
                    .await?;
                Ok::<_, sqlx::Error>((counts, views))
            }
            .await
    })?;
    let mut per_day = vec![0_i64; 30];
    for (at,) in views {
        let day = (at.date_naive() - start).num_days();
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| per_day.get_mut(d)) {
            *slot += 1;
        }
    }
    let views_by_day = per_day
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let day = start + chrono::Duration::days(i as i64);
            (day.format("%Y-%m-%d").to_string(), n)
        })
        .collect();
    Ok(Overview {
        users: counts.users,
        drafts: counts.drafts,
        published: counts.published,
        archived: counts.archived,
        pending_comments: counts.pending,
        approved_comments_7d: counts.approved_7d,
        views_by_day,
    })
}
