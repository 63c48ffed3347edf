//! Email, through a real SMTP server (aiosmtpd, started by the tests): account recovery by
//! mail, the outbox's retries while the mail server is down, and mail written to files when
//! no server is set.

mod common;

use std::time::Duration;

use common::mail::{free_port, SmtpSink};
use common::*;
use quire::accounts::Role;
use reqwest::Method;
use serde_json::json;

const NEW_PASSWORD: &str = "silver kettles hum at dawn";

/// A quire that sends its mail to `smtp_url`, with its sender running as `quire serve`'s does.
async fn mailing_app(backend: Backend, smtp_url: &str) -> TestApp {
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_SMTP_URL", smtp_url),
            ("QUIRE_MAIL_FROM", "blog@example.com"),
            ("QUIRE_MAIL_PER_MINUTE", "60000"),
        ],
    )
    .await;
    start_sender(&app);
    app
}

fn start_sender(app: &TestApp) {
    let sender =
        quire::mail::sender::Sender::new(app.db.clone(), &app.state.config).expect("a mail sender");
    tokio::spawn(sender.run());
}

async fn forgot(app: &TestApp, email: &str) -> (u16, serde_json::Value) {
    api(
        app,
        Method::POST,
        "/auth/forgot-password",
        None,
        Some(json!({ "email": email })),
    )
    .await
}

async fn a_forgotten_password_is_reset_with_the_link_from_the_mail(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "ada", Role::User).await;
    let elsewhere = signed_in_as(&app, "ada").await;

    let (status, body) = forgot(&app, "ADA@example.com ").await;
    assert_eq!(status, 202, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("on its way"),
        "{body}"
    );

    let mail = sink.mail_to("ada@example.com").await;
    assert_eq!(mail.subject, "Reset your password on My blog");
    let from = mail.header("From").unwrap();
    assert!(
        from.contains("My blog") && from.contains("<blog@example.com>"),
        "{from}"
    );
    assert!(mail.header("Message-ID").is_some());
    assert!(
        mail.header("List-Unsubscribe").is_none(),
        "account mail is not a list"
    );
    let path = mail.link("/reset-password?token=");
    assert!(mail.html.contains("Choose a new password"), "{}", mail.html);

    // The page behind the link offers the form, without JavaScript.
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("New password"), "{page}");

    // A weak password is refused next to its field, and the link still works.
    let token = path.split("token=").nth(1).unwrap().to_owned();
    let reset = |password: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            call(
                app,
                &browser(),
                "accounts/reset_password",
                &[("token", &token), ("password", password)],
            )
            .await
        }
    };
    let weak = reset("short").await;
    assert_eq!(weak.status, 400);
    assert!(
        field_message(&weak, "password").is_some(),
        "{:?}",
        weak.body
    );

    let done = reset(NEW_PASSWORD).await;
    assert!(succeeded(&done), "{} {:?}", done.status, done.body);

    // Every way in that used the old password is gone.
    let me = call(&app, &elsewhere, "accounts/me", &[]).await;
    assert_eq!(me.body, serde_json::Value::Null, "the old session ended");
    let (status, _) = api(
        &app,
        Method::POST,
        "/auth/login",
        None,
        Some(json!({"username": "ada", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 401, "the old password no longer works");
    let fresh = browser();
    let signed_in = sign_in(&app, &fresh, "ada", NEW_PASSWORD).await;
    assert!(succeeded(&signed_in), "{:?}", signed_in.body);

    // The owner hears of it, and the link is spent.
    let all = sink.wait_for(2, Duration::from_secs(20)).await;
    let changed = all
        .iter()
        .find(|m| m.subject.contains("was changed"))
        .expect("a 'changed' mail");
    assert_eq!(changed.to, "ada@example.com");
    let again = reset(NEW_PASSWORD).await;
    assert_eq!(again.status, 400);
    assert!(field_message(&again, "token")
        .unwrap()
        .contains("used already"));
    let (status, body) = api(
        &app,
        Method::POST,
        "/auth/reset-password",
        None,
        Some(json!({"token": token, "password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (_, page) = app.get_text(&path).await;
    assert!(
        page.contains("used already") && page.contains("/forgot-password"),
        "offers a new link: {page}"
    );
}

async fn unknown_addresses_get_the_same_answer_and_nothing_is_sent(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "known", Role::User).await;
    let (status_unknown, unknown) = forgot(&app, "nobody@example.com").await;
    let (status_known, known) = forgot(&app, "known@example.com").await;
    assert_eq!((status_unknown, status_known), (202, 202));
    assert_eq!(unknown, known, "the answers are the same");
    sink.mail_to("known@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = sink.received();
    assert!(
        received.iter().all(|m| m.to != "nobody@example.com"),
        "{received:?}"
    );

    // A mistyped address is said so, next to its field.
    let (status, body) = forgot(&app, "not an address").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "email");
    let answer = call(
        &app,
        &browser(),
        "accounts/forgot_password",
        &[("email", "nope")],
    )
    .await;
    assert!(
        field_message(&answer, "email").is_some(),
        "{:?}",
        answer.body
    );
}

async fn reset_links_are_limited_and_expire(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_SMTP_URL", &sink.url()),
            ("QUIRE_MAIL_PER_MINUTE", "60000"),
            ("QUIRE_AUTH_RATE_LIMIT", "8"),
        ],
    )
    .await;
    start_sender(&app);
    make_user(&app, "flooded", Role::User).await;
    for _ in 0..5 {
        let (status, _) = forgot(&app, "flooded@example.com").await;
        assert_eq!(status, 202);
    }
    sink.wait_for(3, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(sink.received().len(), 3, "three links an hour per account");

    // Per client address, as sign-ins: past QUIRE_AUTH_RATE_LIMIT (here 8) in the window,
    // 429 for any address, on the page's form and the API alike.
    for _ in 0..3 {
        let (status, _) = forgot(&app, "someone@example.com").await;
        assert_eq!(status, 202);
    }
    let answer = call(
        &app,
        &browser(),
        "accounts/forgot_password",
        &[("email", "someone@example.com")],
    )
    .await;
    assert_eq!(answer.status, 429, "{:?}", answer.body);
    let (status, body) = forgot(&app, "another@example.com").await;
    assert_eq!(status, 429, "{body}");

    // An hour later the link says it has expired, and offers a new one.
    let path = sink.received()[0].link("/reset-password?token=");
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE password_resets SET expires_at = $1"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::minutes(1))
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("expired"), "{page}");
}

async fn mail_waits_for_the_mail_server_and_failures_reach_the_admin(backend: Backend) {
    // Nothing listens there yet.
    let port = free_port();
    let app = mailing_app(backend, &format!("smtp://127.0.0.1:{port}")).await;
    make_user(&app, "patient", Role::User).await;
    make_user(&app, "boss", Role::Admin).await;
    let admin = signed_in_as(&app, "boss").await;
    let (status, _) = forgot(&app, "patient@example.com").await;
    assert_eq!(status, 202, "the reader sees no error");

    let overview = || async {
        let answer = call(&app, &admin, "mail/overview", &[]).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = overview().await;
        if body["retrying"] == 1 {
            assert_eq!(body["queued"], 1);
            assert_eq!(body["sending"], true);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never retried: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The server comes up; the retry (made due now rather than in 30 s) goes through.
    let sink = SmtpSink::start_on(port).await;
    make_due(&app).await;
    let mail = sink.mail_to("patient@example.com").await;
    assert!(mail.subject.starts_with("Reset your password"));

    // A message that keeps failing for a day is given up on, and the admin sees why.
    sink.stop().await;
    forgot(&app, "boss@example.com").await;
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE outbox SET created_at = $1 WHERE sent_at IS NULL"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::hours(25))
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = overview().await;
        if body["failed_last_week"] == 1 {
            let failure = &body["recent_failures"][0];
            assert_eq!(failure["recipient"], "boss@example.com", "{body}");
            assert!(!failure["error"].as_str().unwrap().is_empty(), "{body}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never given up: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, page) = get_with(&app, &admin, "/admin?tab=overview").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Messages given up on") && page.contains("boss@example.com"),
        "{page}"
    );
}

/// Every waiting message due now, as if its wait had passed.
async fn make_due(app: &TestApp) {
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE sent_at IS NULL"
    )
    .bind(chrono::Utc::now())
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
}

async fn without_a_mail_server_mail_is_written_to_files(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().display().to_string();
    let app = spawn_app_with(backend, &[("QUIRE_MAIL_DIR", dir.as_str())]).await;
    start_sender(&app);
    make_user(&app, "offline", Role::Admin).await;
    forgot(&app, "offline@example.com").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let file = loop {
        let found = std::fs::read_dir(folder.path()).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "eml"))
        });
        if let Some(found) = found {
            break found;
        }
        assert!(tokio::time::Instant::now() < deadline, "no .eml written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let raw = std::fs::read_to_string(&file).unwrap();
    assert!(raw.contains("To: offline@example.com"), "{raw}");
    assert!(raw.contains("reset-password?token="), "{raw}");
    let admin = signed_in_as(&app, "offline").await;
    let (_, page) = get_with(&app, &admin, "/admin?tab=overview").await;
    assert!(
        page.contains("no mail server is set"),
        "the admin is told mail is not sent"
    );
}

async fn invitations_with_an_address_go_out_by_mail(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "host", Role::Admin).await;
    let token = api_token(&app, "host").await;
    let (status, body) = api(
        &app,
        Method::POST,
        "/invitations",
        Some(&token),
        Some(json!({"role": "AUTHOR", "email": "Guest@Example.com"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mail = sink.mail_to("guest@example.com").await;
    assert_eq!(mail.subject, "host invites you to write on My blog");
    let path = mail.link("/signup?invitation=");
    let shown = body["data"]["url"].as_str().unwrap();
    assert!(
        shown.ends_with(&path),
        "the mailed link is the one the admin was shown: {shown}"
    );
    let invitation = path.split("invitation=").nth(1).unwrap();
    let (status, body) = api(&app, Method::POST, "/auth/register", None, Some(json!({
        "email": "guest@example.com", "username": "guest", "password": NEW_PASSWORD, "invitation": invitation,
    }))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["user"]["role"], "AUTHOR");

    // Without an address nothing is mailed: the link is the admin's to pass on.
    let (status, _) = api(
        &app,
        Method::POST,
        "/invitations",
        Some(&token),
        Some(json!({"role": "USER"})),
    )
    .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 1);
}

async fn a_new_address_is_confirmed_by_the_link_sent_to_it(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "mover", Role::User).await;
    let client = signed_in_as(&app, "mover").await;
    let asked = call(
        &app,
        &client,
        "accounts/change_email",
        &[
            ("email", "moved@example.com"),
            ("current_password", PASSWORD),
        ],
    )
    .await;
    assert!(succeeded(&asked), "{:?}", asked.body);

    let notice = sink.mail_to("mover@example.com").await;
    assert!(
        notice.subject.contains("is being changed"),
        "{}",
        notice.subject
    );
    assert!(notice.text.contains("moved@example.com"));
    let confirm = sink.mail_to("moved@example.com").await;
    let path = confirm.link("/confirm-email?token=");
    // Opening the link (as a mail scanner would) changes nothing; its button does.
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Use moved@example.com for your account"),
        "{page}"
    );
    assert!(succeeded(
        &sign_in(&app, &browser(), "mover@example.com", PASSWORD).await
    ));

    let token = path.split("token=").nth(1).unwrap();
    let confirmed = call(
        &app,
        &browser(),
        "accounts/confirm_email",
        &[("token", token)],
    )
    .await;
    assert!(succeeded(&confirmed), "{:?}", confirmed.body);
    assert!(succeeded(
        &sign_in(&app, &browser(), "moved@example.com", PASSWORD).await
    ));
    assert_eq!(
        sign_in(&app, &browser(), "mover@example.com", PASSWORD)
            .await
            .status,
        400
    );
    let all = sink.wait_for(3, Duration::from_secs(20)).await;
    let after = all
        .iter()
        .find(|m| m.subject.contains("was changed"))
        .expect("the old address is told");
    assert_eq!(after.to, "mover@example.com");

    let again = call(
        &app,
        &browser(),
        "accounts/confirm_email",
        &[("token", token)],
    )
    .await;
    assert!(field_message(&again, "token")
        .unwrap()
        .contains("used already"));
}

/// A published post by `author` (a bearer token): its id.
async fn publish(app: &TestApp, author: &str) -> String {
    let (status, body) = api(
        app,
        Method::POST,
        "/posts",
        Some(author),
        Some(json!({
            "title": "Notes on kettles", "content": "Kettles sing.", "status": "PUBLISHED"
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

async fn comment(
    app: &TestApp,
    token: &str,
    post: &str,
    parent: Option<&str>,
    text: &str,
) -> String {
    let mut body = json!({ "content": text });
    if let Some(parent) = parent {
        body["parentId"] = json!(parent);
    }
    let (status, body) = api(
        app,
        Method::POST,
        &format!("/posts/{post}/comments"),
        Some(token),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

async fn comment_mail_reaches_who_it_concerns_and_stops_in_one_click(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "writer", Role::Author).await;
    make_user(&app, "reader", Role::User).await;
    make_user(&app, "mod", Role::Moderator).await;
    let writer = api_token(&app, "writer").await;
    let reader = api_token(&app, "reader").await;
    let moderator = api_token(&app, "mod").await;
    let post = publish(&app, &writer).await;

    // New commenters wait for a moderator; the approval is the moment mail goes out.
    let approve = |id: String| {
        let (app, moderator) = (&app, moderator.clone());
        async move {
            let path = format!("/comments/{id}/approve");
            let (status, body) = api(app, Method::POST, &path, Some(&moderator), None).await;
            assert_eq!(status, 200, "{body}");
        }
    };
    let first = comment(&app, &writer, &post, None, "Thanks for reading.").await;
    approve(first.clone()).await;
    let own = sink.mail_to("writer@example.com").await;
    assert!(own.subject.contains("was approved"), "{}", own.subject);
    let answer = comment(
        &app,
        &reader,
        &post,
        Some(&first),
        "Mine sings in B flat, <b>loudly</b>.",
    )
    .await;
    approve(answer.clone()).await;

    let approved = sink.mail_to("reader@example.com").await;
    assert!(
        approved.subject.contains("was approved"),
        "{}",
        approved.subject
    );
    let all = sink.wait_for(3, Duration::from_secs(20)).await;
    let reply = all
        .iter()
        .find(|m| m.subject.contains("replied"))
        .expect("a reply mail")
        .clone();
    assert_eq!(reply.to, "writer@example.com");
    assert_eq!(
        reply.subject,
        "reader replied to your comment on “Notes on kettles”"
    );
    assert!(
        reply.text.contains("Mine sings in B flat, <b>loudly</b>."),
        "quoted as text: {}",
        reply.text
    );
    assert!(!reply.html.contains("<b>loudly"), "escaped in HTML");
    assert!(reply.text.contains(&format!("#comment-{answer}")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.received().len(),
        3,
        "one mail each: the reply mail covers the writer's post"
    );

    // RFC 8058: the headers, and a POST with no cookie turns replies off.
    let unsubscribe = reply.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        reply.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let url = unsubscribe.trim_matches(['<', '>']);
    let path = &url[url.find("/unsubscribe").unwrap()..];
    let (status, page) = app.get_text(path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Stop getting emails about replies to your comments?"),
        "{page}"
    );
    let res = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://mail.example.net")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let forged = path.replacen("token=", "token=9", 1);
    let res = reqwest::Client::new()
        .post(app.url(&forged))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Replies no longer come; comments on the writer's post still do.
    let again = comment(&app, &reader, &post, Some(&first), "Another reply").await;
    approve(again).await;
    let after = sink.wait_for(5, Duration::from_secs(20)).await;
    let to_writer: Vec<&str> = after[3..]
        .iter()
        .filter(|m| m.to == "writer@example.com")
        .map(|m| m.subject.as_str())
        .collect();
    assert_eq!(to_writer, ["New comment on “Notes on kettles”"]);
    let writer_browser = signed_in_as(&app, "writer").await;
    let settings = call(&app, &writer_browser, "accounts/settings", &[]).await;
    assert_eq!(settings.body["notifications"]["replies"], false);
    assert_eq!(settings.body["notifications"]["comments"], true);

    // The settings page turns them back on (a checkbox left out is off).
    let saved = call(
        &app,
        &writer_browser,
        "accounts/notifications",
        &[("replies", "on"), ("approved", "on")],
    )
    .await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    let settings = call(&app, &writer_browser, "accounts/settings", &[]).await;
    assert_eq!(settings.body["notifications"]["replies"], true);
    assert_eq!(settings.body["notifications"]["comments"], false);
}

async fn moderators_get_one_digest_per_window(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "writer", Role::Author).await;
    make_user(&app, "newcomer", Role::User).await;
    make_user(&app, "mod", Role::Moderator).await;
    make_user(&app, "quiet_mod", Role::Moderator).await;
    let quiet = signed_in_as(&app, "quiet_mod").await;
    call(&app, &quiet, "accounts/notifications", &[("replies", "on")]).await;
    let post = publish(&app, &api_token(&app, "writer").await).await;
    let every = chrono::TimeDelta::minutes(30);
    let mailing = app.state.mailing().await.unwrap();
    assert_eq!(
        quire::moderation::digest::enqueue_due(&app.db, &mailing, every)
            .await
            .unwrap(),
        0,
        "nothing waits"
    );

    let newcomer = api_token(&app, "newcomer").await;
    comment(&app, &newcomer, &post, None, "First!").await;
    comment(&app, &newcomer, &post, None, "Second, with more to say.").await;
    let queued = quire::moderation::digest::enqueue_due(&app.db, &mailing, every)
        .await
        .unwrap();
    assert!(queued >= 1, "mod (and the writer's admin? no) get one");
    // Another instance, or the next minute, in the same window: nothing more.
    quire::moderation::digest::enqueue_due(&app.db, &mailing, every)
        .await
        .unwrap();
    let digest = sink.mail_to("mod@example.com").await;
    assert!(
        digest
            .subject
            .starts_with("2 comments are waiting for moderation"),
        "{}",
        digest.subject
    );
    assert!(
        digest
            .text
            .contains("@newcomer on “Notes on kettles”: “Second, with more to say.”"),
        "{}",
        digest.text
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = sink.received();
    assert_eq!(
        received
            .iter()
            .filter(|m| m.to == "mod@example.com")
            .count(),
        1
    );
    assert!(
        received.iter().all(|m| m.to != "quiet_mod@example.com"),
        "turned off in settings"
    );
}

async fn comments_wait_for_a_confirmed_address_where_the_blog_asks(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = mailing_app(backend, &sink.url()).await;
    make_user(&app, "owner", Role::Admin).await;
    // Made by an admin: confirmed from the start.
    make_user(&app, "regular", Role::User).await;
    let owner = api_token(&app, "owner").await;
    let (status, body) = api(
        &app,
        Method::PATCH,
        "/settings",
        Some(&owner),
        Some(json!({ "commentsNeedConfirmedEmail": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["commentsNeedConfirmedEmail"], true);
    let post: i64 = publish(&app, &owner).await.parse().unwrap();
    let add = |client: reqwest::Client, text: &'static str| {
        let app = &app;
        async move {
            let post = post.to_string();
            call(
                app,
                &client,
                "comments/add",
                &[("post_id", post.as_str()), ("content", text)],
            )
            .await
        }
    };

    let newcomer = browser();
    let joined = call(
        &app,
        &newcomer,
        "accounts/sign_up",
        &[
            ("email", "newcomer@example.com"),
            ("username", "newcomer"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(succeeded(&joined), "{:?}", joined.body);
    let welcome = sink.mail_to("newcomer@example.com").await;
    assert_eq!(welcome.subject, "Confirm your address on My blog");
    let path = welcome.link("/confirm-email?token=");

    // Until then the thread says why there is no form, and the server refuses a comment.
    let (status, page) = get_with(&app, &newcomer, "/posts/notes-on-kettles").await;
    assert_eq!(status, 200);
    assert!(page.contains("confirm-to-comment"), "{page}");
    assert!(!page.contains("Post comment"), "no form to type into");
    let refused = add(newcomer.clone(), "Hello!").await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert!(
        refused
            .body
            .to_string()
            .contains("Confirm your email address"),
        "{:?}",
        refused.body
    );
    let regular = signed_in_as(&app, "regular").await;
    assert!(succeeded(&add(regular, "First!").await));

    // A new link on request, at most three an hour (the sign-up's counts).
    for _ in 0..2 {
        let again = call(&app, &newcomer, "accounts/send_confirmation", &[]).await;
        assert!(succeeded(&again), "{:?}", again.body);
    }
    let too_many = call(&app, &newcomer, "accounts/send_confirmation", &[]).await;
    assert_eq!(too_many.status, 429, "{:?}", too_many.body);
    sink.wait_for(3, Duration::from_secs(20)).await;

    // The first link still works: the page asks, its button confirms.
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Is newcomer@example.com your address?"),
        "{page}"
    );
    let token = path.split("token=").nth(1).unwrap();
    let confirmed = call(
        &app,
        &browser(),
        "accounts/confirm_email",
        &[("token", token)],
    )
    .await;
    assert!(succeeded(&confirmed), "{:?}", confirmed.body);
    let (_, done) = app.get_text("/confirm-email?done=confirmed").await;
    assert!(done.contains("your address is confirmed"), "{done}");
    assert!(succeeded(&add(newcomer.clone(), "Hello at last!").await));
    let (_, settings) = get_with(&app, &newcomer, "/settings").await;
    assert!(!settings.contains("address-unconfirmed"), "{settings}");
    let again = call(&app, &newcomer, "accounts/send_confirmation", &[]).await;
    assert!(
        again.body.as_str().unwrap().contains("confirmed already"),
        "{:?}",
        again.body
    );
    // A confirmation tells nobody that an address changed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink
        .received()
        .iter()
        .all(|m| !m.subject.contains("changed")));

    // With the setting off, a newcomer comments at once (and is still asked to confirm).
    let (status, _) = api(
        &app,
        Method::PATCH,
        "/settings",
        Some(&owner),
        Some(json!({ "commentsNeedConfirmedEmail": false })),
    )
    .await;
    assert_eq!(status, 200);
    let later = browser();
    let joined = call(
        &app,
        &later,
        "accounts/sign_up",
        &[
            ("email", "later@example.com"),
            ("username", "later"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(succeeded(&joined), "{:?}", joined.body);
    assert!(succeeded(&add(later.clone(), "Straight in").await));
    let (_, settings) = get_with(&app, &later, "/settings").await;
    assert!(settings.contains("address-unconfirmed"), "{settings}");
    sink.mail_to("later@example.com").await;
}

on_both_backends!(
    comments_wait_for_a_confirmed_address_where_the_blog_asks,
    comment_mail_reaches_who_it_concerns_and_stops_in_one_click,
    moderators_get_one_digest_per_window,
    a_new_address_is_confirmed_by_the_link_sent_to_it,
    invitations_with_an_address_go_out_by_mail,
    a_forgotten_password_is_reset_with_the_link_from_the_mail,
    unknown_addresses_get_the_same_answer_and_nothing_is_sent,
    reset_links_are_limited_and_expire,
    mail_waits_for_the_mail_server_and_failures_reach_the_admin,
    without_a_mail_server_mail_is_written_to_files,
);
