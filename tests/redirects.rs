//! Addresses that keep working: a published post's old address answers 301 to its new one,
//! and admins keep their own redirects. Both backends, over HTTP.

mod common;

use common::*;
use quire::accounts::Role;
use serde_json::json;

on_both_backends!(
    a_renamed_post_keeps_its_old_address,
    admins_keep_redirects_and_bad_ones_are_refused,
);

/// (status, Location) of a GET that is not followed.
async fn head(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let res = app.get(path).await;
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (res.status().as_u16(), location)
}

async fn editor_save(app: &TestApp, client: &reqwest::Client, id: i64, slug: &str) -> Answer {
    let post = quire::posts::editing::load(&app.db, id).await.unwrap();
    let version = post.version.to_string();
    let id = id.to_string();
    call(
        app,
        client,
        "editor/save",
        &[
            ("id", id.as_str()),
            ("version", &version),
            ("title", &post.title),
            ("slug", slug),
            ("content", &post.content),
            ("excerpt", ""),
            ("cover_image", ""),
            ("tags", ""),
            ("categories", ""),
            ("canonical_url", ""),
        ],
    )
    .await
}

async fn a_renamed_post_keeps_its_old_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer", Role::Author).await;
    let writer = signed_in_as(&app, "writer").await;
    let id = quire::posts::store::create(
        &app.db,
        new_post(
            author,
            "first-name",
            quire::posts::PostStatus::Published,
            None,
        ),
    )
    .await
    .unwrap();
    // Kept by the page cache under the old address first.
    assert_eq!(head(&app, "/posts/first-name").await.0, 200);

    let saved = editor_save(&app, &writer, id, "second-name").await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    assert_eq!(head(&app, "/posts/second-name").await.0, 200);
    assert_eq!(
        head(&app, "/posts/first-name").await,
        (301, Some("/posts/second-name".to_owned()))
    );
    assert_eq!(
        head(&app, "/posts/first-name/").await.1.as_deref(),
        Some("/posts/second-name"),
        "a trailing slash too"
    );

    // Through the API, again: both old addresses lead straight to the newest, no chain.
    let (status, body) = api(
        &app,
        reqwest::Method::PATCH,
        &format!("/posts/{id}"),
        Some(&api_token(&app, "writer").await),
        Some(json!({"slug": "third-name"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for old in ["/posts/first-name", "/posts/second-name"] {
        assert_eq!(
            head(&app, old).await,
            (301, Some("/posts/third-name".to_owned())),
            "{old}"
        );
    }

    // Back to the first name: it answers again, and nothing goes round in a circle.
    let saved = editor_save(&app, &writer, id, "first-name").await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    assert_eq!(head(&app, "/posts/first-name").await.0, 200);
    for old in ["/posts/second-name", "/posts/third-name"] {
        assert_eq!(
            head(&app, old).await,
            (301, Some("/posts/first-name".to_owned())),
            "{old}"
        );
    }

    // A draft was never at an address readers could keep.
    let draft = quire::posts::store::create(
        &app.db,
        new_post(author, "draft-name", quire::posts::PostStatus::Draft, None),
    )
    .await
    .unwrap();
    let saved = editor_save(&app, &writer, draft, "draft-renamed").await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    assert_eq!(head(&app, "/posts/draft-name").await, (404, None));

    // The admin's list shows what quire made.
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let listed = call(&app, &admin, "redirects/list", &[]).await;
    let listed = listed.body.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|r| r["automatic"] == true));
}

async fn admins_keep_redirects_and_bad_ones_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "writer", Role::Author).await;
    quire::posts::store::create(
        &app.db,
        new_post(
            author,
            "moved-here",
            quire::posts::PostStatus::Published,
            None,
        ),
    )
    .await
    .unwrap();
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let add = |from: &'static str, to: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            call(
                app,
                admin,
                "redirects/add",
                &[("from_path", from), ("to_target", to)],
            )
            .await
        }
    };

    assert_eq!(head(&app, "/2019/05/old-post").await.0, 404);
    let added = add(" /2019/05/old-post ", "/posts/moved-here").await;
    assert!(succeeded(&added), "{:?}", added.body);
    assert_eq!(
        head(&app, "/2019/05/old-post").await,
        (301, Some("/posts/moved-here".to_owned()))
    );
    let added = add("/elsewhere", "https://example.org/new home").await;
    assert_eq!(added.status, 400, "a space in an address");
    let added = add("/café", "https://example.org/new").await;
    assert!(succeeded(&added), "{:?}", added.body);
    assert_eq!(
        head(&app, "/caf%C3%A9").await,
        (301, Some("https://example.org/new".to_owned()))
    );

    // A page that exists wins over a redirect from its path.
    let added = add("/tags", "/posts/moved-here").await;
    assert!(succeeded(&added), "{:?}", added.body);
    assert_eq!(head(&app, "/tags").await.0, 200);

    // Bad ones: each named, none kept.
    let refused = add("/api/posts", "/posts/moved-here").await;
    assert_eq!(
        field_message(&refused, "from_path").as_deref(),
        Some("That path belongs to quire itself")
    );
    let refused = add("/2019/05/old-post", "/posts/other").await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        field_message(&refused, "from_path").as_deref(),
        Some("This path already has a redirect")
    );
    let refused = add("/posts/moved-here", "/2019/05/old-post").await;
    assert_eq!(
        field_message(&refused, "to_target").as_deref(),
        Some("This would send readers around in a circle")
    );
    let refused = add("/loop", "/loop").await;
    assert!(field_message(&refused, "to_target").is_some());
    let refused = add("/x", "javascript:alert(1)").await;
    assert!(field_message(&refused, "to_target").is_some());
    let listed = call(&app, &admin, "redirects/list", &[]).await;
    assert_eq!(
        listed.body.as_array().unwrap().len(),
        3,
        "{:?}",
        listed.body
    );

    // Deleted, the old path is a 404 again; the audit log has both.
    let deleted = call(
        &app,
        &admin,
        "redirects/delete",
        &[("from_path", "/2019/05/old-post")],
    )
    .await;
    assert!(succeeded(&deleted), "{:?}", deleted.body);
    assert_eq!(head(&app, "/2019/05/old-post").await, (404, None));
    let (_, audit) = get_with(&app, &admin, "/admin?tab=audit").await;
    assert!(audit.contains("redirect.create") && audit.contains("redirect.delete"));

    // Nobody else may.
    let writer = signed_in_as(&app, "writer").await;
    let refused = call(
        &app,
        &writer,
        "redirects/add",
        &[("from_path", "/mine"), ("to_target", "/posts/moved-here")],
    )
    .await;
    assert_eq!(refused.status, 403);
}
