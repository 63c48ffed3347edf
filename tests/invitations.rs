//! Invitations by link: made by admins (pages and API), taken once, for 7 days, with the
//! role they name; the blog's registration rule decides who needs one. Both backends.

mod common;

use common::*;
use quire::accounts::Role;
use serde_json::{json, Value};

on_both_backends!(
    an_invitation_is_taken_once_with_its_role,
    invitations_and_the_registration_rule
);

async fn set_registration(app: &TestApp, admin: &reqwest::Client, registration: &str) {
    let answer = call(
        app,
        admin,
        "site/save",
        &[
            ("title", "Invited"),
            ("description", ""),
            ("language", "en"),
            ("footer", ""),
            ("registration", registration),
            ("publishing", "authors"),
            ("comments_enabled", "on"),
        ],
    )
    .await;
    assert!(succeeded(&answer), "{:?}", answer.body);
}

async fn invite(app: &TestApp, admin: &reqwest::Client, role: &str, email: &str) -> String {
    let made = call(
        app,
        admin,
        "invitations/create",
        &[("role", role), ("email", email)],
    )
    .await;
    assert!(succeeded(&made), "{:?}", made.body);
    let url = made.body["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.base_url) || url.contains("/signup?invitation="),
        "{url}"
    );
    url.split("invitation=").nth(1).unwrap().to_owned()
}

async fn sign_up_with(app: &TestApp, username: &str, email: &str, invitation: &str) -> Answer {
    call(
        app,
        &browser(),
        "accounts/sign_up",
        &[
            ("email", email),
            ("username", username),
            ("password", PASSWORD),
            ("invitation", invitation),
        ],
    )
    .await
}

async fn an_invitation_is_taken_once_with_its_role(backend: Backend) {
    let app = spawn_new_blog(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;
    let token = invite(&app, &admin, "AUTHOR", "").await;

    // The link's page says what it offers and holds the form.
    let (status, page) = app.get_text(&format!("/signup?invitation={token}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("You are invited to join My blog as an author."),
        "{page}"
    );
    assert!(page.contains("Create account"));

    let taken = sign_up_with(&app, "newauthor", "new@example.com", &token).await;
    assert!(succeeded(&taken), "{:?}", taken.body);
    let user = quire::accounts::store::find_by_username(&app.db, "newauthor")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "AUTHOR", "the invitation's role");

    // Once only, in the page and the API alike.
    let again = sign_up_with(&app, "second", "second@example.com", &token).await;
    assert_eq!(again.status, 400);
    assert_eq!(
        field_message(&again, "invitation").as_deref(),
        Some("This invitation has been used already")
    );
    let (_, page) = app.get_text(&format!("/signup?invitation={token}")).await;
    assert!(page.contains("This invitation has been used already"));
    assert!(!page.contains("Create account"));
    let res = app
        .client
        .post(app.url("/api/auth/register"))
        .json(&json!({"email": "third@example.com", "username": "third", "password": PASSWORD, "invitation": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "invitation", "{body}");

    // An invitation for an address takes only that address.
    let token = invite(&app, &admin, "MODERATOR", "Mona@Example.com").await;
    let (_, page) = app.get_text(&format!("/signup?invitation={token}")).await;
    assert!(
        page.contains("value=\"mona@example.com\""),
        "the address is filled in"
    );
    let wrong = sign_up_with(&app, "notmona", "other@example.com", &token).await;
    assert_eq!(
        field_message(&wrong, "email").as_deref(),
        Some("This invitation is for mona@example.com")
    );
    let right = sign_up_with(&app, "mona", "mona@example.com", &token).await;
    assert!(succeeded(&right), "{:?}", right.body);

    // Expired after 7 days.
    let token = invite(&app, &admin, "USER", "").await;
    quire::with_db!(&app.db, |pool| sqlx::query(
        "UPDATE invitations SET expires_at = $1 WHERE used_at IS NULL"
    )
    .bind(quire::platform::db::now() - chrono::TimeDelta::seconds(1))
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let late = sign_up_with(&app, "late", "late@example.com", &token).await;
    assert_eq!(
        field_message(&late, "invitation").as_deref(),
        Some("This invitation has expired; ask for a new one")
    );
    let bogus = sign_up_with(&app, "bogus", "bogus@example.com", "made-up").await;
    assert!(field_message(&bogus, "invitation")
        .unwrap()
        .contains("not valid"));

    // The admins' list says where each stands; the API makes them too.
    let listed = call(&app, &admin, "invitations/list", &[]).await;
    let states: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Expired", "Used", "Used"], "{:?}", listed.body);
    let (_, audit) = get_with(&app, &admin, "/admin?tab=audit").await;
    assert!(audit.contains("invitation.create"));
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/invitations",
        Some(&api_token(&app, "owner").await),
        Some(json!({"role": "AUTHOR", "email": "api@example.com"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["url"]
            .as_str()
            .unwrap()
            .contains("/signup?invitation="),
        "{body}"
    );
    assert_eq!(body["data"]["role"], "AUTHOR");
    assert_eq!(body["data"]["email"], "api@example.com");

    // Nobody else makes them.
    make_user(&app, "mod", Role::Moderator).await;
    let moderator = signed_in_as(&app, "mod").await;
    let refused = call(
        &app,
        &moderator,
        "invitations/create",
        &[("role", "ADMIN"), ("email", "")],
    )
    .await;
    assert_eq!(refused.status, 403);
}

async fn invitations_and_the_registration_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "owner", Role::Admin).await;
    let admin = signed_in_as(&app, "owner").await;

    set_registration(&app, &admin, "invite").await;
    let (_, page) = app.get_text("/signup").await;
    assert!(
        page.contains("This blog takes new accounts by invitation only"),
        "{page}"
    );
    let plain = call(
        &app,
        &browser(),
        "accounts/sign_up",
        &[
            ("email", "walkin@example.com"),
            ("username", "walkin"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(plain.status, 403);
    let token = invite(&app, &admin, "USER", "").await;
    let invited = sign_up_with(&app, "guest", "guest@example.com", &token).await;
    assert!(succeeded(&invited), "{:?}", invited.body);

    // Closed: not even with an invitation.
    let token = invite(&app, &admin, "USER", "").await;
    set_registration(&app, &admin, "closed").await;
    let refused = sign_up_with(&app, "latecomer", "latecomer@example.com", &token).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.to_string().contains("Sign-up is closed"));
    let (_, page) = app.get_text(&format!("/signup?invitation={token}")).await;
    assert!(page.contains("Sign-up is closed on this blog"));

    // Open: an invitation still gives its role.
    set_registration(&app, &admin, "open").await;
    let token = invite(&app, &admin, "AUTHOR", "").await;
    let invited = sign_up_with(&app, "openauthor", "openauthor@example.com", &token).await;
    assert!(succeeded(&invited), "{:?}", invited.body);
    let user = quire::accounts::store::find_by_username(&app.db, "openauthor")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "AUTHOR");
}
