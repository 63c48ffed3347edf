//! The foundation: health, pages over real data, the data model's rules, pagination.

mod common;

use common::{new_post, spawn_app, Backend, TestApp};
use quire::posts::store::{create, list_published};
use quire::posts::PostStatus;
use quire::with_db;

async fn health_reports_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/health").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "OK");
    assert_eq!(body["database"], "ok");
    assert!(body["uptime"].as_f64().unwrap() >= 0.0);
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
}

async fn demo_blog_is_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let summary = quire::ops::demo::fill(&app.db).await.unwrap().to_string();
    assert!(summary.contains("8 posts"), "{summary}");

    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Latest posts"));
    let first_title = first_post_title(&app).await;
    assert!(home.contains(&first_title), "home lists the newest post");

    let slug = first_slug(&app).await;
    let (status, page) = app.get_text(&format!("/posts/{slug}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&first_title));
    assert!(page.contains("<pre"), "code blocks are rendered");
    assert!(page.contains(&format!(
        "<title>{} · quire demo</title>",
        html_escape(&first_title)
    )));

    // A second demo would duplicate everything: refused.
    let again = quire::ops::demo::fill(&app.db).await;
    assert!(again.is_err());
}

async fn unknown_pages_are_real_404s(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
    let (status, body) = app.get_text("/posts/not-a-post").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
}

async fn drafts_and_scheduled_posts_stay_hidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer").await;
    for (slug, status, offset_days) in [
        ("a-draft", PostStatus::Draft, None),
        ("archived", PostStatus::Archived, None),
        ("scheduled", PostStatus::Published, Some(3)),
        ("visible", PostStatus::Published, Some(-1)),
    ] {
        create(
            &app.db,
            new_post(
                author,
                slug,
                status,
                offset_days.map(|d| quire::platform::db::now() + chrono::Duration::days(d)),
            ),
        )
        .await
        .unwrap();
    }
    let page = list_published(&app.db, None, 10).await.unwrap();
    let slugs: Vec<_> = page.posts.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs, ["visible"]);
    for hidden in ["a-draft", "archived", "scheduled"] {
        let (status, _) = app.get_text(&format!("/posts/{hidden}")).await;
        assert_eq!(status, 404, "{hidden} must not be visible");
    }
    assert_eq!(app.get_text("/posts/visible").await.0, 200);
}

async fn pagination_neither_skips_nor_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "prolific").await;
    // Several posts share a timestamp, so the cursor must break ties by id.
    let base = quire::platform::db::now() - chrono::Duration::days(10);
    for i in 0..23 {
        let at = base + chrono::Duration::hours(i / 3);
        create(
            &app.db,
            new_post(
                author,
                &format!("post-{i}"),
                PostStatus::Published,
                Some(at),
            ),
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = list_published(&app.db, cursor.as_deref(), 10)
            .await
            .unwrap();
        seen.extend(page.posts.iter().map(|p| p.slug.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        // Publishing while someone pages must not shift what they see next.
        create(
            &app.db,
            new_post(
                author,
                &format!("new-{}", seen.len()),
                PostStatus::Published,
                None,
            ),
        )
        .await
        .unwrap();
    }
    assert_eq!(seen.len(), 23);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 23, "no post shown twice");

    // The same through the page: "Older posts" leads to the next page.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Older posts"));
    assert_eq!(
        app.get_text("/?after=garbage").await.0,
        400,
        "a bad cursor is the reader's mistake, not a crash"
    );
}

async fn deleting_a_user_removes_what_hangs_off_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "leaving").await;
    let reader = make_user(&app, "staying").await;
    let post_id = create(
        &app.db,
        new_post(author, "goodbye", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let now = quire::platform::db::now();
    with_db!(&app.db, |pool| {
        sqlx::query("INSERT INTO likes (user_id, post_id, created_at) VALUES ($1, $2, $3)")
            .bind(reader)
            .bind(post_id)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO comments (post_id, author_id, content, content_html, is_approved, created_at, updated_at) VALUES ($1, $2, 'hi', '<p>hi</p>', TRUE, $3, $3)")
            .bind(post_id)
            .bind(reader)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(author)
            .execute(pool)
            .await
            .unwrap();
    });
    for table in ["posts", "comments", "likes", "post_tags"] {
        assert_eq!(
            count(&app, table).await,
            0,
            "{table} after deleting the author"
        );
    }
    assert_eq!(count(&app, "users").await, 1);
}

async fn usernames_and_emails_are_unique_regardless_of_case(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "Grace").await;
    let err =
        quire::accounts::store::create_user(&app.db, new_user("grace", "other@example.com"), 12)
            .await
            .unwrap_err();
    assert_eq!(
        err.field_message("username").as_deref(),
        Some("This username is taken")
    );
    let err =
        quire::accounts::store::create_user(&app.db, new_user("someone", "GRACE@example.com"), 12)
            .await
            .unwrap_err();
    assert!(err.field_message("email").is_some(), "{err:?}");
}

async fn slugs_are_unique(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "twice").await;
    create(&app.db, new_post(author, "same", PostStatus::Draft, None))
        .await
        .unwrap();
    let err = create(&app.db, new_post(author, "same", PostStatus::Draft, None))
        .await
        .unwrap_err();
    assert!(err.field_message("slug").is_some(), "{err:?}");
}

on_both_backends!(
    health_reports_the_database,
    demo_blog_is_served,
    unknown_pages_are_real_404s,
    drafts_and_scheduled_posts_stay_hidden,
    pagination_neither_skips_nor_repeats,
    deleting_a_user_removes_what_hangs_off_it,
    usernames_and_emails_are_unique_regardless_of_case,
    slugs_are_unique,
);

/// An outage of PostgreSQL: /health says so with a 503 and recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_a_postgres_outage_and_recovery() {
    use sqlx::Connection;
    let app = spawn_app(Backend::Postgres).await;
    assert_eq!(app.get("/health").await.status().as_u16(), 200);

    let mut admin = sqlx::PgConnection::connect(&common::postgres_admin_url())
        .await
        .unwrap();
    let name = app.database.name.clone();
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let res = app.get("/health").await;
    assert_eq!(res.status().as_u16(), 503);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answers quickly"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");

    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut recovered = false;
    for _ in 0..20 {
        if app.get("/health").await.status().as_u16() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "health recovers once the database is back");
}

// --- helpers named after what they do ---

fn new_user(username: &str, email: &str) -> quire::accounts::store::NewUser {
    quire::accounts::store::NewUser {
        email: email.to_owned(),
        username: username.to_owned(),
        password: quire::platform::password::Password::new(
            "a perfectly fine passphrase".to_owned(),
        ),
        first_name: None,
        last_name: None,
        role: quire::accounts::Role::User,
    }
}

async fn make_user(app: &TestApp, username: &str) -> i64 {
    quire::accounts::store::create_user(
        &app.db,
        new_user(
            username,
            &format!("{}@example.com", username.to_lowercase()),
        ),
        12,
    )
    .await
    .unwrap()
    .0
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    with_db!(&app.db, |pool| sqlx::query_scalar(&sql)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn first_post_title(app: &TestApp) -> String {
    list_published(&app.db, None, 1).await.unwrap().posts[0]
        .title
        .clone()
}

async fn first_slug(app: &TestApp) -> String {
    list_published(&app.db, None, 1).await.unwrap().posts[0]
        .slug
        .clone()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
