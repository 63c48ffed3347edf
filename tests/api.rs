//! The JSON API, as a client that follows the contract to the letter would use it.

mod common;

use common::{make_user, spawn_app, spawn_app_with, Backend, TestApp};
use quire::accounts::Role;
use serde_json::{json, Value};

struct Reply {
    status: u16,
    body: Value,
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, app.url(&format!("/api{path}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Reply { status, body }
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    send(
        app,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({"refreshToken": token})),
    )
    .await
}

fn assert_envelope(reply: &Reply) {
    let ok = reply.status < 400;
    assert_eq!(reply.body["success"], ok, "{}", reply.body);
    assert!(reply.body["message"].is_string(), "{}", reply.body);
    if ok {
        assert!(reply.body.get("data").is_some(), "{}", reply.body);
    }
}

async fn login(app: &TestApp, username: &str) -> (String, String) {
    let reply = send(
        app,
        "POST",
        "/auth/login",
        None,
        Some(json!({"username": username, "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (
        reply.body["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
        reply.body["data"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn envelopes_and_unknown_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = send(&app, "GET", "/no/such/thing", None, None).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        json!({"success": false, "message": "Route not found"})
    );
    let res = reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
    let reply = send(&app, "PUT", "/posts", None, Some(json!({}))).await;
    assert_eq!(reply.status, 405);
    assert_envelope(&reply);
}

async fn register_login_refresh_and_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = send(&app, "POST", "/auth/register", None, Some(json!({
        "email": "grace@example.com", "username": "grace", "password": "tidal lanterns over basalt", "firstName": "Grace"
    }))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_envelope(&reply);
    let data = &reply.body["data"];
    assert_eq!(data["user"]["username"], "grace");
    assert_eq!(data["user"]["firstName"], "Grace");
    assert_eq!(
        data["user"]["email"], "grace@example.com",
        "their own email"
    );
    assert!(data["user"]["id"].is_string());
    let text = reply.body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "no secrets: {text}"
    );

    let again = send(&app, "POST", "/auth/register", None, Some(json!({
        "email": "GRACE@example.com", "username": "other", "password": "tidal lanterns over basalt"
    }))).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["errors"][0]["field"], "email");
    let bad = send(
        &app,
        "POST",
        "/auth/register",
        None,
        Some(json!({"email": "x", "username": "", "password": "short"})),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["errors"].as_array().unwrap().len() >= 3);

    let wrong = send(
        &app,
        "POST",
        "/auth/login",
        None,
        Some(json!({"email": "grace@example.com", "password": "nope nope nope"})),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_envelope(&wrong);
    let reply = send(
        &app,
        "POST",
        "/auth/login",
        None,
        Some(json!({"email": "grace@example.com", "password": "tidal lanterns over basalt"})),
    )
    .await;
    assert_eq!(reply.status, 200);
    let access = reply.body["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh1 = reply.body["data"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let me = send(&app, "GET", "/users/me", Some(&access), None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["data"]["username"], "grace");
    assert_eq!(send(&app, "GET", "/users/me", None, None).await.status, 401);
    assert_eq!(
        send(&app, "GET", "/users/me", Some("not.a.token"), None)
            .await
            .status,
        401
    );
    let forged = format!("{}x", &access[..access.len() - 1]);
    assert_eq!(
        send(&app, "GET", "/users/me", Some(&forged), None)
            .await
            .status,
        401
    );

    // Rotation: the old refresh token stops working; using it again revokes the family.
    let rotated = refresh(&app, &refresh1).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let refresh2 = rotated.body["data"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(refresh1, refresh2);
    let reused = refresh(&app, &refresh1).await;
    assert_eq!(reused.status, 401);
    let after = refresh(&app, &refresh2).await;
    assert_eq!(after.status, 401, "the whole family is revoked");

    let again = send(
        &app,
        "POST",
        "/auth/login",
        None,
        Some(json!({"username": "grace", "password": "tidal lanterns over basalt"})),
    )
    .await;
    let refresh3 = again.body["data"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = send(
        &app,
        "POST",
        "/auth/logout",
        None,
        Some(json!({"refreshToken": refresh3})),
    )
    .await;
    assert_eq!(out.status, 200);
    assert_eq!(refresh(&app, &refresh3).await.status, 401);
}

async fn deactivated_users_tokens_stop_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = make_user(&app, "leaving", Role::User).await;
    make_user(&app, "boss", Role::Admin).await;
    let (access, refresh_token) = login(&app, "leaving").await;
    assert_eq!(
        send(&app, "GET", "/users/me", Some(&access), None)
            .await
            .status,
        200
    );
    let (admin, _) = login(&app, "boss").await;
    let reply = send(
        &app,
        "PATCH",
        &format!("/users/{id}"),
        Some(&admin),
        Some(json!({"isActive": false})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        send(&app, "GET", "/users/me", Some(&access), None)
            .await
            .status,
        401
    );
    assert_eq!(refresh(&app, &refresh_token).await.status, 401);
}

async fn users_list_and_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = make_user(&app, "ada", Role::User).await;
    make_user(&app, "bob", Role::User).await;
    make_user(&app, "root", Role::Admin).await;
    make_user(&app, "mona", Role::Moderator).await;
    let (user, _) = login(&app, "bob").await;
    let (admin, _) = login(&app, "root").await;
    let (moderator, _) = login(&app, "mona").await;
    assert_eq!(send(&app, "GET", "/users", None, None).await.status, 401);
    // Listing accounts is for moderators and admins.
    assert_eq!(
        send(&app, "GET", "/users", Some(&user), None).await.status,
        403
    );
    // Nobody but admins finds or orders accounts by their hidden email addresses: a probe
    // for part of one would tell whether it exists.
    let probe = send(
        &app,
        "GET",
        "/users?search=example.com",
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(probe.status, 200, "{}", probe.body);
    assert_eq!(probe.body["data"]["total"], 0, "{}", probe.body);
    assert_eq!(
        send(&app, "GET", "/users?sortBy=email", Some(&moderator), None)
            .await
            .status,
        403
    );
    let by_email = send(&app, "GET", "/users?search=example.com", Some(&admin), None).await;
    assert_eq!(by_email.body["data"]["total"], 4, "{}", by_email.body);
    let list = send(
        &app,
        "GET",
        "/users?limit=2&page=1&sortBy=username&sortOrder=asc",
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["data"]["total"], 4);
    assert_eq!(list.body["data"]["limit"], 2);
    let names: Vec<&str> = list.body["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob"]);
    let ada_entry = &list.body["data"]["users"][0];
    assert!(
        ada_entry.get("email").is_none(),
        "others' emails are hidden from moderators"
    );
    assert_eq!(ada_entry["postCount"], 0);
    let as_admin = send(&app, "GET", "/users?search=ADA", Some(&admin), None).await;
    assert_eq!(
        as_admin.body["data"]["users"][0]["email"],
        "ada@example.com"
    );
    let bad = send(
        &app,
        "GET",
        "/users?limit=500&sortBy=age",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["errors"].as_array().unwrap().len(), 2);

    assert_eq!(
        send(&app, "GET", "/users/999999", Some(&user), None)
            .await
            .status,
        404
    );
    let other = send(
        &app,
        "PATCH",
        &format!("/users/{ada}"),
        Some(&user),
        Some(json!({"bio": "hacked"})),
    )
    .await;
    assert_eq!(other.status, 403);
    let promote = send(&app, "PATCH", "/users/me", Some(&user), Some(json!({}))).await;
    assert_eq!(promote.status, 405, "`me` is read-only");
    let created = send(&app, "POST", "/users", Some(&admin), Some(json!({"email": "new@example.com", "username": "newbie", "password": "a perfectly fine passphrase", "role": "MODERATOR"}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["data"]["role"], "MODERATOR");
    assert_eq!(send(&app, "POST", "/users", Some(&user), Some(json!({"email": "x@example.com", "username": "x", "password": "a perfectly fine passphrase"}))).await.status, 403);
    let unknown_field = send(
        &app,
        "PATCH",
        &format!("/users/{ada}"),
        Some(&admin),
        Some(json!({"passwordHash": "x"})),
    )
    .await;
    assert_eq!(unknown_field.status, 400);
}

async fn posts_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::User).await;
    make_user(&app, "reader", Role::User).await;
    let (writer, _) = login(&app, "writer").await;
    let (reader, _) = login(&app, "reader").await;
    let created = send(&app, "POST", "/posts", Some(&writer), Some(json!({
        "title": "API Post", "content": "# Hi\n\n<script>x</script>\n\n**bold**", "tags": ["Rust", "api"], "status": "PUBLISHED"
    }))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let post = &created.body["data"];
    let id = post["id"].as_str().unwrap().to_owned();
    assert_eq!(post["slug"], "api-post");
    assert_eq!(post["status"], "PUBLISHED");
    assert!(post["contentHtml"]
        .as_str()
        .unwrap()
        .contains("<strong>bold</strong>"));
    assert!(!post["contentHtml"].as_str().unwrap().contains("<script"));
    assert_eq!(post["tags"], json!(["rust", "api"]));
    assert!(post["publishedAt"].is_string() && post["viewCount"] == 0);

    let by_slug = send(&app, "GET", "/posts/api-post", None, None).await;
    assert_eq!(by_slug.body["data"]["id"], id);
    let draft = send(
        &app,
        "POST",
        "/posts",
        Some(&writer),
        Some(json!({"title": "Secret", "content": "x"})),
    )
    .await;
    let draft_id = draft.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(draft.body["data"]["status"], "DRAFT");
    assert_eq!(
        send(
            &app,
            "GET",
            &format!("/posts/{draft_id}"),
            Some(&reader),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        send(
            &app,
            "GET",
            &format!("/posts/{draft_id}"),
            Some(&writer),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        send(
            &app,
            "PATCH",
            &format!("/posts/{draft_id}"),
            Some(&reader),
            Some(json!({"title": "Mine"}))
        )
        .await
        .status,
        404
    );
    let patched = send(
        &app,
        "PATCH",
        &format!("/posts/{draft_id}"),
        Some(&writer),
        Some(json!({"title": "Less secret", "status": "PUBLISHED"})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["data"]["title"], "Less secret");
    assert_eq!(
        patched.body["data"]["content"], "x",
        "unchanged fields stay"
    );
    let stale = send(
        &app,
        "PATCH",
        &format!("/posts/{draft_id}"),
        Some(&writer),
        Some(json!({"title": "Old", "version": 1})),
    )
    .await;
    assert_eq!(stale.status, 409);
    let taken = send(
        &app,
        "POST",
        "/posts",
        Some(&writer),
        Some(json!({"title": "x", "slug": "api-post", "content": "y"})),
    )
    .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    let invalid = send(
        &app,
        "POST",
        "/posts",
        Some(&writer),
        Some(json!({"title": "", "content": "y"})),
    )
    .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.body["errors"][0]["field"], "title");

    // Pagination: every post once, in order.
    for i in 0..7 {
        send(&app, "POST", "/posts", Some(&writer), Some(json!({"title": format!("Bulk {i}"), "content": "z", "status": "PUBLISHED", "tags": ["bulk"]}))).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = send(
            &app,
            "GET",
            &format!("/posts?limit=3&tags=bulk,none&cursor={cursor}"),
            None,
            None,
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        for post in page.body["data"]["posts"].as_array().unwrap() {
            seen.push(post["title"].as_str().unwrap().to_owned());
        }
        if page.body["data"]["hasMore"] == false {
            assert!(page.body["data"]["nextCursor"].is_null());
            break;
        }
        cursor = page.body["data"]["nextCursor"].as_str().unwrap().to_owned();
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("Bulk {i}")).collect();
    assert_eq!(seen, expected);
    // The list is kept between writes, the same for every caller; a write shows at once.
    let newest = send(&app, "GET", "/posts?limit=1", None, None).await;
    assert_eq!(newest.body["data"]["posts"][0]["title"], "Bulk 6");
    let with_token = send(&app, "GET", "/posts?limit=1", Some(&reader), None).await;
    assert_eq!(with_token.body, newest.body);
    send(
        &app,
        "POST",
        "/posts",
        Some(&writer),
        Some(json!({"title": "Bulk 7", "content": "z", "status": "PUBLISHED"})),
    )
    .await;
    let newest = send(&app, "GET", "/posts?limit=1", Some(&reader), None).await;
    assert_eq!(newest.body["data"]["posts"][0]["title"], "Bulk 7");
    let found = send(&app, "GET", "/posts?search=secret", None, None).await;
    assert_eq!(found.body["data"]["posts"][0]["title"], "Less secret");
    assert_eq!(
        send(&app, "GET", "/posts?limit=0", None, None).await.status,
        400
    );

    let like = send(
        &app,
        "POST",
        &format!("/posts/{id}/like"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(like.body["data"], json!({"liked": true, "count": 1}));
    let unlike = send(
        &app,
        "DELETE",
        &format!("/posts/{id}/like"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(unlike.body["data"], json!({"liked": false, "count": 0}));
    assert_eq!(
        send(&app, "POST", &format!("/posts/{id}/like"), None, None)
            .await
            .status,
        401
    );

    let titles = |list: &Value| -> Vec<String> {
        list["data"]["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|post| post["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = send(&app, "GET", "/posts?limit=50", None, None).await;
    assert!(titles(&listed.body).contains(&"API Post".to_owned()));
    assert_eq!(
        send(&app, "DELETE", &format!("/posts/{id}"), Some(&reader), None)
            .await
            .status,
        404
    );
    assert_eq!(
        send(&app, "DELETE", &format!("/posts/{id}"), Some(&writer), None)
            .await
            .status,
        200
    );
    assert_eq!(
        send(&app, "GET", &format!("/posts/{id}"), None, None)
            .await
            .status,
        404
    );
    let listed = send(&app, "GET", "/posts?limit=50", None, None).await;
    assert!(
        !titles(&listed.body).contains(&"API Post".to_owned()),
        "a deleted post leaves the kept list"
    );
    assert!(titles(&listed.body).contains(&"Less secret".to_owned()));
}

async fn comments_and_categories_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::User).await;
    make_user(&app, "mod", Role::Moderator).await;
    make_user(&app, "root", Role::Admin).await;
    let (writer, _) = login(&app, "writer").await;
    let (moderator, _) = login(&app, "mod").await;
    let (admin, _) = login(&app, "root").await;
    let post = send(
        &app,
        "POST",
        "/posts",
        Some(&writer),
        Some(json!({"title": "Talk", "content": "x", "status": "PUBLISHED"})),
    )
    .await;
    let post_id = post.body["data"]["id"].as_str().unwrap().to_owned();

    let comment = send(
        &app,
        "POST",
        &format!("/posts/{post_id}/comments"),
        Some(&writer),
        Some(json!({"content": "*hi*"})),
    )
    .await;
    assert_eq!(comment.status, 201, "{}", comment.body);
    assert_eq!(comment.body["data"]["status"], "PENDING");
    let comment_id = comment.body["data"]["id"].as_str().unwrap().to_owned();
    assert!(send(
        &app,
        "GET",
        &format!("/posts/{post_id}/comments"),
        None,
        None
    )
    .await
    .body["data"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        send(&app, "GET", "/comments?status=pending", Some(&writer), None)
            .await
            .status,
        403
    );
    let queue = send(
        &app,
        "GET",
        "/comments?status=pending",
        Some(&moderator),
        None,
    )
    .await;
    assert_eq!(queue.body["data"][0]["id"], comment_id);
    assert_eq!(
        send(
            &app,
            "POST",
            &format!("/comments/{comment_id}/approve"),
            Some(&moderator),
            None
        )
        .await
        .status,
        200
    );
    let reply = send(
        &app,
        "POST",
        &format!("/posts/{post_id}/comments"),
        Some(&moderator),
        Some(json!({"content": "welcome", "parentId": comment_id})),
    )
    .await;
    assert_eq!(reply.status, 201);
    let thread = send(
        &app,
        "GET",
        &format!("/posts/{post_id}/comments"),
        None,
        None,
    )
    .await;
    let thread = thread.body["data"].as_array().unwrap().clone();
    assert_eq!(thread.len(), 2);
    assert_eq!(thread[1]["parentId"], comment_id);
    let edited = send(
        &app,
        "PATCH",
        &format!("/comments/{comment_id}"),
        Some(&moderator),
        Some(json!({"content": "edited by a moderator"})),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        send(
            &app,
            "DELETE",
            &format!("/comments/{comment_id}"),
            Some(&writer),
            None
        )
        .await
        .status,
        200
    );
    let empty = send(
        &app,
        "POST",
        &format!("/posts/{post_id}/comments"),
        Some(&writer),
        Some(json!({"content": ""})),
    )
    .await;
    assert_eq!(empty.status, 400);

    assert_eq!(
        send(
            &app,
            "POST",
            "/categories",
            Some(&writer),
            Some(json!({"name": "X"}))
        )
        .await
        .status,
        403
    );
    let category = send(
        &app,
        "POST",
        "/categories",
        Some(&admin),
        Some(json!({"name": "Field Notes", "color": "#123456"})),
    )
    .await;
    assert_eq!(category.status, 201, "{}", category.body);
    let category_id = category.body["data"]["id"].as_str().unwrap().to_owned();
    let renamed = send(
        &app,
        "PATCH",
        &format!("/categories/{category_id}"),
        Some(&admin),
        Some(json!({"description": "Notes"})),
    )
    .await;
    assert_eq!(renamed.body["data"]["name"], "Field Notes");
    assert_eq!(renamed.body["data"]["description"], "Notes");
    let list = send(&app, "GET", "/categories", None, None).await;
    assert_eq!(list.body["data"][0]["slug"], "field-notes");
    let duplicate = send(
        &app,
        "POST",
        "/categories",
        Some(&admin),
        Some(json!({"name": "field notes"})),
    )
    .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.body);
    assert_eq!(
        send(
            &app,
            "DELETE",
            &format!("/categories/{category_id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        200
    );
}

/// The document states the rules the server keeps, and the server keeps them: what the
/// document calls invalid is refused with 4xx, what it calls valid is accepted (issue #21,
/// found by scripts/schemathesis.sh).
async fn the_spec_states_the_rules_the_server_keeps(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::Admin).await;
    let (writer, _) = login(&app, "writer").await;
    let spec = send(&app, "GET", "/openapi.json", None, None).await.body;
    let parameter = |path: &str, method: &str, name: &str| -> Value {
        spec["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} lists no {name}"))["schema"]
            .clone()
    };
    assert_eq!(
        parameter("/posts", "get", "limit"),
        json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": 100})
    );
    assert_eq!(
        parameter("/comments", "get", "status")["enum"],
        json!(["pending"])
    );
    assert_eq!(
        parameter("/users", "get", "sortOrder")["enum"],
        json!(["asc", "desc"])
    );
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["PostCreate"]["required"], json!(["title"]));
    assert_eq!(
        schemas["PostCreate"]["properties"]["title"]["type"],
        "string"
    );
    assert_eq!(
        schemas["PostCreate"]["properties"]["title"]["maxLength"],
        200
    );
    assert!(schemas["PostCreate"]["properties"]["title"]["pattern"].is_string());
    assert_eq!(
        schemas["Register"]["properties"]["password"]["minLength"],
        12
    );
    assert_eq!(
        schemas["CommentWrite"]["properties"]["content"]["maxLength"],
        10_000
    );

    // Declared invalid: refused.
    for path in [
        "/comments?status=PENDING",
        "/posts?limit=",
        "/posts?limit=%205",
        "/posts?authorId=0",
        "/posts?cursor=x",
        "/posts?unknown=1",
        "/users?role=admin",
        "/users?isActive=",
    ] {
        let reply = send(&app, "GET", path, Some(&writer), None).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        assert_envelope(&reply);
    }
    let post = |body: Value| send(&app, "POST", "/posts", Some(&writer), Some(body));
    for body in [
        json!({"title": "   "}),
        json!({"title": "x".repeat(199) + "  "}),
        json!({"title": "Fine", "status": "draft"}),
        json!({"title": "Fine", "categoryIds": ["+1"]}),
        json!({"title": "Fine\u{0}"}),
        json!({"title": "Fine", "content": "\u{0}"}),
    ] {
        let reply = post(body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    let nul = send(
        &app,
        "POST",
        "/auth/login",
        None,
        Some(json!({"username": "writer\u{0}", "password": "x"})),
    )
    .await;
    assert_eq!(nul.status, 400, "{}", nul.body);
    assert_eq!(
        send(&app, "GET", "/posts/a%00b", None, None).await.status,
        404
    );

    // Declared valid: accepted, or answered with a documented conflict.
    let made = post(json!({"title": "?!", "version": 3.0})).await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["data"]["slug"], "post");
    let long = post(json!({"title": "word ".repeat(40).trim()})).await;
    assert_eq!(long.status, 201, "{}", long.body);
    assert!(long.body["data"]["slug"].as_str().unwrap().chars().count() <= 100);
    let tagged = post(json!({"title": "Tagged", "tags": ["a,b,c,d,e,f,g,h,i,j,k"]})).await;
    assert_eq!(tagged.status, 201, "{}", tagged.body);
    assert_eq!(tagged.body["data"]["tags"], json!(["abcdefghijk"]));
    let unknown = post(json!({"title": "Filed", "categoryIds": ["999999"]})).await;
    assert_eq!(unknown.status, 409, "{}", unknown.body);
    let first = send(&app, "GET", "/posts?cursor=", None, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
}

/// The routes the server answers and the routes the spec lists are the same.
async fn the_spec_lists_exactly_the_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let spec = send(&app, "GET", "/openapi.json", None, None).await.body;
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    let mut listed = Vec::new();
    for (path, methods) in paths {
        for (method, operation) in methods.as_object().unwrap() {
            assert!(
                operation["responses"].as_object().unwrap().len() >= 4,
                "{method} {path}"
            );
            listed.push((method.to_uppercase(), path.clone()));
            let concrete = path.replace("{id}", "1");
            let reply = send(
                &app,
                &method.to_uppercase(),
                &concrete,
                None,
                Some(json!({})),
            )
            .await;
            assert_ne!(
                reply.body["message"], "Route not found",
                "{method} {path} is listed but not served"
            );
            assert_ne!(reply.status, 405, "{method} {path}");
        }
    }
    assert_eq!(listed.len(), quire::api::spec::endpoints().len());
    // And nothing is served that the spec does not list.
    for (method, path) in [
        ("GET", "/posts/1/likes"),
        ("POST", "/users/me"),
        ("GET", "/comment"),
        ("DELETE", "/categories"),
    ] {
        let reply = send(&app, method, path, None, None).await;
        assert!(
            reply.status == 404 || reply.status == 405,
            "{method} {path}: {}",
            reply.status
        );
        assert!(!listed.contains(&(method.to_owned(), path.to_owned())));
    }
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/api/openapi.json"));
}

/// A POST sent with a raw body and an `Idempotency-Key`.
async fn send_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &str) -> Reply {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api{path}")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    }
}

/// A client that did not hear an answer sends the same request again with the same key and
/// gets the first answer: one post published in one go, one comment, one category, one user.
async fn retries_with_an_idempotency_key_create_once(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::User).await;
    make_user(&app, "other", Role::User).await;
    make_user(&app, "root", Role::Admin).await;
    let (writer, _) = login(&app, "writer").await;
    let (other, _) = login(&app, "other").await;
    let (admin, _) = login(&app, "root").await;

    let body = r#"{"title": "Sent twice", "content": "Once is enough.", "status": "PUBLISHED"}"#;
    let first = send_keyed(&app, "/posts", &writer, "post-1", body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["data"]["status"], "PUBLISHED");
    let again = send_keyed(&app, "/posts", &writer, "post-1", body).await;
    assert_eq!(
        again.status, 201,
        "a retry is answered as the first: {}",
        again.body
    );
    assert_eq!(again.body["data"]["id"], first.body["data"]["id"]);
    let listed = send(&app, "GET", "/posts?search=twice", None, None).await;
    assert_eq!(listed.body["data"]["posts"].as_array().unwrap().len(), 1);
    // The same key with another request is a client's mistake.
    let changed = r#"{"title": "Sent twice, changed", "content": "Once is enough."}"#;
    let reused = send_keyed(&app, "/posts", &writer, "post-1", changed).await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(reused.body["success"], false);
    // Keys are per user: another user's same key is a new request.
    let theirs = send_keyed(
        &app,
        "/posts",
        &other,
        "post-1",
        r#"{"title": "Theirs", "content": "x"}"#,
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    // A request that failed is not remembered: fixed, it goes through with the same key.
    let bad = send_keyed(
        &app,
        "/posts",
        &writer,
        "post-2",
        r#"{"title": "", "content": "x"}"#,
    )
    .await;
    assert_eq!(bad.status, 400);
    let fixed = send_keyed(
        &app,
        "/posts",
        &writer,
        "post-2",
        r#"{"title": "Fixed", "content": "x"}"#,
    )
    .await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    let bad_key = send_keyed(&app, "/posts", &writer, "", body).await;
    assert_eq!(bad_key.status, 400, "{}", bad_key.body);

    let post = first.body["data"]["id"].as_str().unwrap().to_owned();
    let comment = r#"{"content": "Said once."}"#;
    let path = format!("/posts/{post}/comments");
    let first = send_keyed(&app, &path, &other, "c-1", comment).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send_keyed(&app, &path, &other, "c-1", comment).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["data"]["id"], first.body["data"]["id"]);
    let thread = send(&app, "GET", &path, None, None).await;
    let said_once = thread.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["content"] == "Said once.")
        .count();
    assert!(said_once <= 1, "{}", thread.body);
    let counted: i64 = quire::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments WHERE content = 'Said once.'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(counted, 1);

    let category = r#"{"name": "Once", "slug": "once"}"#;
    let first = send_keyed(&app, "/categories", &admin, "cat-1", category).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send_keyed(&app, "/categories", &admin, "cat-1", category).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["data"]["id"], first.body["data"]["id"]);

    let user = r#"{"email": "once@example.com", "username": "once", "password": "a perfectly fine passphrase"}"#;
    let first = send_keyed(&app, "/users", &admin, "user-1", user).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send_keyed(&app, "/users", &admin, "user-1", user).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["data"]["id"], first.body["data"]["id"]);
    let keys: Vec<String> = quire::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT request FROM idempotency_keys"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert!(
        keys.iter().all(|k| !k.contains("passphrase")),
        "request bodies are not stored"
    );
}

on_both_backends!(
    envelopes_and_unknown_routes,
    register_login_refresh_and_logout,
    deactivated_users_tokens_stop_at_once,
    users_list_and_permissions,
    posts_through_the_api,
    retries_with_an_idempotency_key_create_once,
    comments_and_categories_through_the_api,
    the_spec_lists_exactly_the_routes,
    the_spec_states_the_rules_the_server_keeps,
);

/// Every endpoint in the table, for each kind of caller: visitors get 401 where an account is
/// needed, users 403 where a role is, and admins are never refused for their role.
async fn permission_matrix(backend: Backend) {
    use quire::api::spec::{endpoints, Access};
    // Four callers for every endpoint: more than one client's default budget.
    let app = spawn_app_with(backend, &[("QUIRE_API_RATE_LIMIT", "1000000")]).await;
    make_user(&app, "user", Role::User).await;
    make_user(&app, "moderator", Role::Moderator).await;
    make_user(&app, "admin", Role::Admin).await;
    let (user, _) = login(&app, "user").await;
    let (moderator, _) = login(&app, "moderator").await;
    let (admin, _) = login(&app, "admin").await;
    for endpoint in endpoints() {
        // Sign-in endpoints answer 401 for bad credentials, which is not about roles.
        if endpoint.path.starts_with("/auth/") {
            continue;
        }
        let method = endpoint.method.to_uppercase();
        let path = endpoint.path.replace("{id}", "999999");
        let body = endpoint.request.map(|_| json!({}));
        let visitor = send(&app, &method, &path, None, body.clone()).await;
        assert_envelope(&visitor);
        let as_user = send(&app, &method, &path, Some(&user), body.clone()).await;
        let as_moderator = send(&app, &method, &path, Some(&moderator), body.clone()).await;
        let as_admin = send(&app, &method, &path, Some(&admin), body.clone()).await;
        let what = format!("{method} {}", endpoint.path);
        match endpoint.access {
            Access::Anyone => assert!(
                ![401, 403].contains(&visitor.status),
                "{what}: {}",
                visitor.body
            ),
            _ => assert_eq!(visitor.status, 401, "{what}: {}", visitor.body),
        }
        match endpoint.access {
            Access::Moderator | Access::Admin => {
                assert_eq!(as_user.status, 403, "{what} as a user")
            }
            _ => assert_ne!(as_user.status, 401, "{what} as a user"),
        }
        match endpoint.access {
            Access::Admin => assert_eq!(as_moderator.status, 403, "{what} as a moderator"),
            _ => assert!(
                ![401, 403].contains(&as_moderator.status) || endpoint.method != "get",
                "{what} as a moderator"
            ),
        }
        assert!(
            ![401, 403].contains(&as_admin.status),
            "{what} as an admin: {}",
            as_admin.body
        );
    }
}

/// Server functions that change things take POST only: a link cannot like, comment or delete.
async fn state_changing_server_functions_refuse_get(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "clicker", Role::User).await;
    let client = common::signed_in_as(&app, "clicker").await;
    for path in [
        "/rpc/posts/like?post_id=1&liked=true",
        "/rpc/comments/add?post_id=1&content=hi",
        "/rpc/editor/delete?id=1",
        "/rpc/accounts/sign_out",
        "/rpc/moderation/decide?ids=1&approve=true",
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert!(
            res.status().is_client_error(),
            "GET {path}: {}",
            res.status()
        );
    }
    // Still signed in: the GET to sign_out did nothing.
    let me = common::call(&app, &client, "accounts/me", &[]).await;
    assert_eq!(me.body["username"], "clicker");
}

on_both_backends!(
    permission_matrix,
    state_changing_server_functions_refuse_get
);
