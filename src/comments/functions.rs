//! The comments' server functions: thin doors that ask `Caller` first, validate, and call
//! the store.

use leptos::prelude::*;

use super::{CommentView, Thread};
use crate::error::AppError;

/// The thread under a post: approved comments, plus the reader's own pending ones.
#[server(prefix = "/rpc", endpoint = "comments/thread")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_thread(post_id: i64) -> Result<Thread, AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::store;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let viewer = caller.user().map(|u| u.id.0);
    let post_open = store::require_visible_post(&state.db, post_id).await?;
    let comments = store::thread(&state.db, post_id, viewer).await?;
    let site = state.site().await?;
    let unconfirmed = match caller.user() {
        Some(user) => !store::may_comment_as(&state.db, &site, user).await?,
        None => false,
    };
    Ok(Thread {
        comments,
        signed_in: viewer.is_some(),
        open: post_open && site.comments_enabled,
        unconfirmed,
    })
}

/// Comments on a post, or replies to a comment (`parent_id`), as the signed-in user.
#[server(prefix = "/rpc", endpoint = "comments/add")]
pub async fn add_comment(
    post_id: i64,
    parent_id: Option<i64>,
    content: String,
) -> Result<CommentView, AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::{store, validate_content, CommentId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    state.site().await?.require_comments_open()?;
    let content = validate_content(&content)?;
    let parent_id = parent_id.map(CommentId);
    let comment = store::add(
        &state.db,
        &state.config,
        &state.mailing().await?,
        user,
        post_id,
        parent_id,
        content,
        None,
    )
    .await?;
    if comment.pending {
        // Held for moderation: only its author sees it, on pages never kept for visitors.
        crate::platform::readers::unseen();
    }
    Ok(comment)
}

/// Its author (or a moderator or admin) changes a comment. An untrusted author's edit of an
/// approved comment goes back to the queue.
#[server(prefix = "/rpc", endpoint = "comments/edit")]
pub async fn edit_comment(id: i64, content: String) -> Result<CommentView, AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::{store, validate_content, CommentId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    let content = validate_content(&content)?;
    store::edit(&state.db, &state.config, user, CommentId(id), content).await
}

/// Deletes a comment: its author, moderators and admins may. One with replies stays as a
/// "deleted" placeholder so the replies keep their place.
#[server(prefix = "/rpc", endpoint = "comments/delete")]
pub async fn delete_comment(id: i64) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::{store, CommentId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    store::delete(&state.db, user, CommentId(id)).await
}

/// Flags a comment for the moderators, with a reason.
#[server(prefix = "/rpc", endpoint = "comments/report")]
pub async fn report_comment(id: i64, reason: String) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::{store, validate_reason, CommentId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    let reason = validate_reason(&reason)?;
    store::report(&state.db, user.id.0, CommentId(id), reason).await
}
