//! Following the blog by email, through a real SMTP server: double opt-in, each new post
//! mailed once to every confirmed follower (the blog's, an author's, a tag's), one-click
//! unsubscribe, and the admins' list.

mod common;

use std::time::Duration;

use common::mail::SmtpSink;
use common::*;
use quire::accounts::Role;
use reqwest::Method;
use serde_json::json;

async fn mailing_app(backend: Backend, sink: &SmtpSink) -> TestApp {
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_SMTP_URL", &sink.url()),
            ("QUIRE_MAIL_PER_MINUTE", "60000"),
        ],
    )
    .await;
    let sender =
        quire::mail::sender::Sender::new(app.db.clone(), &app.state.config).expect("a mail sender");
    tokio::spawn(sender.run());
    app
}

/// What `quire serve` does every few seconds: queue the posts that went out.
async fn deliver(app: &TestApp) -> u64 {
    let mailing = app.state.mailing().await.unwrap();
    quire::subscriptions::delivery::deliver_due(&app.db, &mailing)
        .await
        .unwrap()
}

async fn publish(app: &TestApp, token: &str, title: &str, tags: &[&str]) -> String {
    let (status, body) = api(
        app,
        Method::POST,
        "/posts",
        Some(token),
        Some(json!({
            "title": title, "content": format!("{title}: the whole post.\n\n![a kettle](/media/kettle.png)"),
            "status": "PUBLISHED", "tags": tags,
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

/// Subscribes `email` through the API and opens the link that comes (its button).
async fn follow_confirmed(
    app: &TestApp,
    sink: &SmtpSink,
    token: Option<&str>,
    body: serde_json::Value,
) {
    let email = body["email"].as_str().unwrap().to_lowercase();
    let before = sink.received().len();
    let (status, answer) = api(app, Method::POST, "/subscribers", token, Some(body)).await;
    assert_eq!(status, 202, "{answer}");
    let mail = sink
        .wait_for(before + 1, Duration::from_secs(20))
        .await
        .pop()
        .unwrap();
    assert_eq!(mail.to, email);
    let path = mail.link("/subscribe/confirm?token=");
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("by email?"), "{page}");
    let token = path.split("token=").nth(1).unwrap();
    let confirmed = call(
        app,
        &browser(),
        "subscriptions/confirm",
        &[("token", token)],
    )
    .await;
    assert!(succeeded(&confirmed), "{:?}", confirmed.body);
}

async fn followers_get_each_new_post_once_and_can_stop(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink).await;
    make_user(&app, "writer", Role::Author).await;
    make_user(&app, "boss", Role::Admin).await;
    let writer = api_token(&app, "writer").await;

    follow_confirmed(&app, &sink, None, json!({"email": "Fan@Example.com"})).await;
    // Asked but never confirmed: nothing is sent there.
    let (status, _) = api(
        &app,
        Method::POST,
        "/subscribers",
        None,
        Some(json!({"email": "lurker@example.com"})),
    )
    .await;
    assert_eq!(status, 202);
    sink.wait_for(2, Duration::from_secs(20)).await;
    // Asking again while following changes nothing and sends nothing.
    let (status, _) = api(
        &app,
        Method::POST,
        "/subscribers",
        None,
        Some(json!({"email": "fan@example.com"})),
    )
    .await;
    assert_eq!(status, 202);

    publish(&app, &writer, "Kettles, part one", &[]).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(deliver(&app).await, 0, "a post is mailed once");
    let post = sink
        .wait_for(3, Duration::from_secs(20))
        .await
        .pop()
        .unwrap();
    assert_eq!(post.to, "fan@example.com");
    assert_eq!(post.subject, "Kettles, part one");
    assert!(
        post.text.contains("Kettles, part one: the whole post."),
        "{}",
        post.text
    );
    assert!(
        post.html.contains(&format!(
            "src=\"{}/media/kettle.png\"",
            app.state.config.origin()
        )),
        "absolute image address: {}",
        post.html
    );
    assert!(!post.html.contains("%%UNSUBSCRIBE%%") && !post.text.contains("%%UNSUBSCRIBE%%"));
    let unsubscribe = post
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim_matches(['<', '>'])
        .to_owned();
    assert!(
        post.text.contains(&unsubscribe),
        "the link is in the body too"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.received().len(),
        3,
        "nothing to the address that did not confirm"
    );

    let boss = api_token(&app, "boss").await;
    let (status, list) = api(&app, Method::GET, "/subscribers", Some(&boss), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        (
            list["data"]["confirmed"].as_i64(),
            list["data"]["waiting"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let (status, _) = api(&app, Method::GET, "/subscribers", Some(&writer), None).await;
    assert_eq!(status, 403, "admins only");

    // One click, no cookie, from the mail provider: nothing more comes.
    let path = &unsubscribe[unsubscribe.find("/unsubscribe").unwrap()..];
    let (_, page) = app.get_text(path).await;
    assert!(
        page.contains("Stop getting new posts on My blog?"),
        "{page}"
    );
    let res = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    publish(&app, &writer, "Kettles, part two", &[]).await;
    assert_eq!(deliver(&app).await, 0);
    let (_, list) = api(
        &app,
        Method::GET,
        "/subscribers?search=fan",
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(
        list["data"]["subscribers"][0]["unsubscribed"], true,
        "{list}"
    );
}

async fn signed_in_readers_follow_an_author_or_a_tag(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink).await;
    make_user(&app, "ada", Role::Author).await;
    make_user(&app, "bob", Role::Author).await;
    make_user(&app, "reader", Role::User).await;
    let (ada, bob, reader) = (
        api_token(&app, "ada").await,
        api_token(&app, "bob").await,
        api_token(&app, "reader").await,
    );
    let ada_id = api(&app, Method::GET, "/users/me", Some(&ada), None)
        .await
        .1["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Visitors follow the whole blog only.
    let (status, _) = api(
        &app,
        Method::POST,
        "/subscribers",
        None,
        Some(json!({"email": "x@example.com", "tag": "rust"})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = api(
        &app,
        Method::POST,
        "/subscribers",
        Some(&reader),
        Some(json!({"email": "reader@example.com", "tag": "no-such-tag"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    publish(&app, &bob, "Setting the tag up", &["rust"]).await;
    deliver(&app).await;
    follow_confirmed(
        &app,
        &sink,
        Some(&reader),
        json!({"email": "reader@example.com", "tag": "rust"}),
    )
    .await;
    follow_confirmed(
        &app,
        &sink,
        Some(&reader),
        json!({"email": "reader@example.com", "authorId": ada_id}),
    )
    .await;
    follow_confirmed(&app, &sink, None, json!({"email": "reader@example.com"})).await;
    let before = sink.received().len();

    // Ada's post with the tag: followed three ways, mailed once.
    publish(&app, &ada, "Rust kettles", &["rust"]).await;
    assert_eq!(deliver(&app).await, 1);
    let mail = sink
        .wait_for(before + 1, Duration::from_secs(20))
        .await
        .pop()
        .unwrap();
    assert_eq!(mail.subject, "Rust kettles");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), before + 1);

    // A tag follower who stops the blog-wide subscription still gets the tag's posts.
    let unsubscribe = mail
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let path = &unsubscribe[unsubscribe.find("/unsubscribe").unwrap()..];
    reqwest::Client::new()
        .post(app.url(path))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    publish(&app, &bob, "More rust", &["rust"]).await;
    assert_eq!(
        deliver(&app).await,
        1,
        "still followed through the tag or the author"
    );
}

async fn scheduled_posts_are_mailed_when_they_go_out(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink).await;
    make_user(&app, "planner", Role::Author).await;
    let planner = api_token(&app, "planner").await;
    follow_confirmed(&app, &sink, None, json!({"email": "early@example.com"})).await;
    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339();
    let (status, body) = api(&app, Method::POST, "/posts", Some(&planner), Some(json!({
        "title": "Tomorrow's kettle", "content": "Soon.", "status": "PUBLISHED", "publishedAt": later,
    }))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(deliver(&app).await, 0, "not before it goes out");
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE posts SET published_at = $1"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::minutes(1))
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    assert_eq!(deliver(&app).await, 1, "when its time has come");
    let mail = sink
        .wait_for(2, Duration::from_secs(20))
        .await
        .pop()
        .unwrap();
    assert_eq!(mail.subject, "Tomorrow's kettle");
}

async fn admins_search_remove_export_and_import_subscribers(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink).await;
    make_user(&app, "boss", Role::Admin).await;
    make_user(&app, "writer", Role::Author).await;
    let admin = signed_in_as(&app, "boss").await;
    let import = |body: &'static str, client: reqwest::Client| {
        let app = &app;
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("list.csv"),
            );
            client
                .post(app.url("/admin/subscribers/import"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let res = import(
        "email,name\nAnn@example.com,Ann\nnot an address\n\"bo@example.com\",Bo\nann@example.com\n",
        admin.clone(),
    )
    .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/admin?tab=subscribers&imported=2&present=1&skipped=2"
    );
    let writer = signed_in_as(&app, "writer").await;
    let res = import("x@example.com\n", writer.clone()).await;
    assert_eq!(res.status(), 403, "admins only");

    let (status, page) = get_with(&app, &admin, "/admin?tab=subscribers").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("ann@example.com") && page.contains("bo@example.com"),
        "{page}"
    );
    let (_, found) = get_with(&app, &admin, "/admin?tab=subscribers&search=bo%40").await;
    assert!(found.contains("bo@example.com") && !found.contains("ann@example.com"));
    let (status, csv) = get_with(&app, &admin, "/admin/subscribers.csv").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("email,follows,target,confirmed,unsubscribed,created_at\nann@example.com,blog,,true,false,"), "{csv}");
    let (status, _) = get_with(&app, &writer, "/admin/subscribers.csv").await;
    assert_eq!(status, 403);

    // Imported followers get the next post; a removed one does not.
    let bo: i64 = quire::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT CAST(id AS BIGINT) FROM subscribers WHERE email = 'bo@example.com'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let removed = call(
        &app,
        &admin,
        "subscriptions/remove",
        &[("id", &bo.to_string())],
    )
    .await;
    assert!(succeeded(&removed), "{:?}", removed.body);
    publish(
        &app,
        &api_token(&app, "writer").await,
        "For the imported",
        &[],
    )
    .await;
    assert_eq!(deliver(&app).await, 1);
    let mail = sink
        .wait_for(1, Duration::from_secs(20))
        .await
        .pop()
        .unwrap();
    assert_eq!(mail.to, "ann@example.com");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, page) = get_with(&app, &admin, "/admin?tab=subscribers").await;
        if page.contains("1 of 1") {
            assert!(page.contains("For the imported"));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the send's progress shows: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both_backends!(
    admins_search_remove_export_and_import_subscribers,
    followers_get_each_new_post_once_and_can_stop,
    signed_in_readers_follow_an_author_or_a_tag,
    scheduled_posts_are_mailed_when_they_go_out,
);
