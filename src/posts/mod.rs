//! Posts: what readers see of them, and the server functions that fetch them.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod store;

/// Posts per page in listings.
pub const PAGE_SIZE: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PostStatus {
    Draft,
    Published,
    Archived,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Archived => "ARCHIVED",
        }
    }
}

/// The author as shown next to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Byline {
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
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
    pub view_count: i64,
}

/// Published posts, newest first, from `cursor` on.
#[server(prefix = "/rpc", endpoint = "posts/recent")]
pub async fn list_recent_posts(cursor: Option<String>) -> Result<PostPage, AppError> {
    let state = crate::server::state::AppState::current()?;
    store::list_published(&state.db, cursor.as_deref(), PAGE_SIZE).await
}

/// A published post by its slug; 404 for anything a reader may not see.
#[server(prefix = "/rpc", endpoint = "posts/get")]
pub async fn get_post(slug: String) -> Result<PostDetail, AppError> {
    let state = crate::server::state::AppState::current()?;
    store::find_published_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)
}
