//! Moving in from WordPress: `quire import` on a real export (made by WordPress 6.1 from
//! Debian's package: `scripts/fixtures/wordpress.sh`, described in the fixture's README),
//! then the blog as its readers find it.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quire::accounts::Role;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(path)
}

/// `quire import …` against the app's database and media folder.
async fn import(app: &TestApp, args: &[&std::ffi::OsStr]) -> Outcome {
    let mut cmd = quire();
    cmd.env("DATABASE_URL", &app.database.url)
        .env("QUIRE_MEDIA_DIR", app.media_dir.path())
        .arg("import")
        .args(args);
    run(&mut cmd).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    invariants::scalar(&app.db, sql).await
}

async fn location(app: &TestApp, path: &str) -> (u16, String) {
    let res = browser().get(app.url(path)).send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

async fn a_wordpress_blog_moves_in_with_its_comments_images_and_addresses(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    // Somebody with Ada's address is here already: she is matched, not duplicated.
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE users SET email = 'ada@example.com' WHERE username = 'owner'"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let export = fixture("wordpress/export.xml");
    let uploads = fixture("wordpress/uploads");
    let out = import(
        &app,
        &[export.as_os_str(), "--media".as_ref(), uploads.as_os_str()],
    )
    .await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let summary = out.stdout;
    for line in [
        "Created: 6 categories, 7 comments, 2 images, 2 pages, 9 posts, 5 users.",
        "Updated: 1 users.",
        "Skipped 1 trashed posts and pages.",
        "Skipped 1 trashed comments.",
        "Skipped 1 pingbacks and trackbacks.",
        "1 password-protected posts were imported as drafts (quire has no post passwords).",
        "1 private posts were imported as drafts.",
    ] {
        assert!(summary.contains(line), "{line}\n{summary}");
    }
    assert!(
        summary.contains("Kept as HTML: 1 × wp:embed (in Async Rust, one block at a time)"),
        "{summary}"
    );
    assert!(summary.contains("× [gallery]"), "{summary}");

    // Ada's posts are the owner's; the other authors and the commenters have accounts with
    // no password (they set one through "forgot your password").
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.username = 'owner'").await,
        7,
        "6 posts and... pages: Ada's"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE username = 'grace' AND role = 'AUTHOR' AND password_hash = ''").await,
        1
    );
    // The category tree: Async under Rust under Programming.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM categories c JOIN categories p ON p.id = c.parent_id JOIN categories g ON g.id = p.parent_id
                     WHERE c.slug = 'async' AND p.slug = 'rust' AND g.slug = 'programming'").await,
        1
    );

    // The classic post reads as it did: paragraphs, code with its language, the picture
    // copied into quire's media, the thread with its reply to a reply, the pending comment
    // hidden.
    let (status, page) = app.get_text("/posts/hello-rust-ownership").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Hello, Rust: ownership in five minutes"),
        "{page}"
    );
    assert!(page.contains("<h2"), "headings stay headings");
    assert!(
        page.contains("language-rust") || page.contains("class=\"highlight\""),
        "{page}"
    );
    assert!(
        page.contains("/media/images/"),
        "the image is quire's now: {page}"
    );
    assert!(!page.contains("old-blog.example/wp-content"), "{page}");
    assert!(page.contains("Margaret Hamilton"), "{page}");
    assert!(
        !page.contains("New Reader"),
        "a pending comment waits for a moderator"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM comments c JOIN comments p ON p.id = c.parent_id JOIN comments g ON g.id = p.parent_id").await,
        1,
        "a reply to a reply keeps its place"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM comments WHERE NOT is_approved").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM posts WHERE featured_at IS NOT NULL AND slug = 'cargo-aliases'"
        )
        .await,
        1,
        "the sticky post leads the home page"
    );
    let images = std::fs::read_dir(app.media_dir.path().join("images"))
        .unwrap()
        .count();
    assert_eq!(images, 4, "two pictures, each with its card-sized copy");

    // The block post: its featured image, and what stayed HTML is still there.
    let (status, page) = app.get_text("/posts/async-rust-blocks").await;
    assert_eq!(status, 200);
    assert!(page.contains("/media/images/"), "{page}");

    // Drafts, private and pending posts, and the scheduled one, are nobody's to read yet.
    for hidden in [
        "/posts/server-inventory",
        "/posts/protected-note",
        "/posts/posted-from-the-future",
    ] {
        assert_eq!(app.get_text(hidden).await.0, 404, "{hidden}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM posts WHERE slug = 'old-announcement__trashed' OR slug = 'old-announcement'").await, 0);

    // Every old address answers with 301 to the new one.
    for (old, new) in [
        (
            "/2023/03/14/hello-rust-ownership/",
            "/posts/hello-rust-ownership",
        ),
        ("/?p=4", "/posts/hello-rust-ownership"),
        ("/?page_id=20", "/colophon"),
        ("/about/colophon/", "/colophon"),
        ("/category/programming/", "/categories/programming"),
        ("/tag/rust/", "/tags/rust"),
        ("/author/grace/", "/u/grace"),
        ("/feed/", "/rss.xml"),
    ] {
        assert_eq!(location(&app, old).await, (301, new.to_owned()), "{old}");
    }
    assert_eq!(app.get_text("/colophon").await.0, 200);
    let (status, margaret) = app.get_text("/u/Margaret-Hamilton").await;
    assert_eq!(status, 200);
    assert!(
        margaret.contains("href=\"https://margaret.example.com\""),
        "a commenter keeps their website: {margaret}"
    );
    let (_, async_page) = app.get_text("/categories/async").await;
    assert!(
        async_page.contains("aria-label=\"Breadcrumb\"")
            && async_page.contains("href=\"/categories/rust\""),
        "a child category names its parent: {async_page}"
    );

    // The same export again updates what is there.
    let out = import(
        &app,
        &[export.as_os_str(), "--media".as_ref(), uploads.as_os_str()],
    )
    .await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Updated: "), "{}", out.stdout);
    assert!(!out.stdout.contains("Created: "), "{}", out.stdout);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM posts").await, 11);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments").await, 7);
    assert_eq!(
        std::fs::read_dir(app.media_dir.path().join("images"))
            .unwrap()
            .count(),
        4,
        "images are copied once"
    );
    // Without --media (the admin page's import), the copies made before stay in use.
    let out = import(&app, &[export.as_os_str()]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("Missing image"), "{}", out.stdout);
    let (_, page) = app.get_text("/posts/hello-rust-ownership").await;
    assert!(page.contains("/media/images/") && !page.contains("old-blog.example/wp-content"));
}

/// The way out: `quire export --format wxr` writes what a WordPress importer reads: imported
/// into another quire, the blog is the same.
async fn the_blog_leaves_as_a_wordpress_export(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let export = fixture("wordpress/export.xml");
    let out = import(&app, &[export.as_os_str()]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Missing image"),
        "without --media every image is named: {}",
        out.stdout
    );

    let folder = tempfile::tempdir().unwrap();
    let mut cmd = quire();
    cmd.env("DATABASE_URL", &app.database.url)
        .env("QUIRE_BASE_URL", "https://blog.example.com")
        .arg("export")
        .arg(folder.path())
        .args(["--format", "wxr"]);
    let out = run(&mut cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Exported 9 posts, 2 pages and 7 comments"),
        "{}",
        out.stdout
    );
    let file = folder.path().join("quire-wordpress.xml");
    let text = std::fs::read_to_string(&file).unwrap();
    for expected in [
        "<wp:wxr_version>1.2</wp:wxr_version>",
        "<wp:category_nicename><![CDATA[async]]></wp:category_nicename><wp:category_parent><![CDATA[rust]]></wp:category_parent>",
        "<link>https://blog.example.com/posts/hello-rust-ownership</link>",
        "<wp:status>future</wp:status>",
        "<wp:comment_approved>0</wp:comment_approved>",
    ] {
        assert!(text.contains(expected), "{expected}");
    }

    let other = spawn_app(backend).await;
    make_user(&other, "owner", Role::Admin).await;
    let out = import(&other, &[file.as_os_str()]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for sql in [
        "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED'",
        "SELECT COUNT(*) FROM posts WHERE kind = 'page'",
        "SELECT COUNT(*) FROM comments WHERE is_approved",
        "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL",
        "SELECT COUNT(*) FROM categories WHERE parent_id IS NOT NULL",
        "SELECT COUNT(*) FROM post_tags",
        "SELECT COUNT(*) FROM posts WHERE featured_at IS NOT NULL",
    ] {
        assert_eq!(count(&app, sql).await, count(&other, sql).await, "{sql}");
    }
    let (status, page) = other.get_text("/posts/hello-rust-ownership").await;
    assert_eq!(status, 200);
    assert!(page.contains("Margaret Hamilton"), "{page}");
    assert!(
        page.contains("language-rust"),
        "the code keeps its language: {page}"
    );
}

/// An admin uploads the export on the admin page; it imports in the background and the Import
/// tab's status says how far it got, then what it did.
async fn an_admin_imports_from_the_admin_page(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    make_user(&app, "writer", Role::Author).await;
    let upload = |client: reqwest::Client, name: &'static str, bytes: Vec<u8>| {
        let url = app.url("/admin/import");
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
            let res = client
                .post(url)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (res.status().as_u16(), location)
        }
    };
    let export = std::fs::read(fixture("wordpress/export.xml")).unwrap();
    let writer = signed_in_as(&app, "writer").await;
    assert_eq!(upload(writer, "export.xml", export.clone()).await.0, 403);

    let owner = signed_in_as(&app, "owner").await;
    let (status, location) = upload(owner.clone(), "notes.txt", b"Just notes.".to_vec()).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/admin?tab=import&error=") && location.contains("notes.txt"),
        "{location}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM posts").await, 0);

    let (status, location) = upload(owner.clone(), "old-blog.xml", export).await;
    assert_eq!((status, location.as_str()), (303, "/admin?tab=import"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        let answer = call(&app, &owner, "import/status", &[]).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        if answer.body["finished"] == true {
            break answer.body;
        }
        assert!(std::time::Instant::now() < deadline, "{:?}", answer.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(status["file_name"], "old-blog.xml");
    assert_eq!(status["error"], serde_json::Value::Null);
    assert_eq!(status["done"], 12, "every post and page read: {status}");
    assert_eq!(status["total"], 12, "{status}");
    let report = status["report"].to_string();
    assert!(report.contains("9 posts"), "{report}");
    // Readers see it at once: the page cache was told.
    assert_eq!(app.get_text("/posts/hello-rust-ownership").await.0, 200);
    let (_, page) = get_with(&app, &owner, "/admin?tab=import").await;
    assert!(page.contains("old-blog.xml is imported"), "{page}");
}

/// Ghost 5 (with its comments and members), Ghost on SQLite and Ghost 4: real exports made
/// by `scripts/fixtures/ghost.sh` (described in the fixture's README).
async fn a_ghost_blog_moves_in(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let export = fixture("ghost/export-with-comments.json");
    let images = fixture("ghost/images");
    let out = import(
        &app,
        &[export.as_os_str(), "--media".as_ref(), images.as_os_str()],
    )
    .await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for line in [
        "Created: 3 comments, 2 images, 2 pages, 8 posts, 5 users.",
        "Skipped 1 internal tags (#…).",
        "1 members-only posts were imported as drafts (quire has no paid or members-only posts).",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }

    let (status, page) = app.get_text("/posts/welcome").await;
    assert_eq!(status, 200);
    assert!(page.contains("Why another blog engine?"), "{page}");
    assert!(page.contains("Great first post!"), "its comments: {page}");
    let (status, page) = app.get_text("/posts/older-mobiledoc-post").await;
    assert_eq!(status, 200);
    assert!(page.contains("language-js"), "{page}");
    let (_, page) = app.get_text("/posts/a-post-with-a-feature-image").await;
    assert!(
        page.contains("/media/images/"),
        "the feature image is copied: {page}"
    );
    for hidden in [
        "/posts/members-only-behind-the-scenes",
        "/posts/draft-half-finished-thoughts",
        "/posts/scheduled-for-the-future",
    ] {
        assert_eq!(app.get_text(hidden).await.0, 404, "{hidden}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM tags WHERE name LIKE '%newsletter%'"
        )
        .await,
        0
    );
    for (old, new) in [
        ("/welcome/", "/posts/welcome"),
        ("/tag/news/", "/tags/news"),
        ("/author/grace/", "/u/grace"),
        ("/rss/", "/rss.xml"),
    ] {
        assert_eq!(location(&app, old).await, (301, new.to_owned()), "{old}");
    }

    // The export without comments, as Ghost's button makes it: the same posts, updated.
    let out = import(&app, &[fixture("ghost/export.json").as_os_str()]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("Created: "), "{}", out.stdout);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM posts").await, 10);

    // Ghost on SQLite writes its dates another way; Ghost 4 has no lexical and an author_id.
    for other in ["ghost/export-sqlite.json", "ghost/v4/export.json"] {
        let fresh = spawn_app(backend).await;
        make_user(&fresh, "owner", Role::Admin).await;
        let out = import(&fresh, &[fixture(other).as_os_str()]).await;
        assert_eq!(out.code, 0, "{other}: {}", out.stderr);
        assert_eq!(
            count(&fresh, "SELECT COUNT(*) FROM posts").await,
            10,
            "{other}"
        );
        assert_eq!(
            count(&fresh, "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED' AND published_at < '2030-01-01'").await,
            count(&app, "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED' AND published_at < '2030-01-01'").await,
            "{other}"
        );
    }
}

/// Hostile content in an export is cleaned as everything else is: scripts, handlers and
/// `javascript:` addresses do not reach a reader, in posts or in comments.
async fn hostile_content_is_sanitized(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let folder = tempfile::tempdir().unwrap();
    let export = folder.path().join("hostile.xml");
    std::fs::write(
        &export,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>http://old.example</wp:base_blog_url>
<item><title><![CDATA[Hostile <script>alert('title')</script>]]></title>
<content:encoded><![CDATA[<p>Hello <img src="x" onerror="alert('img')"> and <a href="javascript:alert('link')">a link</a>.</p><script>alert('body')</script><div onclick="alert('div')"><iframe src="https://evil.example/"></iframe></div>]]></content:encoded>
<wp:post_id>1</wp:post_id><wp:post_date_gmt>2024-01-01 10:00:00</wp:post_date_gmt><wp:post_name>hostile</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[<b onmouseover="alert('name')">Mallory</b>]]></wp:comment_author><wp:comment_author_email>mallory@example.com</wp:comment_author_email><wp:comment_author_url>javascript:alert('site')</wp:comment_author_url><wp:comment_date_gmt>2024-01-02 10:00:00</wp:comment_date_gmt><wp:comment_content><![CDATA[<script>alert('comment')</script><img src=x onerror=alert('comment-img')>Nice]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
</item>
</channel></rss>
"#,
    )
    .unwrap();
    let out = import(&app, &[export.as_os_str()]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let (status, page) = app.get_text("/posts/hostile").await;
    assert_eq!(status, 200);
    for payload in [
        "<script>alert",
        "onerror",
        "javascript:",
        "onclick",
        "onmouseover",
        "evil.example",
    ] {
        assert!(
            !page.contains(payload),
            "{payload} reached the page: {page}"
        );
    }
    assert!(page.contains("Nice"), "the comment's words stay: {page}");
    assert!(page.contains("Mallory"), "{page}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE website <> ''").await,
        0,
        "a javascript: address is no website"
    );
}

async fn a_file_that_cannot_be_imported_says_why_and_imports_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let folder = tempfile::tempdir().unwrap();
    let whole = std::fs::read_to_string(fixture("wordpress/export.xml")).unwrap();
    let cases = [
        ("truncated.xml", whole[..whole.len() / 2].to_owned(), "truncated"),
        (
            "bomb.xml",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><title>&b;</title></channel></rss>".to_owned(),
            ":2: a document type declaration is not allowed",
        ),
        (
            "old.xml",
            whole.replace("<wp:wxr_version>1.2</wp:wxr_version>", "<wp:wxr_version>1.0</wp:wxr_version>"),
            "version 1.0",
        ),
        ("notes.txt", "Just some notes.".to_owned(), "neither markdown"),
        ("half.json", "{\"db\": [{\"meta\": ".to_owned(), ":1: the JSON ends too soon"),
        ("other.json", "{\"posts\": []}".to_owned(), "not a Ghost export"),
        (
            "ghost3.json",
            "{\"db\": [{\"meta\": {\"version\": \"3.42.0\"}, \"data\": {}}]}".to_owned(),
            "Ghost 3.42.0",
        ),
        ("feed.xml", "<?xml version=\"1.0\"?><rss><channel/></rss>".to_owned(), "not a WordPress export"),
    ];
    for (name, text, says) in cases {
        std::fs::write(folder.path().join(name), text).unwrap();
        let path = folder.path().join(name);
        let out = import(&app, &[path.as_os_str()]).await;
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        let line = out.stderr.trim();
        assert_eq!(line.lines().count(), 1, "{name}: one line: {line}");
        assert!(line.contains(name) && line.contains(says), "{name}: {line}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM posts").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
}

on_both_backends!(
    a_wordpress_blog_moves_in_with_its_comments_images_and_addresses,
    the_blog_leaves_as_a_wordpress_export,
    an_admin_imports_from_the_admin_page,
    a_ghost_blog_moves_in,
    hostile_content_is_sanitized,
    a_file_that_cannot_be_imported_says_why_and_imports_nothing,
);
