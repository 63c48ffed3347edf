//! Comments: threaded conversations under posts, held for approval until a moderator lets
//! them through (trusted commenters skip the wait).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::posts::Byline;

pub mod functions;
#[cfg(feature = "ssr")]
pub mod notifications;
#[cfg(feature = "ssr")]
pub mod store;

/// A comment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct CommentId(pub i64);

impl std::fmt::Display for CommentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Longest report reason.
pub const MAX_REASON_CHARS: usize = 500;
/// A comment with more links than this always waits for a moderator.
pub const MAX_LINKS_UNREVIEWED: usize = 3;
/// Replies deeper than this are drawn at this depth, so long threads stay readable.
pub const MAX_INDENT: usize = 4;

/// One comment as the thread shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// How deep in the thread it is (0 for a top-level comment).
    pub depth: usize,
    /// None for a deleted comment kept as a placeholder for its replies.
    pub author: Option<Byline>,
    pub content_html: String,
    /// The markdown, for its author's edit box; empty for everybody else.
    pub source: String,
    pub created_at: DateTime<Utc>,
    /// "3 hours ago", as of when the thread was read.
    pub age: String,
    pub edited: bool,
    /// Waiting for approval: only its author sees it.
    pub pending: bool,
    pub deleted: bool,
    pub mine: bool,
}

/// A post's thread, in reading order (each reply right after its parent's subtree so far).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub comments: Vec<CommentView>,
    pub signed_in: bool,
    /// New comments are taken (the blog's setting); a closed thread stays readable.
    pub open: bool,
    /// The reader must confirm their address before they comment (the blog asks for that).
    pub unconfirmed: bool,
}

/// "just now", "5 minutes ago", "3 days ago", or the date for anything older than a month.
pub fn relative_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds().max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        0..60 => "just now".to_owned(),
        60..3600 => plural(seconds / 60, "minute"),
        3600..86_400 => plural(seconds / 3600, "hour"),
        86_400..2_592_000 => plural(seconds / 86_400, "day"),
        _ => crate::site::dates::long_date(&at),
    }
}

pub fn validate_content(content: &str) -> Result<&str, AppError> {
    // Measured as sent (the API's schema says so), then trimmed.
    let length = content.chars().count();
    let content = content.trim();
    if content.is_empty() {
        return Err(AppError::field("content", "Write something first"));
    }
    if length > MAX_COMMENT_CHARS {
        return Err(AppError::field(
            "content",
            format!("Comments are at most {MAX_COMMENT_CHARS} characters; this one has {length}"),
        ));
    }
    Ok(content)
}

/// A report's reason, checked and trimmed.
pub fn validate_reason(reason: &str) -> Result<&str, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "Say what is wrong with it"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::field(
            "reason",
            format!("Keep the reason under {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::relative_time;

    #[test]
    fn ages_read_naturally() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let ago = |s: i64| relative_time(now - chrono::Duration::seconds(s), now);
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(7200), "2 hours ago");
        assert_eq!(ago(86_400 * 3), "3 days ago");
        assert_eq!(ago(86_400 * 40), "December 6, 2026");
    }
}
