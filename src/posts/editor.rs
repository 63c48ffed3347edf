//! What the editor and the dashboard exchange with the server. Only a post's author and
//! admins reach a post through these; for anybody else it does not exist (404).

// The editor's save takes one argument per form field, so that a plain form can post it.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::drafts::{DashboardPost, DiffLine, EditorPost, RevisionInfo, Saved, SlugCheck};
use super::PostStatus;
use crate::categories::CategoryId;
use crate::error::AppError;

/// The editor form's `categories` field: the chosen ids, comma-separated ("3,7"). The form
/// posts it as text, so that it also saves without JavaScript; [`save_post`] reads it back.
pub fn category_field(ids: &[CategoryId]) -> String {
    let ids: Vec<String> = ids.iter().map(CategoryId::to_string).collect();
    ids.join(",")
}

/// The ids in a [`category_field`]; `None` when one of them is not an id.
#[cfg(feature = "ssr")]
fn category_ids_of_field(raw: &str) -> Option<Vec<CategoryId>> {
    raw.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().ok().map(CategoryId))
        .collect()
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::accounts::caller::Caller;
    use crate::error::AppError;
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

    /// Succeeds when the caller may change the post: its author, or an admin, who may
    /// write on this blog (a user whose role no longer allows it keeps their posts but
    /// cannot change them; deleting one needs only [`may_delete`]).
    pub async fn may_edit(state: &AppState, post_id: i64) -> Result<(), AppError> {
        let caller = Caller::current().await?;
        crate::posts::editing::require_editor(&state.db, &caller, post_id).await?;
        caller.require_writer(state.site().await?.publishing)?;
        Ok(())
    }

    pub async fn may_delete(state: &AppState, post_id: i64) -> Result<(), AppError> {
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
/// the post changed since). `autosave` folds into the previous autosave's revision. `tags` is
/// the text typed ("rust, web dev") and `categories` a [`category_field`]: the form's fields.
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
    /// For a new one: `page` makes a page (admins only); anything else a post.
    kind: Option<String>,
) -> Result<Saved, AppError> {
    use crate::accounts::caller::Caller;
    use crate::posts::editing::{self, PostFields, PostInput, SaveKind};
    let state = crate::web::state::AppState::current()?;
    let kind_field = kind;
    let tags: Vec<String> = tags.split(',').map(str::to_owned).collect();
    let categories = category_ids_of_field(&categories);
    let input = PostInput::validate(PostFields {
        title: &title,
        slug: &slug,
        content: &content,
        excerpt: &excerpt,
        cover_image: &cover_image,
        tags: &tags,
        categories: categories.as_deref(),
        canonical_url: &canonical_url,
        comments_enabled: None,
    })?;
    let kind = if autosave.unwrap_or(false) {
        SaveKind::Autosave
    } else {
        SaveKind::Save
    };
    let id = match id {
        None => {
            let caller = Caller::current().await?;
            let user = caller.require_writer(state.site().await?.publishing)?;
            let input = if kind_field.as_deref() == Some("page") {
                // Pages are the blog's own (About, Contact): its admins write them.
                caller.require_role(crate::accounts::Role::Admin)?;
                input.for_kind(crate::posts::PostKind::Page)?
            } else {
                input
            };
            editing::create_draft(&state.db, user.id.0, &input, kind).await?
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
    let saved = editing::saved(&state.db, id).await?;
    if saved.status == PostStatus::Draft {
        crate::platform::readers::unseen();
    }
    Ok(saved)
}

/// Publishes (now, or at `publish_at`, an RFC 3339 time or a `datetime-local` value in the
/// blog's time zone),
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
        Some(raw) => {
            let zone = state.site().await?.time_zone.clone();
            Some(parse_time(raw, &zone).ok_or_else(|| {
                AppError::field(
                    "publish_at",
                    format!("Give a date and time like 2026-12-01 09:00 that exists in {zone}"),
                )
            })?)
        }
    };
    crate::posts::editing::set_status(&state.db, id, version, status, publish_at).await?;
    crate::posts::editing::saved(&state.db, id).await
}

#[cfg(feature = "ssr")]
fn parse_time(raw: &str, zone: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(raw, format).ok())
        .and_then(|local| crate::site::dates::from_wall_clock(local, zone))
}

/// Whether readers may comment on the post (its author or an admin). Not a change of its
/// text: the editor's version stays.
#[server(prefix = "/rpc", endpoint = "editor/comments")]
pub async fn set_post_comments(id: i64, enabled: bool) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_edit(&state, id).await?;
    crate::posts::store::set_comments(&state.db, id, enabled).await
}

/// Deletes a post for good.
#[server(prefix = "/rpc", endpoint = "editor/delete")]
pub async fn delete_post(id: i64) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    ssr::may_delete(&state, id).await?;
    crate::posts::editing::delete(&state.db, id).await
}

/// The body as the post page will show it.
#[server(prefix = "/rpc", endpoint = "editor/preview")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn preview(content: String) -> Result<String, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_writer(state.site().await?.publishing)?;
    if content.chars().count() > crate::posts::editing::MAX_BODY_CHARS {
        return Err(AppError::field(
            "content",
            "The text is too long to preview",
        ));
    }
    let trust = user.role.link_trust();
    let rendered =
        tokio::task::spawn_blocking(move || crate::platform::markdown::render(&content, trust))
            .await
            .map_err(|e| AppError::internal(format_args!("rendering a preview: {e}")))?;
    Ok(rendered.html)
}

/// The slug a title or typed slug becomes, and whether it is free.
#[server(prefix = "/rpc", endpoint = "editor/slug")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_slug(
    slug: String,
    id: Option<i64>,
    page: Option<bool>,
) -> Result<SlugCheck, AppError> {
    use crate::accounts::caller::Caller;
    use crate::posts::editing;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_user()?;
    let slug = crate::platform::markdown::slugify(&slug);
    let reserved = page.unwrap_or(false) && editing::is_reserved_page_slug(&slug);
    let available =
        !slug.is_empty() && !reserved && editing::slug_is_free(&state.db, &slug, id).await?;
    Ok(SlugCheck { slug, available })
}

/// Existing tags starting with what is typed.
#[server(prefix = "/rpc", endpoint = "editor/tags")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn suggest_tags(prefix: String) -> Result<Vec<String>, AppError> {
    use crate::accounts::caller::Caller;
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
    use crate::posts::editing::{self, PostFields, PostInput, SaveKind};
    let state = crate::web::state::AppState::current()?;
    let (post_id, title, content, excerpt) = editing::revision(&state.db, revision_id).await?;
    ssr::may_edit(&state, post_id).await?;
    let current = editing::load(&state.db, post_id).await?;
    let input = PostInput::validate(PostFields {
        title: &title,
        slug: &current.slug,
        content: &content,
        excerpt: &excerpt,
        cover_image: &current.cover_image,
        tags: &current.tags,
        categories: Some(&current.category_ids),
        canonical_url: &current.canonical_url,
        comments_enabled: None,
    })?;
    editing::update(&state.db, post_id, version, &input, SaveKind::Save, None).await?;
    editing::saved(&state.db, post_id).await
}

/// The signed-in author's posts.
#[server(prefix = "/rpc", endpoint = "dashboard/posts")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn dashboard_posts() -> Result<Vec<DashboardPost>, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    crate::posts::editing::dashboard(&state.db, user.id.0).await
}

/// `POST /editor/images`: an image for a post, from the editor's button, a drop or a paste;
/// answers JSON with its addresses and the markdown to insert (see [`super::images`]).
#[cfg(feature = "ssr")]
pub async fn upload_image(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
    mut multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::Json;
    let error_response = |err: AppError| {
        (
            err.status(),
            Json(serde_json::json!({ "error": err.to_string() })),
        )
            .into_response()
    };
    let publishing = match state.site().await {
        Ok(site) => site.publishing,
        Err(err) => return error_response(err),
    };
    let user = match caller.require_writer(publishing) {
        Ok(user) => user.clone(),
        Err(err) => return error_response(err),
    };
    let invalid = |why: &str| AppError::field("image", why);
    let mut upload = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("image") {
                    let name = field.file_name().unwrap_or("image").to_owned();
                    match field.bytes().await {
                        Ok(data) => upload = Some((name, data)),
                        Err(_) => {
                            return error_response(invalid(
                                "The upload was cut off or is over 10 MB",
                            ))
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return error_response(invalid("The upload was cut off; please try again")),
        }
    }
    match super::images::store(&state.config.media_dir, user.id.0, upload).await {
        Ok(image) => (
            StatusCode::CREATED,
            Json(serde_json::json!({
                "url": image.url,
                "cardUrl": image.card_url,
                "markdown": image.markdown,
            })),
        )
            .into_response(),
        Err(err) => error_response(err),
    }
}

/// `GET /dashboard/export`: the signed-in author's posts as a tar of markdown files.
#[cfg(feature = "ssr")]
pub async fn download_posts(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::{IntoResponse, Redirect};
    let Ok(user) = caller.require_user() else {
        return Redirect::to("/signin?next=/dashboard").into_response();
    };
    use crate::posts::transfer::{export, tar};
    let archive = export(&state.db, Some(user.id.0)).await.and_then(|files| {
        // Only a name tar cannot hold (none that `export` makes) fails here.
        tar(&files).map_err(|e| AppError::internal(format_args!("export archive: {e}")))
    });
    match archive {
        Ok(archive) => (
            [
                (header::CONTENT_TYPE, "application/x-tar"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"quire-posts.tar\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            archive,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// `POST /dashboard/import`: markdown files from a form; back to the dashboard with a report
/// that names every file that failed and why.
#[cfg(feature = "ssr")]
pub async fn upload_posts(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
    mut multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use crate::posts::transfer::{import, parse};
    use axum::response::{IntoResponse, Redirect};
    let Ok(user) = caller.require_user() else {
        return Redirect::to("/signin?next=/dashboard").into_response();
    };
    if let Err(err) = async { caller.require_writer(state.site().await?.publishing) }.await {
        return err.into_response();
    }
    let mut lines = Vec::new();
    let (mut done, mut failed) = (0, 0);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                lines.push("The upload was cut off; please try again.".to_owned());
                failed += 1;
                break;
            }
        };
        if field.name() != Some("files") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let result = match field.text().await {
            Err(_) => Err("not a text file".to_owned()),
            Ok(text) if text.is_empty() && name.is_empty() => continue,
            Ok(text) => match parse(&text) {
                Err(why) => Err(why),
                Ok(post) => import(&state.db, user.id.0, post)
                    .await
                    .map_err(|e| match &e {
                        AppError::Invalid { fields, .. } => fields
                            .iter()
                            .map(|f| format!("{}: {}", f.field, f.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                        _ => e.to_string(),
                    }),
            },
        };
        match result {
            Ok(_) => done += 1,
            Err(why) => {
                failed += 1;
                lines.push(format!("{name}: {why}"));
            }
        }
    }
    lines.insert(0, format!("Imported {done} posts; {failed} failed."));
    let report: String =
        url::form_urlencoded::byte_serialize(lines.join("\n").as_bytes()).collect();
    Redirect::to(&format!("/dashboard?import_report={report}")).into_response()
}
