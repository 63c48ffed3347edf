//! Posts in the database.

use chrono::{DateTime, Utc};

use super::{Byline, PostCard, PostDetail, PostPage, PostStatus};
use crate::error::AppError;
use crate::server::db::{now, unique_violation, Db};
use crate::server::markdown;
use crate::with_db;

/// The columns every listing reads: one query, no per-post look-ups.
const CARD_COLUMNS: &str = "p.id, p.title, p.slug, p.excerpt, p.cover_image, p.published_at,
    p.read_time_minutes, p.tags, p.like_count, p.comment_count, p.view_count,
    u.username, u.first_name, u.last_name, u.avatar_url";

#[derive(sqlx::FromRow)]
struct CardRow {
    id: i64,
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
    fn into_card(self) -> PostCard {
        let display_name = crate::accounts::display_name(
            &self.username,
            self.first_name.as_deref(),
            self.last_name.as_deref(),
        );
        PostCard {
            id: self.id,
            title: self.title,
            slug: self.slug,
            excerpt: self.excerpt,
            cover_image: self.cover_image,
            author: Byline {
                username: self.username,
                display_name,
                avatar_url: self.avatar_url,
            },
            published_at: self.published_at.unwrap_or_default(),
            read_time_minutes: self.read_time_minutes,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            like_count: self.like_count,
            comment_count: self.comment_count,
        }
    }
}

/// A keyset cursor: the (published_at, id) of the last post shown.
fn encode_cursor(card: &PostCard) -> String {
    format!("{}_{}", card.published_at.timestamp_micros(), card.id)
}

fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, i64), AppError> {
    let invalid = || AppError::field("cursor", "This page link is not valid");
    let (micros, id) = raw.split_once('_').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(invalid)?;
    Ok((at, id))
}

/// Which published posts a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    All,
    Author(i64),
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
    let now = now();
    let (before_at, before_id) = match cursor {
        Some(raw) => decode_cursor(raw)?,
        None => (now, i64::MAX),
    };
    let (filter, author_id) = match listing {
        Listing::All => ("", 0),
        Listing::Author(id) => ("AND p.author_id = $5", id),
    };
    let sql = format!(
        "SELECT {CARD_COLUMNS}
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.status = 'PUBLISHED' AND p.published_at <= $1
           AND (p.published_at, p.id) < ($2, $3) {filter}
         ORDER BY p.published_at DESC, p.id DESC
         LIMIT $4"
    );
    let rows: Vec<CardRow> = with_db!(db, |pool| {
        let query = sqlx::query_as(&sql)
            .bind(now)
            .bind(before_at)
            .bind(before_id)
            .bind(limit + 1);
        let query = if matches!(listing, Listing::Author(_)) {
            query.bind(author_id)
        } else {
            query
        };
        query.fetch_all(pool).await
    })?;
    Ok(page_of(rows, limit))
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

pub async fn find_published_by_slug(db: &Db, slug: &str) -> Result<Option<PostDetail>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        card: CardRow,
        content_html: String,
        toc: String,
    }
    let sql = format!(
        "SELECT {CARD_COLUMNS}, p.content_html, p.toc
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.slug = $1 AND p.status = 'PUBLISHED' AND p.published_at <= $2"
    );
    let row: Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(slug)
            .bind(now())
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(|row| {
        let view_count = row.card.view_count;
        PostDetail {
            card: row.card.into_card(),
            content_html: row.content_html,
            toc: serde_json::from_str(&row.toc).unwrap_or_default(),
            view_count,
        }
    }))
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

/// Creates a post with its tags and categories; returns its id.
///
/// One transaction: a post must never be visible without its tags and categories.
pub async fn create(db: &Db, new: NewPost) -> Result<i64, AppError> {
    let trust = author_trust(db, new.author_id).await?;
    let rendered = markdown::render(&new.content, trust);
    let toc_json = serde_json::to_string(&rendered.toc).map_err(|_| AppError::Internal)?;
    let excerpt = new
        .excerpt
        .filter(|e| !e.trim().is_empty())
        .unwrap_or(rendered.first_paragraph);
    let now = now();
    let published_at = match new.status {
        PostStatus::Published => Some(new.published_at.unwrap_or(now)),
        _ => new.published_at,
    };
    // post_tags and post_categories carry published_at only while the post is published.
    let listed_at = (new.status == PostStatus::Published)
        .then_some(published_at)
        .flatten();
    let tags_json = serde_json::to_string(&new.tags).map_err(|_| AppError::Internal)?;

    let result: Result<i64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin().await?;
            let post_id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (author_id, title, slug, content, content_html, excerpt, cover_image,
                                    status, tags, read_time_minutes, published_at, created_at, updated_at, toc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
                 RETURNING id",
            )
            .bind(new.author_id)
            .bind(&new.title)
            .bind(&new.slug)
            .bind(&new.content)
            .bind(&rendered.html)
            .bind(&excerpt)
            .bind(&new.cover_image)
            .bind(new.status.as_str())
            .bind(&tags_json)
            .bind(rendered.read_time_minutes)
            .bind(published_at)
            .bind(now)
            .bind(&toc_json)
            .fetch_one(&mut *tx)
            .await?;
            for tag in &new.tags {
                let tag_id: i64 = sqlx::query_scalar(
                    "INSERT INTO tags (name) VALUES ($1)
                     ON CONFLICT (name) DO UPDATE SET name = excluded.name
                     RETURNING id",
                )
                .bind(tag)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO post_tags (post_id, tag_id, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(post_id)
                    .bind(tag_id)
                    .bind(listed_at)
                    .execute(&mut *tx)
                    .await?;
            }
            for category_id in &new.category_ids {
                sqlx::query("INSERT INTO post_categories (post_id, category_id, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(post_id)
                    .bind(category_id)
                    .bind(listed_at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(post_id)
        }
        .await
    });
    result.map_err(|err| match unique_violation(&err).as_deref() {
        Some("posts_slug_key") => AppError::field("slug", "Another post already uses this slug"),
        _ => err.into(),
    })
}

/// Moderators' and admins' links are followed by search engines; everybody else's are not.
async fn author_trust(db: &Db, author_id: i64) -> Result<markdown::Trust, AppError> {
    let role: Option<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(author_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(match role.as_deref() {
        Some("ADMIN" | "MODERATOR") => markdown::Trust::Trusted,
        _ => markdown::Trust::Untrusted,
    })
}
