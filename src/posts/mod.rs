//! Posts: what readers see of them, and the one rule of who may see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::categories::CategoryBadge;

pub mod drafts;
#[cfg(feature = "ssr")]
pub mod editing;
pub mod editor;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod images;
#[cfg(feature = "ssr")]
pub mod likes;
#[cfg(feature = "ssr")]
pub mod rerender;
pub mod search;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod transfer;
#[cfg(feature = "ssr")]
pub mod views;

/// A post's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct PostId(pub i64);

impl std::fmt::Display for PostId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Posts per page in listings.
pub const PAGE_SIZE: i64 = 10;
/// Posts in the home page's "Popular" block.
pub const POPULAR_SIZE: i64 = 5;

pub use crate::publishing::{published_and_due, PostKind, PostStatus};

/// The author as shown next to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Byline {
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
}

impl Byline {
    /// From the user's columns: the display name is worked out here, once for every page.
    pub fn new(
        username: String,
        first_name: Option<&str>,
        last_name: Option<&str>,
        avatar_url: Option<String>,
    ) -> Self {
        Self {
            display_name: crate::accounts::display_name(&username, first_name, last_name),
            username,
            avatar_url,
        }
    }
}

/// A post in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostCard {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub cover_image: Option<String>,
    pub author: Byline,
    pub published_at: DateTime<Utc>,
    pub read_time_minutes: i64,
    pub tags: Vec<String>,
    pub like_count: i64,
    pub comment_count: i64,
    pub view_count: i64,
}

/// One page of a listing, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPage {
    pub posts: Vec<PostCard>,
    /// Opaque; pass it back to get the posts that follow.
    pub next_cursor: Option<String>,
}

/// One heading of a post, for its table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A whole post, for its own page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDetail {
    pub card: PostCard,
    pub content_html: String,
    pub toc: Vec<TocEntry>,
    pub categories: Vec<CategoryBadge>,
    pub status: PostStatus,
    /// Published and due: what everybody may see. Otherwise only its author and admins see it.
    pub public: bool,
    pub updated_at: DateTime<Utc>,
    /// The canonical address: the author's own, or this site's.
    pub url: String,
    /// Whether its author lets readers comment (the site may not).
    pub comments_enabled: bool,
    /// Whether the reader is signed in (and so may like it), and whether they like it.
    pub signed_in: bool,
    pub liked: bool,
    /// The cover as an absolute address, for link previews.
    pub share_image: Option<String>,
}

/// A like's state after a toggle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LikeState {
    pub liked: bool,
    pub count: i64,
}
