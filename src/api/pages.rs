//! `/api/pages`: the blog's pages (About, Contact…) as `/api/posts` has posts, with the same
//! fields; admins write them. Tags, categories and comments do not apply to pages.

use axum::extract::{Path, State};

use super::posts::{create_kind, remove_kind, single, update_kind, visible, ApiPost, PostWrite};
use super::{ApiResult, Body, KeyedBody, SignedIn, Success};
use crate::accounts::caller::Caller;
use crate::idempotency::IdempotencyKey;
use crate::posts::{store, PostKind};
use crate::web::state::AppState;

/// `GET /api/pages`: the published pages, by title.
pub(super) async fn list(State(state): State<AppState>) -> ApiResult<Vec<ApiPost>> {
    let mut pages = Vec::new();
    for page in store::published_pages(&state.db).await? {
        pages.push(single(&state, page).await?);
    }
    Ok(Success::ok("Pages", pages))
}

/// `POST /api/pages` (admins) → 201 with the rendered page.
pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    key: IdempotencyKey,
    KeyedBody(body, raw): KeyedBody<PostWrite>,
) -> ApiResult<ApiPost> {
    let page = create_kind(&state, &caller, key, &body, &raw, PostKind::Page).await?;
    Ok(Success::created("Page created", page))
}

/// `GET /api/pages/{id or slug}`
pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<ApiPost> {
    let page = visible(&state, &caller, &key, PostKind::Page).await?;
    Ok(Success::ok("Page", single(&state, page).await?))
}

/// `PATCH /api/pages/{id}`: changes the given fields only.
pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(key): Path<String>,
    Body(body): Body<PostWrite>,
) -> ApiResult<ApiPost> {
    let page = update_kind(&state, &caller, &key, &body, PostKind::Page).await?;
    Ok(Success::ok("Page updated", page))
}

/// `DELETE /api/pages/{id}`
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<()> {
    remove_kind(&state, &caller, &key, PostKind::Page).await?;
    Ok(Success::ok("Page deleted", ()))
}
