//! Posts in the database.

use chrono::{DateTime, Utc};

use super::{
    published_and_due, Byline, PostCard, PostDetail, PostId, PostKind, PostPage, PostStatus,
};
use crate::categories::CategoryBadge;
use crate::error::AppError;
use crate::platform::db::{now, unique_violation, BeginWrite, Db};
use crate::platform::markdown;
use crate::with_db;

/// The columns every listing reads: one query, no per-post look-ups.
pub(crate) const CARD_COLUMNS: &str =
    "p.id, p.title, p.slug, p.excerpt, p.cover_image, p.published_at,
    p.read_time_minutes, p.tags, p.like_count, p.comment_count, p.view_count,
    u.username, u.first_name, u.last_name, u.avatar_url";

#[derive(sqlx::FromRow)]
pub(crate) struct CardRow {
    pub(crate) id: i64,
    title: String,
    slug: String,
    excerpt: String,
    cover_image: Option<String>,
    published_at: Option<DateTime<Utc>>,
    read_time_minutes: i64,
    tags: String,
    like_count: i64,
    comment_count: i64,
    view_count: i64,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar_url: Option<String>,
}

impl CardRow {
    pub(crate) fn into_card(self) -> PostCard {
        PostCard {
            id: self.id,
            title: self.title,
            slug: self.slug,
            excerpt: self.excerpt,
            cover_image: self.cover_image,
            author: Byline::new(
                self.username,
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                self.avatar_url,
            ),
            published_at: self.published_at.unwrap_or_default(),
            read_time_minutes: self.read_time_minutes,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            like_count: self.like_count,
            comment_count: self.comment_count,
            view_count: self.view_count,
        }
    }
}

/// Where a listing's next page starts: the (published_at, id) of the last post shown. The
/// pages and the API write it the same way, `{microseconds}_{id}`, and read it here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    /// Before every post: the first page.
    fn first(now: DateTime<Utc>) -> Self {
        Self {
            at: now,
            id: i64::MAX,
        }
    }

    fn after(card: &PostCard) -> Self {
        Self {
            at: card.published_at,
            id: card.id,
        }
    }

    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.timestamp_micros(), self.id)
    }

    /// A cursor as the pages pass it back.
    pub fn decode(raw: &str) -> Result<Self, AppError> {
        let (micros, id) = raw.split_once('_').ok_or_else(invalid_cursor)?;
        let micros: i64 = micros.parse().map_err(|_| invalid_cursor())?;
        let id: i64 = id.parse().map_err(|_| invalid_cursor())?;
        let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(invalid_cursor)?;
        Ok(Self { at, id })
    }

    /// A cursor in the exact shape the API documents (`patterns::CURSOR`: digits, an optional
    /// minus before the first ones, an underscore), which the pages' reading is looser than.
    pub fn decode_strict(raw: &str) -> Result<Self, AppError> {
        let shaped = raw.split_once('_').is_some_and(|(at, id)| {
            let at = at.strip_prefix('-').unwrap_or(at);
            (1..=17).contains(&at.len())
                && at.bytes().all(|b| b.is_ascii_digit())
                && (1..=18).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_digit())
        });
        if !shaped {
            return Err(invalid_cursor());
        }
        Self::decode(raw)
    }
}

fn invalid_cursor() -> AppError {
    AppError::field("cursor", "This page link is not valid")
}

/// Which published posts a listing shows.
#[derive(Debug, Clone)]
pub enum Listing {
    All,
    Author(i64),
    /// By tag name.
    Tag(String),
    Category(i64),
}

impl Listing {
    /// Where the listing reads from, its keyset columns and its filter: the visibility rule
    /// (`$1` is now) and, but for `All`, the listing's own (`$5` is its value). Tag and
    /// category listings walk their link tables, which carry published_at.
    fn source(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::All => (
                "posts p",
                "p.published_at",
                "p.id",
                crate::listed_post!(p, "$1"),
            ),
            Self::Author(_) => (
                "posts p",
                "p.published_at",
                "p.id",
                concat!(crate::listed_post!(p, "$1"), " AND p.author_id = $5"),
            ),
            Self::Tag(_) => (
                "post_tags x JOIN posts p ON p.id = x.post_id",
                "x.published_at",
                "x.post_id",
                concat!(
                    "x.tag_id = (SELECT id FROM tags WHERE name = $5) AND ",
                    crate::listed_and_due!(x, "$1")
                ),
            ),
            Self::Category(_) => (
                "post_categories x JOIN posts p ON p.id = x.post_id",
                "x.published_at",
                "x.post_id",
                concat!("x.category_id = $5 AND ", crate::listed_and_due!(x, "$1")),
            ),
        }
    }
}

/// Published posts whose time has come, newest first, after `cursor`.
pub async fn list_published(
    db: &Db,
    cursor: Option<&str>,
    limit: i64,
) -> Result<PostPage, AppError> {
    list(db, Listing::All, cursor, limit).await
}

/// One page of a listing, read along an index on (published_at, id): no OFFSET, no sorting.
pub async fn list(
    db: &Db,
    listing: Listing,
    cursor: Option<&str>,
    limit: i64,
) -> Result<PostPage, AppError> {
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let rows: Vec<CardRow> = fetch_listing(db, &listing, "", cursor, limit + 1).await?;
    Ok(page_of(rows, limit))
}

/// A listing's newest posts with their whole content, for feeds.
pub async fn feed_items(db: &Db, listing: &Listing, limit: i64) -> Result<Vec<FeedItem>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        card: CardRow,
        content_html: String,
        updated_at: DateTime<Utc>,
        canonical_url: Option<String>,
    }
    let rows: Vec<Row> = fetch_listing(
        db,
        listing,
        ", p.content_html, p.updated_at, p.canonical_url",
        None,
        limit,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| FeedItem {
            card: row.card.into_card(),
            content_html: row.content_html,
            updated_at: row.updated_at,
            canonical_url: row.canonical_url,
        })
        .collect())
}

/// A post as a feed carries it.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub card: PostCard,
    pub content_html: String,
    pub updated_at: DateTime<Utc>,
    /// Where the post was first published, when the author says it was elsewhere.
    pub canonical_url: Option<String>,
}

async fn fetch_listing<R>(
    db: &Db,
    listing: &Listing,
    extra_columns: &str,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<R>, AppError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let now = now();
    let before = cursor.unwrap_or(Cursor::first(now));
    let (from, key_at, key_id, filter) = listing.source();
    // `+p.author_id` keeps SQLite from joining users first and reaching posts through
    // `posts_author`, which at 100,000 posts sorted them all for every page (1.9 ms instead
    // of 0.02); the posts are then walked in the order of the listing's index. PostgreSQL
    // reads the unary plus as the same value.
    let sql = format!(
        "SELECT {CARD_COLUMNS}{extra_columns}
         FROM {from} JOIN users u ON u.id = +p.author_id
         WHERE {filter} AND ({key_at}, {key_id}) < ($2, $3)
         ORDER BY {key_at} DESC, {key_id} DESC
         LIMIT $4"
    );
    let rows = with_db!(db, |pool| {
        let query = sqlx::query_as(&sql)
            .bind(now)
            .bind(before.at)
            .bind(before.id)
            .bind(limit);
        let query = match listing {
            Listing::All => query,
            Listing::Author(id) | Listing::Category(id) => query.bind(*id),
            Listing::Tag(name) => query.bind(name.clone()),
        };
        query.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The most viewed published posts.
pub async fn popular(db: &Db, limit: i64) -> Result<Vec<PostCard>, AppError> {
    let rows: Vec<CardRow> = fetch_popular(db, CARD_COLUMNS, limit).await?;
    Ok(rows.into_iter().map(CardRow::into_card).collect())
}

/// How many pinned posts the home page shows.
pub const FEATURED_MAX: i64 = 3;

/// The posts an admin pinned to the home page that readers see, newest pin first.
pub async fn featured(db: &Db) -> Result<Vec<PostCard>, AppError> {
    let sql = format!(
        concat!(
            "SELECT {CARD_COLUMNS}
             FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.featured_at IS NOT NULL AND ",
            crate::listed_post!(p, "$1"),
            "
             ORDER BY p.featured_at DESC, p.id DESC
             LIMIT $2"
        ),
        CARD_COLUMNS = CARD_COLUMNS
    );
    let rows: Vec<CardRow> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(FEATURED_MAX)
            .fetch_all(pool)
            .await
    })?;
    Ok(rows.into_iter().map(CardRow::into_card).collect())
}

/// Pins a post readers see to the home page (`featured`), or unpins it; an admin's act, in
/// the audit log. A post readers do not see cannot be pinned.
pub async fn set_featured(
    db: &Db,
    admin: &crate::accounts::CurrentUser,
    post_id: i64,
    featured: bool,
) -> Result<(), AppError> {
    use crate::audit::store::{record_in, AuditEntry};
    let at = now();
    let changed: Option<String> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let title: Option<String> = if featured {
                sqlx::query_scalar(concat!(
                    "UPDATE posts SET featured_at = $1 WHERE id = $2 AND ",
                    crate::listed_post!("$1"),
                    " RETURNING title"
                ))
                .bind(at)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?
            } else {
                sqlx::query_scalar(
                    "UPDATE posts SET featured_at = NULL WHERE id = $1 RETURNING title",
                )
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?
            };
            if let Some(title) = &title {
                let action = if featured {
                    "post.feature"
                } else {
                    "post.unfeature"
                };
                let entry =
                    AuditEntry::new(admin.id.0, &admin.username, action, "post", Some(post_id));
                record_in(&mut tx, entry.detail(title.clone())).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(title)
        }
        .await
    })?;
    changed.map(|_| ()).ok_or(AppError::NotFound)
}

/// [`popular`] as whole records (without their bodies), for the API.
pub async fn popular_records(db: &Db, limit: i64) -> Result<Vec<PostRecord>, AppError> {
    let rows: Vec<RecordRow> = fetch_popular(db, RECORD_LIST_COLUMNS, limit).await?;
    Ok(rows.into_iter().map(RecordRow::into_record).collect())
}

async fn fetch_popular<R>(db: &Db, columns: &str, limit: i64) -> Result<Vec<R>, AppError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let sql = format!(
        concat!(
            "SELECT {columns}
         FROM posts p JOIN users u ON u.id = +p.author_id
         WHERE ",
            crate::listed_post!(p, "$1"),
            "
         ORDER BY p.view_count DESC, p.id DESC
         LIMIT $2"
        ),
        columns = columns
    );
    Ok(with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}

fn page_of(rows: Vec<CardRow>, limit: i64) -> PostPage {
    let has_more = rows.len() as i64 > limit;
    let posts: Vec<PostCard> = rows
        .into_iter()
        .take(limit as usize)
        .map(CardRow::into_card)
        .collect();
    let next_cursor = if has_more {
        posts.last().map(|card| Cursor::after(card).encode())
    } else {
        None
    };
    PostPage { posts, next_cursor }
}

/// A post found by its slug, whatever its status: the caller decides who may see it.
pub struct FoundPost {
    pub detail: PostDetail,
    pub author_id: i64,
}

pub async fn find_by_slug(
    db: &Db,
    slug: &str,
    kind: PostKind,
) -> Result<Option<FoundPost>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        card: CardRow,
        content_html: String,
        toc: String,
        status: String,
        author_id: i64,
        updated_at: DateTime<Utc>,
        canonical_url: Option<String>,
        comments_enabled: bool,
    }
    let sql = format!(
        "SELECT {CARD_COLUMNS}, p.content_html, p.toc, p.status, p.author_id, p.updated_at,
                p.canonical_url, p.comments_enabled
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.slug = $1 AND p.kind = $2"
    );
    let Some(row): Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(slug)
            .bind(kind.as_str())
            .fetch_optional(pool)
            .await
    })?
    else {
        return Ok(None);
    };
    let categories = categories_of(db, &[PostId(row.card.id)])
        .await?
        .into_iter()
        .map(|(_, category)| category)
        .collect();
    let status = PostStatus::from_stored(&row.status);
    let public = published_and_due(status, row.card.published_at, now());
    Ok(Some(FoundPost {
        author_id: row.author_id,
        detail: PostDetail {
            card: row.card.into_card(),
            content_html: row.content_html,
            toc: serde_json::from_str(&row.toc).unwrap_or_default(),
            categories,
            status,
            public,
            updated_at: row.updated_at,
            // Filled in with this site's address when the author gave none.
            url: row.canonical_url.unwrap_or_default(),
            comments_enabled: row.comments_enabled,
            signed_in: false,
            liked: false,
            share_image: None,
        },
    }))
}

/// The categories of posts, by name, in one query: (post, category) pairs.
pub async fn categories_of(
    db: &Db,
    ids: &[PostId],
) -> Result<Vec<(PostId, CategoryBadge)>, AppError> {
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
    let rows: Vec<(PostId, String, String, String)> = with_db!(db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, name, slug, color)| (id, CategoryBadge { name, slug, color }))
        .collect())
}

/// A post with its author, every column a reader of the API is given.
#[derive(Debug, Clone)]
pub struct PostRecord {
    pub id: PostId,
    pub author_id: i64,
    pub author: Byline,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    /// Empty in lists, which read no bodies.
    pub content: String,
    /// Empty in lists, which read no bodies.
    pub content_html: String,
    pub cover_image: Option<String>,
    pub status: PostStatus,
    pub tags: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub read_time_minutes: i64,
    pub view_count: i64,
    pub like_count: i64,
    pub comment_count: i64,
    pub canonical_url: Option<String>,
    pub comments_enabled: bool,
}

impl PostRecord {
    /// Whether everybody may see it (THE visibility rule, [`published_and_due`]).
    pub fn is_public(&self) -> bool {
        published_and_due(self.status, self.published_at, now())
    }
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: PostId,
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
    comments_enabled: bool,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar_url: Option<String>,
}

impl RecordRow {
    fn into_record(self) -> PostRecord {
        PostRecord {
            id: self.id,
            author_id: self.author_id,
            author: Byline::new(
                self.username,
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                self.avatar_url,
            ),
            title: self.title,
            slug: self.slug,
            excerpt: self.excerpt,
            content: self.content,
            content_html: self.content_html,
            cover_image: self.cover_image,
            status: PostStatus::from_stored(&self.status),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            published_at: self.published_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            read_time_minutes: self.read_time_minutes,
            view_count: self.view_count,
            like_count: self.like_count,
            comment_count: self.comment_count,
            canonical_url: self.canonical_url,
            comments_enabled: self.comments_enabled,
        }
    }
}

/// A record's columns with its author's, `$body` standing for its markdown and HTML.
macro_rules! record_columns {
    ($body:literal) => {
        concat!(
            "p.id, p.author_id, p.title, p.slug, p.excerpt, ",
            $body,
            ", p.cover_image, p.status, p.tags, p.published_at, p.created_at, p.updated_at,
            p.read_time_minutes, p.view_count, p.like_count, p.comment_count, p.canonical_url,
            p.comments_enabled, u.username, u.first_name, u.last_name, u.avatar_url"
        )
    };
}
const RECORD_COLUMNS: &str = record_columns!("p.content, p.content_html");
/// Lists carry no bodies, so they are not read: twenty long posts are megabytes.
const RECORD_LIST_COLUMNS: &str = record_columns!("'' AS content, '' AS content_html");

/// What the API's list of posts narrows to; every one given applies.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub author_id: Option<i64>,
    pub category_id: Option<i64>,
    /// Any of these tags; the first [`MAX_FILTER_TAGS`] are used.
    pub tags: Vec<String>,
    /// Words that must all appear, as [`super::search::terms`] reads them.
    pub terms: Vec<String>,
}

/// Tags a [`RecordFilter`] uses at most.
pub const MAX_FILTER_TAGS: usize = 20;

/// One page of records, newest first.
#[derive(Debug)]
pub struct RecordPage {
    pub posts: Vec<PostRecord>,
    pub next_cursor: Option<Cursor>,
    pub has_more: bool,
}

enum Param {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// Published posts whose time has come, newest first, after `cursor`, narrowed by `filter`:
/// the API's list. Read along the (published_at, id) index like [`list`].
pub async fn list_records(
    db: &Db,
    filter: &RecordFilter,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<RecordPage, AppError> {
    let now = now();
    let before = cursor.unwrap_or(Cursor::first(now));
    let mut params = vec![
        Param::Time(now),
        Param::Time(before.at),
        Param::Int(before.id),
    ];
    let mut filters = String::new();
    if let Some(author) = filter.author_id {
        params.push(Param::Int(author));
        filters.push_str(&format!(" AND p.author_id = ${}", params.len()));
    }
    if let Some(category) = filter.category_id {
        params.push(Param::Int(category));
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM post_categories x WHERE x.post_id = p.id AND x.category_id = ${})",
            params.len()
        ));
    }
    if !filter.tags.is_empty() {
        let mut marks = Vec::new();
        for tag in filter.tags.iter().take(MAX_FILTER_TAGS) {
            params.push(Param::Text(tag.clone()));
            marks.push(format!("${}", params.len()));
        }
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM post_tags x JOIN tags t ON t.id = x.tag_id
                          WHERE x.post_id = p.id AND t.name IN ({}))",
            marks.join(", ")
        ));
    }
    if !filter.terms.is_empty() {
        use super::search::ssr::{fts5_query, tsquery};
        let (query, clause) = match db {
            Db::Sqlite(_) => (
                fts5_query(&filter.terms),
                "p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH $N)",
            ),
            Db::Postgres(_) => (
                tsquery(&filter.terms),
                "p.search_vector @@ to_tsquery('english', $N)",
            ),
        };
        params.push(Param::Text(query));
        filters.push_str(" AND ");
        filters.push_str(&clause.replace("$N", &format!("${}", params.len())));
    }
    params.push(Param::Int(limit + 1));
    let sql = format!(
        // `+p.author_id`: see `fetch_listing`.
        concat!(
            "SELECT {columns} FROM posts p JOIN users u ON u.id = +p.author_id
         WHERE ",
            crate::listed_post!(p, "$1"),
            "
           AND (p.published_at, p.id) < ($2, $3){filters}
         ORDER BY p.published_at DESC, p.id DESC
         LIMIT ${limit}"
        ),
        columns = RECORD_LIST_COLUMNS,
        filters = filters,
        limit = params.len()
    );
    let mut rows: Vec<RecordRow> = with_db!(db, |pool| {
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
    let next_cursor = has_more
        .then(|| rows.last())
        .flatten()
        .and_then(|r| r.published_at.map(|at| Cursor { at, id: r.id.0 }));
    Ok(RecordPage {
        posts: rows.into_iter().map(RecordRow::into_record).collect(),
        next_cursor,
        has_more,
    })
}

/// A post by its id or its slug (`key` is tried as both), whatever its status: the caller
/// decides who may see it.
pub async fn find_record(
    db: &Db,
    key: &str,
    kind: PostKind,
) -> Result<Option<PostRecord>, AppError> {
    // No slug holds a NUL, and PostgreSQL refuses to compare with one.
    if key.contains('\0') {
        return Ok(None);
    }
    let by_id = key.parse::<i64>().ok();
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
         WHERE (p.id = $1 OR p.slug = $2) AND p.kind = $3"
    );
    let row: Option<RecordRow> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(by_id.unwrap_or(-1))
            .bind(key)
            .bind(kind.as_str())
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(RecordRow::into_record))
}

/// The most pages a blog lists (the API, the menu editor's choices, the sitemap): far more
/// than a blog has; a bound, so no request reads without one.
pub const PAGES_MAX: i64 = 1000;

/// The pages readers see, by title (without their bodies).
pub async fn published_pages(db: &Db) -> Result<Vec<PostRecord>, AppError> {
    let sql = format!(
        concat!(
            "SELECT {columns} FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.kind = 'page' AND ",
            crate::published_and_due!(p, "$1"),
            " ORDER BY p.title, p.id LIMIT $2"
        ),
        columns = RECORD_LIST_COLUMNS
    );
    let rows: Vec<RecordRow> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(PAGES_MAX)
            .fetch_all(pool)
            .await
    })?;
    Ok(rows.into_iter().map(RecordRow::into_record).collect())
}

/// The next time a scheduled post goes out, if one is scheduled.
pub async fn next_publication(db: &Db) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(concat!(
            "SELECT published_at FROM posts WHERE ",
            crate::published!(),
            " AND published_at > $1
         ORDER BY published_at LIMIT 1"
        ))
        .bind(now())
        .fetch_optional(pool)
        .await
    })?)
}

/// A post as the sitemap lists it: (slug, updated_at).
pub type SitemapPost = (String, DateTime<Utc>);

/// The newest `limit` posts readers see at `now`, for a sitemap in one file.
pub async fn sitemap_newest(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SitemapPost>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(concat!(
            "SELECT slug, updated_at FROM posts
                     WHERE ",
            crate::listed_post!("$1"),
            "
                     ORDER BY published_at DESC, id DESC LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

/// The posts readers see at `now` whose ids are in `after < id <= up_to`, by id: a file of
/// a sitemap index.
pub async fn sitemap_window(
    db: &Db,
    now: DateTime<Utc>,
    after: i64,
    up_to: i64,
) -> Result<Vec<SitemapPost>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(concat!(
            "SELECT slug, updated_at FROM posts
             WHERE id > $1 AND id <= $2 AND ",
            crate::listed_post!("$3"),
            "
             ORDER BY id"
        ))
        .bind(after)
        .bind(up_to)
        .bind(now)
        .fetch_all(pool)
        .await
    })?)
}

/// Posts readers see at `now` per window of `limit` ids, as (window, posts), windows in
/// order. One pass over their ids.
pub async fn published_per_window(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(concat!(
            "SELECT (id - 1) / $2, COUNT(*) FROM posts
             WHERE ",
            crate::listed_post!("$1"),
            "
             GROUP BY 1 ORDER BY 1"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

/// The usernames of active users with a post readers see at `now`, in order.
pub async fn authors_with_posts(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_scalar(concat!(
            "SELECT u.username FROM users u
                     WHERE u.is_active AND EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id
                           AND ",
            crate::listed_post!(p, "$1"),
            ")
                     ORDER BY u.username"
        ))
        .bind(now)
        .fetch_all(pool)
        .await
    })?)
}

/// What it takes to write a post.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub author_id: i64,
    pub title: String,
    pub slug: String,
    pub content: String,
    pub excerpt: Option<String>,
    pub cover_image: Option<String>,
    pub tags: Vec<String>,
    pub category_ids: Vec<crate::categories::CategoryId>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
}

/// A post's markdown turned into everything stored with it.
pub(crate) struct Derived {
    pub html: String,
    pub toc_json: String,
    pub excerpt: String,
    pub custom_excerpt: String,
    pub tags_json: String,
    pub read_time_minutes: i64,
    pub body_text: String,
}

impl Derived {
    pub(crate) async fn of(
        db: &Db,
        author_id: i64,
        content: &str,
        excerpt: Option<&str>,
        tags: &[String],
    ) -> Result<Self, AppError> {
        let trust = author_trust(db, author_id).await?;
        let rendered = markdown::render(content, trust);
        let custom_excerpt = excerpt.map(str::trim).unwrap_or_default().to_owned();
        Ok(Self {
            html: rendered.html,
            toc_json: serde_json::to_string(&rendered.toc)
                .map_err(|e| AppError::internal(format_args!("encoding a toc: {e}")))?,
            excerpt: if custom_excerpt.is_empty() {
                rendered.first_paragraph
            } else {
                custom_excerpt.clone()
            },
            custom_excerpt,
            tags_json: serde_json::to_string(tags)
                .map_err(|e| AppError::internal(format_args!("encoding tags: {e}")))?,
            read_time_minutes: rendered.read_time_minutes,
            body_text: rendered.body_text,
        })
    }
}

/// Sets a post's tags and categories inside the transaction `tx`. The link rows carry
/// published_at only while the post is published, so listings read them alone.
pub(crate) async fn replace_links<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    post_id: i64,
    tags: &[String],
    category_ids: &[crate::categories::CategoryId],
    listed_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query("DELETE FROM post_tags WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM post_categories WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    for tag in tags {
        let tag_id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name) VALUES ($1)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name
             RETURNING id",
        )
        .bind(tag.clone())
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO post_tags (post_id, tag_id, published_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(post_id)
        .bind(tag_id)
        .bind(listed_at)
        .execute(&mut **tx)
        .await?;
    }
    for category_id in category_ids {
        sqlx::query(
            "INSERT INTO post_categories (post_id, category_id, published_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(post_id)
        .bind(category_id.0)
        .bind(listed_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A new post's row: what its author gave and what [`Derived`] made of it. Every way a post
/// comes to exist (the editor, the API, imports, the demo) writes it through [`insert`].
pub(crate) struct NewRow<'a> {
    pub kind: PostKind,
    pub author_id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    pub content: &'a str,
    pub cover_image: Option<&'a str>,
    pub canonical_url: Option<&'a str>,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub derived: &'a Derived,
    pub now: DateTime<Utc>,
}

/// The one INSERT of a post, inside the transaction `tx`; returns its id.
pub(crate) async fn insert<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    row: &NewRow<'_>,
) -> Result<i64, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
{
    let derived = row.derived;
    sqlx::query_scalar(
        "INSERT INTO posts (author_id, title, slug, content, content_html, excerpt, custom_excerpt,
                            cover_image, status, tags, read_time_minutes, created_at, updated_at,
                            toc, body_text, canonical_url, published_at, renderer_version, kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, $18)
         RETURNING id",
    )
    .bind(row.author_id)
    .bind(row.title.to_owned())
    .bind(row.slug.to_owned())
    .bind(row.content.to_owned())
    .bind(derived.html.clone())
    .bind(derived.excerpt.clone())
    .bind(derived.custom_excerpt.clone())
    .bind(row.cover_image.map(str::to_owned))
    .bind(row.status.as_str().to_owned())
    .bind(derived.tags_json.clone())
    .bind(derived.read_time_minutes)
    .bind(row.now)
    .bind(derived.toc_json.clone())
    .bind(derived.body_text.clone())
    .bind(row.canonical_url.map(str::to_owned))
    .bind(row.published_at)
    .bind(markdown::RENDERER_VERSION)
    .bind(row.kind.as_str().to_owned())
    .fetch_one(&mut **tx)
    .await
}

/// Whether readers may comment on the post, inside the transaction that changes it.
pub(crate) async fn set_comments_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    post_id: i64,
    enabled: bool,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE posts SET comments_enabled = $1 WHERE id = $2")
        .bind(enabled)
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Features the post on the home page (from `at`, which orders the featured posts), or stops,
/// inside the transaction that changes it; a post featured already keeps its moment.
pub(crate) async fn set_featured_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    post_id: i64,
    at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let sql = match at {
        Some(_) => "UPDATE posts SET featured_at = COALESCE(featured_at, $1) WHERE id = $2",
        None => "UPDATE posts SET featured_at = $1 WHERE id = $2",
    };
    sqlx::query(sql)
        .bind(at)
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether readers may comment on the post; not a change of its text, so its version stays.
pub async fn set_comments(db: &Db, post_id: i64, enabled: bool) -> Result<(), AppError> {
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            set_comments_in(&mut tx, post_id, enabled).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// A failed post write in the author's terms: taken slugs and unknown categories are the
/// author's to fix.
pub(crate) fn post_write_error(err: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db_err) = &err {
        if db_err.kind() == sqlx::error::ErrorKind::ForeignKeyViolation {
            // Well-formed, but it names a category that is not there: a conflict (409).
            return AppError::taken(
                "categories",
                "One of the chosen categories no longer exists",
            );
        }
    }
    match unique_violation(&err).as_deref() {
        Some("posts_slug_key") => AppError::taken("slug", "Another post already uses this slug"),
        _ => err.into(),
    }
}

/// Whether there are no posts at all (demo content goes only into an empty blog).
pub async fn is_empty(db: &Db) -> Result<bool, AppError> {
    let any: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM posts LIMIT 1")
            .fetch_optional(pool)
            .await
    })?;
    Ok(any.is_none())
}

/// Sets a post's view count outright: for demo content, whose readers are made up.
pub async fn seed_views(db: &Db, post_id: i64, views: i64) -> Result<(), AppError> {
    with_db!(db, |pool| {
        sqlx::query("UPDATE posts SET view_count = $1 WHERE id = $2")
            .bind(views)
            .bind(post_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Creates a post with its tags and categories; returns its id. For seeding (the demo,
/// tests): no checks, no revisions.
///
/// One transaction: a post must never be visible without its tags and categories.
pub async fn create(db: &Db, new: NewPost) -> Result<i64, AppError> {
    let derived = Derived::of(
        db,
        new.author_id,
        &new.content,
        new.excerpt.as_deref(),
        &new.tags,
    )
    .await?;
    let now = now();
    let published_at = match new.status {
        PostStatus::Published => Some(new.published_at.unwrap_or(now)),
        _ => new.published_at,
    };
    let listed_at = (new.status == PostStatus::Published)
        .then_some(published_at)
        .flatten();
    let row = NewRow {
        kind: PostKind::Post,
        author_id: new.author_id,
        title: &new.title,
        slug: &new.slug,
        content: &new.content,
        cover_image: new.cover_image.as_deref(),
        canonical_url: None,
        status: new.status,
        published_at,
        derived: &derived,
        now,
    };
    let result: Result<i64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let post_id = insert(&mut tx, &row).await?;
            replace_links(&mut tx, post_id, &new.tags, &new.category_ids, listed_at).await?;
            tx.commit().await?;
            Ok(post_id)
        }
        .await
    });
    result.map_err(post_write_error)
}

/// How far the author's links are trusted: their role decides ([`Role::link_trust`]).
///
/// [`Role::link_trust`]: crate::accounts::Role::link_trust
pub(crate) async fn author_trust(db: &Db, author_id: i64) -> Result<markdown::Trust, AppError> {
    let role: Option<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(author_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(trust_of_role(role.as_deref()))
}

/// How far an author with this role (as stored) is trusted; an author who is gone, not at all.
pub(crate) fn trust_of_role(role: Option<&str>) -> markdown::Trust {
    role.and_then(crate::accounts::Role::parse).map_or(
        markdown::Trust::Untrusted,
        crate::accounts::Role::link_trust,
    )
}
