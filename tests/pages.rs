//! Pages of the blog's own (About, Contact…): written by admins in the editor or through
//! `/api/pages`, served at `/{slug}`, listed in the sitemap and nowhere posts are listed.
//! Both backends, over HTTP.

mod common;

use common::*;
use quire::accounts::Role;
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    a_page_lives_at_its_own_address_and_in_no_list,
    page_addresses_and_rights_are_checked,
);

async fn a_page_lives_at_its_own_address_and_in_no_list(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = api_token(&app, "owner").await;
    let (status, page) = api(
        &app,
        Method::POST,
        "/pages",
        Some(&admin),
        Some(json!({"title": "About this blog", "slug": "about", "content": "Hello from **quokkaville**.", "status": "PUBLISHED"})),
    )
    .await;
    assert_eq!(status, 201, "{page}");
    let id = page["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(page["data"]["slug"], "about");

    let (status, html) = app.get_text("/about").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("About this blog"));
    assert!(html.contains("<strong>quokkaville</strong>"), "{html}");
    // Not a post: not at /posts/, not on the home page, in feeds, search or /api/posts.
    assert_eq!(app.get_text("/posts/about").await.0, 404);
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("About this blog"), "{home}");
    let (_, feed) = app.get_text("/feed.xml").await;
    assert!(!feed.contains("About this blog"));
    let (_, search) = app.get_text("/search?q=quokkaville").await;
    assert!(!search.contains("About this blog"));
    let (_, posts) = api(&app, Method::GET, "/posts", None, None).await;
    assert_eq!(
        posts["data"]["posts"].as_array().unwrap().len(),
        0,
        "{posts}"
    );
    assert_eq!(
        api(&app, Method::GET, &format!("/posts/{id}"), None, None)
            .await
            .0,
        404
    );
    // In the sitemap and in /api/pages.
    let (_, sitemap) = app.get_text("/sitemap.xml").await;
    assert!(sitemap.contains("/about</loc>"), "{sitemap}");
    let (_, pages) = api(&app, Method::GET, "/pages", None, None).await;
    assert_eq!(pages["data"][0]["title"], "About this blog", "{pages}");
    let (status, one) = api(&app, Method::GET, "/pages/about", None, None).await;
    assert_eq!(status, 200);
    assert!(
        one["data"]["contentHtml"]
            .as_str()
            .unwrap()
            .contains("quokkaville"),
        "{one}"
    );

    // A new address keeps the old one answering.
    let (status, moved) = api(
        &app,
        Method::PATCH,
        &format!("/pages/{id}"),
        Some(&admin),
        Some(json!({"slug": "about-us"})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    let res = app.get("/about").await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/about-us");
    assert_eq!(app.get_text("/about-us").await.0, 200);

    // A draft page is its author's (and admins') only.
    let (_, draft) = api(
        &app,
        Method::POST,
        "/pages",
        Some(&admin),
        Some(json!({"title": "Now", "content": "What I am doing now."})),
    )
    .await;
    assert_eq!(draft["data"]["status"], "DRAFT");
    assert_eq!(app.get_text("/now").await.0, 404);
    let owner = signed_in_as(&app, "owner").await;
    let (status, html) = get_with(&app, &owner, "/now").await;
    assert_eq!(status, 200);
    assert!(html.contains("only you and the admins"), "{html}");

    // Deleted, it is gone.
    assert_eq!(
        api(
            &app,
            Method::DELETE,
            &format!("/pages/{id}"),
            Some(&admin),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(app.get_text("/about-us").await.0, 404);
}

async fn page_addresses_and_rights_are_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    make_user(&app, "writer", Role::Author).await;
    let admin = api_token(&app, "owner").await;
    let writer = api_token(&app, "writer").await;

    // Only admins write pages; an author still writes posts.
    let body = json!({"title": "Contact", "content": "Write to me."});
    let (status, refused) = api(
        &app,
        Method::POST,
        "/pages",
        Some(&writer),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) = api(&app, Method::POST, "/pages", None, Some(body)).await;
    assert_eq!(status, 401);

    // The blog's own addresses are refused, by field, and nothing is made.
    for slug in ["admin", "posts", "api", "tags", "sitemap-1"] {
        let (status, refused) = api(
            &app,
            Method::POST,
            "/pages",
            Some(&admin),
            Some(json!({"title": "Mine", "slug": slug, "content": "x"})),
        )
        .await;
        assert_eq!(status, 409, "{slug}: {refused}");
        let errors = refused["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == "slug"
                    && e["message"].as_str().unwrap().contains("blog's own")),
            "{slug}: {refused}"
        );
    }
    // A title that makes a reserved slug is refused the same way.
    let (status, _) = api(
        &app,
        Method::POST,
        "/pages",
        Some(&admin),
        Some(json!({"title": "Search", "content": "x"})),
    )
    .await;
    assert_eq!(status, 409);
    let (_, pages) = api(&app, Method::GET, "/pages", None, None).await;
    assert_eq!(pages["data"].as_array().unwrap().len(), 0);

    // A slug a post has is taken for pages too.
    let (status, _) = api(
        &app,
        Method::POST,
        "/posts",
        Some(&writer),
        Some(json!({"title": "Hello", "content": "x"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, taken) = api(
        &app,
        Method::POST,
        "/pages",
        Some(&admin),
        Some(json!({"title": "Hello", "slug": "hello", "content": "x"})),
    )
    .await;
    assert_eq!(status, 409, "{taken}");

    // The editor writes pages for admins only.
    let form = [
        ("title", "Colophon"),
        ("slug", ""),
        ("content", "Set in type."),
        ("excerpt", ""),
        ("cover_image", ""),
        ("tags", "ignored"),
        ("categories", ""),
        ("canonical_url", ""),
        ("kind", "page"),
    ];
    let author_browser = signed_in_as(&app, "writer").await;
    let answer = call(&app, &author_browser, "editor/save", &form).await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    let admin_browser = signed_in_as(&app, "owner").await;
    let answer = call(&app, &admin_browser, "editor/save", &form).await;
    assert!(succeeded(&answer), "{} {:?}", answer.status, answer.body);
    let (status, page) = api(&app, Method::GET, "/pages/colophon", Some(&admin), None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"]["tags"], json!([]), "a page has no tags");
    let (status, editor) = get_with(
        &app,
        &admin_browser,
        &format!("/editor/{}", page["data"]["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        editor.contains("Edit page") && !editor.contains("Tags, separated by commas"),
        "{editor}"
    );
    // A page is no post: /api/posts does not change it.
    let (status, _) = api(
        &app,
        Method::PATCH,
        &format!("/posts/{}", page["data"]["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"title": "Changed"})),
    )
    .await;
    assert_eq!(status, 404);
}
