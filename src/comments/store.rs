//! Comments in the database. Every change that can alter what readers see recounts the
//! post's approved comments in the same transaction, so the counter on cards never drifts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{notifications, CommentId, CommentView, MAX_LINKS_UNREVIEWED};
use crate::accounts::{CurrentUser, Role};
use crate::audit::store::{record_in, AuditEntry};
use crate::error::AppError;
use crate::mail::outbox::enqueue_in;
use crate::mail::Mailing;
use crate::platform::config::Config;
use crate::platform::db::{now, BeginWrite, Db};
use crate::platform::markdown;
use crate::posts::Byline;
use crate::with_db;

/// The one way a comment row is made.
const INSERT: &str = "INSERT INTO comments (post_id, author_id, parent_id, content, content_html,
                                           is_approved, created_at, updated_at)
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    post_id: i64,
    parent_id: Option<i64>,
    author_id: i64,
    content: String,
    content_html: String,
    is_approved: bool,
    is_deleted: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar_url: Option<String>,
}

const ROW_COLUMNS: &str = "c.id, c.post_id, c.parent_id, c.author_id, c.content, c.content_html,
    c.is_approved, c.is_deleted, c.created_at, c.updated_at,
    u.username, u.first_name, u.last_name, u.avatar_url";

impl Row {
    fn into_view(self, depth: usize, viewer: Option<i64>) -> CommentView {
        let mine = viewer == Some(self.author_id);
        let author = (!self.is_deleted).then(|| {
            Byline::new(
                self.username,
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                self.avatar_url,
            )
        });
        CommentView {
            id: self.id,
            parent_id: self.parent_id,
            depth,
            author,
            content_html: if self.is_deleted {
                String::new()
            } else {
                self.content_html
            },
            source: if mine && !self.is_deleted {
                self.content
            } else {
                String::new()
            },
            age: super::relative_time(self.created_at, now()),
            created_at: self.created_at,
            edited: self.updated_at > self.created_at,
            pending: !self.is_approved,
            deleted: self.is_deleted,
            mine,
        }
    }
}

/// 404 unless readers can see the post.
/// A post readers see (404 otherwise), and whether it takes comments.
pub async fn require_visible_post(db: &Db, post_id: i64) -> Result<bool, AppError> {
    let found: Option<bool> = with_db!(db, |pool| {
        sqlx::query_scalar(concat!(
            "SELECT comments_enabled FROM posts WHERE id = $1 AND ",
            crate::listed_post!("$2")
        ))
        .bind(post_id)
        .bind(now())
        .fetch_optional(pool)
        .await
    })?;
    found.ok_or(AppError::NotFound)
}

/// The thread in reading order: oldest first, each reply under its parent. Deleted comments
/// stay only as long as something visible hangs under them.
pub async fn thread(
    db: &Db,
    post_id: i64,
    viewer: Option<i64>,
) -> Result<Vec<CommentView>, AppError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}
         FROM comments c JOIN users u ON u.id = c.author_id
         WHERE c.post_id = $1 AND (c.is_approved OR c.is_deleted OR c.author_id = $2)
         ORDER BY c.created_at, c.id"
    );
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(post_id)
            .bind(viewer.unwrap_or(-1))
            .fetch_all(pool)
            .await
    })?;
    Ok(arrange(rows, viewer))
}

/// `viewer`'s own comments on the post still waiting for approval, oldest first: what they
/// see beside the thread everybody sees.
pub async fn waiting_for(db: &Db, post_id: i64, viewer: i64) -> Result<Vec<CommentView>, AppError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}
         FROM comments c JOIN users u ON u.id = c.author_id
         WHERE c.author_id = $1 AND c.post_id = $2 AND NOT c.is_approved AND NOT c.is_deleted
         ORDER BY c.created_at, c.id"
    );
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(viewer)
            .bind(post_id)
            .fetch_all(pool)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_view(0, Some(viewer)))
        .collect())
}

fn arrange(rows: Vec<Row>, viewer: Option<i64>) -> Vec<CommentView> {
    let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        // A reply whose parent is hidden (pending, someone else's) is hidden with it.
        match row.parent_id {
            Some(parent) if !index.contains_key(&parent) => continue,
            parent => children.entry(parent).or_default().push(i),
        }
    }
    // Deleted comments are kept only above something still shown.
    fn shown(i: usize, rows: &[Row], children: &HashMap<Option<i64>, Vec<usize>>) -> bool {
        !rows[i].is_deleted
            || children
                .get(&Some(rows[i].id))
                .is_some_and(|kids| kids.iter().any(|&k| shown(k, rows, children)))
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(rows.len());
    let mut stack: Vec<(usize, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|&i| (i, 0)).collect())
        .unwrap_or_default();
    while let Some((i, depth)) = stack.pop() {
        if !shown(i, &rows, &children) {
            continue;
        }
        order.push((i, depth));
        if let Some(kids) = children.get(&Some(rows[i].id)) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| slots[i].take().map(|row| row.into_view(depth, viewer)))
        .collect()
}

async fn find(db: &Db, id: CommentId) -> Result<Row, AppError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1"
    );
    let row: Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    })?;
    row.ok_or(AppError::NotFound)
}

/// Moderators, admins, and users with enough approved comments skip the queue.
async fn is_trusted(db: &Db, config: &Config, user: &CurrentUser) -> Result<bool, AppError> {
    if user.role >= Role::Moderator {
        return Ok(true);
    }
    let needed = config.trusted_commenter_approvals;
    let approved: i64 = with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM comments
             WHERE author_id = $1 AND is_approved AND NOT is_deleted LIMIT $2) AS enough",
        )
        .bind(user.id)
        .bind(needed)
        .fetch_one(pool)
        .await
    })?;
    Ok(approved >= needed)
}

/// A comment brought from another blog (see `import`), inside the importing transaction:
/// written anew, or over the one an earlier import made (`existing`). Its author is who the
/// old blog said; it is shown or waits for a moderator as it did there. Returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    existing: Option<i64>,
    post_id: i64,
    author_id: i64,
    parent_id: Option<i64>,
    content: &str,
    approved: bool,
    created_at: DateTime<Utc>,
) -> Result<i64, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    let html = markdown::render_comment(content);
    match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE comments SET content = $1, content_html = $2, is_approved = $3, parent_id = $4
                 WHERE id = $5",
            )
            .bind(content.to_owned())
            .bind(html)
            .bind(approved)
            .bind(parent_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            Ok(id)
        }
        None => {
            sqlx::query_scalar(INSERT)
                .bind(post_id)
                .bind(author_id)
                .bind(parent_id)
                .bind(content.to_owned())
                .bind(html)
                .bind(approved)
                .bind(created_at)
                .fetch_one(&mut **tx)
                .await
        }
    }
}

/// Whether `user` may comment under the blog's rule on addresses: where it asks for a
/// confirmed one, only once theirs is.
pub async fn may_comment_as(
    db: &Db,
    site: &crate::site::SiteSettings,
    user: &CurrentUser,
) -> Result<bool, AppError> {
    if !site.comments_need_confirmed_email {
        return Ok(true);
    }
    Ok(with_db!(db, |pool| sqlx::query_scalar(
        "SELECT email_confirmed_at IS NOT NULL FROM users WHERE id = $1"
    )
    .bind(user.id)
    .fetch_one(pool)
    .await)?)
}

/// Writes a comment. It is held for moderation (`pending` in the answer) unless its author is
/// trusted and it has few links; what readers see changes only when it is not, and then the
/// people it concerns are mailed (see `notifications`).
#[allow(clippy::too_many_arguments)]
pub async fn add(
    db: &Db,
    config: &Config,
    mailing: &Mailing,
    user: &CurrentUser,
    post_id: i64,
    parent_id: Option<CommentId>,
    content: &str,
    claim: Option<&crate::idempotency::Claim>,
) -> Result<CommentView, AppError> {
    if !require_visible_post(db, post_id).await? {
        return Err(AppError::Denied(
            "Comments are closed on this post".to_owned(),
        ));
    }
    if !may_comment_as(db, &mailing.site, user).await? {
        return Err(AppError::Denied(
            "Confirm your email address before you comment: open the link we mailed you, or ask for a new one in your settings".to_owned(),
        ));
    }
    if let Some(parent_id) = parent_id {
        let parent = find(db, parent_id).await.ok();
        let answerable = parent.is_some_and(|p| {
            p.post_id == post_id && !p.is_deleted && (p.is_approved || p.author_id == user.id.0)
        });
        if !answerable {
            // Well-formed, but it names a comment that is not there: a conflict (409).
            return Err(AppError::taken(
                "parent_id",
                "The comment you are answering is no longer there",
            ));
        }
    }
    let now = now();
    let recent: i64 = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE author_id = $1 AND created_at > $2")
            .bind(user.id)
            .bind(now - chrono::Duration::minutes(1))
            .fetch_one(pool)
            .await
    })?;
    if recent >= config.comments_per_minute {
        return Err(AppError::RateLimited(
            "You are commenting very fast; wait a minute and try again".to_owned(),
        ));
    }
    let approved = is_trusted(db, config, user).await?
        && markdown::count_links(content) <= MAX_LINKS_UNREVIEWED;
    let html = markdown::render_comment(content);
    let audience = match approved {
        true => Some(notifications::audience(db, post_id, parent_id, user.id.0, content).await?),
        false => None,
    };
    let id: i64 = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(INSERT)
                .bind(post_id)
                .bind(user.id)
                .bind(parent_id)
                .bind(content)
                .bind(&html)
                .bind(approved)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            recount(&mut tx, post_id).await?;
            for mail in audience.iter().flat_map(|a| a.letters(id, false, mailing)) {
                enqueue_in(&mut tx, &mail).await?;
            }
            if let Some(claim) = claim {
                crate::idempotency::record(&mut tx, claim, id).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await
    })?;
    Ok(find(db, CommentId(id)).await?.into_view(0, Some(user.id.0)))
}

/// A comment as it was: its own time and standing, as demo content and blogs moved in bring
/// them. No limits or moderation rules apply (the operator vouches for it); the post's count
/// follows in the same transaction.
pub async fn insert_dated(
    db: &Db,
    post_id: i64,
    author_id: i64,
    parent_id: Option<CommentId>,
    content: &str,
    approved: bool,
    at: DateTime<Utc>,
) -> Result<CommentId, AppError> {
    let html = markdown::render_comment(content);
    let id: i64 = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(INSERT)
                .bind(post_id)
                .bind(author_id)
                .bind(parent_id)
                .bind(content)
                .bind(&html)
                .bind(approved)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
            recount(&mut tx, post_id).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await
    })?;
    Ok(CommentId(id))
}

/// A comment as its author sees it (an API request replayed by its `Idempotency-Key`).
pub async fn own_view(db: &Db, user: &CurrentUser, id: CommentId) -> Result<CommentView, AppError> {
    let comment = find(db, id).await?;
    if comment.author_id != user.id.0 || comment.is_deleted {
        return Err(AppError::NotFound);
    }
    Ok(comment.into_view(0, Some(user.id.0)))
}

/// A comment `user` may edit or delete: their own, or anybody's for moderators and admins.
/// Also says whether it is their own.
async fn changeable(db: &Db, user: &CurrentUser, id: CommentId) -> Result<(Row, bool), AppError> {
    let comment = find(db, id).await?;
    if comment.is_deleted {
        return Err(AppError::NotFound);
    }
    let own = comment.author_id == user.id.0;
    if !own && user.role < Role::Moderator {
        return Err(AppError::Forbidden);
    }
    Ok((comment, own))
}

pub async fn edit(
    db: &Db,
    config: &Config,
    user: &CurrentUser,
    id: CommentId,
    content: &str,
) -> Result<CommentView, AppError> {
    let (comment, own) = changeable(db, user, id).await?;
    // A moderator's correction keeps the comment where it was; an author's own edit must
    // earn its approval again unless they are trusted.
    let approved = comment.is_approved
        && (!own
            || (is_trusted(db, config, user).await?
                && markdown::count_links(content) <= MAX_LINKS_UNREVIEWED));
    let html = markdown::render_comment(content);
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE comments SET content = $1, content_html = $2, is_approved = $3, updated_at = $4
                 WHERE id = $5",
            )
            .bind(content)
            .bind(&html)
            .bind(approved)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            recount(&mut tx, comment.post_id).await?;
            if !own {
                let entry =
                    AuditEntry::new(user.id.0, &user.username, "comment.edit", "comment", Some(id.0));
                record_in(&mut tx, entry.detail(format!("by @{}", comment.username))).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(find(db, id).await?.into_view(0, Some(user.id.0)))
}

pub async fn delete(db: &Db, user: &CurrentUser, id: CommentId) -> Result<(), AppError> {
    let (comment, own) = changeable(db, user, id).await?;
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let replies: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE parent_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if replies > 0 {
                sqlx::query(
                    "UPDATE comments SET is_deleted = TRUE, content = '', content_html = '',
                            updated_at = $1 WHERE id = $2",
                )
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query("DELETE FROM comments WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            recount(&mut tx, comment.post_id).await?;
            if !own {
                let entry = AuditEntry::new(
                    user.id.0,
                    &user.username,
                    "comment.delete",
                    "comment",
                    Some(id.0),
                );
                record_in(&mut tx, entry.detail(format!("by @{}", comment.username))).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

pub async fn report(
    db: &Db,
    reporter_id: i64,
    id: CommentId,
    reason: &str,
) -> Result<(), AppError> {
    let comment = find(db, id).await?;
    if comment.is_deleted || !comment.is_approved {
        return Err(AppError::NotFound);
    }
    if comment.author_id == reporter_id {
        return Err(AppError::field(
            "reason",
            "You cannot report your own comment",
        ));
    }
    with_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO comment_reports (comment_id, reporter_id, reason, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(reporter_id)
        .bind(reason)
        .bind(now())
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// What a moderator decides about a comment in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Shown to everybody; its reports are dismissed.
    Approve,
    /// Deleted, with its replies.
    Reject,
}

/// Applies a decision to comments that are pending or reported. Nobody decides about their
/// own comment. Returns how many were changed.
pub async fn decide(
    db: &Db,
    mailing: &Mailing,
    moderator: &CurrentUser,
    ids: &[CommentId],
    decision: Decision,
) -> Result<usize, AppError> {
    let mut changed = 0;
    for &id in ids {
        let Ok(comment) = find(db, id).await else {
            continue;
        };
        if comment.author_id == moderator.id.0 || comment.is_deleted {
            continue;
        }
        // A comment readers see for the first time concerns people; a reported one they
        // already saw does not.
        let audience = match (decision, comment.is_approved) {
            (Decision::Approve, false) => Some(
                notifications::audience(
                    db,
                    comment.post_id,
                    comment.parent_id.map(CommentId),
                    comment.author_id,
                    &comment.content,
                )
                .await?,
            ),
            _ => None,
        };
        let done: bool = with_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let reported: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM comment_reports WHERE comment_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                if comment.is_approved && reported == 0 {
                    return Ok(false);
                }
                match decision {
                    Decision::Approve => {
                        sqlx::query("UPDATE comments SET is_approved = TRUE WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM comment_reports WHERE comment_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        for mail in audience.iter().flat_map(|a| a.letters(id.0, true, mailing)) {
                            enqueue_in(&mut tx, &mail).await?;
                        }
                    }
                    Decision::Reject => {
                        sqlx::query("DELETE FROM comments WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "UPDATE users SET comments_rejected = comments_rejected + 1 WHERE id = $1",
                        )
                        .bind(comment.author_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                recount(&mut tx, comment.post_id).await?;
                let action = match decision {
                    Decision::Approve => "comment.approve",
                    Decision::Reject => "comment.reject",
                };
                let entry = AuditEntry::new(
                    moderator.id.0,
                    &moderator.username,
                    action,
                    "comment",
                    Some(id.0),
                );
                record_in(&mut tx, entry.detail(format!("by @{}", comment.username))).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(true)
            }
            .await
        })?;
        changed += usize::from(done);
    }
    Ok(changed)
}

/// Ids of a user's comments waiting for approval.
pub async fn pending_ids_of(db: &Db, author_id: i64) -> Result<Vec<CommentId>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT id FROM comments WHERE author_id = $1 AND NOT is_approved AND NOT is_deleted
             ORDER BY created_at, id",
        )
        .bind(author_id)
        .fetch_all(pool)
        .await
    })?)
}

/// Sets the post's comment counter from its rows: approved and not deleted. One indexed
/// count per change, so the counter can never drift from the thread. Runs inside the
/// transaction of the change, on either backend.
///
/// The post's row is locked by a statement of its own first. On PostgreSQL each statement
/// counts what was committed when it started: a count that began before it had to wait for
/// another transaction's lock would miss that transaction's comment, and concurrent comments
/// would be lost from the counter. Counted after the lock, it sees them all. (SQLite writes
/// one transaction at a time anyway.)
pub async fn recount<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    post_id: i64,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE posts SET comment_count = comment_count WHERE id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE posts SET comment_count = (SELECT COUNT(*) FROM comments
             WHERE post_id = $1 AND is_approved AND NOT is_deleted)
         WHERE id = $1",
    )
    .bind(post_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
