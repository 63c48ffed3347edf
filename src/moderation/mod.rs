//! Moderation and administration: the queue of comments waiting for a decision, the users
//! and categories admins manage, and the overview. (The audit log is `crate::audit`.)

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::Role;
use crate::error::AppError;
use crate::posts::Byline;

#[cfg(feature = "ssr")]
pub mod digest;
pub mod functions;
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

/// Most comments one decision may name.
pub const MAX_DECIDED_AT_ONCE: usize = 500;
/// Lines of the audit log per page.
pub const AUDIT_PAGE: i64 = 50;
/// Most users the admin's user list shows.
pub const USERS_LISTED: i64 = 100;
/// Longest search for users, in characters.
pub const MAX_USER_SEARCH_CHARS: usize = 100;

/// The admin's user search, checked and trimmed.
pub fn user_search(search: &str) -> Result<&str, AppError> {
    if search.chars().count() > MAX_USER_SEARCH_CHARS {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_USER_SEARCH_CHARS} characters"),
        ));
    }
    Ok(search.trim())
}
