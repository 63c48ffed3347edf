//! Feeds and what search engines read: Atom, RSS 2.0 and JSON Feed 1.1 for the whole blog and
//! per tag, category and author; the sitemap; robots.txt.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use chrono::{DateTime, Utc};

use crate::components::post_card::encode_component;
use crate::error::AppError;
use crate::platform::db::Db;
use crate::posts::store::{self as post_store, feed_items, FeedItem, Listing};
use crate::site::SiteSettings;
use crate::web::page_cache::{add_validators, conditional, settled};
use crate::web::state::AppState;

/// Posts per feed.
const FEED_SIZE: i64 = 20;
/// Addresses per sitemap file: the sitemap protocol's limit. Past it `/sitemap.xml` is an
/// index of files (see [`sitemap_plan`]).
const SITEMAP_LIMIT: i64 = 50_000;

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
    /// The blog's description (empty: the title stands in where a feed needs one).
    description: String,
    /// The blog's language tag.
    language: String,
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
        // The files of a sitemap index: `/sitemap-2.xml` (the router takes `2.xml`).
        ("/sitemap-{file}".to_owned(), get(sitemap_file)),
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
    let site = match state.site().await {
        Ok(site) => site,
        Err(err) => return err.into_response(),
    };
    match load(&state.db, &site, scope, format).await {
        Ok(feed) => {
            let origin = state.config.origin();
            let body = match format {
                Format::Atom => atom(&feed, &origin),
                Format::Rss => rss(&feed, &origin),
                Format::Json => json_feed(&feed, &origin),
            };
            let mut validators = HeaderMap::new();
            let now = crate::platform::db::now();
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

async fn load(
    db: &Db,
    site: &SiteSettings,
    scope: Scope,
    format: Format,
) -> Result<Feed, AppError> {
    let file = format.file();
    let blog = &site.title;
    let (title, page_path, listing) = match scope {
        Scope::Site => (blog.clone(), String::new(), Listing::All),
        Scope::Tag(tag) => {
            if !crate::tags::store::exists(db, &tag).await? {
                return Err(AppError::NotFound);
            }
            (
                format!("#{tag} · {blog}"),
                format!("/tags/{tag}"),
                Listing::Tag(tag),
            )
        }
        Scope::Category(slug) => {
            let category = crate::categories::store::find_by_slug(db, &slug)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                format!("{} · {blog}", category.name),
                format!("/categories/{slug}"),
                Listing::Category(category.id),
            )
        }
        Scope::Author(username) => {
            let (id, name) = author_by_username(db, &username)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                format!("{name} · {blog}"),
                format!("/u/{username}"),
                Listing::Author(id),
            )
        }
    };
    let items = feed_items(db, &listing, FEED_SIZE).await?;
    Ok(Feed {
        title,
        description: site.description.clone(),
        language: site.language.clone(),
        self_path: format!("{page_path}/{file}"),
        page_path: if page_path.is_empty() {
            "/".to_owned()
        } else {
            page_path
        },
        items,
    })
}

/// An active author's id and display name, by username (in any case).
async fn author_by_username(db: &Db, username: &str) -> Result<Option<(i64, String)>, AppError> {
    let user = crate::accounts::store::find_by_username(db, username).await?;
    Ok(user.filter(|user| user.is_active).map(|user| {
        let name = crate::accounts::display_name(
            &user.username,
            user.first_name.as_deref(),
            user.last_name.as_deref(),
        );
        (user.id.0, name)
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
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        xml(&feed.language)
    ));
    out.push_str(&format!("  <title>{}</title>\n", xml(&feed.title)));
    if !feed.description.is_empty() {
        out.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            xml(&feed.description)
        ));
    }
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
    let description = if feed.description.is_empty() {
        &feed.title
    } else {
        &feed.description
    };
    out.push_str(&format!(
        "  <description>{}</description>\n",
        xml(&escape_html(description))
    ));
    out.push_str(&format!("  <language>{}</language>\n", xml(&feed.language)));
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
        "description": feed.description,
        "language": feed.language,
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
    match sitemap_root(&state.db, &state.config.origin()).await {
        Ok(body) => sitemap_answer(&request, body),
        Err(err) => err.into_response(),
    }
}

/// `/sitemap-N.xml`, a file of a sitemap index.
async fn sitemap_file(
    State(state): State<AppState>,
    request: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let Some(file) = sitemap_file_number(&name) else {
        return AppError::NotFound.into_response();
    };
    match sitemap_part(&state.db, &state.config.origin(), file).await {
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

/// What `/sitemap.xml` is.
#[derive(Debug, PartialEq, Eq)]
enum SitemapPlan {
    /// Every address, in one file.
    Single,
    /// An index of these files, by number (`/sitemap-N.xml`).
    Index(Vec<i64>),
}

/// The sitemap's shape: one file while every address fits in one, else an index of file 1
/// (the site's pages: home, categories, authors, tags) and, for each window of `limit` post
/// ids holding a published post, a file of its posts (window `w` is file `w + 2`; see
/// [`post_window`]). A window cannot hold more than `limit` posts, and a post stays in its
/// file as others come and go. `windows` is (window, published posts in it).
fn sitemap_plan(pages: i64, windows: &[(i64, i64)], limit: i64) -> SitemapPlan {
    let posts: i64 = windows.iter().map(|(_, posts)| posts).sum();
    if pages.saturating_add(posts) <= limit {
        return SitemapPlan::Single;
    }
    SitemapPlan::Index(
        std::iter::once(1)
            .chain(windows.iter().map(|(window, _)| window + 2))
            .collect(),
    )
}

/// The ids of the posts file `file` lists, as (after, up to): a range of the primary key,
/// read without counting past the posts before it. None for file 1 and numbers out of range.
fn post_window(file: i64, limit: i64) -> Option<(i64, i64)> {
    let window = file.checked_sub(2).filter(|window| *window >= 0)?;
    let after = window.checked_mul(limit)?;
    Some((after, after.checked_add(limit)?))
}

/// The number in a file name such as `2.xml`, written as the index writes it.
fn sitemap_file_number(name: &str) -> Option<i64> {
    let digits = name.strip_suffix(".xml")?;
    let file: i64 = digits.parse().ok()?;
    (file >= 1 && file.to_string() == digits).then_some(file)
}

/// `/sitemap.xml`: every address, or the index of the files that hold them.
async fn sitemap_root(db: &Db, origin: &str) -> Result<String, AppError> {
    let now = crate::platform::db::now();
    let pages = site_pages(db, now).await?;
    let windows = post_store::published_per_window(db, now, SITEMAP_LIMIT).await?;
    let pages_count = i64::try_from(pages.len()).unwrap_or(i64::MAX);
    match sitemap_plan(pages_count, &windows, SITEMAP_LIMIT) {
        SitemapPlan::Single => {
            // Posts published since the count must not push the file past the limit.
            let room = SITEMAP_LIMIT.saturating_sub(pages_count);
            let posts = post_store::sitemap_newest(db, now, room).await?;
            Ok(urlset(origin, pages, posts))
        }
        SitemapPlan::Index(files) => Ok(sitemap_index(origin, &files)),
    }
}

/// File `file` of the index: the site's pages, or a window of posts. Files past the last
/// post are not found.
async fn sitemap_part(db: &Db, origin: &str, file: i64) -> Result<String, AppError> {
    let now = crate::platform::db::now();
    let Some((after, up_to)) = post_window(file, SITEMAP_LIMIT) else {
        let mut pages = site_pages(db, now).await?;
        let limit = usize::try_from(SITEMAP_LIMIT).unwrap_or(usize::MAX);
        if pages.len() > limit {
            tracing::warn!(
                pages = pages.len(),
                "more tags, categories and authors than a sitemap file holds: the rest are left out"
            );
            pages.truncate(limit);
        }
        return Ok(urlset(origin, pages, Vec::new()));
    };
    let posts = post_store::sitemap_window(db, now, after, up_to).await?;
    if posts.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(urlset(origin, Vec::new(), posts))
}

/// The paths of the site's pages other than posts: home, the blog's own pages (About…),
/// categories, authors, tags.
async fn site_pages(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let tags = crate::tags::store::listed_names(db, now).await?;
    let categories = crate::categories::store::slugs(db).await?;
    let authors = post_store::authors_with_posts(db, now).await?;
    let mut pages = vec!["/".to_owned()];
    pages.extend(
        post_store::published_pages(db)
            .await?
            .into_iter()
            .map(|page| format!("/{}", page.slug)),
    );
    pages.extend(
        categories
            .into_iter()
            .map(|slug| format!("/categories/{slug}")),
    );
    pages.extend(authors.into_iter().map(|username| format!("/u/{username}")));
    pages.extend(
        tags.into_iter()
            .map(|tag| format!("/tags/{}", encode_component(&tag))),
    );
    Ok(pages)
}

fn urlset(origin: &str, pages: Vec<String>, posts: Vec<(String, DateTime<Utc>)>) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let origin = xml(origin);
    for path in pages {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "  <url><loc>{origin}{}</loc></url>", xml(&path));
    }
    for (slug, updated_at) in posts {
        let _ = writeln!(
            out,
            "  <url><loc>{origin}/posts/{}</loc><lastmod>{}</lastmod></url>",
            xml(&slug),
            updated_at.format("%Y-%m-%d")
        );
    }
    out.push_str("</urlset>\n");
    out
}

fn sitemap_index(origin: &str, files: &[i64]) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let origin = xml(origin);
    for file in files {
        let _ = writeln!(
            out,
            "  <sitemap><loc>{origin}/sitemap-{file}.xml</loc></sitemap>"
        );
    }
    out.push_str("</sitemapindex>\n");
    out
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
    fn a_sitemap_past_the_limit_becomes_an_index_of_files_within_it() {
        use SitemapPlan::{Index, Single};
        assert_eq!(sitemap_plan(1, &[], 3), Single);
        assert_eq!(sitemap_plan(1, &[(0, 2)], 3), Single);
        assert_eq!(sitemap_plan(1, &[(0, 3)], 3), Index(vec![1, 2]));
        assert_eq!(sitemap_plan(4, &[], 3), Index(vec![1]));
        // Windows without a published post get no file.
        assert_eq!(
            sitemap_plan(2, &[(0, 3), (2, 1), (7, 2)], 3),
            Index(vec![1, 2, 4, 9])
        );
    }

    #[test]
    fn each_posts_file_is_a_window_of_ids_no_wider_than_the_limit() {
        assert_eq!(post_window(1, 3), None, "the site's pages");
        assert_eq!(post_window(0, 3), None);
        assert_eq!(post_window(-5, 3), None);
        assert_eq!(post_window(2, 3), Some((0, 3)));
        assert_eq!(post_window(3, 3), Some((3, 6)));
        assert_eq!(post_window(i64::MAX, 3), None);
        // Every id lands in exactly one file, and the one the plan numbers its window by.
        for id in 1..=20_i64 {
            let window = (id - 1) / 3;
            let holding: Vec<i64> = (1..=10)
                .filter(|file| post_window(*file, 3).is_some_and(|(a, b)| a < id && id <= b))
                .collect();
            assert_eq!(holding, vec![window + 2], "{id}");
        }
    }

    #[test]
    fn sitemap_files_are_named_as_the_index_names_them() {
        assert_eq!(sitemap_file_number("2.xml"), Some(2));
        assert_eq!(sitemap_file_number("1.xml"), Some(1));
        for name in [
            "0.xml", "02.xml", "+2.xml", "-1.xml", "x.xml", "2", "2.xml.gz", ".xml",
        ] {
            assert_eq!(sitemap_file_number(name), None, "{name}");
        }
    }

    #[test]
    fn only_site_relative_addresses_get_the_origin() {
        let html = r##"<img src="/media/a.png"><img src="//cdn.example.com/b.png"><a href="/posts/x">x</a><a href="//example.org/">y</a><a href="https://example.com/">z</a><a href="#top">t</a>"##;
        assert_eq!(
            absolute_html(html, "https://blog.example"),
            r##"<img src="https://blog.example/media/a.png"><img src="//cdn.example.com/b.png"><a href="https://blog.example/posts/x">x</a><a href="//example.org/">y</a><a href="https://example.com/">z</a><a href="#top">t</a>"##
        );
    }
}
