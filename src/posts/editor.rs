//! What the editor and the dashboard exchange with the server. Only a post's author and
//! admins reach a post through these; for anybody else it does not exist (404).

// The editor's save takes one argument per form field, so that a plain form can post it.
#![allow(clippy::too_many_arguments)]

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PostStatus;
use crate::error::AppError;

/// A post as the editor holds it. Lists are text, as the form fields have them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EditorPost {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub content: String,
    /// The author's own excerpt; empty when the first paragraph serves.
    pub excerpt: String,
    pub cover_image: String,
    /// "rust, web"
    pub tags: String,
    pub category_ids: Vec<i64>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub canonical_url: String,
    /// What the next save must be based on.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// The result of a save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub id: i64,
    pub slug: String,
    pub version: i64,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlugCheck {
    /// The slug as it will be saved.
    pub slug: String,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub id: i64,
    /// SAVE, PUBLISH or AUTOSAVE.
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// One of the author's posts on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardPost {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub slug: String,
    pub status: PostStatus,
    pub scheduled: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub pending_comments: i64,
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::web::auth::Caller;
    use crate::web::state::AppState;

    /// A browser posting a form without JavaScript asks for HTML; the hydrated page asks
    /// for JSON.
    pub async fn from_plain_form() -> bool {
        leptos_axum::extract::<axum::http::HeaderMap>()
            .await
            .ok()
            .and_then(|h| {
                h.get(axum::http::header::ACCEPT)?
                    .to_str()
                    .ok()
                    .map(str::to_owned)
            })
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Succeeds when the caller may change the post: its author, or an admin.
    pub async fn may_edit(state: &AppState, post_id: i64) -> Result<(), AppError> {
        let caller = Caller::current().await?;
        crate::posts::editing::require_editor(&state.db, &caller, post_id).await
    }
}

/// A post to edit.
#[server(prefix = "/rpc", endpoint = "editor/load")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn load_post(id: i64) -> Result<EditorPost, AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_edit(&state, id).await?;
    crate::posts::editing::load(&state.db, id).await
}

/// Saves the editor's fields: a new draft when `id` is absent, else over `version` (409 when
/// the post changed since). `autosave` folds into the previous autosave's revision.
#[server(prefix = "/rpc", endpoint = "editor/save")]
pub async fn save_post(
    id: Option<i64>,
    version: Option<i64>,
    title: String,
    slug: String,
    content: String,
    excerpt: String,
    cover_image: String,
    tags: String,
    categories: String,
    canonical_url: String,
    autosave: Option<bool>,
) -> Result<Saved, AppError> {
    use crate::posts::editing::{self, PostInput, SaveKind};
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let input = PostInput::validate(
        &title,
        &slug,
        &content,
        &excerpt,
        &cover_image,
        &tags,
        &categories,
        &canonical_url,
    )?;
    let kind = if autosave.unwrap_or(false) {
        SaveKind::Autosave
    } else {
        SaveKind::Save
    };
    let id = match id {
        None => {
            let caller = Caller::current().await?;
            let user = caller.require_user()?;
            editing::create_draft(&state.db, user.id, &input, kind).await?
        }
        Some(id) => {
            ssr::may_edit(&state, id).await?;
            let version = version.ok_or_else(|| AppError::field("version", "Reload the editor"))?;
            editing::update(&state.db, id, version, &input, kind, None).await?;
            id
        }
    };
    // A plain form (no JavaScript) lands on the post's own editor, not back on /editor/new.
    if ssr::from_plain_form().await {
        leptos_axum::redirect(&format!("/editor/{id}"));
    }
    let saved = saved(&state.db, id).await?;
    if saved.status == PostStatus::Draft {
        crate::platform::readers::unseen();
    }
    Ok(saved)
}

#[cfg(feature = "ssr")]
async fn saved(db: &crate::platform::db::Db, id: i64) -> Result<Saved, AppError> {
    let post = crate::posts::editing::load(db, id).await?;
    Ok(Saved {
        id,
        slug: post.slug,
        version: post.version,
        status: post.status,
        published_at: post.published_at,
    })
}

/// Publishes (now, or at `publish_at`, an RFC 3339 time or a `datetime-local` value in UTC),
/// unpublishes to a draft, archives or restores.
#[server(prefix = "/rpc", endpoint = "editor/status")]
pub async fn set_post_status(
    id: i64,
    version: i64,
    status: PostStatus,
    publish_at: Option<String>,
) -> Result<Saved, AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_edit(&state, id).await?;
    let publish_at = match publish_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(parse_time(raw).ok_or_else(|| {
            AppError::field("publish_at", "Give a date and time like 2026-12-01 09:00")
        })?),
    };
    crate::posts::editing::set_status(&state.db, id, version, status, publish_at).await?;
    saved(&state.db, id).await
}

#[cfg(feature = "ssr")]
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(raw, format).ok())
        .map(|at| at.and_utc())
}

/// Deletes a post for good.
#[server(prefix = "/rpc", endpoint = "editor/delete")]
pub async fn delete_post(id: i64) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_edit(&state, id).await?;
    crate::posts::editing::delete(&state.db, id).await
}

/// The body as the post page will show it.
#[server(prefix = "/rpc", endpoint = "editor/preview")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn preview(content: String) -> Result<String, AppError> {
    use crate::web::auth::Caller;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    if content.chars().count() > crate::posts::editing::MAX_BODY_CHARS {
        return Err(AppError::field(
            "content",
            "The text is too long to preview",
        ));
    }
    let trust = if user.role >= crate::accounts::Role::Moderator {
        crate::platform::markdown::Trust::Trusted
    } else {
        crate::platform::markdown::Trust::Untrusted
    };
    let rendered =
        tokio::task::spawn_blocking(move || crate::platform::markdown::render(&content, trust))
            .await
            .map_err(|e| AppError::internal(format_args!("rendering a preview: {e}")))?;
    Ok(rendered.html)
}

/// The slug a title or typed slug becomes, and whether it is free.
#[server(prefix = "/rpc", endpoint = "editor/slug")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_slug(slug: String, id: Option<i64>) -> Result<SlugCheck, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_user()?;
    let slug = crate::platform::markdown::slugify(&slug);
    let available =
        !slug.is_empty() && crate::posts::editing::slug_is_free(&state.db, &slug, id).await?;
    Ok(SlugCheck { slug, available })
}

/// Existing tags starting with what is typed.
#[server(prefix = "/rpc", endpoint = "editor/tags")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn suggest_tags(prefix: String) -> Result<Vec<String>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_user()?;
    crate::posts::editing::suggest_tags(&state.db, prefix.trim()).await
}

/// A post's revisions, newest first.
#[server(prefix = "/rpc", endpoint = "editor/revisions")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_revisions(id: i64) -> Result<Vec<RevisionInfo>, AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_edit(&state, id).await?;
    crate::posts::editing::revisions(&state.db, id).await
}

/// How a revision differs from the post as it is now.
#[server(prefix = "/rpc", endpoint = "editor/diff")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn revision_diff(revision_id: i64) -> Result<Vec<DiffLine>, AppError> {
    use crate::posts::editing;
    let state = crate::web::state::AppState::current()?;
    let (post_id, _, content, _) = editing::revision(&state.db, revision_id).await?;
    ssr::may_edit(&state, post_id).await?;
    let current = editing::load(&state.db, post_id).await?;
    // Up to the diff's deadline of CPU on a long document: not on an async worker.
    tokio::task::spawn_blocking(move || editing::diff(&content, &current.content))
        .await
        .map_err(|e| AppError::internal(format_args!("revision diff: {e}")))
}

/// Brings a revision's title, text and excerpt back as a new save.
#[server(prefix = "/rpc", endpoint = "editor/restore")]
pub async fn restore_revision(revision_id: i64, version: i64) -> Result<Saved, AppError> {
    use crate::posts::editing::{self, PostInput, SaveKind};
    let state = crate::web::state::AppState::current()?;
    let (post_id, title, content, excerpt) = editing::revision(&state.db, revision_id).await?;
    ssr::may_edit(&state, post_id).await?;
    let current = editing::load(&state.db, post_id).await?;
    let categories: Vec<String> = current.category_ids.iter().map(i64::to_string).collect();
    let input = PostInput::validate(
        &title,
        &current.slug,
        &content,
        &excerpt,
        &current.cover_image,
        &current.tags,
        &categories.join(","),
        &current.canonical_url,
    )?;
    editing::update(&state.db, post_id, version, &input, SaveKind::Save, None).await?;
    saved(&state.db, post_id).await
}

/// The signed-in author's posts.
#[server(prefix = "/rpc", endpoint = "dashboard/posts")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn dashboard_posts() -> Result<Vec<DashboardPost>, AppError> {
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    crate::posts::editing::dashboard(&state.db, user.id).await
}
