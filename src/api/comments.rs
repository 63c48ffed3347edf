//! Comments through the API: threads, writing, and the moderators' queue.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::posts::ApiAuthor;
use super::schema::patterns;
use super::{ApiResult, Body, SignedIn, Success};
use crate::accounts::caller::Caller;
use crate::accounts::Role;
use crate::comments::{self, store, CommentId, CommentView};
use crate::error::AppError;
use crate::web::state::AppState;

/// A comment; `parentId` ties replies to what they answer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiComment {
    pub id: String,
    pub parent_id: Option<String>,
    /// Absent for a deleted comment kept for its replies.
    pub author: Option<ApiAuthor>,
    pub content_html: String,
    pub status: String,
    pub deleted: bool,
    pub created_at: DateTime<Utc>,
}

fn api_comment(view: CommentView) -> ApiComment {
    ApiComment {
        id: view.id.to_string(),
        parent_id: view.parent_id.map(|p| p.to_string()),
        author: view.author.map(|a| ApiAuthor {
            id: String::new(),
            username: a.username,
            display_name: a.display_name,
            avatar_url: a.avatar_url,
        }),
        content_html: view.content_html,
        status: if view.pending { "PENDING" } else { "APPROVED" }.to_owned(),
        deleted: view.deleted,
        created_at: view.created_at,
    }
}

/// An id as the API writes them (`patterns::ID`).
fn id_param(raw: &str) -> Option<i64> {
    let digits = (1..=18).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| raw.parse().ok()).flatten()
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// `GET /api/posts/{id}/comments`: the approved thread (and the caller's own pending ones),
/// oldest first, each reply after its parent.
pub(super) async fn thread(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Vec<ApiComment>> {
    let post_id = id_of(&id)?;
    store::require_visible_post(&state.db, post_id).await?;
    let views = store::thread(&state.db, post_id, caller.user().map(|u| u.id.0)).await?;
    Ok(Success::ok(
        "Comments",
        views.into_iter().map(api_comment).collect(),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommentWrite {
    /// Markdown: emphasis, links, code, quotes, lists. Trimmed; not blank.
    #[schemars(length(min = 1, max = comments::MAX_COMMENT_CHARS), regex(pattern = patterns::NOT_BLANK))]
    pub content: String,
    /// The comment this one answers, on the same post; one that is not there (any more)
    /// answers 409.
    #[schemars(regex(pattern = patterns::ID))]
    pub parent_id: Option<String>,
}

/// `POST /api/posts/{id}/comments` → 201; it waits for approval unless its author is trusted.
pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    key: crate::idempotency::IdempotencyKey,
    super::KeyedBody(body, raw): super::KeyedBody<CommentWrite>,
) -> ApiResult<ApiComment> {
    let user = caller.require_user()?;
    state.site().await?.require_comments_open()?;
    let post_id = id_of(&id)?;
    let route = format!("POST /api/posts/{post_id}/comments");
    let (claim, earlier) = super::idempotency(&state, user.id.0, key, &route, &raw).await?;
    if let Some(comment) = earlier {
        let view = store::own_view(&state.db, user, CommentId(comment)).await?;
        return Ok(Success::created("Comment posted", api_comment(view)));
    }
    let parent_id = match body.parent_id.as_deref() {
        None => None,
        Some(raw) => Some(CommentId(id_param(raw).ok_or_else(|| {
            AppError::field("parentId", "`parentId` must be a comment id")
        })?)),
    };
    let content = comments::validate_content(&body.content)?;
    let view = store::add(
        &state.db,
        &state.config,
        &state.mailing().await?,
        user,
        post_id,
        parent_id,
        content,
        claim.as_ref(),
    )
    .await?;
    if view.pending {
        // Held for moderation: only its author sees it, on pages never kept for visitors.
        crate::platform::readers::unseen();
    }
    Ok(Success::created("Comment posted", api_comment(view)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    /// Markdown. Trimmed; not blank.
    #[schemars(length(min = 1, max = comments::MAX_COMMENT_CHARS), regex(pattern = patterns::NOT_BLANK))]
    pub content: String,
}

/// `PATCH /api/comments/{id}`: its author, a moderator or an admin.
pub(super) async fn edit(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Body(body): Body<CommentEdit>,
) -> ApiResult<ApiComment> {
    let user = caller.require_user()?;
    let content = comments::validate_content(&body.content)?;
    let view = store::edit(
        &state.db,
        &state.config,
        user,
        CommentId(id_of(&id)?),
        content,
    )
    .await?;
    Ok(Success::ok("Comment updated", api_comment(view)))
}

/// `DELETE /api/comments/{id}`: its author, a moderator or an admin.
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<()> {
    let user = caller.require_user()?;
    store::delete(&state.db, user, CommentId(id_of(&id)?)).await?;
    Ok(Success::ok("Comment deleted", ()))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct QueueQuery {
    /// Only pending comments are listed (with reported ones).
    #[schemars(with = "String", extend("enum" = ["pending"]))]
    status: Option<String>,
}

/// A comment waiting for a moderator.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiQueued {
    pub id: String,
    pub post_title: String,
    pub post_slug: String,
    pub author: ApiAuthor,
    pub content_html: String,
    pub status: String,
    pub reports: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/comments?status=pending`: moderators and admins.
pub(super) async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    super::Params(q): super::Params<QueueQuery>,
) -> ApiResult<Vec<ApiQueued>> {
    caller.require_role(Role::Moderator)?;
    if q.status.as_deref().is_some_and(|s| s != "pending") {
        return Err(AppError::field("status", "Only `status=pending` is supported").into());
    }
    let items =
        crate::moderation::store::queue(&state.db, crate::moderation::store::QUEUE_LIMIT).await?;
    Ok(Success::ok(
        "Comments waiting",
        items
            .into_iter()
            .map(|item| ApiQueued {
                id: item.id.to_string(),
                post_title: item.post_title,
                post_slug: item.post_slug,
                author: ApiAuthor {
                    id: item.author_id.to_string(),
                    username: item.author.username,
                    display_name: item.author.display_name,
                    avatar_url: item.author.avatar_url,
                },
                content_html: item.content_html,
                status: if item.pending { "PENDING" } else { "REPORTED" }.to_owned(),
                reports: item.reports.into_iter().map(|r| r.reason).collect(),
                created_at: item.created_at,
            })
            .collect(),
    ))
}

/// `POST /api/comments/{id}/approve`: moderators and admins, never for their own comment.
pub(super) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<()> {
    let moderator = caller.require_role(Role::Moderator)?;
    let changed = store::decide(
        &state.db,
        &state.mailing().await?,
        moderator,
        &[CommentId(id_of(&id)?)],
        store::Decision::Approve,
    )
    .await?;
    if changed == 0 {
        return Err(AppError::NotFound.into());
    }
    Ok(Success::ok("Comment approved", ()))
}
