//! The author's side of posts: a post as the editor holds it, what a save answers, its
//! revisions, and the dashboard's rows. Built for the server and the browser alike; the
//! editor's server functions (`posts::editor`) and the domain's `editing` both speak it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PostKind, PostStatus};
use crate::categories::CategoryId;

/// A post as the editor holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EditorPost {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub content: String,
    /// The author's own excerpt; empty when the first paragraph serves.
    pub excerpt: String,
    pub cover_image: String,
    pub tags: Vec<String>,
    pub category_ids: Vec<CategoryId>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub canonical_url: String,
    /// Readers may not comment (a new post takes comments).
    pub comments_closed: bool,
    /// What the next save must be based on.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// A post, or a page (at `/{slug}`, without tags, categories or comments).
    pub kind: PostKind,
}

/// The result of a save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub id: i64,
    pub slug: String,
    pub version: i64,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlugCheck {
    /// The slug as it will be saved.
    pub slug: String,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub id: i64,
    /// SAVE, PUBLISH or AUTOSAVE.
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// One of the author's posts on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardPost {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub slug: String,
    pub status: PostStatus,
    pub scheduled: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub pending_comments: i64,
    pub kind: PostKind,
}
