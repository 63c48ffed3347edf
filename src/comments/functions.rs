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

/// What a signed-in reader's thread is made of (see `components::comments`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SignedInThread {
    /// The thread every signed-in reader sees, as kept HTML for the current content version.
    pub kept: Option<std::sync::Arc<str>>,
    /// Else the thread to render: approved comments (the reader's own with their markdown,
    /// when asked for).
    pub comments: Vec<CommentView>,
    /// The content version it was read under, to keep its HTML under.
    pub version: Option<i64>,
    /// The reader's own comments waiting for approval.
    pub waiting: Vec<CommentView>,
    pub username: String,
    pub open: bool,
    pub unconfirmed: bool,
}

/// The signed-in reader's thread. With `shared`, the kept HTML of the thread everyone sees
/// stands in for its comments when there is one; `with_sources` gives the reader's own
/// comments their markdown (for an edit form).
#[server(prefix = "/rpc", endpoint = "comments/reader_thread")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn reader_thread(
    post_id: i64,
    shared: bool,
    with_sources: bool,
) -> Result<SignedInThread, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    SignedInThread::read(
        &state,
        caller.require_user()?,
        post_id,
        shared,
        with_sources,
    )
    .await
}

/// Which thread a signed-in reader's part comes with: the shared one (kept HTML when there
/// is some), and with the reader's own comments' markdown (for an edit form).
#[cfg(feature = "ssr")]
#[derive(Clone, Copy)]
struct ThreadWanted {
    shared: bool,
    with_sources: bool,
}

#[cfg(feature = "ssr")]
impl SignedInThread {
    /// What `user` sees of post `post_id`'s thread (see [`reader_thread`]); not found unless
    /// the post is published.
    pub async fn read(
        state: &crate::web::state::AppState,
        user: &crate::accounts::CurrentUser,
        post_id: i64,
        shared: bool,
        with_sources: bool,
    ) -> Result<Self, AppError> {
        let post_open = crate::comments::store::require_visible_post(&state.db, post_id).await?;
        let site = state.site().await?;
        let open = post_open && site.comments_enabled;
        let thread = Some(ThreadWanted {
            shared,
            with_sources,
        });
        Self::gather(state, &site, user, post_id, open, thread).await
    }

    /// The reader's own part only (no thread), for a page that knows the post is published
    /// and whether it takes comments (one kept for the current content version).
    pub async fn read_own(
        state: &crate::web::state::AppState,
        user: &crate::accounts::CurrentUser,
        post_id: i64,
        open: bool,
    ) -> Result<Self, AppError> {
        let site = state.site().await?;
        Self::gather(state, &site, user, post_id, open, None).await
    }

    /// The reader's part, and the thread as `thread` asks (None: without it).
    async fn gather(
        state: &crate::web::state::AppState,
        site: &crate::site::SiteSettings,
        user: &crate::accounts::CurrentUser,
        post_id: i64,
        open: bool,
        thread: Option<ThreadWanted>,
    ) -> Result<Self, AppError> {
        use crate::comments::store;
        use crate::web::fragments::thread_key;
        let unconfirmed = !store::may_comment_as(&state.db, site, user).await?;
        let readers = state.pages.readers_version(&state.db).await;
        let waiting = state
            .readers
            .waiting
            .get(readers, (user.id.0, post_id), || {
                store::waiting_for(&state.db, post_id, user.id.0)
            })
            .await?;
        let version = state.pages.content_version(&state.db).await;
        let kept = version
            .zip(thread)
            .filter(|(_, thread)| thread.shared && !thread.with_sources)
            .and_then(|(version, _)| state.fragments.get(&thread_key(post_id), version));
        let comments = match (kept.as_ref(), thread) {
            (None, Some(ThreadWanted { with_sources, .. })) => {
                store::thread(&state.db, post_id, with_sources.then_some(user.id.0))
                    .await?
                    .into_iter()
                    .filter(|comment| !comment.pending)
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(SignedInThread {
            kept,
            comments,
            version,
            waiting,
            username: user.username.clone(),
            open,
            unconfirmed,
        })
    }
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
    crate::web::plain_forms::back_to_page(&format!("#comment-{}", comment.id));
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
    let comment = store::edit(&state.db, &state.config, user, CommentId(id), content).await?;
    crate::web::plain_forms::back_to_page(&format!("#comment-{id}"));
    Ok(comment)
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
    store::delete(&state.db, user, CommentId(id)).await?;
    crate::web::plain_forms::back_to_page("#comments");
    Ok(())
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
    store::report(&state.db, user.id.0, CommentId(id), reason).await?;
    crate::web::plain_forms::back_to_page(&format!("?reported={id}#comment-{id}"));
    Ok(())
}
