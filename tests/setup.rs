//! First run: a blog nobody has claimed says so on every page, and only whoever holds the
//! token `quire serve` printed can name it and become its first admin, once. Both backends.

mod common;

use common::*;
use serde_json::json;

on_both_backends!(
    a_fresh_blog_is_claimed_once_with_its_token,
    an_admin_made_on_the_command_line_skips_setup,
);

const OWNER_PASSWORD: &str = "the owner's own long password";

fn claim_form<'a>(token: &'a str, title: &'a str, username: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("title", title),
        ("email", "owner@example.com"),
        ("username", username),
        ("password", OWNER_PASSWORD),
    ]
}

async fn a_fresh_blog_is_claimed_once_with_its_token(backend: Backend) {
    let app = spawn_unclaimed_blog(backend).await;
    let token = quire::accounts::setup::open(&app.db)
        .await
        .unwrap()
        .expect("an unclaimed blog gives a setup token");

    // Every page says it is being set up, and nobody can sign up yet.
    for path in ["/", "/tags", "/signup", "/posts/anything"] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 503, "{path}");
        assert!(page.contains("This blog is being set up"), "{path}: {page}");
    }
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/auth/register",
        None,
        Some(json!({"email": "early@example.com", "username": "early", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("being set up"),
        "{body}"
    );

    // The setup page: its form with the token, a refusal without it.
    let (status, page) = app.get_text(&format!("/setup?token={token}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Blog name") && page.contains("Create the blog"),
        "{page}"
    );
    let (status, page) = app.get_text("/setup?token=guessed").await;
    assert_eq!(status, 403);
    assert!(page.contains("not valid"), "{page}");
    assert!(!page.contains("Create the blog"));

    // A wrong token claims nothing; bad fields are named, and nothing is made.
    let stranger = browser();
    let answer = call(
        &app,
        &stranger,
        "setup/claim",
        &claim_form("guessed", "Mine now", "mallory"),
    )
    .await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    let owner = browser();
    let mut form = claim_form(&token, " ", "olive");
    form.retain(|(k, _)| *k != "password");
    form.push(("password", "short"));
    let answer = call(&app, &owner, "setup/claim", &form).await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert!(
        field_message(&answer, "title").is_some(),
        "{:?}",
        answer.body
    );
    assert!(
        field_message(&answer, "password").is_some(),
        "{:?}",
        answer.body
    );
    assert_eq!(app.get_text("/").await.0, 503, "still unclaimed");

    // The owner claims it: signed in as its admin, the blog named, the pages open.
    let answer = call(
        &app,
        &owner,
        "setup/claim",
        &claim_form(&token, "Olive's notes", "olive"),
    )
    .await;
    assert!(succeeded(&answer), "{} {:?}", answer.status, answer.body);
    let (status, page) = get_with(&app, &owner, "/admin?tab=settings").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Olive&#x27;s notes") || page.contains("Olive's notes"),
        "{page}"
    );
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(!home.contains("being set up"));
    assert!(home.contains("<title>Olive"), "{home}");
    let (_, settings) = api(&app, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["data"]["title"], "Olive's notes");

    // /setup is gone for good: the same token again, another one, a new server's.
    let again = browser();
    let answer = call(
        &app,
        &again,
        "setup/claim",
        &claim_form(&token, "Taken", "mallory"),
    )
    .await;
    assert_eq!(answer.status, 404, "{:?}", answer.body);
    assert_eq!(app.get_text(&format!("/setup?token={token}")).await.0, 404);
    assert!(quire::accounts::setup::open(&app.db)
        .await
        .unwrap()
        .is_none());
    let (status, _) = api(
        &app,
        reqwest::Method::POST,
        "/auth/login",
        None,
        Some(json!({"username": "mallory", "password": OWNER_PASSWORD})),
    )
    .await;
    assert_eq!(status, 401, "no second owner was made");
    let (status, _) = api(
        &app,
        reqwest::Method::POST,
        "/auth/register",
        None,
        Some(json!({"email": "reader@example.com", "username": "reader", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "sign-up is open once the blog is set up");
}

async fn an_admin_made_on_the_command_line_skips_setup(backend: Backend) {
    let app = spawn_unclaimed_blog(backend).await;
    let token = quire::accounts::setup::open(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.get_text("/").await.0, 503);
    let out = run(quire()
        .args([
            "user",
            "create",
            "--username",
            "root_admin",
            "--email",
            "root@example.com",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &app.database.url)
        .env("QUIRE_PASSWORD", OWNER_PASSWORD))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The server notices within the content version's time to live.
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(app.get_text(&format!("/setup?token={token}")).await.0, 404);
}
