//! Feeds and what search engines read: Atom, RSS 2.0 and JSON Feed 1.1 for the whole blog and
//! per tag, category and author; the sitemap; robots.txt.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use chrono::{DateTime, Utc};

use crate::components::post_card::encode_component;
use crate::error::AppError;
use crate::posts::store::{feed_items, FeedItem, Listing};
use crate::server::db::Db;
use crate::server::page_cache::{add_validators, conditional, settled};
use crate::server::state::AppState;
use crate::with_db;

/// Posts per feed.
const FEED_SIZE: i64 = 20;
/// The sitemap protocol's limit per file.
const SITEMAP_MAX_POSTS: i64 = 50_000;

#[derive(Debug, Clone, Copy)]
enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    const ALL: [Self; 3] = [Self::Atom, Self::Rss, Self::Json];

    fn file(self) -> &'static str {
        match self {
            Self::Atom => "feed.xml",
            Self::Rss => "rss.xml",
            Self::Json => "feed.json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// Whose posts a feed carries.
enum Scope {
    Site,
    Tag(String),
    Category(String),
    Author(String),
}

/// What a feed says about itself, and the posts in it.
struct Feed {
    title: String,
    /// The page the feed follows, as a path (`/tags/rust`).
    page_path: String,
    /// The feed's own path.
    self_path: String,
    items: Vec<FeedItem>,
}

/// Every feed, the sitemap and robots.txt, as (path, handler): the server's route table
/// lists them with the other plain routes.
pub fn routes() -> Vec<(String, MethodRouter<AppState>)> {
    let mut routes: Vec<(String, MethodRouter<AppState>)> = vec![
        ("/sitemap.xml".to_owned(), get(sitemap)),
        ("/robots.txt".to_owned(), get(robots)),
    ];
    for format in Format::ALL {
        let file = format.file();
        routes.extend([
            (
                format!("/{file}"),
                get(move |State(state): State<AppState>, request: HeaderMap| {
                    feed(state, request, Scope::Site, format)
                }),
            ),
            (
                format!("/tags/{{tag}}/{file}"),
                get(
                    move |State(state): State<AppState>,
                          request: HeaderMap,
                          Path(tag): Path<String>| {
                        feed(state, request, Scope::Tag(tag), format)
                    },
                ),
            ),
            (
                format!("/categories/{{slug}}/{file}"),
                get(
                    move |State(state): State<AppState>,
                          request: HeaderMap,
                          Path(slug): Path<String>| {
                        feed(state, request, Scope::Category(slug), format)
                    },
                ),
            ),
            (
                format!("/u/{{username}}/{file}"),
                get(
                    move |State(state): State<AppState>,
                          request: HeaderMap,
                          Path(username): Path<String>| {
                        feed(state, request, Scope::Author(username), format)
                    },
                ),
            ),
        ]);
    }
    routes
}

/// A feed, or 304 to a reader whose copy is current: readers poll every few minutes, and
/// most polls find nothing new. (Behind the page cache, the kept copy answers conditions.)
/// `Last-Modified` is the newest item's time, once its second is over: a change saved in
/// that same second would otherwise be dated as old as the reader's copy.
async fn feed(state: AppState, request: HeaderMap, scope: Scope, format: Format) -> Response {
    match load(&state.db, scope, format).await {
        Ok(feed) => {
            let origin = state.config.origin();
            let body = match format {
                Format::Atom => atom(&feed, &origin),
                Format::Rss => rss(&feed, &origin),
                Format::Json => json_feed(&feed, &origin),
            };
            let mut validators = HeaderMap::new();
            let now = crate::server::db::now();
            let modified = newest(&feed).filter(|at| settled(*at, now));
            add_validators(&mut validators, body.as_bytes(), modified);
            let res = (
                [
                    (header::CONTENT_TYPE, format.content_type()),
                    (header::CACHE_CONTROL, "public, max-age=300"),
                ],
                validators,
                body,
            )
                .into_response();
            conditional(&request, res)
        }
        Err(err) => err.into_response(),
    }
}

async fn load(db: &Db, scope: Scope, format: Format) -> Result<Feed, AppError> {
    let file = format.file();
    let (title, page_path, listing) = match scope {
        Scope::Site => ("quire".to_owned(), String::new(), Listing::All),
        Scope::Tag(tag) => {
            if !crate::tags::store::exists(db, &tag).await? {
                return Err(AppError::NotFound);
            }
            (
                format!("#{tag} · quire"),
                format!("/tags/{tag}"),
                Listing::Tag(tag),
            )
        }
        Scope::Category(slug) => {
            let category = crate::categories::store::find_by_slug(db, &slug)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                format!("{} · quire", category.name),
                format!("/categories/{slug}"),
                Listing::Category(category.id),
            )
        }
        Scope::Author(username) => {
            let (id, name) = author_by_username(db, &username)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                format!("{name} · quire"),
                format!("/u/{username}"),
                Listing::Author(id),
            )
        }
    };
    let items = feed_items(db, &listing, FEED_SIZE).await?;
    Ok(Feed {
        title,
        self_path: format!("{page_path}/{file}"),
        page_path: if page_path.is_empty() {
            "/".to_owned()
        } else {
            page_path
        },
        items,
    })
}

async fn author_by_username(db: &Db, username: &str) -> Result<Option<(i64, String)>, AppError> {
    let row: Option<(i64, String, Option<String>, Option<String>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, username, first_name, last_name FROM users
             WHERE lower(username) = lower($1) AND is_active",
        )
        .bind(username)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|(id, username, first, last)| {
        let name = crate::accounts::display_name(&username, first.as_deref(), last.as_deref());
        (id, name)
    }))
}

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids outright.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The post's address here, which identifies it in the feed.
fn post_url(origin: &str, item: &FeedItem) -> String {
    format!("{origin}/posts/{}", item.card.slug)
}

/// Where readers are sent: the canonical address when the post first appeared elsewhere.
fn link_url(origin: &str, item: &FeedItem) -> String {
    item.canonical_url
        .clone()
        .unwrap_or_else(|| post_url(origin, item))
}

/// Escapes text for HTML, where the text must show as written.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Site-relative addresses in post HTML (images under /media, links to other posts) made
/// absolute: feed readers show the content away from the site. Protocol-relative ones
/// (`//cdn.example.com/a.png`) already name their host and stay as they are. The HTML is
/// the sanitizer's, which quotes every attribute with `"` and escapes `"` in text, so
/// `src="` only ever starts an attribute.
fn absolute_html(html: &str, origin: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = ["src=\"", "href=\""]
        .iter()
        .filter_map(|attr| rest.find(attr).map(|i| i + attr.len()))
        .min()
    {
        let (before, value) = rest.split_at(at);
        out.push_str(before);
        if value.starts_with('/') && !value.starts_with("//") {
            out.push_str(origin);
        }
        rest = value;
    }
    out.push_str(rest);
    out
}

/// When the newest change to an item was made; None for a feed without items.
fn newest(feed: &Feed) -> Option<DateTime<Utc>> {
    feed.items
        .iter()
        .map(|item| item.updated_at.max(item.card.published_at))
        .max()
}

fn updated(feed: &Feed) -> DateTime<Utc> {
    newest(feed).unwrap_or_default()
}

fn atom(feed: &Feed, origin: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <title>{}</title>\n", xml(&feed.title)));
    out.push_str(&format!(
        "  <id>{}{}</id>\n",
        xml(origin),
        xml(&feed.page_path)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}{}\"/>\n",
        xml(origin),
        xml(&feed.page_path)
    ));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}{}\"/>\n",
        xml(origin),
        xml(&feed.self_path)
    ));
    out.push_str(&format!(
        "  <updated>{}</updated>\n",
        updated(feed).to_rfc3339()
    ));
    out.push_str("  <generator>quire</generator>\n");
    for item in &feed.items {
        let url = post_url(origin, item);
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <title>{}</title>\n", xml(&item.card.title)));
        out.push_str(&format!("    <id>{}</id>\n", xml(&url)));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml(&link_url(origin, item))
        ));
        out.push_str(&format!(
            "    <published>{}</published>\n",
            item.card.published_at.to_rfc3339()
        ));
        out.push_str(&format!(
            "    <updated>{}</updated>\n",
            item.updated_at.max(item.card.published_at).to_rfc3339()
        ));
        out.push_str(&format!(
            "    <author><name>{}</name><uri>{}/u/{}</uri></author>\n",
            xml(&item.card.author.display_name),
            xml(origin),
            xml(&item.card.author.username)
        ));
        for tag in &item.card.tags {
            out.push_str(&format!("    <category term=\"{}\"/>\n", xml(tag)));
        }
        out.push_str(&format!(
            "    <summary>{}</summary>\n",
            xml(&item.card.excerpt)
        ));
        out.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml(&absolute_html(&item.content_html, origin))
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn rss(feed: &Feed, origin: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n");
    out.push_str(&format!("  <title>{}</title>\n", xml(&feed.title)));
    out.push_str(&format!(
        "  <link>{}{}</link>\n",
        xml(origin),
        xml(&feed.page_path)
    ));
    out.push_str(&format!(
        "  <description>{}</description>\n",
        xml(&escape_html(&feed.title))
    ));
    out.push_str(&format!(
        "  <atom:link href=\"{}{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml(origin),
        xml(&feed.self_path)
    ));
    out.push_str(&format!(
        "  <lastBuildDate>{}</lastBuildDate>\n",
        updated(feed).to_rfc2822()
    ));
    out.push_str("  <generator>quire</generator>\n");
    for item in &feed.items {
        let url = post_url(origin, item);
        out.push_str("  <item>\n");
        out.push_str(&format!("    <title>{}</title>\n", xml(&item.card.title)));
        out.push_str(&format!(
            "    <link>{}</link>\n",
            xml(&link_url(origin, item))
        ));
        out.push_str(&format!(
            "    <guid isPermaLink=\"true\">{}</guid>\n",
            xml(&url)
        ));
        out.push_str(&format!(
            "    <pubDate>{}</pubDate>\n",
            item.card.published_at.to_rfc2822()
        ));
        for tag in &item.card.tags {
            out.push_str(&format!("    <category>{}</category>\n", xml(tag)));
        }
        // A description is HTML (readers render it), the excerpt is text.
        out.push_str(&format!(
            "    <description>{}</description>\n",
            xml(&escape_html(&item.card.excerpt))
        ));
        out.push_str(&format!(
            "    <content:encoded>{}</content:encoded>\n",
            xml(&absolute_html(&item.content_html, origin))
        ));
        out.push_str("  </item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn json_feed(feed: &Feed, origin: &str) -> String {
    let items: Vec<serde_json::Value> = feed
        .items
        .iter()
        .map(|item| {
            let url = post_url(origin, item);
            serde_json::json!({
                "id": url,
                "url": link_url(origin, item),
                "title": item.card.title,
                "summary": item.card.excerpt,
                "content_html": absolute_html(&item.content_html, origin),
                "image": item.card.cover_image.as_ref().map(|src| absolute(origin, src)),
                "date_published": item.card.published_at.to_rfc3339(),
                "date_modified": item.updated_at.max(item.card.published_at).to_rfc3339(),
                "authors": [{
                    "name": item.card.author.display_name,
                    "url": format!("{origin}/u/{}", item.card.author.username),
                }],
                "tags": item.card.tags,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": format!("{origin}{}", feed.page_path),
        "feed_url": format!("{origin}{}", feed.self_path),
        "items": items,
    });
    markup_free_json(&doc.to_string())
}

/// JSON with `<`, `>` and `&` written as escapes, and the two line separators JavaScript
/// once refused: the feed then stays inert wherever it is pasted, an HTML `<script>` block
/// included. Outside strings JSON has none of these characters, so every one met is inside
/// a string, where the escape means the same character.
fn markup_free_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// An address as seen from outside: site-relative ones get the origin.
pub fn absolute(origin: &str, src: &str) -> String {
    if src.starts_with('/') && !src.starts_with("//") {
        format!("{origin}{src}")
    } else {
        src.to_owned()
    }
}

async fn sitemap(State(state): State<AppState>, request: HeaderMap) -> Response {
    match sitemap_xml(&state.db, &state.config.origin()).await {
        Ok(body) => sitemap_answer(&request, body),
        Err(err) => err.into_response(),
    }
}

/// A sitemap file, tagged for crawlers' conditional requests. It has no `Last-Modified` of
/// its own: no one time covers its tags, categories and authors (a kept copy has the time it
/// was rendered).
fn sitemap_answer(request: &HeaderMap, body: String) -> Response {
    let mut validators = HeaderMap::new();
    add_validators(&mut validators, body.as_bytes(), None);
    let res = (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        validators,
        body,
    )
        .into_response();
    conditional(request, res)
}

async fn sitemap_xml(db: &Db, origin: &str) -> Result<String, AppError> {
    let now = crate::server::db::now();
    type Posts = Vec<(String, DateTime<Utc>)>;
    let (posts, tags, categories, authors): (Posts, Vec<String>, Vec<String>, Vec<String>) =
        with_db!(db, |pool| {
            async {
                let posts = sqlx::query_as(
                    "SELECT slug, updated_at FROM posts
                 WHERE status = 'PUBLISHED' AND published_at <= $1
                 ORDER BY published_at DESC, id DESC LIMIT $2",
                )
                .bind(now)
                .bind(SITEMAP_MAX_POSTS)
                .fetch_all(pool)
                .await?;
                let tags = sqlx::query_scalar(
                    "SELECT DISTINCT t.name FROM post_tags x JOIN tags t ON t.id = x.tag_id
                 WHERE x.published_at <= $1 ORDER BY t.name",
                )
                .bind(now)
                .fetch_all(pool)
                .await?;
                let categories = sqlx::query_scalar("SELECT slug FROM categories ORDER BY slug")
                    .fetch_all(pool)
                    .await?;
                let authors = sqlx::query_scalar(
                    "SELECT u.username FROM users u
                 WHERE u.is_active AND EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id
                       AND p.status = 'PUBLISHED' AND p.published_at <= $1)
                 ORDER BY u.username",
                )
                .bind(now)
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>((posts, tags, categories, authors))
            }
            .await
        })?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut url = |path: String, lastmod: Option<DateTime<Utc>>| {
        out.push_str(&format!("  <url><loc>{}{}</loc>", xml(origin), xml(&path)));
        if let Some(at) = lastmod {
            out.push_str(&format!("<lastmod>{}</lastmod>", at.format("%Y-%m-%d")));
        }
        out.push_str("</url>\n");
    };
    url("/".to_owned(), None);
    for (slug, updated_at) in posts {
        url(format!("/posts/{slug}"), Some(updated_at));
    }
    for tag in tags {
        url(format!("/tags/{}", encode_component(&tag)), None);
    }
    for slug in categories {
        url(format!("/categories/{slug}"), None);
    }
    for username in authors {
        url(format!("/u/{username}"), None);
    }
    out.push_str("</urlset>\n");
    Ok(out)
}

async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /settings\nDisallow: /admin\nDisallow: /rpc/\nDisallow: /api/\n\nSitemap: {}/sitemap.xml\n",
        state.config.origin()
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_relative_addresses_get_the_origin() {
        let html = r##"<img src="/media/a.png"><img src="//cdn.example.com/b.png"><a href="/posts/x">x</a><a href="//example.org/">y</a><a href="https://example.com/">z</a><a href="#top">t</a>"##;
        assert_eq!(
            absolute_html(html, "https://blog.example"),
            r##"<img src="https://blog.example/media/a.png"><img src="//cdn.example.com/b.png"><a href="https://blog.example/posts/x">x</a><a href="//example.org/">y</a><a href="https://example.com/">z</a><a href="#top">t</a>"##
        );
    }
}
