//! Tags: the free-form labels authors give their posts.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::posts::PostPage;

#[cfg(feature = "ssr")]
pub mod store;

/// A tag and how many published posts carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TagCount {
    pub name: String,
    pub post_count: i64,
}

/// Tags of published posts, most used first.
#[server(prefix = "/rpc", endpoint = "tags/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_tags() -> Result<Vec<TagCount>, AppError> {
    let state = crate::web::state::AppState::current()?;
    store::list(&state.db, store::INDEX_LIMIT).await
}

/// One page of the published posts with a tag; 404 for a tag nobody used.
#[server(prefix = "/rpc", endpoint = "tags/posts")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn tag_posts(tag: String, cursor: Option<String>) -> Result<PostPage, AppError> {
    use crate::posts::store::{list, Listing};
    let state = crate::web::state::AppState::current()?;
    if !store::exists(&state.db, &tag).await? {
        return Err(AppError::NotFound);
    }
    list(
        &state.db,
        Listing::Tag(tag),
        cursor.as_deref(),
        crate::posts::PAGE_SIZE,
    )
    .await
}
