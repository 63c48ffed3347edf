//! The server functions that read tags: they call the tags store, and the posts store for a
//! tag's posts. Their addresses (`/rpc/tags/...`) are part of the pages' contract.

use leptos::prelude::*;

use super::TagCount;
use crate::error::AppError;
use crate::posts::PostPage;

/// Tags of published posts, most used first.
#[server(prefix = "/rpc", endpoint = "tags/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_tags() -> Result<Vec<TagCount>, AppError> {
    use crate::tags::store;
    let state = crate::web::state::AppState::current()?;
    store::list(&state.db, store::INDEX_LIMIT).await
}

/// One page of the published posts with a tag; 404 for a tag nobody used.
#[server(prefix = "/rpc", endpoint = "tags/posts")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn tag_posts(tag: String, cursor: Option<String>) -> Result<PostPage, AppError> {
    use crate::posts::store::{list, Listing};
    let state = crate::web::state::AppState::current()?;
    if !crate::tags::store::exists(&state.db, &tag).await? {
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
