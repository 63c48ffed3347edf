//! Writing posts: checked input, saves that never overwrite a newer version, status changes,
//! revisions, and the author's dashboard.

use chrono::{DateTime, Utc};

use super::drafts::{DashboardPost, DiffLine, EditorPost, RevisionInfo, Saved};
use super::store::{self, post_write_error, replace_links, Derived, NewRow};
use super::{PostKind, PostStatus};
use crate::accounts::caller::Caller;
use crate::categories::CategoryId;
use crate::error::{AppError, FieldError};
use crate::platform::db::{now, BeginWrite, Db};
use crate::platform::markdown::{derived_slug, slugify, RENDERER_VERSION};
use crate::with_db;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_SLUG_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 200_000;
pub const MAX_EXCERPT_CHARS: usize = 500;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 40;

/// A post's fields, checked and normalized.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub title: String,
    pub slug: String,
    pub content: String,
    pub excerpt: String,
    pub cover_image: Option<String>,
    pub tags: Vec<String>,
    pub category_ids: Vec<CategoryId>,
    pub canonical_url: Option<String>,
    /// Whether readers may comment; `None` leaves it as it is (new posts: yes).
    pub comments_enabled: Option<bool>,
    /// A post, or a page ([`Self::for_kind`]); an existing one keeps its kind.
    pub kind: PostKind,
}

/// A post's fields as its author (or a client, or a file) gave them, before they are checked.
/// Lists are lists: whoever received them as text split it once.
#[derive(Debug, Clone, Copy)]
pub struct PostFields<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub content: &'a str,
    pub excerpt: &'a str,
    pub cover_image: &'a str,
    /// As typed ("Web Dev"); [`PostInput::validate`] makes them names.
    pub tags: &'a [String],
    /// `None` when what was sent named something that is not a category id: refused together
    /// with the other fields' problems.
    pub categories: Option<&'a [CategoryId]>,
    pub canonical_url: &'a str,
    /// `None`: as it is (new posts: yes).
    pub comments_enabled: Option<bool>,
}

/// Tags as authors type them ("Rust, web dev") become plain lower-case names ("rust", "web-dev").
pub fn normalize_tags(raw: &str) -> Vec<String> {
    tag_names(raw.split(','))
}

/// Tags as given become plain lower-case names, each once; those with no letter or digit go.
pub fn tag_names<T: AsRef<str>>(given: impl IntoIterator<Item = T>) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in given
        .into_iter()
        .map(|t| slugify(t.as_ref()))
        .filter(|t| !t.is_empty())
    {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

impl PostInput {
    /// Checks everything at once, so every field with a problem says so.
    pub fn validate(fields: PostFields<'_>) -> Result<Self, AppError> {
        let PostFields {
            title,
            slug,
            content,
            excerpt,
            cover_image,
            tags,
            categories,
            canonical_url,
            comments_enabled,
        } = fields;
        let mut errors = Vec::new();
        // Lengths are measured as typed, before trimming: the API's schema says so.
        if title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("Keep the title under {MAX_TITLE_CHARS} characters"),
            ));
        }
        let title = title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "Give the post a title"));
        }
        if slug.chars().count() > MAX_SLUG_CHARS {
            errors.push(FieldError::new(
                "slug",
                format!("Keep the address under {MAX_SLUG_CHARS} characters"),
            ));
        }
        let slug = derived_slug(slug, title, MAX_SLUG_CHARS, "post");
        let length = content.chars().count();
        if length > MAX_BODY_CHARS {
            errors.push(FieldError::new(
                "content",
                format!("The text is {length} characters; the most is {MAX_BODY_CHARS}"),
            ));
        }
        if excerpt.chars().count() > MAX_EXCERPT_CHARS {
            errors.push(FieldError::new(
                "excerpt",
                format!("Keep the excerpt under {MAX_EXCERPT_CHARS} characters"),
            ));
        }
        let excerpt = excerpt.trim();
        let cover_image = cover_image.trim();
        let cover_image = if cover_image.is_empty() {
            None
        } else if (cover_image.starts_with("/media/") && !cover_image.contains(".."))
            || url::Url::parse(cover_image).is_ok_and(|u| u.scheme() == "https")
        {
            Some(cover_image.to_owned())
        } else {
            errors.push(FieldError::new(
                "cover_image",
                "Upload the cover, or give an https:// address",
            ));
            None
        };
        let tags = tag_names(tags);
        if tags.len() > MAX_TAGS {
            errors.push(FieldError::new(
                "tags",
                format!("Use at most {MAX_TAGS} tags"),
            ));
        } else if tags.iter().any(|t| t.chars().count() > MAX_TAG_CHARS) {
            errors.push(FieldError::new(
                "tags",
                format!("Keep each tag under {MAX_TAG_CHARS} characters"),
            ));
        }
        let category_ids = match categories {
            Some(ids) => ids.to_vec(),
            None => {
                errors.push(FieldError::new(
                    "categories",
                    "Choose categories from the list",
                ));
                Vec::new()
            }
        };
        let canonical_url = canonical_url.trim();
        let canonical_url = if canonical_url.is_empty() {
            None
        } else if url::Url::parse(canonical_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            Some(canonical_url.to_owned())
        } else {
            errors.push(FieldError::new(
                "canonical_url",
                "Give the full address, starting with https://",
            ));
            None
        };
        if !errors.is_empty() {
            return Err(AppError::invalid(errors));
        }
        Ok(Self {
            title: title.to_owned(),
            slug,
            content: content.to_owned(),
            excerpt: excerpt.to_owned(),
            cover_image,
            tags,
            category_ids,
            canonical_url,
            comments_enabled,
            kind: PostKind::Post,
        })
    }

    /// The checked fields as a `kind`: a page's address must not be one of the blog's own
    /// (it is served at `/{slug}`), and a page has no tags, categories or comments.
    pub fn for_kind(mut self, kind: PostKind) -> Result<Self, AppError> {
        self.kind = kind;
        if kind == PostKind::Page {
            if is_reserved_page_slug(&self.slug) {
                // Taken, as a slug another post has is: by the blog itself.
                return Err(AppError::taken(
                    "slug",
                    format!(
                        "/{} is one of the blog's own addresses: choose another for this page",
                        self.slug
                    ),
                ));
            }
            self.tags.clear();
            self.category_ids.clear();
            self.comments_enabled = Some(false);
        }
        Ok(self)
    }
}

/// The first words of the blog's own addresses (and some a blog may need later), which no
/// page may take: pages live at `/{slug}`, beside them.
const RESERVED_PAGE_SLUGS: &[&str] = &[
    "admin",
    "api",
    "assets",
    "categories",
    "confirm-email",
    "dashboard",
    "editor",
    "feed",
    "forgot-password",
    "health",
    "login",
    "logout",
    "media",
    "metrics",
    "page",
    "pages",
    "pkg",
    "posts",
    "register",
    "reset-password",
    "robots",
    "rpc",
    "rss",
    "search",
    "settings",
    "setup",
    "signin",
    "signout",
    "signup",
    "static",
    "subscribe",
    "tags",
    "u",
    "unsubscribe",
    "favicon",
    "apple-touch-icon",
    "well-known",
];

/// Whether `slug` (a derived slug: lower-case letters, digits and hyphens) is an address of
/// the blog's own. `sitemap-…` names the sitemap's files.
pub fn is_reserved_page_slug(slug: &str) -> bool {
    RESERVED_PAGE_SLUGS.contains(&slug) || slug == "sitemap" || slug.starts_with("sitemap-")
}

/// Why a revision was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveKind {
    Autosave,
    Save,
    Publish,
}

impl SaveKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Autosave => "AUTOSAVE",
            Self::Save => "SAVE",
            Self::Publish => "PUBLISH",
        }
    }
}

/// Keeps a revision inside the transaction `tx`; autosaves replace the newest revision when
/// that is an autosave too.
async fn keep_revision<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    post_id: i64,
    kind: SaveKind,
    title: &str,
    content: &str,
    excerpt: &str,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
{
    let latest: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, kind FROM post_revisions WHERE post_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(post_id)
    .fetch_optional(&mut **tx)
    .await?;
    match latest {
        Some((id, latest_kind)) if kind == SaveKind::Autosave && latest_kind == "AUTOSAVE" => {
            sqlx::query(
                "UPDATE post_revisions SET title = $1, content = $2, excerpt = $3, created_at = $4
                 WHERE id = $5",
            )
            .bind(title.to_owned())
            .bind(content.to_owned())
            .bind(excerpt.to_owned())
            .bind(now())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        _ => {
            sqlx::query(
                "INSERT INTO post_revisions (post_id, kind, title, content, excerpt, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(post_id)
            .bind(kind.as_str().to_owned())
            .bind(title.to_owned())
            .bind(content.to_owned())
            .bind(excerpt.to_owned())
            .bind(now())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A new draft; returns its id.
pub async fn create_draft(
    db: &Db,
    author_id: i64,
    input: &PostInput,
    kind: SaveKind,
) -> Result<i64, AppError> {
    create(db, author_id, input, kind, PostStatus::Draft, None, None).await
}

/// A new post in `status` (published now, or at `publish_at`: scheduled), with its tags,
/// categories and first revision, and the API request's `Idempotency-Key` if it has one: all
/// in one transaction, so a crash leaves the whole post or nothing, never a draft that was
/// meant to be published. Returns its id.
pub async fn create(
    db: &Db,
    author_id: i64,
    input: &PostInput,
    kind: SaveKind,
    status: PostStatus,
    publish_at: Option<DateTime<Utc>>,
    claim: Option<&crate::idempotency::Claim>,
) -> Result<i64, AppError> {
    let derived = Derived::of(
        db,
        author_id,
        &input.content,
        Some(&input.excerpt),
        &input.tags,
    )
    .await?;
    let now = now();
    let published_at = (status == PostStatus::Published).then(|| publish_at.unwrap_or(now));
    let row = NewRow {
        kind: input.kind,
        author_id,
        title: &input.title,
        slug: &input.slug,
        content: &input.content,
        cover_image: input.cover_image.as_deref(),
        canonical_url: input.canonical_url.as_deref(),
        status,
        published_at,
        derived: &derived,
        now,
    };
    let result: Result<i64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let post_id = create_in(&mut tx, &row, input, kind).await?;
            if let Some(claim) = claim {
                crate::idempotency::record(&mut tx, claim, post_id).await?;
            }
            tx.commit().await?;
            Ok(post_id)
        }
        .await
    });
    result.map_err(post_write_error)
}

/// A new post's rows (the post, its tags and categories, its first revisions) inside the
/// transaction `tx`, for [`create`] and for imports that write more in the same transaction.
pub(crate) async fn create_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    row: &NewRow<'_>,
    input: &PostInput,
    kind: SaveKind,
) -> Result<i64, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
{
    let post_id = store::insert(tx, row).await?;
    if let Some(enabled) = input.comments_enabled {
        store::set_comments_in(tx, post_id, enabled).await?;
    }
    replace_links(
        tx,
        post_id,
        &input.tags,
        &input.category_ids,
        row.published_at,
    )
    .await?;
    keep_revision(
        tx,
        post_id,
        kind,
        &input.title,
        &input.content,
        &input.excerpt,
    )
    .await?;
    if row.status == PostStatus::Published {
        keep_revision(
            tx,
            post_id,
            SaveKind::Publish,
            &input.title,
            &input.content,
            &input.excerpt,
        )
        .await?;
    }
    Ok(post_id)
}

/// The stored version differs from the one the editor started from.
fn conflict() -> AppError {
    AppError::Conflict(
        "This post was changed elsewhere (another tab or device) since you opened it".to_owned(),
    )
}

/// Saves the editor's fields over version `expected_version`, and moves the post to
/// `new_status` if given (as [`set_status`] does), in one transaction; returns the new
/// version. A save based on an older version is refused with 409 and changes nothing.
pub async fn update(
    db: &Db,
    post_id: i64,
    expected_version: i64,
    input: &PostInput,
    kind: SaveKind,
    new_status: Option<(PostStatus, Option<DateTime<Utc>>)>,
) -> Result<i64, AppError> {
    let (author_id, current, published_at) = owner_and_status(db, post_id).await?;
    let input = &input.clone().for_kind(kind_of(db, post_id).await?)?;
    let (status, published_at) = match new_status {
        Some((to, publish_at)) => (to, next_published_at(current, published_at, to, publish_at)),
        None => (current, published_at),
    };
    let derived = Derived::of(
        db,
        author_id,
        &input.content,
        Some(&input.excerpt),
        &input.tags,
    )
    .await?;
    let listed_at = (status == PostStatus::Published)
        .then_some(published_at)
        .flatten();
    let change = Change {
        post_id,
        expected_version,
        status,
        published_at,
        listed_at,
        derived: &derived,
        publishing: new_status.is_some_and(|(to, _)| to == PostStatus::Published),
    };
    let result: Result<Option<i64>, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let version = update_in(&mut tx, &change, input, kind).await?;
            if version.is_some() {
                tx.commit().await?;
            }
            Ok(version)
        }
        .await
    });
    result.map_err(post_write_error)?.ok_or_else(conflict)
}

/// A saved post's new state, worked out before its transaction opens (rendering takes time).
pub(crate) struct Change<'a> {
    pub post_id: i64,
    /// The version the save was based on: another save in between refuses this one.
    pub expected_version: i64,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// `published_at` while the post is published: what its listings are sorted by.
    pub listed_at: Option<DateTime<Utc>>,
    pub derived: &'a Derived,
    /// The save publishes it (a revision marks the moment).
    pub publishing: bool,
}

/// [`update`]'s writes inside the transaction `tx`: the post, its tags and categories, a
/// revision, and a redirect from its old address when a public post's slug changed. `None`
/// when the post changed since `expected_version` (nothing is written).
pub(crate) async fn update_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    change: &Change<'_>,
    input: &PostInput,
    kind: SaveKind,
) -> Result<Option<i64>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
{
    let derived = change.derived;
    let before: Option<(String, String)> =
        sqlx::query_as("SELECT slug, status FROM posts WHERE id = $1")
            .bind(change.post_id)
            .fetch_optional(&mut **tx)
            .await?;
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE posts SET title = $1, slug = $2, content = $3, content_html = $4, excerpt = $5,
                custom_excerpt = $6, cover_image = $7, tags = $8, read_time_minutes = $9,
                toc = $10, body_text = $11, canonical_url = $12, updated_at = $13,
                status = $16, published_at = $17, renderer_version = $18,
                version = version + 1
         WHERE id = $14 AND version = $15
         RETURNING version",
    )
    .bind(input.title.clone())
    .bind(input.slug.clone())
    .bind(input.content.clone())
    .bind(derived.html.clone())
    .bind(derived.excerpt.clone())
    .bind(derived.custom_excerpt.clone())
    .bind(input.cover_image.clone())
    .bind(derived.tags_json.clone())
    .bind(derived.read_time_minutes)
    .bind(derived.toc_json.clone())
    .bind(derived.body_text.clone())
    .bind(input.canonical_url.clone())
    .bind(now())
    .bind(change.post_id)
    .bind(change.expected_version)
    .bind(change.status.as_str().to_owned())
    .bind(change.published_at)
    .bind(RENDERER_VERSION)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(version) = version else {
        return Ok(None);
    };
    let post_id = change.post_id;
    if let Some(enabled) = input.comments_enabled {
        store::set_comments_in(tx, post_id, enabled).await?;
    }
    replace_links(
        tx,
        post_id,
        &input.tags,
        &input.category_ids,
        change.listed_at,
    )
    .await?;
    keep_revision(
        tx,
        post_id,
        kind,
        &input.title,
        &input.content,
        &input.excerpt,
    )
    .await?;
    // Readers (and search engines) may have the old address of a public post.
    if let Some((old_slug, old_status)) = &before {
        if *old_slug != input.slug && old_status == PostStatus::Published.as_str() {
            crate::redirects::store::record_move(
                tx,
                &input.kind.path(old_slug),
                &input.kind.path(&input.slug),
            )
            .await?;
        }
    }
    if change.publishing {
        keep_revision(
            tx,
            post_id,
            SaveKind::Publish,
            &input.title,
            &input.content,
            &input.excerpt,
        )
        .await?;
    }
    Ok(Some(version))
}

/// Whether the row `post_id` is a post or a page.
pub async fn kind_of(db: &Db, post_id: i64) -> Result<PostKind, AppError> {
    let kind: Option<String> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT kind FROM posts WHERE id = $1"
    )
    .bind(post_id)
    .fetch_optional(pool)
    .await)?;
    kind.map(|kind| PostKind::from_stored(&kind))
        .ok_or(AppError::NotFound)
}

/// Who wrote a post, and where it stands.
pub async fn owner_and_status(
    db: &Db,
    post_id: i64,
) -> Result<(i64, PostStatus, Option<DateTime<Utc>>), AppError> {
    let row: Option<(i64, String, Option<DateTime<Utc>>)> = with_db!(db, |pool| {
        sqlx::query_as("SELECT author_id, status, published_at FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_optional(pool)
            .await
    })?;
    let (author_id, status, published_at) = row.ok_or(AppError::NotFound)?;
    Ok((author_id, parse_status(&status), published_at))
}

/// Only a post's author and admins may change it, or see it before it is public; anybody else
/// is told it does not exist (404), visitors to sign in (401).
pub async fn require_editor(db: &Db, caller: &Caller, post_id: i64) -> Result<(), AppError> {
    caller.require_user()?;
    let (author_id, _, _) = owner_and_status(db, post_id).await?;
    if may_see_unpublished(caller, author_id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The author themself, or an admin.
pub fn may_see_unpublished(caller: &Caller, author_id: i64) -> bool {
    caller
        .require_self_or_admin(crate::accounts::UserId(author_id))
        .is_ok()
}

pub fn parse_status(raw: &str) -> PostStatus {
    match raw {
        "PUBLISHED" => PostStatus::Published,
        "ARCHIVED" => PostStatus::Archived,
        _ => PostStatus::Draft,
    }
}

/// When a post moving from `current` to `status` is published: at `publish_at` if given;
/// an already published post keeps its date, others go out now. Other moves keep the date.
pub(crate) fn next_published_at(
    current: PostStatus,
    published_at: Option<DateTime<Utc>>,
    status: PostStatus,
    publish_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match status {
        PostStatus::Published => {
            Some(publish_at.unwrap_or_else(|| match (current, published_at) {
                (PostStatus::Published, Some(at)) => at,
                _ => now(),
            }))
        }
        _ => published_at,
    }
}

/// Moves a post between draft, published (now, or at `publish_at`: scheduled) and archived.
/// Publishing an already published post without a new time keeps its date.
pub async fn set_status(
    db: &Db,
    post_id: i64,
    expected_version: i64,
    status: PostStatus,
    publish_at: Option<DateTime<Utc>>,
) -> Result<i64, AppError> {
    let (_, current, published_at) = owner_and_status(db, post_id).await?;
    let published_at = next_published_at(current, published_at, status, publish_at);
    let listed_at = (status == PostStatus::Published)
        .then_some(published_at)
        .flatten();
    let version: Option<i64> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let version: Option<i64> = sqlx::query_scalar(
                "UPDATE posts SET status = $1, published_at = $2, updated_at = $3, version = version + 1
                 WHERE id = $4 AND version = $5
                 RETURNING version",
            )
            .bind(status.as_str())
            .bind(published_at)
            .bind(now())
            .bind(post_id)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
            if version.is_none() {
                return Ok(None);
            }
            sqlx::query("UPDATE post_tags SET published_at = $1 WHERE post_id = $2")
                .bind(listed_at)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE post_categories SET published_at = $1 WHERE post_id = $2")
                .bind(listed_at)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            if status == PostStatus::Published {
                let (title, content, excerpt): (String, String, String) = sqlx::query_as(
                    "SELECT title, content, custom_excerpt FROM posts WHERE id = $1",
                )
                .bind(post_id)
                .fetch_one(&mut *tx)
                .await?;
                keep_revision(&mut tx, post_id, SaveKind::Publish, &title, &content, &excerpt)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(version)
        }
        .await
    })?;
    version.ok_or_else(conflict)
}

pub async fn delete(db: &Db, post_id: i64) -> Result<(), AppError> {
    with_db!(db, |pool| sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(post_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The columns of [`AuthoredRow`], from `posts p`.
pub(crate) const AUTHORED_COLUMNS: &str =
    "p.id, p.title, p.slug, p.content, p.custom_excerpt, p.cover_image, p.tags, p.status,
     p.published_at, p.canonical_url, p.version, p.updated_at, p.comments_enabled, p.kind";

/// A post as its author wrote it: what the editor loads and export writes out.
#[derive(sqlx::FromRow)]
pub(crate) struct AuthoredRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub content: String,
    /// The author's own excerpt; empty when the first paragraph serves.
    pub custom_excerpt: String,
    pub cover_image: Option<String>,
    /// JSON, as stored; [`AuthoredRow::tags`] reads it.
    pub tags: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub canonical_url: Option<String>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub comments_enabled: bool,
    pub kind: String,
}

impl AuthoredRow {
    pub(crate) fn tags(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

pub async fn load(db: &Db, post_id: i64) -> Result<EditorPost, AppError> {
    let sql = format!("SELECT {AUTHORED_COLUMNS} FROM posts p WHERE p.id = $1");
    let row: Option<AuthoredRow> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(post_id)
            .fetch_optional(pool)
            .await
    })?;
    let row = row.ok_or(AppError::NotFound)?;
    let category_ids: Vec<CategoryId> = with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT category_id FROM post_categories WHERE post_id = $1 ORDER BY category_id",
        )
        .bind(post_id)
        .fetch_all(pool)
        .await
    })?;
    Ok(EditorPost {
        tags: row.tags(),
        id: row.id,
        title: row.title,
        slug: row.slug,
        content: row.content,
        excerpt: row.custom_excerpt,
        cover_image: row.cover_image.unwrap_or_default(),
        category_ids,
        status: parse_status(&row.status),
        published_at: row.published_at,
        canonical_url: row.canonical_url.unwrap_or_default(),
        version: row.version,
        updated_at: row.updated_at,
        comments_closed: !row.comments_enabled,
        kind: PostKind::from_stored(&row.kind),
    })
}

/// Where a post stands after a save or a status change.
pub async fn saved(db: &Db, post_id: i64) -> Result<Saved, AppError> {
    let post = load(db, post_id).await?;
    Ok(Saved {
        id: post_id,
        slug: post.slug,
        version: post.version,
        status: post.status,
        published_at: post.published_at,
    })
}

/// Whether `slug` is free (for the post `own_id`, its own slug is).
pub async fn slug_is_free(db: &Db, slug: &str, own_id: Option<i64>) -> Result<bool, AppError> {
    let taken: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM posts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await
    })?;
    Ok(taken.is_none() || taken == own_id)
}

/// Existing tags that start with `prefix`, most used first.
pub async fn suggest_tags(db: &Db, prefix: &str) -> Result<Vec<String>, AppError> {
    let pattern = format!("{}%", slugify(prefix).replace('%', "").replace('_', "\\_"));
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT t.name FROM tags t LEFT JOIN post_tags x ON x.tag_id = t.id
             WHERE t.name LIKE $1 ESCAPE '\\'
             GROUP BY t.name ORDER BY COUNT(x.post_id) DESC, t.name LIMIT 10",
        )
        .bind(pattern)
        .fetch_all(pool)
        .await
    })?)
}

pub async fn revisions(db: &Db, post_id: i64) -> Result<Vec<RevisionInfo>, AppError> {
    let rows: Vec<(i64, String, DateTime<Utc>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, kind, created_at FROM post_revisions WHERE post_id = $1 ORDER BY id DESC LIMIT 100",
        )
        .bind(post_id)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, created_at)| RevisionInfo {
            id,
            kind,
            created_at,
        })
        .collect())
}

/// A revision's post, title and text.
pub async fn revision(
    db: &Db,
    revision_id: i64,
) -> Result<(i64, String, String, String), AppError> {
    let row: Option<(i64, String, String, String)> = with_db!(db, |pool| {
        sqlx::query_as("SELECT post_id, title, content, excerpt FROM post_revisions WHERE id = $1")
            .bind(revision_id)
            .fetch_optional(pool)
            .await
    })?;
    row.ok_or(AppError::NotFound)
}

/// How long [`diff`] looks for the smallest diff before it settles for a coarser one.
const DIFF_TIME: std::time::Duration = std::time::Duration::from_millis(500);

/// A line diff from `old` to `new`, every line of both in it. Myers' algorithm needs time
/// and memory that grow with the size of the change, not the square of the lengths; past
/// [`DIFF_TIME`] it gives a diff that is correct but not the smallest. Still up to that long
/// on a big document, so callers on the async runtime run it on a blocking thread.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    use similar::ChangeTag;
    // Lines as `str::lines` cuts them, so that a missing final newline is no change.
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(DIFF_TIME)
        .diff_slices(&a, &b);
    diff.iter_all_changes()
        .map(|change| {
            let line = change.value().to_owned();
            match change.tag() {
                ChangeTag::Equal => DiffLine::Same(line),
                ChangeTag::Insert => DiffLine::Added(line),
                ChangeTag::Delete => DiffLine::Removed(line),
            }
        })
        .collect()
}

/// The author's posts, newest edit first.
pub async fn dashboard(db: &Db, author_id: i64) -> Result<Vec<DashboardPost>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        version: i64,
        title: String,
        slug: String,
        status: String,
        published_at: Option<DateTime<Utc>>,
        updated_at: DateTime<Utc>,
        view_count: i64,
        like_count: i64,
        comment_count: i64,
        pending_comments: i64,
        kind: String,
    }
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT p.id, p.version, p.title, p.slug, p.status, p.published_at, p.updated_at, p.view_count, p.kind,
                    p.like_count, p.comment_count,
                    (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND NOT c.is_approved
                        AND NOT c.is_deleted) AS pending_comments
             FROM posts p WHERE p.author_id = $1
             ORDER BY p.updated_at DESC, p.id DESC
             LIMIT 500",
        )
        .bind(author_id)
        .fetch_all(pool)
        .await
    })?;
    let now = now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let status = parse_status(&row.status);
            DashboardPost {
                scheduled: status == PostStatus::Published
                    && row.published_at.is_some_and(|at| at > now),
                id: row.id,
                version: row.version,
                title: row.title,
                slug: row.slug,
                status,
                published_at: row.published_at,
                updated_at: row.updated_at,
                view_count: row.view_count,
                like_count: row.like_count,
                comment_count: row.comment_count,
                pending_comments: row.pending_comments,
                kind: PostKind::from_stored(&row.kind),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalized() {
        assert_eq!(
            normalize_tags(" Rust, web dev,rust,, C++ "),
            ["rust", "web-dev", "c"]
        );
    }

    #[test]
    fn diffs_show_what_changed() {
        let lines = diff("a\nb\nc", "a\nc\nd");
        assert_eq!(
            lines,
            [
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
    }

    #[test]
    fn diffs_of_long_documents_reach_the_end() {
        let old: String = (0..5_200).map(|n| format!("line {n}\n")).collect();
        let new = old.replace("line 4499\n", "line 4499, edited\n");
        let lines = diff(&old, &new);
        let changed: Vec<_> = lines
            .iter()
            .filter(|line| !matches!(line, DiffLine::Same(_)))
            .collect();
        assert_eq!(
            changed,
            [
                &DiffLine::Removed("line 4499".into()),
                &DiffLine::Added("line 4499, edited".into()),
            ]
        );
        assert_eq!(lines.len(), 5_201);
        assert_eq!(lines[5_200], DiffLine::Same("line 5199".into()));
    }

    #[test]
    fn bad_fields_are_all_reported() {
        let content = "x".repeat(MAX_BODY_CHARS + 1);
        let err = PostInput::validate(PostFields {
            title: "",
            slug: "",
            content: &content,
            excerpt: "",
            cover_image: "javascript:x",
            tags: &[],
            // What the editor's form sends as "a".
            categories: None,
            canonical_url: "ftp://x",
            comments_enabled: None,
        })
        .unwrap_err();
        for field in [
            "title",
            "content",
            "cover_image",
            "categories",
            "canonical_url",
        ] {
            assert!(err.field_message(field).is_some(), "{field}");
        }
    }
}
