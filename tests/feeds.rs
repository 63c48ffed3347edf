//! Feeds and sitemaps as feed readers and crawlers take them: text that stays text, addresses
//! that still lead somewhere away from the site, and polls that cost nothing when nothing changed.

mod common;

use common::{make_user, new_post, spawn_app, spawn_app_with, Backend, TestApp};
use quire::accounts::Role;
use quire::platform::db::now;
use quire::posts::store::{create, NewPost};
use quire::posts::PostStatus;
use quire::with_db;

/// An excerpt that closes the markup around it and opens a script.
const HOSTILE: &str = "</code><script>alert(1)</script>";

fn post(author_id: i64, slug: &str, title: &str, content: &str, excerpt: Option<&str>) -> NewPost {
    NewPost {
        title: title.to_owned(),
        content: content.to_owned(),
        excerpt: excerpt.map(str::to_owned),
        ..new_post(author_id, slug, PostStatus::Published, None)
    }
}

async fn body(app: &TestApp, path: &str) -> String {
    let (status, body) = app.get_text(path).await;
    assert_eq!(status, 200, "{path}");
    body
}

/// The text of every `name` element in the XML document, entities resolved once, as an XML
/// parser (and so a feed reader) reads it.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

async fn excerpts_reach_feed_readers_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "escaper", Role::User).await;
    create(
        &app.db,
        post(author, "hostile", "Hostile", "Body.", Some(HOSTILE)),
    )
    .await
    .unwrap();

    // RSS descriptions are HTML: once the XML is read, the excerpt must still be escaped
    // HTML, which a reader shows as the literal text.
    let rss = body(&app, "/rss.xml").await;
    let descriptions = texts(&rss, "description");
    let item = descriptions
        .iter()
        .find(|d| d.contains("alert(1)"))
        .expect("the post's description");
    assert!(item.contains("&lt;script&gt;"), "{item}");
    assert!(!item.contains("<script"), "{item}");
    assert!(!item.contains("</code"), "{item}");

    // Atom's summary is text (no type attribute), JSON Feed's summary is plain text: the
    // parsed value is the excerpt itself.
    let atom = body(&app, "/feed.xml").await;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name("summary"))
        .expect("summary");
    assert_eq!(summary.attribute("type").unwrap_or("text"), "text");
    assert_eq!(summary.text(), Some(HOSTILE));
    let json: serde_json::Value = serde_json::from_str(&body(&app, "/feed.json").await).unwrap();
    assert_eq!(json["items"][0]["summary"], HOSTILE);
}

async fn json_feeds_hold_no_markup_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "jason", Role::User).await;
    create(
        &app.db,
        post(
            author,
            "angled",
            "<script>alert(1)</script> & more",
            "Some *markup* & <b>bold</b>.",
            None,
        ),
    )
    .await
    .unwrap();
    for path in [
        "/feed.json",
        "/u/jason/feed.json",
        "/tags/testing/feed.json",
    ] {
        let raw = body(&app, path).await;
        assert!(raw.contains("\\u003c"), "{path}: {raw}");
        assert!(!raw.contains('<'), "{path}: {raw}");
        assert!(!raw.contains('>'), "{path}: {raw}");
        assert!(!raw.contains('&'), "{path}: {raw}");
        let json: serde_json::Value = serde_json::from_str(&raw).expect("still JSON");
        assert_eq!(
            json["items"][0]["title"], "<script>alert(1)</script> & more",
            "{path}"
        );
        assert!(json["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .contains("<em>markup</em>"));
    }
}

async fn protocol_relative_addresses_stay_as_they_are(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "linker", Role::User).await;
    create(
        &app.db,
        post(
            author,
            "remote",
            "Remote",
            "![x](//cdn.example.com/a.png) and ![y](/media/b.png), [far](//example.org/page) and [near](/posts/remote)",
            None,
        ),
    )
    .await
    .unwrap();
    let origin = app.state.config.origin();
    let atom = body(&app, "/feed.xml").await;
    let rss = body(&app, "/rss.xml").await;
    let json: serde_json::Value = serde_json::from_str(&body(&app, "/feed.json").await).unwrap();
    let contents = [
        texts(&atom, "content").concat(),
        texts(&rss, "encoded").concat(),
        json["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    for html in contents {
        assert!(html.contains("src=\"//cdn.example.com/a.png\""), "{html}");
        assert!(html.contains("href=\"//example.org/page\""), "{html}");
        assert!(
            html.contains(&format!("src=\"{origin}/media/b.png\"")),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"{origin}/posts/remote\"")),
            "{html}"
        );
        assert!(!html.contains(&format!("{origin}//")), "{html}");
    }
}

async fn make_category(app: &TestApp, name: &str, slug: &str) -> i64 {
    with_db!(&app.db, |pool| sqlx::query_scalar(
        "INSERT INTO categories (name, slug, description, color, created_at, updated_at)
         VALUES ($1, $2, '', '#10b981', $3, $3) RETURNING id"
    )
    .bind(name)
    .bind(slug)
    .bind(now())
    .fetch_one(pool)
    .await
    .unwrap())
}

/// A post of the poller's in the tag and category the polled feeds follow.
async fn publish(
    app: &TestApp,
    author: i64,
    category: i64,
    slug: &str,
    at: Option<chrono::DateTime<chrono::Utc>>,
) {
    create(
        &app.db,
        NewPost {
            tags: vec!["polled".to_owned()],
            category_ids: vec![quire::categories::CategoryId(category)],
            published_at: at,
            ..post(author, slug, slug, "Body.", None)
        },
    )
    .await
    .unwrap();
    // Made behind the server's back: tell the page cache, as the server's own writes do.
    quire::web::page_cache::bump(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
}

async fn get_with_headers(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// 304 and nothing else.
async fn assert_not_modified(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 304, "{what}");
    assert_eq!(res.bytes().await.unwrap().len(), 0, "{what}: no body");
}

const POLLED: [&str; 7] = [
    "/feed.xml",
    "/rss.xml",
    "/feed.json",
    "/tags/polled/feed.xml",
    "/categories/news/rss.xml",
    "/u/poller/feed.json",
    "/sitemap.xml",
];

/// Polls of unchanged feeds answer 304 by tag or by date; a new post answers in full.
async fn polls(app: &TestApp) {
    let author = make_user(app, "poller", Role::User).await;
    let category = make_category(app, "News", "news").await;
    // An hour old, so that a post published now is a second newer at least.
    let hour_ago = now() - chrono::Duration::hours(1);
    publish(app, author, category, "first", Some(hour_ago)).await;
    with_db!(&app.db, |pool| sqlx::query(
        "UPDATE posts SET updated_at = published_at"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    quire::web::page_cache::bump(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;

    let mut before = Vec::new();
    for path in POLLED {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let etag = header(&res, "etag").unwrap_or_else(|| panic!("{path}: no ETag"));
        assert!(
            etag.starts_with("W/\"") && etag.ends_with('"'),
            "{path}: {etag}"
        );
        let modified = header(&res, "last-modified");
        let full = res.text().await.unwrap();
        assert!(!full.is_empty());
        if !path.starts_with("/sitemap") {
            let modified = modified
                .clone()
                .unwrap_or_else(|| panic!("{path}: no Last-Modified"));
            let at = chrono::DateTime::parse_from_rfc2822(&modified).unwrap();
            assert_eq!(
                at.timestamp(),
                hour_ago.timestamp(),
                "{path}: the newest item's time"
            );
        }

        let res = get_with_headers(app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(
            header(&res, "etag").as_deref(),
            Some(etag.as_str()),
            "{path}"
        );
        assert_not_modified(res, path).await;
        // One of several tags, strong or weak, matches.
        let listed = format!("\"other\", {}", etag.trim_start_matches("W/"));
        assert_not_modified(
            get_with_headers(app, path, &[("if-none-match", &listed)]).await,
            path,
        )
        .await;
        let res = get_with_headers(app, path, &[("if-none-match", "W/\"other\"")]).await;
        assert_eq!(res.status(), 200, "{path}: another tag");
        assert_eq!(res.text().await.unwrap(), full, "{path}");

        if let Some(modified) = &modified {
            let res = get_with_headers(app, path, &[("if-modified-since", modified)]).await;
            assert_not_modified(res, path).await;
            let later = "Fri, 01 Jan 2100 00:00:00 GMT";
            assert_not_modified(
                get_with_headers(app, path, &[("if-modified-since", later)]).await,
                path,
            )
            .await;
            let earlier = chrono::DateTime::parse_from_rfc2822(modified).unwrap()
                - chrono::Duration::seconds(1);
            let earlier = earlier.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            let res = get_with_headers(app, path, &[("if-modified-since", &earlier)]).await;
            assert_eq!(res.status(), 200, "{path}: changed since");
            // A tag that does not match decides, whatever the date says.
            let res = get_with_headers(
                app,
                path,
                &[
                    ("if-none-match", "W/\"other\""),
                    ("if-modified-since", modified),
                ],
            )
            .await;
            assert_eq!(res.status(), 200, "{path}: If-None-Match first");
        }
        before.push((path, etag, modified));
    }

    publish(app, author, category, "second", None).await;
    for (path, etag, modified) in before {
        let res = get_with_headers(app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(res.status(), 200, "{path}: a new post");
        let new_tag = header(&res, "etag").unwrap();
        assert_ne!(new_tag, etag, "{path}");
        assert!(res.text().await.unwrap().contains("second"), "{path}");
        assert_not_modified(
            get_with_headers(app, path, &[("if-none-match", &new_tag)]).await,
            path,
        )
        .await;
        if let Some(modified) = modified {
            let res = get_with_headers(app, path, &[("if-modified-since", &modified)]).await;
            assert_eq!(res.status(), 200, "{path}: a new post");
        }
    }
}

async fn feed_polls_cost_nothing_while_nothing_changes(backend: Backend) {
    polls(&spawn_app(backend).await).await;
}

async fn feed_polls_cost_nothing_without_the_page_cache_too(backend: Backend) {
    polls(&spawn_app_with(backend, &[("QUIRE_PAGE_CACHE_MB", "0")]).await).await;
}

async fn kept_pages_answer_conditional_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "keeper", Role::User).await;
    create(&app.db, post(author, "kept", "Kept", "Body.", None))
        .await
        .unwrap();
    // Rendered right after the content was first seen: a copy from another second could
    // differ, so this one has no date, only its tag.
    let res = app.get("/").await;
    assert_eq!(header(&res, "x-quire-cache").as_deref(), Some("miss"));
    assert!(header(&res, "etag").is_some());
    assert_eq!(header(&res, "last-modified"), None);
    // Rendered again (new view counts) once that second is over, the page is dated.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    quire::web::page_cache::bump_views(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    app.get("/").await;
    let res = app.get("/").await;
    assert_eq!(header(&res, "x-quire-cache").as_deref(), Some("hit"));
    let etag = header(&res, "etag").expect("ETag");
    let modified = header(&res, "last-modified").expect("Last-Modified");
    assert!(etag.starts_with("W/\""), "{etag}");

    // One tag for every encoding of the page: it names the content, not the bytes sent.
    for encoding in ["br", "gzip", "identity"] {
        let res = get_with_headers(&app, "/", &[("accept-encoding", encoding)]).await;
        assert_eq!(
            header(&res, "etag").as_deref(),
            Some(etag.as_str()),
            "{encoding}"
        );
        let res = get_with_headers(
            &app,
            "/",
            &[("accept-encoding", encoding), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(header(&res, "x-quire-cache").as_deref(), Some("hit"));
        assert_eq!(header(&res, "content-encoding"), None, "{encoding}");
        assert_not_modified(res, encoding).await;
    }
    let res = get_with_headers(&app, "/", &[("if-modified-since", &modified)]).await;
    assert_not_modified(res, "by date").await;

    // New content: the page is rendered again, and the old tag no longer matches.
    create(&app.db, post(author, "fresh", "Fresh", "Body.", None))
        .await
        .unwrap();
    quire::web::page_cache::bump(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let res = get_with_headers(&app, "/", &[("if-modified-since", &modified)]).await;
    assert_eq!(res.status(), 200, "changed since");
    assert_eq!(header(&res, "x-quire-cache").as_deref(), Some("miss"));
    let res = get_with_headers(&app, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-quire-cache").as_deref(), Some("hit"));
    assert_ne!(header(&res, "etag").as_deref(), Some(etag.as_str()));
    assert!(res.text().await.unwrap().contains("Fresh"));
}

fn locs(xml: &str) -> (String, Vec<String>) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let root = doc.root_element().tag_name().name().to_owned();
    let locs = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect();
    (root, locs)
}

async fn a_small_site_has_one_sitemap(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "mapper", Role::User).await;
    for slug in ["one", "two"] {
        create(&app.db, post(author, slug, slug, "Text.", None))
            .await
            .unwrap();
    }
    let origin = app.state.config.origin();
    let (root, all) = locs(&body(&app, "/sitemap.xml").await);
    assert_eq!(root, "urlset");
    for path in [
        "/",
        "/posts/one",
        "/posts/two",
        "/u/mapper",
        "/tags/testing",
    ] {
        assert!(all.contains(&format!("{origin}{path}")), "{path}: {all:?}");
    }
    // The files an index would list answer too, split the same way: pages, then posts.
    let (root, pages) = locs(&body(&app, "/sitemap-1.xml").await);
    assert_eq!(root, "urlset");
    assert!(pages.contains(&format!("{origin}/u/mapper")));
    assert!(!pages.iter().any(|l| l.contains("/posts/")));
    let (_, posts) = locs(&body(&app, "/sitemap-2.xml").await);
    assert_eq!(posts.len(), 2);
    for path in [
        "/sitemap-3.xml",
        "/sitemap-0.xml",
        "/sitemap-01.xml",
        "/sitemap-x.xml",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

/// Published posts, as many as asked, in one statement (the store's one by one would take
/// minutes): a title, a slug and dates are all a sitemap reads.
async fn many_posts(app: &TestApp, author: i64, count: i64) {
    let at = now() - chrono::Duration::hours(1);
    with_db!(&app.db, |pool| sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
         INSERT INTO posts (author_id, title, slug, content, content_html, status,
                            published_at, created_at, updated_at)
         SELECT $1, 'Post ' || i, 'post-' || i, '', '', 'PUBLISHED', $3, $3, $3 FROM n"
    )
    .bind(author)
    .bind(count)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
}

async fn a_sitemap_past_fifty_thousand_addresses_is_an_index(backend: Backend) {
    const LIMIT: usize = 50_000;
    let app = spawn_app(backend).await;
    let author = make_user(&app, "prolific", Role::User).await;
    many_posts(&app, author, LIMIT as i64 + 1).await;
    let origin = app.state.config.origin();

    let (root, files) = locs(&body(&app, "/sitemap.xml").await);
    assert_eq!(root, "sitemapindex");
    assert!(files.len() >= 3, "{files:?}");
    for (i, file) in files.iter().enumerate() {
        assert_eq!(file, &format!("{origin}/sitemap-{}.xml", i + 1));
    }
    let mut posts = Vec::new();
    let mut pages = Vec::new();
    for file in &files {
        let path = file.strip_prefix(&origin).unwrap();
        let (root, urls) = locs(&body(&app, path).await);
        assert_eq!(root, "urlset", "{path}");
        assert!(
            !urls.is_empty() && urls.len() <= LIMIT,
            "{path}: {}",
            urls.len()
        );
        let (of_posts, others): (Vec<String>, Vec<String>) =
            urls.into_iter().partition(|u| u.contains("/posts/"));
        posts.extend(of_posts);
        pages.extend(others);
    }
    assert!(pages.contains(&format!("{origin}/")));
    assert!(pages.contains(&format!("{origin}/u/prolific")));
    let listed = posts.len();
    posts.sort();
    posts.dedup();
    assert_eq!(listed, LIMIT + 1, "every post once");
    assert_eq!(posts.len(), LIMIT + 1);
}

on_both_backends!(
    excerpts_reach_feed_readers_as_text,
    json_feeds_hold_no_markup_characters,
    protocol_relative_addresses_stay_as_they_are,
    feed_polls_cost_nothing_while_nothing_changes,
    feed_polls_cost_nothing_without_the_page_cache_too,
    kept_pages_answer_conditional_requests,
    a_small_site_has_one_sitemap,
    a_sitemap_past_fifty_thousand_addresses_is_an_index,
);
