//! Categories: a small, admin-kept set of sections (with a description and a colour) that
//! posts are filed under.

use serde::{Deserialize, Serialize};

pub mod functions;
#[cfg(feature = "ssr")]
pub mod store;

/// The colour of a new category when none is given.
pub const DEFAULT_COLOR: &str = "#64748b";

/// A category's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct CategoryId(pub i64);

impl std::fmt::Display for CategoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A category as a badge on a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CategoryBadge {
    pub name: String,
    pub slug: String,
    pub color: String,
}

/// A category with what its page and the index show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub color: String,
    /// Published posts filed under it.
    pub post_count: i64,
    /// The category it sits under (a blog moved in from WordPress keeps its tree), if any.
    pub parent_name: Option<String>,
    pub parent_slug: Option<String>,
}
