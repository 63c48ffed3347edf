//! `/api/posts`: published posts for everybody, drafts for their author and admins, and
//! writing through the same checks as the editor.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, Body, KeyedBody, Params, SignedIn, Success};
use crate::accounts::caller::Caller;
use crate::categories::CategoryBadge;
use crate::error::AppError;
use crate::idempotency::IdempotencyKey;
use crate::platform::db::Db;
use crate::posts::editing::{self, PostInput, SaveKind};
use crate::posts::store::{self, Cursor, PostRecord, RecordFilter};
use crate::posts::{likes, PostId, PostKind, PostStatus};
use crate::web::state::AppState;

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiAuthor {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiCategory {
    pub name: String,
    pub slug: String,
    pub color: String,
}

/// A post. `content` and `contentHtml` only in single-post answers.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiPost {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_html: Option<String>,
    pub cover_image: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub categories: Vec<ApiCategory>,
    pub author: ApiAuthor,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub read_time_minutes: i64,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub canonical_url: Option<String>,
    /// Whether readers may comment on it (the blog's own setting may still close them all).
    pub comments_enabled: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostList {
    pub posts: Vec<ApiPost>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

impl ApiPost {
    /// A post as the API shows it: `full` with its markdown and HTML.
    fn of(post: PostRecord, full: bool, categories: Vec<CategoryBadge>) -> Self {
        Self {
            id: post.id.to_string(),
            author: ApiAuthor {
                id: post.author_id.to_string(),
                display_name: post.author.display_name,
                username: post.author.username,
                avatar_url: post.author.avatar_url,
            },
            title: post.title,
            slug: post.slug,
            excerpt: post.excerpt,
            content: full.then_some(post.content),
            content_html: full.then_some(post.content_html),
            cover_image: post.cover_image,
            status: post.status.as_str().to_owned(),
            tags: post.tags,
            categories: categories
                .into_iter()
                .map(|c| ApiCategory {
                    name: c.name,
                    slug: c.slug,
                    color: c.color,
                })
                .collect(),
            published_at: post.published_at,
            created_at: post.created_at,
            updated_at: post.updated_at,
            read_time_minutes: post.read_time_minutes,
            view_count: post.view_count,
            like_count: post.like_count,
            comment_count: post.comment_count,
            canonical_url: post.canonical_url,
            comments_enabled: post.comments_enabled,
        }
    }
}

async fn with_categories(
    db: &Db,
    posts: Vec<PostRecord>,
    full: bool,
) -> Result<Vec<ApiPost>, AppError> {
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let links = store::categories_of(db, &ids).await?;
    Ok(posts
        .into_iter()
        .map(|post| {
            let mine = links
                .iter()
                .filter(|(id, _)| *id == post.id)
                .map(|(_, c)| c.clone())
                .collect();
            ApiPost::of(post, full, mine)
        })
        .collect())
}

/// `GET /api/posts`'s query. Values arrive as text and are checked one by one (every bad one
/// is named); the schema attributes say what each accepts.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ListQuery {
    /// From `nextCursor` of the previous page; empty or absent for the first.
    #[schemars(with = "String", regex(pattern = patterns::CURSOR))]
    cursor: Option<String>,
    /// Posts per page (10 unless given).
    #[schemars(with = "i64", range(min = 1, max = MAX_LIMIT))]
    limit: Option<String>,
    /// Only this author's posts.
    #[schemars(with = "i64", range(min = 1, max = i64::MAX))]
    author_id: Option<String>,
    /// Only posts in this category.
    #[schemars(with = "i64", range(min = 1, max = i64::MAX))]
    category_id: Option<String>,
    /// Any of these tags, comma-separated.
    #[schemars(with = "String")]
    tags: Option<String>,
    /// Words that must all appear.
    #[schemars(with = "String")]
    search: Option<String>,
}

/// The largest page.
const MAX_LIMIT: i64 = 100;

/// A query value that must be a whole number from `min`, written as one (`5`, not ` 5` or
/// an empty value).
fn number(raw: Option<&str>, field: &str, min: i64) -> Result<Option<i64>, AppError> {
    match raw {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|n| *n >= min)
            .map(Some)
            .ok_or_else(|| {
                AppError::field(
                    field,
                    format!("`{field}` must be a whole number from {min}"),
                )
            }),
    }
}

/// Page sizes: 1 to 100, 10 when not given.
pub fn limit(raw: Option<&str>) -> Result<i64, AppError> {
    let limit = number(raw, "limit", 1)?.unwrap_or(10);
    if limit > MAX_LIMIT {
        return Err(AppError::field(
            "limit",
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

/// `GET /api/posts`: published posts, newest first, keyset-paginated, with filters.
pub(super) async fn list(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    Params(q): Params<ListQuery>,
) -> axum::response::Response {
    let key = format!("api:{uri}");
    super::kept_for_everyone(&state, key, published(&state, q)).await
}

async fn published(state: &AppState, q: ListQuery) -> ApiResult<PostList> {
    let limit = limit(q.limit.as_deref())?;
    let cursor = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::decode_strict)
        .transpose()?;
    let filter = RecordFilter {
        author_id: number(q.author_id.as_deref(), "authorId", 1)?,
        category_id: number(q.category_id.as_deref(), "categoryId", 1)?,
        tags: editing::normalize_tags(q.tags.as_deref().unwrap_or_default()),
        terms: crate::posts::search::terms(q.search.as_deref().unwrap_or_default()),
    };
    let page = store::list_records(&state.db, &filter, cursor, limit).await?;
    let posts = with_categories(&state.db, page.posts, false).await?;
    Ok(Success::ok(
        "Posts",
        PostList {
            posts,
            next_cursor: page.next_cursor.map(|cursor| cursor.encode()),
            has_more: page.has_more,
        },
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PopularQuery {
    /// How many (10 unless given).
    #[schemars(with = "i64", range(min = 1, max = MAX_LIMIT))]
    limit: Option<String>,
}

/// `GET /api/posts/popular?limit=`: most viewed first.
pub(super) async fn popular(
    State(state): State<AppState>,
    Params(q): Params<PopularQuery>,
) -> ApiResult<Vec<ApiPost>> {
    let limit = limit(q.limit.as_deref())?;
    let posts = store::popular_records(&state.db, limit).await?;
    Ok(Success::ok(
        "Popular posts",
        with_categories(&state.db, posts, false).await?,
    ))
}

/// A post (or page) by id or slug, if `caller` may see it (else 404, as if it did not exist).
pub(super) async fn visible(
    state: &AppState,
    caller: &Caller,
    key: &str,
    kind: PostKind,
) -> Result<PostRecord, AppError> {
    let post = store::find_record(&state.db, key, kind)
        .await?
        .ok_or(AppError::NotFound)?;
    if post.is_public() || editing::may_see_unpublished(caller, post.author_id) {
        Ok(post)
    } else {
        Err(AppError::NotFound)
    }
}

pub(super) async fn single(state: &AppState, post: PostRecord) -> Result<ApiPost, AppError> {
    let mut posts = with_categories(&state.db, vec![post], true).await?;
    posts
        .pop()
        .ok_or_else(|| AppError::internal("a post was lost adding its categories"))
}

/// `GET /api/posts/{id or slug}`
pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<ApiPost> {
    let post = visible(&state, &caller, &key, PostKind::Post).await?;
    Ok(Success::ok("Post", single(&state, post).await?))
}

/// What a client sends to write a post. On PATCH every field is optional, and null is the
/// same as absent: unchanged.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostWrite {
    /// Trimmed; not blank.
    #[schemars(length(min = 1, max = editing::MAX_TITLE_CHARS), regex(pattern = patterns::NOT_BLANK))]
    pub title: Option<String>,
    /// The post's address: its letters and digits, lower-cased, other runs become -. Made from
    /// the title when blank or without letters or digits (cut to 100 characters; `post` when
    /// the title has none either). Another post's slug answers 409.
    #[schemars(length(max = editing::MAX_SLUG_CHARS), regex(pattern = patterns::TEXT))]
    pub slug: Option<String>,
    /// Markdown.
    #[schemars(length(max = editing::MAX_BODY_CHARS), regex(pattern = patterns::TEXT))]
    pub content: Option<String>,
    /// Shown in lists; made from the content when blank.
    #[schemars(length(max = editing::MAX_EXCERPT_CHARS), regex(pattern = patterns::TEXT))]
    pub excerpt: Option<String>,
    /// An uploaded image (`/media/...`) or an https:// address; blank for none.
    #[schemars(regex(pattern = patterns::COVER))]
    pub cover_image: Option<String>,
    /// Kept as their letters and digits, lower-cased, other runs become - ("Web Dev" is
    /// `web-dev`); tags with neither are dropped, repeats kept once.
    #[schemars(length(max = editing::MAX_TAGS), inner(length(max = editing::MAX_TAG_CHARS), regex(pattern = patterns::TEXT)))]
    pub tags: Option<Vec<String>>,
    /// Ids of existing categories; one that does not exist answers 409.
    #[schemars(inner(regex(pattern = patterns::ID)))]
    pub category_ids: Option<Vec<String>>,
    /// Where the post first appeared: an http:// or https:// address; blank for none.
    #[schemars(regex(pattern = patterns::WEB_ADDRESS))]
    pub canonical_url: Option<String>,
    /// Whether readers may comment (new posts: true). Turned off, the comments there stay
    /// readable.
    pub comments_enabled: Option<bool>,
    /// DRAFT (the default for new posts), PUBLISHED or ARCHIVED.
    #[schemars(extend("enum" = ["DRAFT", "PUBLISHED", "ARCHIVED", null]))]
    pub status: Option<String>,
    /// With PUBLISHED: when; in the future means scheduled.
    pub published_at: Option<DateTime<Utc>>,
    /// On PATCH: the version the change is based on; another one answers 409. Ignored on POST.
    #[schemars(range(min = 0, max = super::MAX_SAFE_INTEGER))]
    #[serde(default, deserialize_with = "super::whole_number")]
    pub version: Option<i64>,
}

/// The body of `POST /api/posts`: a [`PostWrite`] that has a title.
pub struct PostCreate;

impl schemars::JsonSchema for PostCreate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PostCreate".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = PostWrite::json_schema(generator);
        super::schema::require(&mut schema, &["title"]);
        schema
    }
}

fn parse_status(raw: Option<&str>) -> Result<Option<PostStatus>, AppError> {
    match raw {
        None => Ok(None),
        Some("DRAFT") => Ok(Some(PostStatus::Draft)),
        Some("PUBLISHED") => Ok(Some(PostStatus::Published)),
        Some("ARCHIVED") => Ok(Some(PostStatus::Archived)),
        Some(_) => Err(AppError::field(
            "status",
            "`status` must be DRAFT, PUBLISHED or ARCHIVED",
        )),
    }
}

fn input_from(
    body: &PostWrite,
    base: &crate::posts::drafts::EditorPost,
) -> Result<PostInput, AppError> {
    let categories: Vec<crate::categories::CategoryId> = match &body.category_ids {
        Some(ids) => {
            // Ids as the API writes them; the editor's looser list (spaces, empty entries)
            // would otherwise let through what the schema refuses.
            let not_ids = || AppError::field("categoryIds", "Category ids are whole numbers");
            ids.iter()
                .map(|raw| {
                    let shaped =
                        (1..=18).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
                    match raw.parse() {
                        Ok(id) if shaped => Ok(crate::categories::CategoryId(id)),
                        _ => Err(not_ids()),
                    }
                })
                .collect::<Result<_, _>>()?
        }
        None => base.category_ids.clone(),
    };
    let tags = match &body.tags {
        // Counted and measured as sent: a comma inside one tag does not make it two.
        Some(tags) => {
            if tags.len() > editing::MAX_TAGS {
                return Err(AppError::field(
                    "tags",
                    format!("Use at most {} tags", editing::MAX_TAGS),
                ));
            }
            if tags
                .iter()
                .any(|t| t.chars().count() > editing::MAX_TAG_CHARS)
            {
                return Err(AppError::field(
                    "tags",
                    format!("Keep each tag under {} characters", editing::MAX_TAG_CHARS),
                ));
            }
            tags
        }
        None => &base.tags,
    };
    PostInput::validate(editing::PostFields {
        title: body.title.as_deref().unwrap_or(&base.title),
        slug: body.slug.as_deref().unwrap_or(&base.slug),
        content: body.content.as_deref().unwrap_or(&base.content),
        excerpt: body.excerpt.as_deref().unwrap_or(&base.excerpt),
        cover_image: body.cover_image.as_deref().unwrap_or(&base.cover_image),
        tags,
        categories: Some(&categories),
        canonical_url: body.canonical_url.as_deref().unwrap_or(&base.canonical_url),
        comments_enabled: body.comments_enabled,
    })
}

/// `POST /api/posts` → 201 with the rendered post.
pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    key: IdempotencyKey,
    KeyedBody(body, raw): KeyedBody<PostWrite>,
) -> ApiResult<ApiPost> {
    let post = create_kind(&state, &caller, key, &body, &raw, PostKind::Post).await?;
    Ok(Success::created("Post created", post))
}

/// A new post or page from `body`, as `caller` may write it (pages: admins only).
pub(super) async fn create_kind(
    state: &AppState,
    caller: &Caller,
    key: IdempotencyKey,
    body: &PostWrite,
    raw: &[u8],
    kind: PostKind,
) -> Result<ApiPost, super::Failure> {
    let site = state.site().await?;
    let user = caller.require_writer(site.publishing)?;
    if kind == PostKind::Page {
        caller.require_role(crate::accounts::Role::Admin)?;
    }
    let route = match kind {
        PostKind::Post => "POST /api/posts",
        PostKind::Page => "POST /api/pages",
    };
    let (claim, earlier) = super::idempotency(state, user.id.0, key, route, raw).await?;
    let id = match earlier {
        Some(id) => id,
        None => {
            if body.title.is_none() {
                return Err(AppError::field("title", "Give it a title").into());
            }
            let status = parse_status(body.status.as_deref())?.unwrap_or(PostStatus::Draft);
            let input = input_from(body, &Default::default())?.for_kind(kind)?;
            editing::create(
                &state.db,
                user.id.0,
                &input,
                SaveKind::Save,
                status,
                body.published_at,
                claim.as_ref(),
            )
            .await?
        }
    };
    let row = visible(state, caller, &id.to_string(), kind).await?;
    Ok(single(state, row).await?)
}

/// The author or an admin; anybody else is told the post does not exist. (Deleting a post
/// needs no more; changing it also needs the right to write: see `update`.)
async fn editable(
    state: &AppState,
    caller: &Caller,
    key: &str,
    kind: PostKind,
) -> Result<i64, AppError> {
    caller.require_user()?;
    let id: i64 = key.parse().map_err(|_| AppError::NotFound)?;
    editing::require_editor(&state.db, caller, id).await?;
    if editing::kind_of(&state.db, id).await? != kind {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

/// `PATCH /api/posts/{id}`: changes the given fields only.
pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(key): Path<String>,
    Body(body): Body<PostWrite>,
) -> ApiResult<ApiPost> {
    let post = update_kind(&state, &caller, &key, &body, PostKind::Post).await?;
    Ok(Success::ok("Post updated", post))
}

/// Changes the given fields of a post or page.
pub(super) async fn update_kind(
    state: &AppState,
    caller: &Caller,
    key: &str,
    body: &PostWrite,
    kind: PostKind,
) -> Result<ApiPost, AppError> {
    let id = editable(state, caller, key, kind).await?;
    caller.require_writer(state.site().await?.publishing)?;
    let current = editing::load(&state.db, id).await?;
    let status = parse_status(body.status.as_deref())?;
    let version = body.version.unwrap_or(current.version);
    let content_changed = body.title.is_some()
        || body.slug.is_some()
        || body.content.is_some()
        || body.excerpt.is_some()
        || body.cover_image.is_some()
        || body.tags.is_some()
        || body.category_ids.is_some()
        || body.canonical_url.is_some();
    let status_change = (status.is_some() || body.published_at.is_some())
        .then(|| (status.unwrap_or(current.status), body.published_at));
    // With a status change, the comments' switch goes in the same transaction.
    let content_changed =
        content_changed || (body.comments_enabled.is_some() && status_change.is_some());
    if content_changed {
        // The fields and the status in one transaction: never one without the other.
        let input = input_from(body, &current)?;
        editing::update(
            &state.db,
            id,
            version,
            &input,
            SaveKind::Save,
            status_change,
        )
        .await?;
    } else if let Some((to, publish_at)) = status_change {
        editing::set_status(&state.db, id, version, to, publish_at).await?;
    } else if let Some(enabled) = body.comments_enabled {
        store::set_comments(&state.db, id, enabled).await?;
    }
    let row = visible(state, caller, &id.to_string(), kind).await?;
    single(state, row).await
}

/// `DELETE /api/posts/{id}`
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<()> {
    remove_kind(&state, &caller, &key, PostKind::Post).await?;
    Ok(Success::ok("Post deleted", ()))
}

/// Deletes a post or page, as its author or an admin.
pub(super) async fn remove_kind(
    state: &AppState,
    caller: &Caller,
    key: &str,
    kind: PostKind,
) -> Result<(), AppError> {
    let id = editable(state, caller, key, kind).await?;
    editing::delete(&state.db, id).await
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LikeAnswer {
    liked: bool,
    count: i64,
}

async fn set_like(
    state: &AppState,
    caller: &Caller,
    key: &str,
    liked: bool,
) -> ApiResult<LikeAnswer> {
    let user = caller.require_user()?;
    let id = PostId(key.parse().map_err(|_| AppError::NotFound)?);
    let result = likes::set(&state.db, user.id.0, id, liked).await?;
    Ok(Success::ok(
        if liked { "Liked" } else { "Unliked" },
        LikeAnswer {
            liked: result.liked,
            count: result.count,
        },
    ))
}

/// `POST /api/posts/{id}/like`
pub(super) async fn like(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<LikeAnswer> {
    set_like(&state, &caller, &key, true).await
}

/// `DELETE /api/posts/{id}/like`
pub(super) async fn unlike(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<LikeAnswer> {
    set_like(&state, &caller, &key, false).await
}
