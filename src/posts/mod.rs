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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum PostStatus {
    #[default]
    Draft,
    Published,
    Archived,
}

impl PostStatus {
    /// A status as the database holds it (its CHECK allows these three only).
    pub fn from_stored(raw: &str) -> Self {
        match raw {
            "PUBLISHED" => Self::Published,
            "ARCHIVED" => Self::Archived,
            _ => Self::Draft,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Archived => "ARCHIVED",
        }
    }
}

/// THE visibility rule: a post is seen by everybody when it is published and its time has
/// come ("published and due"); before that (a draft, an archived post, a scheduled one) only
/// its author and admins see it. This is the rule for a post held in memory; queries write
/// it with [`published_and_due!`](crate::published_and_due) and, on the tag and category
/// link tables, [`listed_and_due!`](crate::listed_and_due).
pub fn published_and_due(
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == PostStatus::Published && published_at.is_some_and(|at| at <= now)
}

/// SQL for "this post is published" (scheduled ones included), as a string literal for
/// `concat!`: `published!(p)` is `p.status = 'PUBLISHED'`, `published!()` names no table.
/// Counts of published posts use it; what readers see uses [`published_and_due!`].
#[macro_export]
macro_rules! published {
    () => {
        "status = 'PUBLISHED'"
    };
    ($table:ident) => {
        concat!(stringify!($table), ".status = 'PUBLISHED'")
    };
}

/// SQL for THE visibility rule ([`published_and_due`](crate::posts::published_and_due)), as a
/// string literal for `concat!`: `published_and_due!(p, "$1")` is
/// `p.status = 'PUBLISHED' AND p.published_at <= $1`, where `$1` is bound to now;
/// `published_and_due!("$1")` names no table. Every query of what readers may see uses it.
#[macro_export]
macro_rules! published_and_due {
    ($now:literal) => {
        concat!($crate::published!(), " AND published_at <= ", $now)
    };
    ($table:ident, $now:literal) => {
        concat!(
            $crate::published!($table),
            " AND ",
            stringify!($table),
            ".published_at <= ",
            $now
        )
    };
}

/// [`published_and_due!`] on a link table (`post_tags`, `post_categories`): its rows carry
/// the post's published_at only while the post is published (the posts store keeps them so),
/// so `listed_and_due!(x, "$1")`, `x.published_at <= $1`, is the same rule read from the link
/// row alone.
#[macro_export]
macro_rules! listed_and_due {
    ($table:ident, $now:literal) => {
        concat!(stringify!($table), ".published_at <= ", $now)
    };
}

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
