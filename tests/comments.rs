//! Comments and moderation through the same doors a browser uses: who may do what, the
//! queue, trust, threads, limits and the admin's tools.

mod common;

use common::{
    browser, call, field_message, make_user, signed_in_as, spawn_app_with, Answer, Backend, TestApp,
};
use quire::accounts::Role;
use quire::posts::store::create;
use quire::posts::PostStatus;
use quire::with_db;
use serde_json::Value;

struct Blog {
    app: TestApp,
    post_id: String,
}

async fn blog(backend: Backend) -> Blog {
    blog_with(backend, &[]).await
}

async fn blog_with(backend: Backend, settings: &[(&str, &str)]) -> Blog {
    let app = spawn_app_with(backend, settings).await;
    let writer = make_user(&app, "writer", Role::User).await;
    for (name, role) in [
        ("alice", Role::User),
        ("bob", Role::User),
        ("mod", Role::Moderator),
        ("root", Role::Admin),
    ] {
        make_user(&app, name, role).await;
    }
    let id = create(
        &app.db,
        common::new_post(writer, "talk", PostStatus::Published, None),
    )
    .await
    .unwrap();
    Blog {
        app,
        post_id: id.to_string(),
    }
}

async fn comment(blog: &Blog, client: &reqwest::Client, text: &str, parent: Option<i64>) -> Answer {
    let parent = parent.map(|p| p.to_string());
    let mut form = vec![("post_id", blog.post_id.as_str()), ("content", text)];
    if let Some(parent) = &parent {
        form.push(("parent_id", parent));
    }
    call(&blog.app, client, "comments/add", &form).await
}

async fn thread(blog: &Blog, client: &reqwest::Client) -> Vec<Value> {
    let answer = call(
        &blog.app,
        client,
        "comments/thread",
        &[("post_id", &blog.post_id)],
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["comments"].as_array().unwrap().clone()
}

async fn decide(blog: &Blog, client: &reqwest::Client, id: i64, approve: bool) -> Answer {
    call(
        &blog.app,
        client,
        "moderation/decide",
        &[("ids", &id.to_string()), ("approve", &approve.to_string())],
    )
    .await
}

async fn comment_count(blog: &Blog) -> i64 {
    with_db!(&blog.app.db, |pool| sqlx::query_scalar(
        "SELECT comment_count FROM posts WHERE slug = 'talk'"
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

fn id_of(answer: &Answer) -> i64 {
    answer.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{:?}", answer.body))
}

async fn new_comments_wait_until_a_moderator_approves_them(backend: Backend) {
    let blog = blog(backend).await;
    let alice = signed_in_as(&blog.app, "alice").await;
    let answer = comment(&blog, &alice, "First! *Nice* post.", None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["pending"], true);
    assert!(answer.body["content_html"]
        .as_str()
        .unwrap()
        .contains("<em>Nice</em>"));
    let id = id_of(&answer);

    let own = thread(&blog, &alice).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["pending"], true);
    assert!(
        thread(&blog, &browser()).await.is_empty(),
        "visitors do not see it"
    );
    let bob = signed_in_as(&blog.app, "bob").await;
    assert!(
        thread(&blog, &bob).await.is_empty(),
        "other users do not see it"
    );
    assert_eq!(comment_count(&blog).await, 0);

    // The queue shows it, with its post and author.
    let moderator = signed_in_as(&blog.app, "mod").await;
    let queue = call(&blog.app, &moderator, "moderation/queue", &[]).await;
    assert_eq!(queue.body[0]["id"], id);
    assert_eq!(queue.body[0]["post_title"], "Title of talk");
    let pending = call(&blog.app, &moderator, "moderation/pending", &[]).await;
    assert_eq!(pending.body, 1);

    assert_eq!(decide(&blog, &moderator, id, true).await.body, 1);
    let seen = thread(&blog, &browser()).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["pending"], false);
    assert_eq!(comment_count(&blog).await, 1);
    let (_, page) = blog.app.get_text("/posts/talk").await;
    assert!(
        page.contains("First!"),
        "the page shows the approved comment"
    );
    // The decision is in the audit log.
    let root = signed_in_as(&blog.app, "root").await;
    let log = call(&blog.app, &root, "admin/audit", &[]).await;
    assert_eq!(log.body[0]["action"], "comment.approve");
    assert_eq!(log.body[0]["actor_name"], "mod");
}

async fn trusted_commenters_skip_the_queue(backend: Backend) {
    let blog = blog(backend).await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let answer = comment(&blog, &moderator, "From a moderator.", None).await;
    assert_eq!(answer.body["pending"], false);

    let alice = signed_in_as(&blog.app, "alice").await;
    for i in 0..3 {
        let id = id_of(&comment(&blog, &alice, &format!("Comment {i}"), None).await);
        decide(&blog, &moderator, id, true).await;
    }
    let answer = comment(&blog, &alice, "Now I am trusted.", None).await;
    assert_eq!(
        answer.body["pending"], false,
        "three approved comments earn trust"
    );
    let links = "See https://a.example https://b.example https://c.example https://d.example";
    let answer = comment(&blog, &alice, links, None).await;
    assert_eq!(answer.body["pending"], true, "many links always wait");
    assert_eq!(comment_count(&blog).await, 5);
}

async fn threads_nest_oldest_first_and_keep_deleted_parents(backend: Backend) {
    let blog = blog(backend).await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let a = id_of(&comment(&blog, &moderator, "A", None).await);
    let b = id_of(&comment(&blog, &moderator, "B", None).await);
    let a1 = id_of(&comment(&blog, &moderator, "A1", Some(a)).await);
    let a1a = id_of(&comment(&blog, &moderator, "A1a", Some(a1)).await);
    let seen = thread(&blog, &browser()).await;
    let shape: Vec<(i64, i64)> = seen
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["depth"].as_i64().unwrap()))
        .collect();
    assert_eq!(shape, [(a, 0), (a1, 1), (a1a, 2), (b, 0)]);
    assert_eq!(comment_count(&blog).await, 4);

    // A comment with replies leaves a placeholder; one without goes entirely.
    let answer = call(
        &blog.app,
        &moderator,
        "comments/delete",
        &[("id", &a.to_string())],
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    call(
        &blog.app,
        &moderator,
        "comments/delete",
        &[("id", &b.to_string())],
    )
    .await;
    let seen = thread(&blog, &browser()).await;
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0]["deleted"], true);
    assert!(seen[0]["author"].is_null() && seen[0]["content_html"] == "");
    assert_eq!(seen[1]["id"], a1);
    assert_eq!(comment_count(&blog).await, 2);

    // Once its last reply is gone, the placeholder goes too.
    call(
        &blog.app,
        &moderator,
        "comments/delete",
        &[("id", &a1a.to_string())],
    )
    .await;
    call(
        &blog.app,
        &moderator,
        "comments/delete",
        &[("id", &a1.to_string())],
    )
    .await;
    assert!(thread(&blog, &browser()).await.is_empty());
    assert_eq!(comment_count(&blog).await, 0);
}

async fn editing_an_approved_comment_sends_it_back_unless_trusted(backend: Backend) {
    let blog = blog(backend).await;
    let alice = signed_in_as(&blog.app, "alice").await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let id = id_of(&comment(&blog, &alice, "Original", None).await);
    decide(&blog, &moderator, id, true).await;
    assert_eq!(comment_count(&blog).await, 1);
    let answer = call(
        &blog.app,
        &alice,
        "comments/edit",
        &[
            ("id", &id.to_string()),
            ("content", "Changed <script>x</script>"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["pending"], true);
    assert_eq!(answer.body["edited"], true);
    assert!(!answer.body["content_html"]
        .as_str()
        .unwrap()
        .contains("<script"));
    assert!(thread(&blog, &browser()).await.is_empty());
    assert_eq!(comment_count(&blog).await, 0);
    // A moderator's own edit stays approved.
    let own = id_of(&comment(&blog, &moderator, "Mine", None).await);
    let answer = call(
        &blog.app,
        &moderator,
        "comments/edit",
        &[("id", &own.to_string()), ("content", "Mine, edited")],
    )
    .await;
    assert_eq!(answer.body["pending"], false);
}

async fn bad_comments_get_clear_errors_and_fast_writers_are_slowed(backend: Backend) {
    let blog = blog_with(backend, &[("QUIRE_COMMENTS_PER_MINUTE", "3")]).await;
    let alice = signed_in_as(&blog.app, "alice").await;
    let empty = comment(&blog, &alice, "   ", None).await;
    assert_eq!(empty.status, 400);
    assert_eq!(
        field_message(&empty, "content").as_deref(),
        Some("Write something first")
    );
    let long = comment(&blog, &alice, &"x".repeat(10_001), None).await;
    assert_eq!(long.status, 400);
    assert!(field_message(&long, "content").unwrap().contains("10000"));
    for i in 0..3 {
        assert_eq!(
            comment(&blog, &alice, &format!("n{i}"), None).await.status,
            200
        );
    }
    let fourth = comment(&blog, &alice, "one too many", None).await;
    assert_eq!(fourth.status, 429);
    // Replying to something that is not there.
    let bob = signed_in_as(&blog.app, "bob").await;
    let orphan = comment(&blog, &bob, "reply", Some(999_999)).await;
    assert_eq!(orphan.status, 400);
    // Drafts cannot be commented on.
    let writer_id: i64 = with_db!(&blog.app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'writer'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let draft = create(
        &blog.app.db,
        common::new_post(writer_id, "draft", PostStatus::Draft, None),
    )
    .await
    .unwrap();
    let answer = call(
        &blog.app,
        &bob,
        "comments/add",
        &[("post_id", &draft.to_string()), ("content", "hi")],
    )
    .await;
    assert_eq!(answer.status, 404);
}

async fn reports_reach_the_queue_and_approval_dismisses_them(backend: Backend) {
    let blog = blog(backend).await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let id = id_of(&comment(&blog, &moderator, "Something spicy", None).await);
    let bob = signed_in_as(&blog.app, "bob").await;
    let empty = call(
        &blog.app,
        &bob,
        "comments/report",
        &[("id", &id.to_string()), ("reason", " ")],
    )
    .await;
    assert_eq!(empty.status, 400);
    let answer = call(
        &blog.app,
        &bob,
        "comments/report",
        &[("id", &id.to_string()), ("reason", "Rude")],
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let root = signed_in_as(&blog.app, "root").await;
    let queue = call(&blog.app, &root, "moderation/queue", &[]).await;
    assert_eq!(queue.body[0]["id"], id);
    assert_eq!(queue.body[0]["pending"], false);
    assert_eq!(queue.body[0]["reports"][0]["reason"], "Rude");
    assert_eq!(decide(&blog, &root, id, true).await.body, 1);
    let queue = call(&blog.app, &root, "moderation/queue", &[]).await;
    assert_eq!(queue.body.as_array().unwrap().len(), 0);
    assert_eq!(thread(&blog, &browser()).await.len(), 1, "still shown");
}

async fn nobody_approves_their_own_comment(backend: Backend) {
    let blog = blog(backend).await;
    let alice = signed_in_as(&blog.app, "alice").await;
    let id = id_of(&comment(&blog, &alice, "Let me in", None).await);
    let root = signed_in_as(&blog.app, "root").await;
    let alice_id: i64 = with_db!(&blog.app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'alice'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    call(
        &blog.app,
        &root,
        "accounts/set_role",
        &[("user_id", &alice_id.to_string()), ("role", "MODERATOR")],
    )
    .await;
    let alice = signed_in_as(&blog.app, "alice").await;
    assert_eq!(decide(&blog, &alice, id, true).await.body, 0);
    let answer = call(
        &blog.app,
        &alice,
        "moderation/approve_user",
        &[("user_id", &alice_id.to_string())],
    )
    .await;
    assert_eq!(answer.body, 0);
    assert!(thread(&blog, &browser()).await.is_empty());
}

/// (what, server function, form)
type Check = (&'static str, &'static str, Vec<(&'static str, String)>);

/// Every comment and moderation action, for every kind of caller.
async fn who_may_do_what(backend: Backend) {
    let blog = blog_with(backend, &[("QUIRE_COMMENTS_PER_MINUTE", "1000")]).await;
    let app = &blog.app;
    let make = |name: &'static str| async move { make_user(app, name, Role::User).await };
    let gone = make("gone").await;
    let deactivated = signed_in_as(app, "gone").await;
    let root = signed_in_as(app, "root").await;
    call(
        app,
        &root,
        "accounts/set_active",
        &[("user_id", &gone.to_string()), ("active", "false")],
    )
    .await;

    let callers: Vec<(&str, reqwest::Client)> = vec![
        ("visitor", browser()),
        ("author", signed_in_as(app, "alice").await),
        ("other", signed_in_as(app, "bob").await),
        ("moderator", signed_in_as(app, "mod").await),
        ("admin", root),
        ("deactivated", deactivated),
    ];
    let author = &callers[1].1;
    let moderator = &callers[3].1;
    let admin = &callers[4].1;
    // (action, caller) → expected status
    let expected = |action: &str, who: &str| -> u16 {
        match (action, who) {
            (_, "visitor" | "deactivated") if action != "thread" => 401,
            ("thread", _) => 200,
            ("add" | "report_other", _) => 200,
            ("edit_own" | "delete_own", "author") => 200,
            ("edit_own", "moderator" | "admin") => 200,
            ("edit_own", _) => 403,
            ("delete_own", "moderator" | "admin") => 200,
            ("delete_own", _) => 403,
            ("queue" | "decide", "moderator" | "admin") => 200,
            ("queue" | "decide", _) => 403,
            ("audit" | "users" | "overview" | "category" | "hide", "admin") => 200,
            ("audit" | "users" | "overview" | "category" | "hide", _) => 403,
            _ => unreachable!("{action} {who}"),
        }
    };
    let alice_id = with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM users WHERE username = 'alice'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    for (who, client) in &callers {
        // Fresh targets for each caller, so that earlier callers' deletions do not interfere.
        let target =
            id_of(&comment(&blog, author, &format!("target for {who}"), None).await).to_string();
        let reported =
            id_of(&comment(&blog, moderator, &format!("approved for {who}"), None).await)
                .to_string();
        let checks: Vec<Check> = vec![
            (
                "thread",
                "comments/thread",
                vec![("post_id", blog.post_id.clone())],
            ),
            (
                "add",
                "comments/add",
                vec![
                    ("post_id", blog.post_id.clone()),
                    ("content", "hello".into()),
                ],
            ),
            (
                "edit_own",
                "comments/edit",
                vec![("id", target.clone()), ("content", "changed".into())],
            ),
            (
                "report_other",
                "comments/report",
                vec![("id", reported.clone()), ("reason", "spam".into())],
            ),
            ("queue", "moderation/queue", vec![]),
            (
                "decide",
                "moderation/decide",
                vec![("ids", target.clone()), ("approve", "true".into())],
            ),
            (
                "delete_own",
                "comments/delete",
                vec![("id", target.clone())],
            ),
            ("audit", "admin/audit", vec![]),
            ("users", "admin/users", vec![("search", "".into())]),
            ("overview", "admin/overview", vec![]),
            (
                "hide",
                "admin/hide_comments",
                vec![("user_id", alice_id.to_string())],
            ),
            (
                "category",
                "categories/save",
                vec![
                    ("name", format!("Cat {who}")),
                    ("slug", "".into()),
                    ("description", "".into()),
                    ("color", "#123456".into()),
                ],
            ),
        ];
        for (action, function, form) in checks {
            // The moderator reporting their own comment is not allowed for a different reason.
            if action == "report_other" && *who == "moderator" {
                continue;
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let answer = call(app, client, function, &form).await;
            assert_eq!(
                answer.status,
                expected(action, who),
                "{who} → {action}: {:?}",
                answer.body
            );
        }
    }
    let _ = admin;
}

async fn admins_manage_categories_and_see_the_overview(backend: Backend) {
    let blog = blog(backend).await;
    let root = signed_in_as(&blog.app, "root").await;
    let save = |form: Vec<(&'static str, &'static str)>| {
        let root = root.clone();
        let app = &blog.app;
        async move { call(app, &root, "categories/save", &form).await }
    };
    let created = save(vec![
        ("name", "Field Notes"),
        ("slug", ""),
        ("description", "From the field"),
        ("color", "#0EA5E9"),
    ])
    .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["slug"], "field-notes");
    assert_eq!(created.body["color"], "#0ea5e9");
    let id = created.body["id"].as_i64().unwrap().to_string();
    let again = save(vec![
        ("name", "field notes"),
        ("slug", "other"),
        ("description", ""),
        ("color", "#000"),
    ])
    .await;
    assert_eq!(again.status, 400);
    assert!(field_message(&again, "name").is_some());
    let bad = save(vec![
        ("name", "Bad"),
        ("slug", "!!!"),
        ("description", ""),
        ("color", "red; x: y"),
    ])
    .await;
    assert_eq!(bad.status, 400);
    // A slug without letters or digits is made from the name instead: only the colour is wrong.
    assert!(field_message(&bad, "slug").is_none() && field_message(&bad, "color").is_some());
    let renamed = call(
        &blog.app,
        &root,
        "categories/save",
        &[
            ("id", &id),
            ("name", "Notes"),
            ("slug", "Notes From Afar"),
            ("description", "x"),
            ("color", "#123"),
        ],
    )
    .await;
    assert_eq!(renamed.body["slug"], "notes-from-afar");
    assert_eq!(
        blog.app.get_text("/categories/notes-from-afar").await.0,
        200
    );
    let deleted = call(&blog.app, &root, "categories/delete", &[("id", &id)]).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        blog.app.get_text("/categories/notes-from-afar").await.0,
        404
    );

    let overview = call(&blog.app, &root, "admin/overview", &[]).await;
    assert_eq!(overview.body["users"], 5);
    assert_eq!(overview.body["published"], 1);
    assert_eq!(overview.body["views_by_day"].as_array().unwrap().len(), 30);
    let log = call(&blog.app, &root, "admin/audit", &[]).await;
    let actions: Vec<&str> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["category.delete", "category.update", "category.create"]
    );

    let users = call(
        &blog.app,
        &root,
        "admin/users",
        &[("search", "ALI"), ("role", "USER")],
    )
    .await;
    let names: Vec<&str> = users
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice"]);
}

async fn hiding_a_users_comments_takes_them_out_of_threads(backend: Backend) {
    let blog = blog(backend).await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let alice = signed_in_as(&blog.app, "alice").await;
    let id = id_of(&comment(&blog, &alice, "Soon hidden", None).await);
    decide(&blog, &moderator, id, true).await;
    assert_eq!(comment_count(&blog).await, 1);
    let root = signed_in_as(&blog.app, "root").await;
    let alice_id: i64 = with_db!(&blog.app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'alice'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let answer = call(
        &blog.app,
        &root,
        "admin/hide_comments",
        &[("user_id", &alice_id.to_string())],
    )
    .await;
    assert_eq!(answer.body, 1);
    assert!(thread(&blog, &browser()).await.is_empty());
    assert_eq!(comment_count(&blog).await, 0);
}

/// A reply posted before its form hydrated (or without JavaScript) and refused comes back as
/// the post's page with that reply form open under its comment, its text and its error, and
/// the comment form above the thread untouched. Accepted, it goes back to the post at the
/// new comment.
async fn a_refused_plain_reply_keeps_its_text_in_its_own_form(backend: Backend) {
    let blog = blog(backend).await;
    let moderator = signed_in_as(&blog.app, "mod").await;
    let parent = id_of(&comment(&blog, &moderator, "First!", None).await);
    let alice = signed_in_as(&blog.app, "alice").await;
    let page_with_form = format!("/posts/talk?reply={parent}");
    let (status, page) = common::get_with(&blog.app, &alice, &page_with_form).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(r#"id="reply-to-{parent}""#)),
        "the link opens the form"
    );

    let text = format!(
        "{}and that is all.",
        "A reply far too long to keep. ".repeat(400)
    );
    let parent_field = parent.to_string();
    let scope = format!("reply-{parent}");
    let (status, cache, page) = common::plain_post(
        &blog.app,
        &alice,
        "comments/add",
        &page_with_form,
        &[
            ("post_id", &blog.post_id),
            ("parent_id", &parent_field),
            ("__form", &scope),
            ("content", &text),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(cache, "no-store");
    assert_eq!(page.matches("and that is all.").count(), 1, "the text once");
    let field = common::element(&page, &format!("reply-to-{parent}"), "textarea");
    assert!(field.ends_with("and that is all."), "{field}");
    let message = common::element(&page, &format!("reply-to-{parent}-message"), "p");
    assert!(message.contains("10000"), "{message}");
    let new_comment = common::element(&page, "new-comment", "textarea");
    assert!(new_comment.ends_with('>'), "{new_comment}");
    assert!(!common::element(&page, "new-comment-message", "p").contains("10000"));
    assert_eq!(thread(&blog, &alice).await.len(), 1, "nothing was saved");

    // Shortened, it is taken, and the browser goes back to the post at the reply.
    let res = alice
        .post(blog.app.url("/rpc/comments/add"))
        .header("accept", "text/html")
        .header("referer", blog.app.url(&page_with_form))
        .form(&[
            ("post_id", blog.post_id.as_str()),
            ("parent_id", &parent_field),
            ("__form", &scope),
            ("content", "A reply short enough."),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/posts/talk#comment-"), "{location}");
}

on_both_backends!(
    a_refused_plain_reply_keeps_its_text_in_its_own_form,
    new_comments_wait_until_a_moderator_approves_them,
    trusted_commenters_skip_the_queue,
    threads_nest_oldest_first_and_keep_deleted_parents,
    editing_an_approved_comment_sends_it_back_unless_trusted,
    bad_comments_get_clear_errors_and_fast_writers_are_slowed,
    reports_reach_the_queue_and_approval_dismisses_them,
    nobody_approves_their_own_comment,
    who_may_do_what,
    admins_manage_categories_and_see_the_overview,
    hiding_a_users_comments_takes_them_out_of_threads,
);
