//! The way out: the whole blog as a WordPress export (WXR 1.2), the file WordPress's own
//! importer (Tools → Import → WordPress) takes. Posts and pages carry their rendered HTML
//! (WordPress shows HTML, not markdown), their tags, categories (with parents), authors and
//! comments with their threads. Written as it is read, a hundred posts at a time.

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::accounts::display_name;
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

/// What an export holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub posts: usize,
    pub pages: usize,
    pub comments: usize,
}

const BATCH: i64 = 100;

/// `text` inside CDATA, whatever it holds (`]]>` splits the section, as WordPress does).
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn date(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "0000-00-00 00:00:00".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn io(err: std::io::Error) -> AppError {
    AppError::internal(format_args!("writing the export: {err}"))
}

#[derive(sqlx::FromRow)]
struct Author {
    id: i64,
    username: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Category {
    id: i64,
    name: String,
    slug: String,
    description: String,
    parent_slug: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Post {
    id: i64,
    kind: String,
    title: String,
    slug: String,
    content_html: String,
    custom_excerpt: String,
    status: String,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    comments_enabled: bool,
    featured: bool,
    username: String,
    tags: String,
}

#[derive(sqlx::FromRow)]
struct Comment {
    id: i64,
    post_id: i64,
    parent_id: Option<i64>,
    content_html: String,
    is_approved: bool,
    created_at: DateTime<Utc>,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: String,
    website: String,
    author_id: i64,
}

/// Writes the blog at `origin` (its public address) as WXR to `out`.
pub async fn write(
    db: &Db,
    origin: &str,
    title: &str,
    out: &mut impl Write,
) -> Result<Written, AppError> {
    let origin = origin.trim_end_matches('/');
    let authors: Vec<Author> = with_db!(db, |pool| sqlx::query_as(
        "SELECT id, username, email, first_name, last_name FROM users
         WHERE id IN (SELECT author_id FROM posts) ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let categories: Vec<Category> = with_db!(db, |pool| sqlx::query_as(
        "SELECT c.id, c.name, c.slug, c.description, p.slug AS parent_slug
         FROM categories c LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.id"
    )
    .fetch_all(pool)
    .await)?;
    let tags: Vec<String> = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT name FROM tags WHERE id IN (SELECT tag_id FROM post_tags) ORDER BY name"
    )
    .fetch_all(pool)
    .await)?;
    writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<!-- A WordPress export written by quire, for WordPress's importer (Tools → Import → WordPress). -->
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>{}</title>
	<link>{origin}</link>
	<description></description>
	<pubDate>{}</pubDate>
	<language>en</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{origin}</wp:base_site_url>
	<wp:base_blog_url>{origin}</wp:base_blog_url>"#,
        crate::platform::markdown::escape(title),
        now().to_rfc2822(),
    )
    .map_err(io)?;
    for author in &authors {
        writeln!(
            out,
            "\t<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email>{}</wp:author_email><wp:author_display_name>{}</wp:author_display_name><wp:author_first_name>{}</wp:author_first_name><wp:author_last_name>{}</wp:author_last_name></wp:author>",
            author.id,
            cdata(&author.username),
            cdata(&author.email),
            cdata(&display_name(&author.username, author.first_name.as_deref(), author.last_name.as_deref())),
            cdata(author.first_name.as_deref().unwrap_or_default()),
            cdata(author.last_name.as_deref().unwrap_or_default()),
        )
        .map_err(io)?;
    }
    // WordPress's importer wants a category's parent before it.
    let mut written: Vec<&str> = Vec::new();
    let mut left: Vec<&Category> = categories.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        let mut later = Vec::new();
        for category in left {
            let ready = category.parent_slug.as_deref().is_none_or(|parent| {
                written.contains(&parent) || !categories.iter().any(|c| c.slug == parent)
            });
            if !ready && before > 0 {
                later.push(category);
                continue;
            }
            writeln!(
                out,
                "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:category_parent>{}</wp:category_parent><wp:cat_name>{}</wp:cat_name><wp:category_description>{}</wp:category_description></wp:category>",
                category.id,
                cdata(&category.slug),
                cdata(category.parent_slug.as_deref().unwrap_or_default()),
                cdata(&category.name),
                cdata(&category.description),
            )
            .map_err(io)?;
            written.push(&category.slug);
        }
        if later.len() == before {
            // A circle of parents cannot be ordered: write the rest as they are.
            for category in &later {
                writeln!(out, "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name>{}</wp:cat_name></wp:category>",
                    category.id, cdata(&category.slug), cdata(&category.name)).map_err(io)?;
            }
            break;
        }
        left = later;
    }
    for (i, tag) in tags.iter().enumerate() {
        writeln!(
            out,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>{}</wp:tag_slug><wp:tag_name>{}</wp:tag_name></wp:tag>",
            100_000 + i,
            cdata(tag),
            cdata(tag),
        )
        .map_err(io)?;
    }
    let mut counts = Written::default();
    let mut after = 0_i64;
    loop {
        let posts: Vec<Post> = with_db!(db, |pool| {
            sqlx::query_as(
            "SELECT p.id, p.kind, p.title, p.slug, p.content_html, p.custom_excerpt, p.status,
                    p.published_at, p.created_at, p.comments_enabled, p.featured_at IS NOT NULL AS featured,
                    u.username, p.tags
             FROM posts p JOIN users u ON u.id = p.author_id
             WHERE p.id > $1 ORDER BY p.id LIMIT $2"
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await
        })?;
        let Some(last) = posts.last() else {
            break;
        };
        let (first, last) = (posts[0].id, last.id);
        let in_categories: Vec<(i64, String, String)> = with_db!(db, |pool| {
            sqlx::query_as(
            "SELECT pc.post_id, c.slug, c.name FROM post_categories pc JOIN categories c ON c.id = pc.category_id
             WHERE pc.post_id BETWEEN $1 AND $2 ORDER BY pc.post_id, c.name"
        )
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await
        })?;
        let comments: Vec<Comment> = with_db!(db, |pool| sqlx::query_as(
            "SELECT c.id, c.post_id, c.parent_id, c.content_html, c.is_approved, c.created_at,
                    u.username, u.first_name, u.last_name, u.email, u.website, c.author_id
             FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.post_id BETWEEN $1 AND $2 AND NOT c.is_deleted ORDER BY c.post_id, c.id"
        )
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await)?;
        let mut categories_of: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (post, slug, name) in in_categories {
            categories_of.entry(post).or_default().push((slug, name));
        }
        let mut comments_of: HashMap<i64, Vec<Comment>> = HashMap::new();
        for comment in comments {
            comments_of
                .entry(comment.post_id)
                .or_default()
                .push(comment);
        }
        for post in &posts {
            let page = post.kind == "page";
            let now = now();
            let status = match post.status.as_str() {
                "PUBLISHED" if post.published_at.is_some_and(|at| at > now) => "future",
                "PUBLISHED" => "publish",
                "ARCHIVED" => "private",
                _ => "draft",
            };
            let path = if page {
                format!("/{}", post.slug)
            } else {
                format!("/posts/{}", post.slug)
            };
            let mut terms = String::new();
            for (slug, name) in categories_of.get(&post.id).into_iter().flatten() {
                terms.push_str(&format!(
                    "\t\t<category domain=\"category\" nicename=\"{}\">{}</category>\n",
                    crate::platform::markdown::escape(slug),
                    cdata(name)
                ));
            }
            let tags: Vec<String> = serde_json::from_str(&post.tags).unwrap_or_default();
            for tag in &tags {
                terms.push_str(&format!(
                    "\t\t<category domain=\"post_tag\" nicename=\"{}\">{}</category>\n",
                    crate::platform::markdown::escape(tag),
                    cdata(tag)
                ));
            }
            let published = post.published_at.or(Some(post.created_at));
            writeln!(
                out,
                "\t<item>\n\t\t<title>{}</title>\n\t\t<link>{origin}{path}</link>\n\t\t<pubDate>{}</pubDate>\n\t\t<dc:creator>{}</dc:creator>\n\t\t<guid isPermaLink=\"false\">{origin}{path}</guid>\n\t\t<description></description>\n\t\t<content:encoded>{}</content:encoded>\n\t\t<excerpt:encoded>{}</excerpt:encoded>\n\t\t<wp:post_id>{}</wp:post_id>\n\t\t<wp:post_date>{}</wp:post_date>\n\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>\n\t\t<wp:comment_status>{}</wp:comment_status>\n\t\t<wp:ping_status>closed</wp:ping_status>\n\t\t<wp:post_name>{}</wp:post_name>\n\t\t<wp:status>{status}</wp:status>\n\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n\t\t<wp:post_type>{}</wp:post_type>\n\t\t<wp:post_password></wp:post_password>\n\t\t<wp:is_sticky>{}</wp:is_sticky>\n{terms}",
                cdata(&post.title),
                published.map(|at| at.to_rfc2822()).unwrap_or_default(),
                cdata(&post.username),
                cdata(&post.content_html),
                cdata(&post.custom_excerpt),
                post.id,
                cdata(&date(published)),
                cdata(&date(post.published_at)),
                if post.comments_enabled { "open" } else { "closed" },
                cdata(&post.slug),
                if page { "page" } else { "post" },
                u8::from(post.featured),
            )
            .map_err(io)?;
            for comment in comments_of.remove(&post.id).unwrap_or_default() {
                writeln!(
                    out,
                    "\t\t<wp:comment>\n\t\t\t<wp:comment_id>{}</wp:comment_id>\n\t\t\t<wp:comment_author>{}</wp:comment_author>\n\t\t\t<wp:comment_author_email>{}</wp:comment_author_email>\n\t\t\t<wp:comment_author_url>{}</wp:comment_author_url>\n\t\t\t<wp:comment_author_IP></wp:comment_author_IP>\n\t\t\t<wp:comment_date>{}</wp:comment_date>\n\t\t\t<wp:comment_date_gmt>{}</wp:comment_date_gmt>\n\t\t\t<wp:comment_content>{}</wp:comment_content>\n\t\t\t<wp:comment_approved>{}</wp:comment_approved>\n\t\t\t<wp:comment_type>comment</wp:comment_type>\n\t\t\t<wp:comment_parent>{}</wp:comment_parent>\n\t\t\t<wp:comment_user_id>{}</wp:comment_user_id>\n\t\t</wp:comment>",
                    comment.id,
                    cdata(&display_name(&comment.username, comment.first_name.as_deref(), comment.last_name.as_deref())),
                    cdata(if comment.email.ends_with(".invalid") { "" } else { &comment.email }),
                    crate::platform::markdown::escape(&comment.website),
                    cdata(&date(Some(comment.created_at))),
                    cdata(&date(Some(comment.created_at))),
                    cdata(&comment.content_html),
                    u8::from(comment.is_approved),
                    comment.parent_id.unwrap_or(0),
                    comment.author_id,
                )
                .map_err(io)?;
                counts.comments += 1;
            }
            writeln!(out, "\t</item>").map_err(io)?;
            if page {
                counts.pages += 1;
            } else {
                counts.posts += 1;
            }
        }
        after = last;
    }
    writeln!(out, "</channel>\n</rss>").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_holds_anything() {
        assert_eq!(cdata("a ]]> b"), "<![CDATA[a ]]]]><![CDATA[> b]]>");
    }
}
