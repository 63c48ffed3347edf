//! Reading: post pages, visibility, tags and categories, likes, views, search, feeds and
//! what search engines read, through the same HTTP doors a browser or a feed reader uses.

mod common;

use common::{
    browser, call, make_user, new_post, signed_in_as, spawn_app, spawn_app_with, Backend, TestApp,
};
use quire::accounts::Role;
use quire::platform::db::now;
use quire::posts::store::{create, list, Listing, NewPost};
use quire::posts::PostStatus;
use quire::with_db;

const GUIDE: &str = "An introduction to the runtime.

## Setup {#setup}

Install it first. See [the setup](#setup).

## Usage

```rust
fn main() { println!(\"hi\"); }
```

## Going further

Read [more](https://example.com/more).
";

fn post_with(author_id: i64, slug: &str, title: &str, content: &str, tags: &[&str]) -> NewPost {
    NewPost {
        title: title.to_owned(),
        content: content.to_owned(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..new_post(author_id, slug, PostStatus::Published, None)
    }
}

async fn make_category(app: &TestApp, name: &str, slug: &str, description: &str) -> i64 {
    with_db!(&app.db, |pool| sqlx::query_scalar(
        "INSERT INTO categories (name, slug, description, color, created_at, updated_at)
         VALUES ($1, $2, $3, '#10b981', $4, $4) RETURNING id"
    )
    .bind(name)
    .bind(slug)
    .bind(description)
    .bind(now())
    .fetch_one(pool)
    .await
    .unwrap())
}

async fn post_column(app: &TestApp, slug: &str, column: &str) -> i64 {
    let sql = format!("SELECT {column} FROM posts WHERE slug = $1");
    with_db!(&app.db, |pool| sqlx::query_scalar(&sql)
        .bind(slug)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn post_page_shows_everything_a_reader_needs(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "ada", Role::User).await;
    let category = make_category(&app, "Engineering", "engineering", "How we build").await;
    create(
        &app.db,
        NewPost {
            cover_image: Some("/media/cover.webp".to_owned()),
            category_ids: vec![quire::categories::CategoryId(category)],
            ..post_with(
                author,
                "the-guide",
                "The <Guide>",
                GUIDE,
                &["rust", "async"],
            )
        },
    )
    .await
    .unwrap();

    let (status, html) = app.get_text("/posts/the-guide").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>The &lt;Guide&gt; · My blog</title>"));
    assert!(
        html.contains("href=\"/categories/engineering\""),
        "category link"
    );
    assert!(html.contains("href=\"/tags/rust\"") && html.contains("href=\"/tags/async\""));
    assert!(html.contains("id=\"setup\""), "explicit heading id");
    assert!(
        html.contains("id=\"going-further\""),
        "generated heading id"
    );
    assert!(html.contains("aria-label=\"Table of contents\""));
    assert!(
        html.contains("href=\"#going-further\""),
        "TOC links to headings"
    );
    assert!(
        html.contains("<span class=\"k\">fn</span>"),
        "code is highlighted on the server"
    );
    assert!(
        html.contains("rel=\"noopener nofollow ugc\""),
        "untrusted author's links"
    );
    assert!(
        html.contains("Sign in to like"),
        "visitors are asked to sign in to like"
    );
    // Discoverability: canonical, Open Graph with an absolute cover, JSON-LD, feeds.
    let origin = &app.state.config.origin();
    assert!(html.contains(&format!(
        "href=\"{origin}/posts/the-guide\" rel=\"canonical\""
    )));
    assert!(html.contains("property=\"og:title\" content=\"The &lt;Guide&gt;\""));
    assert!(html.contains(&format!(
        "property=\"og:image\" content=\"{origin}/media/cover.webp\""
    )));
    assert!(html.contains("name=\"twitter:card\" content=\"summary_large_image\""));
    assert!(html.contains("application/ld+json") && html.contains("\"@type\":\"BlogPosting\""));
    assert!(
        !html.contains("\"headline\":\"The </Guide>"),
        "no way out of the script tag"
    );
    assert!(html.contains("type=\"application/atom+xml\"") && html.contains("href=\"/feed.xml\""));
}

async fn hidden_posts_are_for_their_author_and_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "author", Role::User).await;
    make_user(&app, "other", Role::User).await;
    make_user(&app, "boss", Role::Admin).await;
    let later = now() + chrono::Duration::days(2);
    for (slug, status, at) in [
        ("draft", PostStatus::Draft, None),
        ("archived", PostStatus::Archived, None),
        ("scheduled", PostStatus::Published, Some(later)),
    ] {
        create(&app.db, new_post(author, slug, status, at))
            .await
            .unwrap();
    }
    let visitor = browser();
    let other = signed_in_as(&app, "other").await;
    let owner = signed_in_as(&app, "author").await;
    let admin = signed_in_as(&app, "boss").await;
    for slug in ["draft", "archived", "scheduled"] {
        let path = format!("/posts/{slug}");
        for (who, client) in [("visitor", &visitor), ("another user", &other)] {
            let (status, html) = page(client, &app, &path).await;
            assert_eq!(status, 404, "{who} must not see {slug}");
            assert!(html.contains("Page not found") && !html.contains("Title of"));
        }
        for (who, client) in [("its author", &owner), ("an admin", &admin)] {
            let (status, html) = page(client, &app, &path).await;
            assert_eq!(status, 200, "{who} sees {slug}");
            assert!(html.contains(&format!("Title of {slug}")));
            assert!(html.contains("only you and the admins") || html.contains("scheduled"));
            assert!(html.contains("name=\"robots\" content=\"noindex\""));
        }
    }
    // The server function answers the same way as the page.
    let answer = call(&app, &other, "posts/get", &[("slug", "draft")]).await;
    assert_eq!(answer.status, 404);
}

async fn tag_and_category_pages_list_their_posts(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "tagger", Role::User).await;
    let category = make_category(&app, "Databases", "databases", "Rows & columns").await;
    make_category(&app, "Empty", "empty", "Nothing yet").await;
    create(
        &app.db,
        NewPost {
            category_ids: vec![quire::categories::CategoryId(category)],
            ..post_with(
                author,
                "sql-joins",
                "SQL joins",
                "Joins.",
                &["sql", "databases"],
            )
        },
    )
    .await
    .unwrap();
    create(
        &app.db,
        post_with(author, "css-grid", "CSS grid", "Grids.", &["css"]),
    )
    .await
    .unwrap();
    create(
        &app.db,
        NewPost {
            tags: vec!["sql".to_owned(), "secret".to_owned()],
            category_ids: vec![quire::categories::CategoryId(category)],
            ..new_post(author, "draft-sql", PostStatus::Draft, None)
        },
    )
    .await
    .unwrap();

    let (status, html) = app.get_text("/tags/sql").await;
    assert_eq!(status, 200);
    assert!(html.contains("SQL joins") && !html.contains("CSS grid"));
    assert!(
        !html.contains("Title of draft-sql"),
        "drafts are not listed"
    );
    assert!(html.contains("href=\"/tags/sql/feed.xml\""));

    let (status, html) = app.get_text("/categories/databases").await;
    assert_eq!(status, 200);
    assert!(html.contains("Rows &amp; columns") && html.contains("SQL joins"));
    assert!(!html.contains("CSS grid") && !html.contains("Title of draft-sql"));

    let (status, html) = app.get_text("/tags").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/tags/sql\""), "{html}");
    assert!(
        !html.contains("secret"),
        "a tag only drafts use is not shown"
    );
    let tags: serde_json::Value = call(&app, &browser(), "tags/list", &[]).await.body;
    let sql = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "sql")
        .unwrap();
    assert_eq!(sql["post_count"], 1);

    let categories = call(&app, &browser(), "categories/list", &[]).await.body;
    let names: Vec<(&str, i64)> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["post_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("Databases", 1), ("Empty", 0)]);

    assert_eq!(app.get_text("/tags/nope").await.0, 404);
    assert_eq!(app.get_text("/categories/nope").await.0, 404);
}

async fn tag_pages_neither_skip_nor_repeat_while_posts_arrive(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "steady", Role::User).await;
    let start = now() - chrono::Duration::hours(1);
    let mut expected = Vec::new();
    for i in 0..23 {
        let slug = format!("old-{i:02}");
        // Some share a timestamp: the id breaks the tie.
        let at = start + chrono::Duration::seconds(i / 2);
        let mut post = new_post(author, &slug, PostStatus::Published, Some(at));
        post.tags = vec!["steady".to_owned()];
        create(&app.db, post).await.unwrap();
        expected.push(slug);
    }
    expected.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut round = 0;
    loop {
        let page = list(
            &app.db,
            Listing::Tag("steady".to_owned()),
            cursor.as_deref(),
            5,
        )
        .await
        .unwrap();
        seen.extend(page.posts.iter().map(|p| p.slug.clone()));
        // A new post arrives between every two pages; it belongs before what was read.
        round += 1;
        let mut fresh = new_post(author, &format!("new-{round}"), PostStatus::Published, None);
        fresh.tags = vec!["steady".to_owned()];
        create(&app.db, fresh).await.unwrap();
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

async fn likes_count_once_per_user_even_when_concurrent(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "liked", Role::User).await;
    make_user(&app, "fan", Role::User).await;
    make_user(&app, "fan2", Role::User).await;
    create(
        &app.db,
        new_post(author, "lovely", PostStatus::Published, None),
    )
    .await
    .unwrap();
    create(&app.db, new_post(author, "unseen", PostStatus::Draft, None))
        .await
        .unwrap();
    let id = post_column(&app, "lovely", "id").await.to_string();
    let fan = signed_in_as(&app, "fan").await;

    for status in concurrent_likes(&app, &fan, &id, true, 12).await {
        assert_eq!(status, 200);
    }
    assert_eq!(post_column(&app, "lovely", "like_count").await, 1);
    let fan2 = signed_in_as(&app, "fan2").await;
    let answer = call(
        &app,
        &fan2,
        "posts/like",
        &[("post_id", &id), ("liked", "true")],
    )
    .await;
    assert_eq!(answer.body["count"], 2);

    // The page says the reader likes it.
    let (_, html) = page(&fan, &app, "/posts/lovely").await;
    assert!(html.contains("aria-pressed=\"true\""));

    concurrent_likes(&app, &fan, &id, false, 12).await;
    assert_eq!(post_column(&app, "lovely", "like_count").await, 1);
    let likes: i64 = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM likes"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(likes, 1);

    let visitor = call(
        &app,
        &browser(),
        "posts/like",
        &[("post_id", &id), ("liked", "true")],
    )
    .await;
    assert_eq!(visitor.status, 401);
    let draft = post_column(&app, "unseen", "id").await.to_string();
    let answer = call(
        &app,
        &fan,
        "posts/like",
        &[("post_id", &draft), ("liked", "true")],
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(post_column(&app, "unseen", "like_count").await, 0);
}

/// `times` identical like (or unlike) clicks sent at once; their statuses.
async fn concurrent_likes(
    app: &TestApp,
    client: &reqwest::Client,
    post_id: &str,
    liked: bool,
    times: usize,
) -> Vec<u16> {
    let handles: Vec<_> = (0..times)
        .map(|_| {
            let request = client
                .post(app.url("/rpc/posts/like"))
                .form(&[("post_id", post_id), ("liked", &liked.to_string())]);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    statuses
}

async fn views_count_once_per_reader_in_batches(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "viewed", Role::User).await;
    create(
        &app.db,
        new_post(author, "popular", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let reader = browser();
    for _ in 0..3 {
        assert_eq!(page(&reader, &app, "/posts/popular").await.0, 200);
    }
    let second_reader = browser();
    page(&second_reader, &app, "/posts/popular").await;
    // Crawlers and scripts are not readers.
    for agent in ["Mozilla/5.0 (compatible; Googlebot/2.1)", "curl/8.5.0", ""] {
        let res = app
            .client
            .get(app.url("/posts/popular"))
            .header("user-agent", agent)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // The author's own looks do not count.
    let owner = signed_in_as(&app, "viewed").await;
    page(&owner, &app, "/posts/popular").await;

    assert_eq!(
        post_column(&app, "popular", "view_count").await,
        0,
        "written in batches"
    );
    app.state.views.flush().await.unwrap();
    assert_eq!(post_column(&app, "popular", "view_count").await, 2);
    // Already counted readers stay counted once after the batch is written.
    page(&reader, &app, "/posts/popular").await;
    app.state.views.flush().await.unwrap();
    assert_eq!(post_column(&app, "popular", "view_count").await, 2);
    let (_, html) = app.get_text("/posts/popular").await;
    assert!(
        html.contains("data-testid=\"views\">2"),
        "the page shows the count"
    );
    // The home page's Popular block ranks by views.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Popular"));
}

/// A script that throws its viewer cookie away (or makes up a new one) each time looks like a
/// new reader every time; its address only counts so many looks per window.
async fn looks_from_one_address_count_up_to_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("QUIRE_VIEWS_RATE_LIMIT", "3")]).await;
    let author = make_user(&app, "flooded", Role::User).await;
    create(
        &app.db,
        new_post(author, "flooded", PostStatus::Published, None),
    )
    .await
    .unwrap();
    for n in 0..10 {
        // Every other look invents a cookie; the kept copy of the page answers most of them.
        let cookie = format!("quire_vid={n:032x}");
        let mut request = app
            .client
            .get(app.url("/posts/flooded"))
            .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) quire-tests");
        if n % 2 == 0 {
            request = request.header("cookie", cookie);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            200,
            "look {n} is served"
        );
    }
    app.state.views.flush().await.unwrap();
    assert_eq!(post_column(&app, "flooded", "view_count").await, 3);
}

async fn feeds_parse_and_carry_whole_posts(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "feeder", Role::User).await;
    create(
        &app.db,
        post_with(author, "with-code", "Code & <tags>", GUIDE, &["rust"]),
    )
    .await
    .unwrap();
    create(
        &app.db,
        post_with(author, "plain", "Plain", "Just text.", &["misc"]),
    )
    .await
    .unwrap();
    create(&app.db, new_post(author, "hidden", PostStatus::Draft, None))
        .await
        .unwrap();

    let res = app.get("/feed.xml").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let body = res.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).expect("Atom is well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 2, "published posts only");
    let titles: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.children().find(|n| n.has_tag_name("title")))
        .filter_map(|t| t.text())
        .collect();
    assert!(titles.contains(&"Code & <tags>"));
    let content = entries
        .iter()
        .filter_map(|e| e.children().find(|n| n.has_tag_name("content")))
        .filter_map(|c| c.text())
        .find(|c| c.contains("<pre"))
        .expect("whole HTML content");
    assert!(content.contains("id=\"setup\""));
    for required in ["id", "updated", "author", "link"] {
        assert!(
            entries[0].children().any(|n| n.has_tag_name(required)),
            "{required}"
        );
    }

    let body = app.get("/rss.xml").await.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).expect("RSS is well-formed XML");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let channel = doc.root_element().first_element_child().unwrap();
    assert!(channel.children().any(|n| n.has_tag_name("link")));
    let items = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .count();
    assert_eq!(items, 2);
    let dates_parse = channel
        .descendants()
        .filter(|n| n.has_tag_name("pubDate"))
        .all(|n| chrono::DateTime::parse_from_rfc2822(n.text().unwrap()).is_ok());
    assert!(dates_parse);

    let json: serde_json::Value = app.get("/feed.json").await.json().await.unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
    assert!(json["items"][0]["content_html"].as_str().unwrap().len() > 10);

    // Per tag, per author; unknown ones are 404.
    let body = app.get("/tags/rust/feed.xml").await.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("entry"))
            .count(),
        1
    );
    let res = app.get("/u/feeder/rss.xml").await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/tags/none/feed.json").await.status(), 404);
    assert_eq!(app.get("/u/nobody/feed.xml").await.status(), 404);
}

async fn search_ranks_matches_and_marks_the_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "searcher", Role::User).await;
    create(
        &app.db,
        post_with(
            author,
            "in-body",
            "A post about runtimes",
            "Many words here about scheduling, and once the word tokio appears in the body text.",
            &["async"],
        ),
    )
    .await
    .unwrap();
    create(
        &app.db,
        post_with(
            author,
            "in-title",
            "Tokio internals",
            "How Tokio schedules tasks: tokio tokio.",
            &["tokio"],
        ),
    )
    .await
    .unwrap();
    create(
        &app.db,
        post_with(
            author,
            "unrelated",
            "Gardening",
            "Tomatoes and basil.",
            &["garden"],
        ),
    )
    .await
    .unwrap();
    create(
        &app.db,
        NewPost {
            title: "Tokio secrets".to_owned(),
            ..new_post(author, "draft-tokio", PostStatus::Draft, None)
        },
    )
    .await
    .unwrap();
    create(
        &app.db,
        post_with(
            author,
            "hostile",
            "Hostile",
            "tokio <img src=x onerror=alert(1)> and <script>alert(2)</script> inline",
            &[],
        ),
    )
    .await
    .unwrap();

    let answer = call(&app, &browser(), "posts/search", &[("q", "Tokio")]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let hits = answer.body["hits"].as_array().unwrap();
    let slugs: Vec<&str> = hits
        .iter()
        .map(|h| h["card"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs.first(),
        Some(&"in-title"),
        "a title match ranks first: {slugs:?}"
    );
    assert!(slugs.contains(&"in-body") && slugs.contains(&"hostile"));
    assert!(!slugs.contains(&"unrelated") && !slugs.contains(&"draft-tokio"));
    for hit in hits {
        let snippet = hit["snippet_html"].as_str().unwrap();
        assert!(
            snippet.to_lowercase().contains("<mark>tokio</mark>"),
            "{snippet}"
        );
        assert!(
            !snippet.contains("<img") && !snippet.contains("<script"),
            "{snippet}"
        );
    }
    // Stemming: "schedules" finds "scheduling".
    let answer = call(&app, &browser(), "posts/search", &[("q", "schedules")]).await;
    let hits = answer.body["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{:?}", answer.body);
    // Every word must match; operators typed by the user are just words.
    let answer = call(&app, &browser(), "posts/search", &[("q", "tokio basil")]).await;
    assert!(answer.body["hits"].as_array().unwrap().is_empty());
    let answer = call(
        &app,
        &browser(),
        "posts/search",
        &[("q", "\"tokio\" OR NEAR( * -basil")],
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let answer = call(&app, &browser(), "posts/search", &[("q", &"x".repeat(201))]).await;
    assert_eq!(answer.status, 400);

    let (status, html) = app.get_text("/search?q=tokio").await;
    assert_eq!(status, 200);
    assert!(html.contains("<mark>") && html.contains("Tokio internals"));
    let (_, html) = app.get_text("/search?q=zzzzqqq").await;
    assert!(html.contains("No posts match"));
}

async fn search_pages_through_many_results(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "many", Role::User).await;
    for i in 0..13 {
        // Different lengths give different scores, some equal: the cursor handles both.
        let body = format!("lantern {}", "filler ".repeat(i % 4));
        create(
            &app.db,
            post_with(author, &format!("lantern-{i}"), "Post", &body, &[]),
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut form = vec![("q", "lantern".to_owned())];
        if let Some(c) = &cursor {
            form.push(("cursor", c.clone()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = call(&app, &browser(), "posts/search", &form).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        for hit in answer.body["hits"].as_array().unwrap() {
            seen.push(hit["card"]["slug"].as_str().unwrap().to_owned());
        }
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 13, "{seen:?}");
    assert_eq!(unique.len(), 13);
}

async fn sitemap_and_robots_describe_the_public_site(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "mapper", Role::User).await;
    create(
        &app.db,
        post_with(author, "mapped", "Mapped", "Text.", &["maps"]),
    )
    .await
    .unwrap();
    create(
        &app.db,
        new_post(author, "unmapped", PostStatus::Draft, None),
    )
    .await
    .unwrap();
    let body = app.get("/sitemap.xml").await.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).expect("sitemap is XML");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    let origin = app.state.config.origin();
    assert!(locs.contains(&format!("{origin}/posts/mapped").as_str()));
    assert!(locs.contains(&format!("{origin}/tags/maps").as_str()));
    assert!(locs.contains(&format!("{origin}/u/mapper").as_str()));
    assert!(!locs.iter().any(|l| l.contains("unmapped")));
    let (status, robots) = app.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains(&format!("Sitemap: {origin}/sitemap.xml")));
    assert!(robots.contains("Disallow: /settings"));
}

on_both_backends!(
    post_page_shows_everything_a_reader_needs,
    hidden_posts_are_for_their_author_and_admins,
    tag_and_category_pages_list_their_posts,
    tag_pages_neither_skip_nor_repeat_while_posts_arrive,
    likes_count_once_per_user_even_when_concurrent,
    views_count_once_per_reader_in_batches,
    looks_from_one_address_count_up_to_the_limit,
    feeds_parse_and_carry_whole_posts,
    search_ranks_matches_and_marks_the_words,
    search_pages_through_many_results,
    sitemap_and_robots_describe_the_public_site,
);
