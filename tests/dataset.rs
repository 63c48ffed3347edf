//! `quire demo --posts N --comments M`: the generated blog is consistent, readable and writable.

mod common;

use common::{browser, call, make_user, spawn_app, Backend};
use quire::accounts::Role;
use quire::with_db;

async fn scalar(app: &common::TestApp, sql: &str) -> i64 {
    with_db!(&app.db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)
    .unwrap()
}

async fn generated_dataset_is_consistent(backend: Backend) {
    let app = spawn_app(backend).await;
    quire::ops::demo::fill(&app.db).await.unwrap();
    let summary = quire::ops::dataset::fill(&app.db, 300, 3_000)
        .await
        .unwrap();
    assert_eq!(summary.posts, 300 - 8);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts WHERE kind = 'post'").await,
        300
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM comments").await, 3_000);

    // Counters are the rows'.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts p WHERE like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id)").await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts p WHERE comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND c.is_approved AND NOT c.is_deleted)").await,
        0
    );
    // Written by the current renderer: a server started on it renders nothing again.
    let stale = format!(
        "SELECT COUNT(*) FROM posts WHERE renderer_version <> {}",
        quire::platform::markdown::RENDERER_VERSION
    );
    assert_eq!(scalar(&app, &stale).await, 0);
    assert_eq!(
        quire::posts::rerender::rerender_stale(&app.db)
            .await
            .unwrap(),
        0
    );
    // Replies stay in their post's thread.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM comments c JOIN comments parent ON parent.id = c.parent_id WHERE parent.post_id <> c.post_id").await,
        0
    );

    // The benchmark's post: about 3,000 words with code, and its 50 comments shown.
    let (status, page) = app.get_text("/posts/benchmark-post").await;
    assert_eq!(status, 200);
    assert!(page.contains("<pre"), "code blocks on the benchmark post");
    assert_eq!(
        scalar(
            &app,
            "SELECT comment_count FROM posts WHERE slug = 'benchmark-post'"
        )
        .await,
        50
    );
    assert!(
        scalar(
            &app,
            "SELECT read_time_minutes FROM posts WHERE slug = 'benchmark-post'"
        )
        .await
            >= 15
    );
    assert!(
        page.matches("id=\"comment-").count() >= 50,
        "the thread is on the page"
    );

    // Search finds generated posts; the home page lists them.
    let found = call(&app, &browser(), "posts/search", &[("q", "database")]).await;
    assert_eq!(found.status, 200);
    assert!(found.body["hits"].as_array().unwrap().len() > 5);
    // A word in nearly every post: the newest 200 matches are ranked and paged through, each
    // once. ("the" is in every post, but PostgreSQL drops it as a stop word.)
    let word = if backend == Backend::Sqlite {
        "the"
    } else {
        "new"
    };
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut form = vec![("q", word.to_owned())];
        if let Some(c) = &cursor {
            form.push(("cursor", c.clone()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = call(&app, &browser(), "posts/search", &form).await;
        for hit in page.body["hits"].as_array().unwrap() {
            assert!(
                seen.insert(hit["card"]["id"].as_i64().unwrap()),
                "repeated: {hit}"
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(
        seen.len() <= 200 && seen.len() > 100,
        "{} results",
        seen.len()
    );
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("A long post with code"));

    // Ids were chosen by the generator; new rows still get fresh ones.
    let author = make_user(&app, "after-the-load", Role::User).await;
    quire::posts::store::create(
        &app.db,
        common::new_post(
            author,
            "written-after",
            quire::posts::PostStatus::Published,
            None,
        ),
    )
    .await
    .unwrap();
}

on_both_backends!(generated_dataset_is_consistent);
