//! Moderation and administration: the queue of comments waiting for a decision, the users
//! and categories admins manage, the overview, and the audit log of all of it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::Role;
use crate::error::AppError;
use crate::posts::Byline;

#[cfg(feature = "ssr")]
pub mod store;

/// A report a reader made about a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub reporter: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A comment waiting for a moderator: pending, or reported by readers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: i64,
    pub post_title: String,
    pub post_slug: String,
    /// The start of the comment it answers.
    pub parent_excerpt: Option<String>,
    pub author_id: i64,
    pub author: Byline,
    pub author_approved: i64,
    pub author_rejected: i64,
    pub content_html: String,
    pub created_at: DateTime<Utc>,
    pub pending: bool,
    pub reports: Vec<Report>,
}

/// A line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditLine {
    pub id: i64,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// A user as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

/// The admin's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub users: i64,
    pub drafts: i64,
    pub published: i64,
    pub archived: i64,
    pub pending_comments: i64,
    pub approved_comments_7d: i64,
    /// Views per day over the last 30 days, oldest first (days without views included).
    pub views_by_day: Vec<(String, i64)>,
}

/// Comments waiting for a moderator, oldest first.
#[server(prefix = "/rpc", endpoint = "moderation/queue")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn moderation_queue() -> Result<Vec<QueueItem>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Moderator)?;
    store::queue(&state.db, store::QUEUE_LIMIT).await
}

/// How many comments wait, for the badge in the header; None for those who cannot moderate.
#[server(prefix = "/rpc", endpoint = "moderation/pending")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn pending_count() -> Result<Option<i64>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    if !caller.user().is_some_and(|u| u.is_moderator()) {
        return Ok(None);
    }
    store::pending_count(&state.db).await.map(Some)
}

/// Approves (`approve: true`) or rejects comments in the queue; `ids` is a comma-separated
/// list (so that a plain form can send one or many). Returns how many changed.
#[server(prefix = "/rpc", endpoint = "moderation/decide")]
pub async fn moderate(ids: String, approve: bool) -> Result<usize, AppError> {
    use crate::comments::store::{decide, Decision};
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let moderator = caller.require_role(Role::Moderator)?;
    let ids: Vec<i64> = ids
        .split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| id.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::field("ids", "Those are not comment ids"))?;
    if ids.len() > 500 {
        return Err(AppError::field(
            "ids",
            "Choose at most 500 comments at a time",
        ));
    }
    let decision = if approve {
        Decision::Approve
    } else {
        Decision::Reject
    };
    decide(&state.db, moderator, &ids, decision).await
}

/// Approves every pending comment of one user.
#[server(prefix = "/rpc", endpoint = "moderation/approve_user")]
pub async fn approve_all_from(user_id: i64) -> Result<usize, AppError> {
    use crate::comments::store::{decide, pending_ids_of, Decision};
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let moderator = caller.require_role(Role::Moderator)?;
    let ids = pending_ids_of(&state.db, user_id).await?;
    decide(&state.db, moderator, &ids, Decision::Approve).await
}

/// Admins only: the audit log, newest first, before `before_id`.
#[server(prefix = "/rpc", endpoint = "admin/audit")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn audit_log(before_id: Option<i64>) -> Result<Vec<AuditLine>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    store::audit_page(&state.db, before_id, 50).await
}

/// Admins only: users matching a search (name or email), role and active flag.
#[server(prefix = "/rpc", endpoint = "admin/users")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn admin_users(
    search: String,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<Vec<AdminUser>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    if search.chars().count() > 100 {
        return Err(AppError::field(
            "search",
            "Search for at most 100 characters",
        ));
    }
    store::users(&state.db, search.trim(), role, active, 100).await
}

/// Admins only: hides (unapproves) every comment of a user at once, e.g. with deactivation.
#[server(prefix = "/rpc", endpoint = "admin/hide_comments")]
pub async fn hide_user_comments(user_id: i64) -> Result<usize, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    store::hide_comments(&state.db, admin, user_id).await
}

/// Admins only: the numbers at a glance.
#[server(prefix = "/rpc", endpoint = "admin/overview")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_overview() -> Result<Overview, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    store::overview(&state.db).await
}
