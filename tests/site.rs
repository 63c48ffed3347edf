//! The blog's own settings: who may write, who may sign up, whether readers may comment, and
//! the name, description, language and footer every page, feed and the API show. Both
//! backends, through the HTTP server as browsers and programs use it.

mod common;

use common::*;
use quire::accounts::Role;
use serde_json::{json, Value};

on_both_backends!(
    a_new_blog_lets_only_authors_write,
    settings_show_at_once_in_pages_feeds_and_the_api,
    bad_settings_are_refused_by_field_and_change_nothing,
    closed_sign_up_is_refused_everywhere,
    closed_comments_keep_the_old_ones_readable,
    one_post_closed_to_comments,
    admins_pin_posts_to_the_home_page,
    an_upgraded_blog_keeps_its_people_posts_and_rules,
    admins_edit_the_menus,
    the_accent_and_social_links_show_on_every_page,
    admins_upload_a_logo_and_an_icon,
    dates_follow_the_blogs_time_zone_and_language,
);

/// The admin's settings form, as the Settings tab sends it, with `changes` over the blog's
/// current settings.
async fn save_settings(app: &TestApp, admin: &reqwest::Client, changes: &[(&str, &str)]) -> Answer {
    let (_, current) = api(app, reqwest::Method::GET, "/settings", None, None).await;
    let current = &current["data"];
    let text = |key: &str| current[key].as_str().unwrap().to_owned();
    let mut form: Vec<(String, String)> = vec![
        ("title".into(), text("title")),
        ("description".into(), text("description")),
        ("language".into(), text("language")),
        ("footer".into(), text("footer")),
        ("registration".into(), text("registration")),
        ("publishing".into(), text("publishing")),
    ];
    // A ticked checkbox sends its field; an unticked one sends nothing.
    if current["commentsEnabled"] == true {
        form.push(("comments_enabled".into(), "on".into()));
    }
    if current["poweredBy"] == true {
        form.push(("powered_by".into(), "on".into()));
    }
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        if !value.is_empty() || !matches!(*key, "comments_enabled" | "powered_by") {
            form.push((key.to_string(), value.to_string()));
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    call(app, admin, "site/save", &form).await
}

fn draft_form(title: &str) -> Vec<(&str, String)> {
    vec![
        ("title", title.to_owned()),
        ("slug", String::new()),
        ("content", "Some words.".to_owned()),
        ("excerpt", String::new()),
        ("cover_image", String::new()),
        ("tags", String::new()),
        ("categories", String::new()),
        ("canonical_url", String::new()),
    ]
}

async fn save_draft(app: &TestApp, client: &reqwest::Client, title: &str) -> Answer {
    let form = draft_form(title);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(app, client, "editor/save", &form).await
}

async fn a_new_blog_lets_only_authors_write(backend: Backend) {
    let app = spawn_new_blog(backend).await;
    let (status, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(settings["data"]["publishing"], "authors", "{settings}");
    assert_eq!(settings["data"]["registration"], "open");
    assert_eq!(settings["data"]["title"], "My blog");

    make_user(&app, "reader", Role::User).await;
    make_user(&app, "writer", Role::Author).await;
    let reader = signed_in_as(&app, "reader").await;
    let writer = signed_in_as(&app, "writer").await;

    // A reader is told why, in the editor and the API, and nothing is saved.
    let refused = save_draft(&app, &reader, "A reader's draft").await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert!(
        refused
            .body
            .to_string()
            .contains("Only authors write on this blog"),
        "{:?}",
        refused.body
    );
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/posts",
        Some(&api_token(&app, "reader").await),
        Some(json!({"title": "By the API", "content": "Words"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["success"], false);
    assert!(body["message"].as_str().unwrap().contains("Only authors"));
    let (_, editor) = get_with(&app, &reader, "/editor/new").await;
    assert!(
        editor.contains("Only authors write on this blog"),
        "the editor says why"
    );
    let (_, home) = get_with(&app, &reader, "/").await;
    assert!(
        !home.contains("Write a post"),
        "no way to write in a reader's menu"
    );

    // An author writes.
    let saved = save_draft(&app, &writer, "An author's draft").await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/posts",
        Some(&api_token(&app, "writer").await),
        Some(json!({"title": "By the API", "content": "Words", "status": "PUBLISHED"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, home) = get_with(&app, &writer, "/").await;
    assert!(home.contains("Write a post"));

    // Letting everybody write opens the editor to the reader at once.
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let answer = save_settings(&app, &admin, &[("publishing", "everyone")]).await;
    assert!(succeeded(&answer), "{:?}", answer.body);
    let saved = save_draft(&app, &reader, "A reader's draft").await;
    assert!(succeeded(&saved), "{:?}", saved.body);
}

async fn settings_show_at_once_in_pages_feeds_and_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer", Role::Author).await;
    quire::posts::store::create(
        &app.db,
        new_post(
            author,
            "first-light",
            quire::posts::PostStatus::Published,
            None,
        ),
    )
    .await
    .unwrap();
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;

    // Kept in the page cache under the old settings first.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("<title>My blog</title>"), "a new blog's name");
    assert!(home.contains("Powered by quire"));
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("<title>My blog</title>"));

    let answer = save_settings(
        &app,
        &admin,
        &[
            ("title", "  Field Notes "),
            ("description", "Letters from the workshop"),
            ("language", "fr"),
            ("footer", "© Ada Okafor"),
            ("powered_by", ""),
        ],
    )
    .await;
    assert!(succeeded(&answer), "{:?}", answer.body);

    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("<title>Field Notes</title>"),
        "the page title"
    );
    assert!(home.contains("<html lang=\"fr\""), "the language");
    assert!(home.contains("data-testid=\"site-title\""));
    assert!(home.contains(">Field Notes</span>"), "the header");
    assert!(home.contains("© Ada Okafor"), "the footer");
    assert!(!home.contains("Powered by quire"), "turned off");
    assert!(
        home.contains("title=\"Field Notes (Atom)\""),
        "the feed links"
    );

    let (_, post) = app.get_text("/posts/first-light").await;
    assert!(post.contains("<title>Title of first-light · Field Notes</title>"));
    assert!(post.contains("property=\"og:site_name\" content=\"Field Notes\""));
    assert!(post.contains("\"publisher\":{\"@type\":\"Organization\",\"name\":\"Field Notes\"}"));

    let (_, atom) = app.get_text("/feed.xml").await;
    assert!(atom.contains("<title>Field Notes</title>"), "{atom}");
    assert!(atom.contains("<subtitle>Letters from the workshop</subtitle>"));
    assert!(atom.contains("xml:lang=\"fr\""));
    let (_, rss) = app.get_text("/rss.xml").await;
    assert!(rss.contains("<title>Field Notes</title>"));
    assert!(rss.contains("<description>Letters from the workshop</description>"));
    assert!(rss.contains("<language>fr</language>"));
    let (_, tag_feed) = app.get_text("/tags/testing/feed.xml").await;
    assert!(tag_feed.contains("<title>#testing · Field Notes</title>"));
    let (_, json_feed) = app.get_text("/feed.json").await;
    let json_feed: Value = serde_json::from_str(&json_feed).unwrap();
    assert_eq!(json_feed["title"], "Field Notes");

    let (_, spec) = api(&app, reqwest::Method::GET, "/openapi.json", None, None).await;
    assert_eq!(spec["info"]["title"], "Field Notes API");
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["data"]["title"], "Field Notes", "trimmed");
    assert_eq!(settings["data"]["poweredBy"], false);

    // Programs change them the same way.
    let (status, body) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        Some(&api_token(&app, "owner").await),
        Some(json!({"title": "Workshop Letters", "poweredBy": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["title"], "Workshop Letters");
    assert_eq!(body["data"]["language"], "fr", "what was not sent stays");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("<title>Workshop Letters</title>"));
    assert!(home.contains("Powered by quire"));

    // The audit log names what changed.
    let (_, audit) = get_with(&app, &admin, "/admin?tab=audit").await;
    assert!(audit.contains("site.update"), "{audit}");
    assert!(audit.contains("title, description, language, footer, powered by"));
}

async fn bad_settings_are_refused_by_field_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;

    let answer = save_settings(
        &app,
        &admin,
        &[
            ("title", "   "),
            ("language", "english"),
            ("registration", "maybe"),
            ("footer", &"x".repeat(301)),
        ],
    )
    .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert_eq!(
        field_message(&answer, "title").as_deref(),
        Some("Give the blog a name of 1 to 80 characters")
    );
    assert_eq!(
        field_message(&answer, "language").as_deref(),
        Some("Use a language tag like en, fr or pt-BR")
    );
    assert_eq!(
        field_message(&answer, "registration").as_deref(),
        Some("Choose who may sign up")
    );
    assert!(field_message(&answer, "footer").is_some());

    let admin_token = api_token(&app, "owner").await;
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "A\u{7}bell"}), "title"),
        (json!({"language": "en_US"}), "language"),
    ] {
        let (status, reply) = api(
            &app,
            reqwest::Method::PATCH,
            "/settings",
            Some(&admin_token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["errors"][0]["field"], field, "{reply}");
    }
    let (status, reply) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        Some(&admin_token),
        Some(json!({"registration": "maybe"})),
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["success"], false);

    // A body that is not an object, though serde could read one from it.
    let (status, reply) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        Some(&admin_token),
        // As many as the body's fields: serde reads them in order.
        Some(Value::Array(vec![Value::Null; 8])),
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["message"], "The body must be a JSON object");

    // None of it was kept.
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["data"]["title"], "My blog");
    assert_eq!(settings["data"]["language"], "en");
    assert_eq!(settings["data"]["registration"], "open");
    assert_eq!(settings["data"]["footer"], "");

    // Nobody else may change them.
    make_user(&app, "mod", Role::Moderator).await;
    let moderator = signed_in_as(&app, "mod").await;
    let refused = save_settings(&app, &moderator, &[("title", "Taken over")]).await;
    assert_eq!(refused.status, 403);
    let (status, _) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        None,
        Some(json!({"title": "Taken over"})),
    )
    .await;
    assert_eq!(status, 401);
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["data"]["title"], "My blog");
}

async fn closed_sign_up_is_refused_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/signup\""));

    let answer = save_settings(&app, &admin, &[("registration", "closed")]).await;
    assert!(succeeded(&answer), "{:?}", answer.body);

    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("href=\"/signup\""), "no sign-up link");
    let (status, page) = app.get_text("/signup").await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign-up is closed on this blog"));
    assert!(!page.contains("Create account"), "no form");

    let visitor = browser();
    let refused = call(
        &app,
        &visitor,
        "accounts/sign_up",
        &[
            ("email", "late@example.com"),
            ("username", "late"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert!(refused.body.to_string().contains("Sign-up is closed"));
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/auth/register",
        None,
        Some(json!({"email": "late@example.com", "username": "late", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["message"], "Sign-up is closed on this blog");
    assert!(quire::accounts::store::find_by_username(&app.db, "late")
        .await
        .unwrap()
        .is_none());

    // Admins still make accounts.
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/users",
        Some(&api_token(&app, "owner").await),
        Some(json!({"email": "late@example.com", "username": "late", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn closed_comments_keep_the_old_ones_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer", Role::Author).await;
    let post = quire::posts::store::create(
        &app.db,
        new_post(
            author,
            "open-thread",
            quire::posts::PostStatus::Published,
            None,
        ),
    )
    .await
    .unwrap();
    let post_id = post.to_string();
    let writer = signed_in_as(&app, "writer").await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    // An admin's comment needs no approval: everybody sees it.
    let said = call(
        &app,
        &admin,
        "comments/add",
        &[
            ("post_id", &post_id),
            ("content", "Said before the doors closed"),
        ],
    )
    .await;
    assert!(succeeded(&said), "{:?}", said.body);
    let answer = save_settings(&app, &admin, &[("comments_enabled", "")]).await;
    assert!(succeeded(&answer), "{:?}", answer.body);

    let (_, page) = get_with(&app, &writer, "/posts/open-thread").await;
    assert!(
        page.contains("Said before the doors closed"),
        "still readable"
    );
    assert!(page.contains("Comments are closed."));
    assert!(!page.contains("Post comment"), "no form");
    assert!(!page.contains(">Reply<"), "no replies");

    let refused = call(
        &app,
        &writer,
        "comments/add",
        &[("post_id", &post_id), ("content", "Said after")],
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert!(refused
        .body
        .to_string()
        .contains("Comments are closed on this blog"));
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        &format!("/posts/{post_id}/comments"),
        Some(&api_token(&app, "writer").await),
        Some(json!({"content": "Said after"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (_, thread) = api(
        &app,
        reqwest::Method::GET,
        &format!("/posts/{post_id}/comments"),
        None,
        None,
    )
    .await;
    assert_eq!(thread["data"].as_array().unwrap().len(), 1, "{thread}");
}

/// A database made by the previous release, with people, a post and a comment, migrated by
/// this one: nothing is lost (SQLite rebuilds `users` to let it hold AUTHOR), and the blog
/// keeps its name and lets every user write, as before.
async fn an_upgraded_blog_keeps_its_people_posts_and_rules(backend: Backend) {
    use quire::platform::db::Db;
    use std::borrow::Cow;
    let database = fresh_database(backend).await;
    let media = tempfile::tempdir().unwrap();
    let config = config_for(&database.url, media.path(), &[]);
    let db = Db::connect(&config.database, 2).await.unwrap();
    fn before_site(all: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
        sqlx::migrate::Migrator {
            migrations: Cow::Owned(
                all.migrations
                    .iter()
                    .filter(|m| m.version < 12)
                    .cloned()
                    .collect(),
            ),
            ..all
        }
    }
    match &db {
        Db::Sqlite(pool) => before_site(sqlx::migrate!("./migrations/sqlite"))
            .run(pool)
            .await
            .unwrap(),
        Db::Postgres(pool) => before_site(sqlx::migrate!("./migrations/postgres"))
            .run(pool)
            .await
            .unwrap(),
    }
    // In the columns users and posts had then: today's store writes today's.
    let writer = quire::accounts::UserId(
        quire::with_db!(&db, |pool| sqlx::query_scalar(
            "INSERT INTO users (email, username, password_hash, role, created_at, updated_at)
             VALUES ('old@example.com', 'oldtimer', 'not a hash', 'USER', $1, $1) RETURNING id"
        )
        .bind(quire::platform::db::now())
        .fetch_one(pool)
        .await)
        .unwrap(),
    );
    let post: i64 = quire::with_db!(&db, |pool| sqlx::query_scalar(
        "INSERT INTO posts (author_id, title, slug, content, content_html, status, published_at, created_at, updated_at)
         VALUES ($1, 'From before', 'from-before', 'Old words.', '<p>Old words.</p>', 'PUBLISHED', $2, $2, $2)
         RETURNING id"
    )
    .bind(writer.0)
    .bind(quire::platform::db::now())
    .fetch_one(pool)
    .await)
    .unwrap();
    quire::with_db!(&db, |pool| sqlx::query(
        "INSERT INTO comments (post_id, author_id, content, content_html, is_approved, created_at, updated_at)
         VALUES ($1, $2, 'An old comment', '<p>An old comment</p>', TRUE, $3, $3)"
    )
    .bind(post)
    .bind(writer.0)
    .bind(quire::platform::db::now())
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();

    db.migrate().await.unwrap();
    let counts = |sql: &'static str| {
        let db = db.clone();
        async move { invariants::scalar(&db, sql).await }
    };
    assert_eq!(counts("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(counts("SELECT COUNT(*) FROM posts").await, 1, "no cascade");
    assert_eq!(counts("SELECT COUNT(*) FROM comments").await, 1);
    assert_eq!(
        counts("SELECT COUNT(*) FROM site_settings WHERE set_up_at IS NOT NULL").await,
        1,
        "a blog in use is past its first run"
    );
    assert_eq!(
        counts("SELECT COUNT(*) FROM posts WHERE kind = 'post'").await,
        1
    );
    if let Db::Sqlite(pool) = &db {
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(on, 1, "foreign keys are on again");
    }
    quire::accounts::store::set_role(&db, writer, Role::Author)
        .await
        .unwrap();
    drop(db);

    let app = spawn_app_on(database, &[]).await;
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["data"]["title"], "quire", "{settings}");
    assert_eq!(settings["data"]["publishing"], "everyone");
    let (_, page) = app.get_text("/posts/from-before").await;
    assert!(page.contains("An old comment"));
    let user = quire::accounts::store::find_by_username(&app.db, "oldtimer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "AUTHOR");
    let confirmed = quire::accounts::store::settings(&app.db, writer)
        .await
        .unwrap();
    assert!(
        confirmed.email_confirmed,
        "accounts from before count as confirmed"
    );
}

/// Comments per post: set through the API on creation and alone, and in the editor; a closed
/// post keeps its thread and takes no new comment, an open one on the same blog does.
async fn one_post_closed_to_comments(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::Author).await;
    make_user(&app, "owner", Role::Admin).await;
    let writer_token = api_token(&app, "writer").await;
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/posts",
        Some(&writer_token),
        Some(json!({"title": "Quiet post", "content": "No replies, please.", "status": "PUBLISHED", "commentsEnabled": false})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["commentsEnabled"], false);
    let post_id = body["data"]["id"].as_str().unwrap().to_owned();
    let slug = body["data"]["slug"].as_str().unwrap().to_owned();

    let admin = signed_in_as(&app, "owner").await;
    let refused = call(
        &app,
        &admin,
        "comments/add",
        &[("post_id", &post_id), ("content", "Hello?")],
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert!(refused
        .body
        .to_string()
        .contains("Comments are closed on this post"));
    let (_, page) = get_with(&app, &admin, &format!("/posts/{slug}")).await;
    assert!(page.contains("Comments are closed."));

    // Opened through the API alone: the post's text and version stay as they were.
    let (_, before) = api(
        &app,
        reqwest::Method::GET,
        &format!("/posts/{post_id}"),
        Some(&writer_token),
        None,
    )
    .await;
    let (status, body) = api(
        &app,
        reqwest::Method::PATCH,
        &format!("/posts/{post_id}"),
        Some(&writer_token),
        Some(json!({"commentsEnabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["commentsEnabled"], true);
    assert_eq!(body["data"]["updatedAt"], before["data"]["updatedAt"]);
    let said = call(
        &app,
        &admin,
        "comments/add",
        &[("post_id", &post_id), ("content", "First!")],
    )
    .await;
    assert!(succeeded(&said), "{:?}", said.body);

    // Closed again from the editor: the comment stays readable, no new one is taken.
    let writer = signed_in_as(&app, "writer").await;
    let closed = call(
        &app,
        &writer,
        "editor/comments",
        &[("id", &post_id), ("enabled", "false")],
    )
    .await;
    assert!(succeeded(&closed), "{:?}", closed.body);
    let (_, page) = get_with(&app, &admin, &format!("/posts/{slug}")).await;
    assert!(page.contains("First!") && page.contains("Comments are closed."));
    let (_, editor) = get_with(&app, &writer, &format!("/editor/{post_id}")).await;
    assert!(editor.contains("Readers may comment"));
    let refused = call(
        &app,
        &admin,
        "comments/add",
        &[("post_id", &post_id), ("content", "Second")],
    )
    .await;
    assert_eq!(refused.status, 403);

    // Only its author or an admin switches it.
    make_user(&app, "stranger", Role::Author).await;
    let stranger = signed_in_as(&app, "stranger").await;
    let refused = call(
        &app,
        &stranger,
        "editor/comments",
        &[("id", &post_id), ("enabled", "true")],
    )
    .await;
    assert_eq!(refused.status, 404);
}

/// Pinned posts open the home page, newest pin first, three at most; only posts readers see,
/// only by admins, each pin in the audit log.
async fn admins_pin_posts_to_the_home_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer", Role::Author).await;
    for slug in ["old-favourite", "second-pick", "third-pick", "fourth-pick"] {
        quire::posts::store::create(
            &app.db,
            new_post(author, slug, quire::posts::PostStatus::Published, None),
        )
        .await
        .unwrap();
    }
    quire::posts::store::create(
        &app.db,
        new_post(
            author,
            "still-a-draft",
            quire::posts::PostStatus::Draft,
            None,
        ),
    )
    .await
    .unwrap();
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let (_, home) = app.get_text("/").await;
    assert!(
        !home.contains("data-testid=\"featured\""),
        "nothing pinned, no section"
    );

    let pin = |post: &'static str, featured: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            call(
                app,
                admin,
                "posts/feature",
                &[("post", post), ("featured", featured)],
            )
            .await
        }
    };
    let pinned = pin("https://blog.example/posts/old-favourite", "true").await;
    assert!(succeeded(&pinned), "{:?}", pinned.body);
    let (_, home) = app.get_text("/").await;
    let featured = home
        .split("data-testid=\"featured\"")
        .nth(1)
        .expect("a Featured section");
    let featured = featured.split("</section>").next().unwrap();
    assert!(featured.contains("Title of old-favourite"), "{featured}");

    for post in ["/posts/second-pick", "third-pick", "fourth-pick"] {
        let pinned = pin(post, "true").await;
        assert!(succeeded(&pinned), "{:?}", pinned.body);
    }
    let listed = call(&app, &browser(), "posts/featured", &[]).await;
    let titles: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Title of fourth-pick",
            "Title of third-pick",
            "Title of second-pick"
        ]
    );

    let refused = pin("still-a-draft", "true").await;
    assert_eq!(
        field_message(&refused, "post").as_deref(),
        Some("No published post has this address; give its address or slug")
    );
    let refused = pin("/posts/never-written", "true").await;
    assert_eq!(refused.status, 400);

    let unpinned = pin("fourth-pick", "false").await;
    assert!(succeeded(&unpinned), "{:?}", unpinned.body);
    let listed = call(&app, &browser(), "posts/featured", &[]).await;
    assert_eq!(
        listed.body.as_array().unwrap()[0]["title"],
        "Title of third-pick"
    );
    let (_, audit) = get_with(&app, &admin, "/admin?tab=audit").await;
    assert!(audit.contains("post.feature") && audit.contains("post.unfeature"));

    let writer = signed_in_as(&app, "writer").await;
    let refused = call(
        &app,
        &writer,
        "posts/feature",
        &[("post", "second-pick"), ("featured", "false")],
    )
    .await;
    assert_eq!(refused.status, 403);
}

/// The menus: admins replace them in one save; every page shows them at once, in order;
/// a bad link is named by its row and nothing changes; nobody else may change them.
async fn admins_edit_the_menus(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    make_user(&app, "reader", Role::User).await;
    let admin = signed_in_as(&app, "owner").await;
    let save = |client: reqwest::Client, menus: Value| {
        let url = app.url("/rpc/site/menus_save");
        async move {
            let res = client
                .post(url)
                .json(&json!({ "menus": menus }))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // A new blog's header has the links it always had.
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains(r#"href="/tags""#) && home.contains(">Categories</a>"),
        "{home}"
    );

    let (status, body) = save(
        admin.clone(),
        json!({
            "header": [
                {"label": " Now ", "target": "/now"},
                {"label": "Home", "target": "/"},
                {"label": "", "target": ""},
            ],
            "footer": [{"label": "Mastodon", "target": "https://social.example/@me"}],
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, home) = app.get_text("/").await;
    let now = home.find(r#"href="/now""#).expect("the new link");
    let back = home.find(">Home</a>").expect("home link");
    assert!(now < back, "in the order given");
    assert!(!home.contains(">Categories</a>"), "the old links are gone");
    assert!(
        home.contains(r#"aria-label="Footer""#) && home.contains("https://social.example/@me"),
        "{home}"
    );
    assert!(
        home.contains(r#"data-testid="menu-button""#),
        "a phone gets a menu button"
    );

    // A bad address is named by its row, and nothing changes.
    let (status, body) = save(
        admin.clone(),
        json!({"header": [{"label": "Evil", "target": "javascript:alert(1)"}], "footer": []}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let fields = body["Invalid"]["fields"].as_array().unwrap();
    assert_eq!(fields[0]["field"], "header.0.target", "{body}");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains(r#"href="/now""#) && !home.contains("javascript:alert"));

    // Readers and visitors may not.
    let reader = signed_in_as(&app, "reader").await;
    let (status, _) = save(reader, json!({"header": [], "footer": []})).await;
    assert_eq!(status, 403);
    let (status, _) = save(browser(), json!({"header": [], "footer": []})).await;
    assert_eq!(status, 401);
    let (_, home) = app.get_text("/").await;
    assert!(home.contains(r#"href="/now""#));
}

/// The accent colour reaches every page (made readable), the social links go in the footer
/// with rel="me"; bad ones are named and change nothing.
async fn the_accent_and_social_links_show_on_every_page(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let token = api_token(&app, "owner").await;
    let (_, home) = app.get_text("/").await;
    assert!(
        !home.contains("--color-indigo-600"),
        "the default accent is the stylesheet's own"
    );

    let (status, reply) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        Some(&token),
        Some(json!({"accentColor": "#FF0", "socialLinks": ["https://github.com/quire", "https://social.example/@me"]})),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["data"]["accentColor"], "#ffff00");
    let (_, home) = app.get_text("/").await;
    // Yellow is too light for white text: the buttons' shade is darkened.
    assert!(home.contains("--color-indigo-600:#"), "{home}");
    assert!(!home.contains("--color-indigo-600:#ffff00"), "{home}");
    assert!(
        home.contains(r#"href="https://github.com/quire" rel="me noopener""#),
        "{home}"
    );
    assert!(
        home.contains(">GitHub</a>") && home.contains(">Mastodon</a>"),
        "{home}"
    );

    // The Settings tab's form: one address per line, blank lines dropped.
    let admin = signed_in_as(&app, "owner").await;
    let answer = save_settings(
        &app,
        &admin,
        &[
            ("social_links", "\n https://codeberg.org/me \n\n"),
            ("accent_color", "#0f766e"),
        ],
    )
    .await;
    assert!(succeeded(&answer), "{:?}", answer.body);
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(
        settings["data"]["socialLinks"],
        json!(["https://codeberg.org/me"])
    );
    assert_eq!(settings["data"]["accentColor"], "#0f766e");

    for (body, field) in [
        (json!({"accentColor": "teal"}), "accentColor"),
        (
            json!({"socialLinks": ["javascript:alert(1)"]}),
            "socialLinks",
        ),
        (
            json!({"socialLinks": vec!["https://a.example/1"; 9]}),
            "socialLinks",
        ),
    ] {
        let (status, reply) = api(
            &app,
            reqwest::Method::PATCH,
            "/settings",
            Some(&token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["errors"][0]["field"], field, "{reply}");
    }
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(
        settings["data"]["accentColor"], "#0f766e",
        "nothing changed"
    );
}

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([20, 120, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    field: &'static str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("picture.png")
        .mime_str("image/png")
        .unwrap();
    let res = client
        .post(app.url(&format!("/admin/site/{field}")))
        .multipart(reqwest::multipart::Form::new().part(field, part))
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

/// The logo shows in every page's header; the icon becomes the favicons and the apple-touch
/// icon; a file that is no picture is refused by its content and changes nothing; only
/// admins upload.
async fn admins_upload_a_logo_and_an_icon(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    make_user(&app, "reader", Role::User).await;
    let admin = signed_in_as(&app, "owner").await;
    let (_, home) = app.get_text("/").await;
    assert!(home.contains(r#"href="/favicon.svg""#) && !home.contains("site-logo"));

    let (status, location) = upload(&app, &admin, "logo", png_bytes(1200, 300)).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin?tab=settings&logo=saved")
    );
    let (status, location) = upload(&app, &admin, "icon", png_bytes(300, 300)).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin?tab=settings&icon=saved")
    );

    let (_, home) = app.get_text("/").await;
    let logo = home
        .split(r#"<img src=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(logo.starts_with("/media/site/logo-"), "{home}");
    let res = app.get(&logo).await;
    assert_eq!(res.status(), 200);
    let drawn = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((drawn.width(), drawn.height()), (512, 128), "made smaller");
    let touch = home
        .split(r#"<link rel="apple-touch-icon" href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(touch.ends_with("-180.png"), "{home}");
    assert!(!home.contains("favicon.svg"));
    let drawn = image::load_from_memory(&app.get(&touch).await.bytes().await.unwrap()).unwrap();
    assert_eq!((drawn.width(), drawn.height()), (180, 180));

    // Not a picture: refused by what it holds, whatever its name says; the logo stays.
    let (status, location) = upload(
        &app,
        &admin,
        "logo",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/admin?tab=settings&logo_error=The+file+is+not+a+PNG"),
        "{location}"
    );
    let (_, home) = app.get_text("/").await;
    assert!(home.contains(&logo));

    // Only admins.
    let reader = signed_in_as(&app, "reader").await;
    assert_eq!(
        upload(&app, &reader, "logo", png_bytes(10, 10)).await.0,
        403
    );
    let (status, location) = upload(&app, &browser(), "icon", png_bytes(10, 10)).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/signin"));

    // Removed, the header goes back to the title alone and its file is gone.
    let answer = call(&app, &admin, "site/remove_image", &[("which", "logo")]).await;
    assert!(succeeded(&answer), "{:?}", answer.body);
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("site-logo"));
    assert_eq!(app.get(&logo).await.status(), 404);
}

/// Dates are written in the blog's time zone and language, and the editor's scheduling input
/// is read in its time zone.
async fn dates_follow_the_blogs_time_zone_and_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = make_user(&app, "owner", Role::Admin).await;
    let token = api_token(&app, "owner").await;
    let evening = chrono::DateTime::parse_from_rfc3339("2026-12-06T20:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    quire::posts::store::create(
        &app.db,
        new_post(
            owner,
            "late-evening",
            quire::posts::PostStatus::Published,
            Some(evening),
        ),
    )
    .await
    .unwrap();
    let (_, page) = app.get_text("/posts/late-evening").await;
    assert!(page.contains(">December 6, 2026</time>"), "{page}");

    for (zone, language, written) in [
        ("Asia/Tokyo", "ja", "2026年12月7日"),
        ("Europe/Paris", "fr", "6 décembre 2026"),
    ] {
        let (status, reply) = api(
            &app,
            reqwest::Method::PATCH,
            "/settings",
            Some(&token),
            Some(json!({"timeZone": zone, "language": language})),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["data"]["timeZone"], zone);
        let (_, page) = app.get_text("/posts/late-evening").await;
        assert!(
            page.contains(&format!(">{written}</time>")),
            "{zone}: {page}"
        );
    }
    let (status, reply) = api(
        &app,
        reqwest::Method::PATCH,
        "/settings",
        Some(&token),
        Some(json!({"timeZone": "Mars/Olympus"})),
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["errors"][0]["field"], "timeZone", "{reply}");

    // 09:00 in Paris in January is 08:00 UTC.
    let draft = quire::posts::store::create(
        &app.db,
        new_post(owner, "new-year", quire::posts::PostStatus::Draft, None),
    )
    .await
    .unwrap();
    let version = quire::posts::editing::load(&app.db, draft)
        .await
        .unwrap()
        .version
        .to_string();
    let admin = signed_in_as(&app, "owner").await;
    let id = draft.to_string();
    let answer = call(
        &app,
        &admin,
        "editor/status",
        &[
            ("id", &id),
            ("version", &version),
            ("status", "PUBLISHED"),
            ("publish_at", "2030-01-01T09:00"),
        ],
    )
    .await;
    assert!(succeeded(&answer), "{:?}", answer.body);
    let (_, post) = api(
        &app,
        reqwest::Method::GET,
        "/posts/new-year",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        post["data"]["publishedAt"], "2030-01-01T08:00:00Z",
        "{post}"
    );
}
