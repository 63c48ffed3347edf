//! Publishing: a post's status and THE rule of who sees it. Below every domain that counts or
//! lists posts (accounts, tags, categories, posts, comments), so each of their queries writes
//! the rule with the same macro instead of by hand; the posts domain re-exports it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// What a row of `posts` is: a post (dated, in lists and feeds, with tags, comments and likes)
/// or a page (About, Contact: at `/{slug}`, in the menu and the sitemap, in no list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    #[default]
    Post,
    Page,
}

impl PostKind {
    pub fn from_stored(raw: &str) -> Self {
        if raw == "page" {
            Self::Page
        } else {
            Self::Post
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Page => "page",
        }
    }

    /// Where readers find a row of this kind with `slug`.
    pub fn path(self, slug: &str) -> String {
        match self {
            Self::Post => format!("/posts/{slug}"),
            Self::Page => format!("/{slug}"),
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

/// [`published_and_due!`] for what shows posts to readers in numbers (lists, feeds, search,
/// counts, likes and comments): posts only, never pages, which readers reach by their own
/// address and the menu. `listed_post!(p, "$1")`; `listed_post!("$1")` names no table.
#[macro_export]
macro_rules! listed_post {
    ($now:literal) => {
        concat!($crate::published_and_due!($now), " AND kind = 'post'")
    };
    ($table:ident, $now:literal) => {
        concat!(
            $crate::published_and_due!($table, $now),
            " AND ",
            stringify!($table),
            ".kind = 'post'"
        )
    };
}
