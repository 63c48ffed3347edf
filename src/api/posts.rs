//! `/api/posts`: published posts for everybody, drafts for their author and admins, and
//! writing through the same checks as the editor.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::spec::patterns;
use super::{ApiResult, Body, KeyedBody, Params, SignedIn, Success};
use crate::categories::CategoryBadge;
use crate::error::AppError;
use crate::idempotency::IdempotencyKey;
use crate::platform::db::{now, Db};
use crate::posts::editing::{self, PostInput, SaveKind};
use crate::posts::{likes, PostStatus};
use crate::web::auth::Caller;
use crate::web::state::AppState;
use crate::with_db;

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
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostList {
    pub posts: Vec<ApiPost>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    author_id: i64,
    title: String,
    slug: String,
    excerpt: String,
    content: String,
    content_html: String,
    cover_image: Option<String>,
    status: String,
    tags: String,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    read_time_minutes: i64,
    view_count: i64,
    like_count: i64,
    comment_count: i64,
    canonical_url: Option<String>,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar_url: Option<String>,
}

/// A post's columns with its author's, `$body` standing for its markdown and HTML.
macro_rules! columns {
    ($body:literal) => {
        concat!(
            "p.id, p.author_id, p.title, p.slug, p.excerpt, ",
            $body,
            ", p.cover_image, p.status, p.tags, p.published_at, p.created_at, p.updated_at,
            p.read_time_minutes, p.view_count, p.like_count, p.comment_count, p.canonical_url,
            u.username, u.first_name, u.last_name, u.avatar_url"
        )
    };
}
const COLUMNS: &str = columns!("p.content, p.content_html");
/// Lists carry no bodies, so they are not read: twenty long posts are megabytes.
const LIST_COLUMNS: &str = columns!("'' AS content, '' AS content_html");

impl Row {
    fn into_api(self, full: bool, categories: Vec<CategoryBadge>) -> ApiPost {
        ApiPost {
            id: self.id.to_string(),
            author: ApiAuthor {
                id: self.author_id.to_string(),
                display_name: crate::accounts::display_name(
                    &self.username,
                    self.first_name.as_deref(),
                    self.last_name.as_deref(),
                ),
                username: self.username,
                avatar_url: self.avatar_url,
            },
            title: self.title,
            slug: self.slug,
            excerpt: self.excerpt,
            content: full.then_some(self.content),
            content_html: full.then_some(self.content_html),
            cover_image: self.cover_image,
            status: self.status,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            categories: categories
                .into_iter()
                .map(|c| ApiCategory {
                    name: c.name,
                    slug: c.slug,
                    color: c.color,
                })
                .collect(),
            published_at: self.published_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            read_time_minutes: self.read_time_minutes,
            view_count: self.view_count,
            like_count: self.like_count,
            comment_count: self.comment_count,
            canonical_url: self.canonical_url,
        }
    }
}

/// Categories of several posts in one query.
async fn categories_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, CategoryBadge)>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT x.post_id, c.name, c.slug, c.color
         FROM post_categories x JOIN categories c ON c.id = x.category_id
         WHERE x.post_id IN ({}) ORDER BY c.name",
        placeholders.join(", ")
    );
    let rows: Vec<(i64, String, String, String)> = with_db!(db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, name, slug, color)| (id, CategoryBadge { name, slug, color }))
        .collect())
}

async fn with_categories(db: &Db, rows: Vec<Row>, full: bool) -> Result<Vec<ApiPost>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let links = categories_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = links
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, c)| c.clone())
                .collect();
            row.into_api(full, mine)
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

/// A post list's cursor, in the shape `patterns::CURSOR` gives it.
fn cursor(raw: &str) -> Result<(DateTime<Utc>, i64), AppError> {
    let shaped = raw.split_once('_').is_some_and(|(at, id)| {
        let at = at.strip_prefix('-').unwrap_or(at);
        (1..=17).contains(&at.len())
            && at.bytes().all(|b| b.is_ascii_digit())
            && (1..=18).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_digit())
    });
    if !shaped {
        return Err(AppError::field("cursor", "This page link is not valid"));
    }
    crate::posts::store::decode_cursor(raw)
}

enum Param {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// `GET /api/posts`: published posts, newest first, keyset-paginated, with filters.
pub(super) async fn list(
    State(state): State<AppState>,
    Params(q): Params<ListQuery>,
) -> ApiResult<PostList> {
    let limit = limit(q.limit.as_deref())?;
    let now = now();
    let (before_at, before_id) = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => cursor(raw)?,
        None => (now, i64::MAX),
    };
    let mut params = vec![
        Param::Time(now),
        Param::Time(before_at),
        Param::Int(before_id),
    ];
    let mut filters = String::new();
    if let Some(author) = number(q.author_id.as_deref(), "authorId", 1)? {
        params.push(Param::Int(author));
        filters.push_str(&format!(" AND p.author_id = ${}", params.len()));
    }
    if let Some(category) = number(q.category_id.as_deref(), "categoryId", 1)? {
        params.push(Param::Int(category));
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM post_categories x WHERE x.post_id = p.id AND x.category_id = ${})",
            params.len()
        ));
    }
    let tags = crate::posts::editing::normalize_tags(q.tags.as_deref().unwrap_or_default());
    if !tags.is_empty() {
        let mut marks = Vec::new();
        for tag in tags.into_iter().take(20) {
            params.push(Param::Text(tag));
            marks.push(format!("${}", params.len()));
        }
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM post_tags x JOIN tags t ON t.id = x.tag_id
                          WHERE x.post_id = p.id AND t.name IN ({}))",
            marks.join(", ")
        ));
    }
    let terms = crate::posts::search::terms(q.search.as_deref().unwrap_or_default());
    if !terms.is_empty() {
        let (query, clause) = match &state.db {
            Db::Sqlite(_) => (
                terms
                    .iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(" "),
                "p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH $N)",
            ),
            Db::Postgres(_) => (
                terms.join(" & "),
                "p.search_vector @@ to_tsquery('english', $N)",
            ),
        };
        params.push(Param::Text(query));
        filters.push_str(" AND ");
        filters.push_str(&clause.replace("$N", &format!("${}", params.len())));
    }
    params.push(Param::Int(limit + 1));
    let sql = format!(
        // `+p.author_id`: see `posts::store::list`.
        "SELECT {LIST_COLUMNS} FROM posts p JOIN users u ON u.id = +p.author_id
         WHERE p.status = 'PUBLISHED' AND p.published_at <= $1
           AND (p.published_at, p.id) < ($2, $3){filters}
         ORDER BY p.published_at DESC, p.id DESC
         LIMIT ${}",
        params.len()
    );
    let mut rows: Vec<Row> = with_db!(&state.db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for param in &params {
            query = match param {
                Param::Int(v) => query.bind(*v),
                Param::Text(v) => query.bind(v.clone()),
                Param::Time(v) => query.bind(*v),
            };
        }
        query.fetch_all(pool).await
    })?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = has_more.then(|| rows.last()).flatten().and_then(|r| {
        r.published_at
            .map(|at| format!("{}_{}", at.timestamp_micros(), r.id))
    });
    let posts = with_categories(&state.db, rows, false).await?;
    Ok(Success::ok(
        "Posts",
        PostList {
            posts,
            next_cursor,
            has_more,
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
    let sql = format!(
        "SELECT {LIST_COLUMNS} FROM posts p JOIN users u ON u.id = +p.author_id
         WHERE p.status = 'PUBLISHED' AND p.published_at <= $1
         ORDER BY p.view_count DESC, p.id DESC LIMIT $2"
    );
    let rows: Vec<Row> = with_db!(&state.db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(limit)
            .fetch_all(pool)
            .await
    })?;
    Ok(Success::ok(
        "Popular posts",
        with_categories(&state.db, rows, false).await?,
    ))
}

/// A post by id or slug, if `caller` may see it (else 404, as if it did not exist).
async fn visible(state: &AppState, caller: &Caller, key: &str) -> Result<Row, AppError> {
    // No slug holds a NUL, and PostgreSQL refuses to compare with one.
    if key.contains('\0') {
        return Err(AppError::NotFound);
    }
    let by_id = key.parse::<i64>().ok();
    let sql = format!(
        "SELECT {COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.id = $1 OR p.slug = $2"
    );
    let row: Option<Row> = with_db!(&state.db, |pool| {
        sqlx::query_as(&sql)
            .bind(by_id.unwrap_or(-1))
            .bind(key)
            .fetch_optional(pool)
            .await
    })?;
    let row = row.ok_or(AppError::NotFound)?;
    let public = row.status == "PUBLISHED" && row.published_at.is_some_and(|at| at <= now());
    if public || editing::may_see_unpublished(caller, row.author_id) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

async fn single(state: &AppState, row: Row) -> Result<ApiPost, AppError> {
    let mut posts = with_categories(&state.db, vec![row], true).await?;
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
    let row = visible(&state, &caller, &key).await?;
    Ok(Success::ok("Post", single(&state, row).await?))
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
        super::spec::require(&mut schema, &["title"]);
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
    base: &crate::posts::editor::EditorPost,
) -> Result<PostInput, AppError> {
    let categories = match &body.category_ids {
        Some(ids) => {
            // Ids as the API writes them; the editor's looser list (spaces, empty entries)
            // would otherwise let through what the schema refuses.
            let id = |raw: &String| {
                (1..=18).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit())
            };
            if !ids.iter().all(id) {
                return Err(AppError::field(
                    "categoryIds",
                    "Category ids are whole numbers",
                ));
            }
            ids.join(",")
        }
        None => base
            .category_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
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
            tags.iter()
                .map(|t| crate::platform::markdown::slugify(t))
                .collect::<Vec<_>>()
                .join(",")
        }
        None => base.tags.clone(),
    };
    PostInput::validate(
        body.title.as_deref().unwrap_or(&base.title),
        body.slug.as_deref().unwrap_or(&base.slug),
        body.content.as_deref().unwrap_or(&base.content),
        body.excerpt.as_deref().unwrap_or(&base.excerpt),
        body.cover_image.as_deref().unwrap_or(&base.cover_image),
        &tags,
        &categories,
        body.canonical_url.as_deref().unwrap_or(&base.canonical_url),
    )
}

/// `POST /api/posts` → 201 with the rendered post.
pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    key: IdempotencyKey,
    KeyedBody(body, raw): KeyedBody<PostWrite>,
) -> ApiResult<ApiPost> {
    let user = caller.require_user()?;
    let (claim, earlier) =
        super::idempotency(&state, user.id, key, "POST /api/posts", &raw).await?;
    let id = match earlier {
        Some(id) => id,
        None => {
            if body.title.is_none() {
                return Err(AppError::field("title", "Give the post a title").into());
            }
            let status = parse_status(body.status.as_deref())?.unwrap_or(PostStatus::Draft);
            let input = input_from(&body, &Default::default())?;
            editing::create(
                &state.db,
                user.id,
                &input,
                SaveKind::Save,
                status,
                body.published_at,
                claim.as_ref(),
            )
            .await?
        }
    };
    let row = visible(&state, &caller, &id.to_string()).await?;
    Ok(Success::created("Post created", single(&state, row).await?))
}

/// The author or an admin; anybody else is told the post does not exist.
async fn editable(state: &AppState, caller: &Caller, key: &str) -> Result<i64, AppError> {
    caller.require_user()?;
    let id: i64 = key.parse().map_err(|_| AppError::NotFound)?;
    editing::require_editor(&state.db, caller, id).await?;
    Ok(id)
}

/// `PATCH /api/posts/{id}`: changes the given fields only.
pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(key): Path<String>,
    Body(body): Body<PostWrite>,
) -> ApiResult<ApiPost> {
    let id = editable(&state, &caller, &key).await?;
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
    if content_changed {
        // The fields and the status in one transaction: never one without the other.
        let input = input_from(&body, &current)?;
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
    }
    let row = visible(&state, &caller, &id.to_string()).await?;
    Ok(Success::ok("Post updated", single(&state, row).await?))
}

/// `DELETE /api/posts/{id}`
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<()> {
    let id = editable(&state, &caller, &key).await?;
    editing::delete(&state.db, id).await?;
    Ok(Success::ok("Post deleted", ()))
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
    let id: i64 = key.parse().map_err(|_| AppError::NotFound)?;
    let result = likes::set(&state.db, user.id, id, liked).await?;
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
