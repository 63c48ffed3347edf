//! Posts: what readers see of them, and the server functions that fetch them.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::categories::CategoryBadge;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod editing;
pub mod editor;
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

/// Published posts, newest first, from `cursor` on.
#[server(prefix = "/rpc", endpoint = "posts/recent")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_recent_posts(cursor: Option<String>) -> Result<PostPage, AppError> {
    let state = crate::web::state::AppState::current()?;
    store::list_published(&state.db, cursor.as_deref(), PAGE_SIZE).await
}

/// The most viewed published posts.
#[server(prefix = "/rpc", endpoint = "posts/popular")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn popular_posts() -> Result<Vec<PostCard>, AppError> {
    let state = crate::web::state::AppState::current()?;
    store::popular(&state.db, POPULAR_SIZE).await
}

/// A post by its slug. Drafts, archived and scheduled posts exist only for their author and
/// admins: everybody else gets 404, exactly as for a slug that was never used. A reader's
/// first look at a public post counts as a view.
#[server(prefix = "/rpc", endpoint = "posts/get")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_post(slug: String) -> Result<PostDetail, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let found = store::find_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = caller.user();
    let is_author = user.is_some_and(|u| u.id == found.author_id);
    if !found.detail.public && !editing::may_see_unpublished(&caller, found.author_id) {
        return Err(AppError::NotFound);
    }
    let mut detail = found.detail;
    if detail.public {
        // A kept copy of this page counts its readers' views too (server::page_cache).
        crate::platform::readers::counts_views_of(detail.card.id);
        if !is_author {
            views::count_look_here(&state, detail.card.id).await;
        }
    }
    if let Some(user) = user {
        detail.signed_in = true;
        detail.liked = likes::is_liked(&state.db, user.id, detail.card.id).await?;
    }
    let origin = state.config.origin();
    if detail.url.is_empty() {
        detail.url = format!("{origin}/posts/{}", detail.card.slug);
    }
    detail.share_image = detail
        .card
        .cover_image
        .as_deref()
        .map(|src| crate::feeds::absolute(&origin, src));
    Ok(detail)
}

/// Likes (`liked: true`) or unlikes a post as the signed-in user. Either is idempotent: a
/// user likes a post at most once, however many clicks arrive at the same time.
#[server(prefix = "/rpc", endpoint = "posts/like")]
pub async fn like_post(post_id: i64, liked: bool) -> Result<LikeState, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    likes::set(&state.db, user.id, post_id, liked).await
}
