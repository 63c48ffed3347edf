//! Posts in the database.

use chrono::{DateTime, Utc};

use super::{Byline, PostCard, PostDetail, PostPage, PostStatus};
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

/// A keyset cursor: the (published_at, id) of the last post shown.
fn encode_cursor(card: &PostCard) -> String {
    format!("{}_{}", card.published_at.timestamp_micros(), card.id)
}

pub(crate) fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, i64), AppError> {
    let invalid = || AppError::field("cursor", "This page link is not valid");
    let (micros, id) = raw.split_once('_').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(invalid)?;
    Ok((at, id))
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
    /// Where the listing reads from, its keyset columns and its filter (`$5` is its value).
    /// Tag and category listings walk their link tables, which carry published_at.
    fn source(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::All => (
                "posts p",
                "p.published_at",
                "p.id",
                "p.status = 'PUBLISHED'",
            ),
            Self::Author(_) => (
                "posts p",
                "p.published_at",
                "p.id",
                "p.status = 'PUBLISHED' AND p.author_id = $5",
            ),
            Self::Tag(_) => (
                "post_tags x JOIN posts p ON p.id = x.post_id",
                "x.published_at",
                "x.post_id",
                "x.tag_id = (SELECT id FROM tags WHERE name = $5)",
            ),
            Self::Category(_) => (
                "post_categories x JOIN posts p ON p.id = x.post_id",
                "x.published_at",
                "x.post_id",
                "x.category_id = $5",
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
    let cursor = cursor.map(decode_cursor).transpose()?;
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
    cursor: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<R>, AppError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let now = now();
    let (before_at, before_id) = cursor.unwrap_or((now, i64::MAX));
    let (from, key_at, key_id, filter) = listing.source();
    // `+p.author_id` keeps SQLite from joining users first and reaching posts through
    // `posts_author`, which at 100,000 posts sorted them all for every page (1.9 ms instead
    // of 0.02); the posts are then walked in the order of the listing's index. PostgreSQL
    // reads the unary plus as the same value.
    let sql = format!(
        "SELECT {CARD_COLUMNS}{extra_columns}
         FROM {from} JOIN users u ON u.id = +p.author_id
         WHERE {filter} AND {key_at} <= $1 AND ({key_at}, {key_id}) < ($2, $3)
         ORDER BY {key_at} DESC, {key_id} DESC
         LIMIT $4"
    );
    let rows = with_db!(db, |pool| {
        let query = sqlx::query_as(&sql)
            .bind(now)
            .bind(before_at)
            .bind(before_id)
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
    let sql = format!(
        "SELECT {CARD_COLUMNS}
         FROM posts p JOIN users u ON u.id = +p.author_id
         WHERE p.status = 'PUBLISHED' AND p.published_at <= $1
         ORDER BY p.view_count DESC, p.id DESC
         LIMIT $2"
    );
    let rows: Vec<CardRow> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(now())
            .bind(limit)
            .fetch_all(pool)
            .await
    })?;
    Ok(rows.into_iter().map(CardRow::into_card).collect())
}

fn page_of(rows: Vec<CardRow>, limit: i64) -> PostPage {
    let has_more = rows.len() as i64 > limit;
    let posts: Vec<PostCard> = rows
        .into_iter()
        .take(limit as usize)
        .map(CardRow::into_card)
        .collect();
    let next_cursor = if has_more {
        posts.last().map(encode_cursor)
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

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<FoundPost>, AppError> {
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
    }
    let sql = format!(
        "SELECT {CARD_COLUMNS}, p.content_html, p.toc, p.status, p.author_id, p.updated_at,
                p.canonical_url
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.slug = $1"
    );
    let Some(row): Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql).bind(slug).fetch_optional(pool).await
    })?
    else {
        return Ok(None);
    };
    let categories = categories_of(db, row.card.id).await?;
    let status = match row.status.as_str() {
        "PUBLISHED" => PostStatus::Published,
        "ARCHIVED" => PostStatus::Archived,
        _ => PostStatus::Draft,
    };
    let public =
        status == PostStatus::Published && row.card.published_at.is_some_and(|at| at <= now());
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
            signed_in: false,
            liked: false,
            share_image: None,
        },
    }))
}

async fn categories_of(db: &Db, post_id: i64) -> Result<Vec<CategoryBadge>, AppError> {
    Ok(with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT c.name, c.slug, c.color
             FROM post_categories x JOIN categories c ON c.id = x.category_id
             WHERE x.post_id = $1
             ORDER BY c.name",
        )
        .bind(post_id)
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
    pub category_ids: Vec<i64>,
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

/// Sets a post's tags and categories (inside the transaction `$tx`). The link rows carry
/// published_at only while the post is published, so listings read them alone.
macro_rules! replace_links {
    ($tx:expr, $post_id:expr, $tags:expr, $category_ids:expr, $listed_at:expr) => {
        async {
            sqlx::query("DELETE FROM post_tags WHERE post_id = $1")
                .bind($post_id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("DELETE FROM post_categories WHERE post_id = $1")
                .bind($post_id)
                .execute(&mut *$tx)
                .await?;
            for tag in $tags {
                let tag_id: i64 = sqlx::query_scalar(
                    "INSERT INTO tags (name) VALUES ($1)
                     ON CONFLICT (name) DO UPDATE SET name = excluded.name
                     RETURNING id",
                )
                .bind(tag)
                .fetch_one(&mut *$tx)
                .await?;
                sqlx::query(
                    "INSERT INTO post_tags (post_id, tag_id, published_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                )
                .bind($post_id)
                .bind(tag_id)
                .bind($listed_at)
                .execute(&mut *$tx)
                .await?;
            }
            for category_id in $category_ids {
                sqlx::query(
                    "INSERT INTO post_categories (post_id, category_id, published_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                )
                .bind($post_id)
                .bind(category_id)
                .bind($listed_at)
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}
pub(crate) use replace_links;

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

/// Creates a post with its tags and categories; returns its id.
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
    let result: Result<i64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let post_id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (author_id, title, slug, content, content_html, excerpt, cover_image,
                                    status, tags, read_time_minutes, published_at, created_at, updated_at,
                                    toc, body_text, custom_excerpt, renderer_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16)
                 RETURNING id",
            )
            .bind(new.author_id)
            .bind(&new.title)
            .bind(&new.slug)
            .bind(&new.content)
            .bind(&derived.html)
            .bind(&derived.excerpt)
            .bind(&new.cover_image)
            .bind(new.status.as_str())
            .bind(&derived.tags_json)
            .bind(derived.read_time_minutes)
            .bind(published_at)
            .bind(now)
            .bind(&derived.toc_json)
            .bind(&derived.body_text)
            .bind(&derived.custom_excerpt)
            .bind(markdown::RENDERER_VERSION)
            .fetch_one(&mut *tx)
            .await?;
            replace_links!(tx, post_id, &new.tags, &new.category_ids, listed_at).await?;
            tx.commit().await?;
            Ok(post_id)
        }
        .await
    });
    result.map_err(post_write_error)
}

/// Moderators' and admins' links are followed by search engines; everybody else's are not.
pub(crate) async fn author_trust(db: &Db, author_id: i64) -> Result<markdown::Trust, AppError> {
    let role: Option<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(author_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(trust_of_role(role.as_deref()))
}

/// How far an author with this role (as stored) is trusted.
pub(crate) fn trust_of_role(role: Option<&str>) -> markdown::Trust {
    match role {
        Some("ADMIN" | "MODERATOR") => markdown::Trust::Trusted,
        _ => markdown::Trust::Untrusted,
    }
}
