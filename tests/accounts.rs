//! Accounts, sessions and roles, through the same HTTP doors a browser uses.

mod common;

use common::{
    browser, call, field_message, make_user, session_cookie, sign_in, signed_in_as, spawn_app,
    spawn_app_with, succeeded, Answer, Backend, TestApp, PASSWORD,
};
use quire::accounts::Role;

async fn sign_up(app: &TestApp, client: &reqwest::Client, username: &str) -> Answer {
    let email = format!("{}@example.com", username.to_lowercase());
    call(
        app,
        client,
        "accounts/sign_up",
        &[
            ("email", &email),
            ("username", username),
            ("password", PASSWORD),
            ("first_name", "Ada"),
            ("last_name", ""),
        ],
    )
    .await
}

async fn whoami(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    let answer = call(app, client, "accounts/me", &[]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["username"].as_str().map(str::to_owned)
}

async fn sign_up_signs_in_and_the_header_shows_the_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = browser();
    assert_eq!(whoami(&app, &client).await, None);
    let answer = sign_up(&app, &client, "Ada_L").await;
    assert!(succeeded(&answer), "{} {:?}", answer.status, answer.body);
    let cookie = answer.set_cookie.join("; ");
    assert!(cookie.contains("quire_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http gets no Secure flag");
    assert_eq!(whoami(&app, &client).await.as_deref(), Some("Ada_L"));

    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Account menu for Ada"),
        "the header names the user"
    );
    assert!(!home.contains(">Sign in<"));
}

async fn sign_up_explains_every_mistake_next_to_its_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = browser();
    let answer = call(
        &app,
        &client,
        "accounts/sign_up",
        &[
            ("email", "nope"),
            ("username", "a b"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(field_message(&answer, "email").is_some());
    assert!(field_message(&answer, "username").is_some());
    assert!(field_message(&answer, "password").unwrap().contains("12"));

    let answer = call(
        &app,
        &client,
        "accounts/sign_up",
        &[
            ("email", "x@example.com"),
            ("username", "xavier"),
            ("password", "password1234"),
        ],
    )
    .await;
    assert!(field_message(&answer, "password")
        .unwrap()
        .contains("too common"));

    assert!(succeeded(&sign_up(&app, &browser(), "taken").await));
    let answer = call(
        &app,
        &browser(),
        "accounts/sign_up",
        &[
            ("email", "TAKEN@example.com"),
            ("username", "TAKEN"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(field_message(&answer, "email")
        .unwrap()
        .contains("already exists"));

    let answer = call(
        &app,
        &browser(),
        "accounts/sign_up",
        &[
            ("email", "other@example.com"),
            ("username", "TAKEN"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        field_message(&answer, "username").as_deref(),
        Some("This username is taken")
    );
    // Nothing was signed in by the failed attempts.
    assert_eq!(whoami(&app, &client).await, None);
}

async fn sign_in_never_reveals_whether_an_account_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "grace", Role::User).await;
    let wrong_password = sign_in(&app, &browser(), "grace", "not the right password").await;
    let unknown_user = sign_in(&app, &browser(), "nobody", "not the right password").await;
    assert_eq!(wrong_password.status, 400);
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.body, unknown_user.body);

    // Email works as well as username, in any case.
    let client = browser();
    assert!(succeeded(
        &sign_in(&app, &client, "GRACE@example.com", PASSWORD).await
    ));
    assert_eq!(whoami(&app, &client).await.as_deref(), Some("grace"));
}

async fn the_session_id_changes_at_sign_in_and_sign_out_ends_it(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "hopper", Role::User).await;
    let client = browser();
    let first = sign_in(&app, &client, "hopper", PASSWORD).await;
    let first_cookie = session_cookie(&first);
    let again = sign_in(&app, &client, "hopper", PASSWORD).await;
    let second_cookie = session_cookie(&again);
    assert_ne!(first_cookie, second_cookie, "a new id at every sign-in");

    let out = call(&app, &client, "accounts/sign_out", &[]).await;
    assert!(succeeded(&out));
    assert_eq!(whoami(&app, &client).await, None);
    // Replaying the old cookie finds nothing: the session is gone on the server.
    let replay = reqwest::Client::new()
        .post(app.url("/rpc/accounts/me"))
        .header("cookie", second_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.text().await.unwrap(), "null");
}

async fn repeated_failures_are_slowed_down_and_say_when_to_retry(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "target", Role::User).await;
    let client = browser();
    for _ in 0..5 {
        assert_eq!(
            sign_in(&app, &client, "target", "wrong guess here")
                .await
                .status,
            400
        );
    }
    let sixth = sign_in(&app, &client, "target", "wrong guess here").await;
    assert_eq!(
        sixth.status, 400,
        "the sixth failure itself is still checked"
    );
    let blocked = sign_in(&app, &client, "target", PASSWORD).await;
    assert_eq!(blocked.status, 429);
    assert!(
        blocked.body.to_string().contains("Try again in"),
        "{:?}",
        blocked.body
    );
    // The block is per account: others can still sign in from elsewhere.
    make_user(&app, "bystander", Role::User).await;
    assert!(succeeded(
        &sign_in(&app, &browser(), "bystander", PASSWORD).await
    ));
}

async fn changing_the_password_ends_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "mover", Role::User).await;
    let laptop = signed_in_as(&app, "mover").await;
    let phone = signed_in_as(&app, "mover").await;

    let wrong = call(
        &app,
        &laptop,
        "accounts/change_password",
        &[
            ("current_password", "not my password"),
            ("new_password", "a brand new passphrase"),
        ],
    )
    .await;
    assert!(field_message(&wrong, "currentPassword").is_some());

    let changed = call(
        &app,
        &laptop,
        "accounts/change_password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase"),
        ],
    )
    .await;
    assert!(succeeded(&changed), "{:?}", changed.body);
    assert_eq!(whoami(&app, &laptop).await.as_deref(), Some("mover"));
    assert_eq!(whoami(&app, &phone).await, None, "the other session ended");
    assert_eq!(
        sign_in(&app, &browser(), "mover", PASSWORD).await.status,
        400
    );
    assert!(succeeded(
        &sign_in(&app, &browser(), "mover", "a brand new passphrase").await
    ));
}

async fn only_admins_change_roles_and_active_flags(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin_id = make_user(&app, "admin", Role::Admin).await;
    make_user(&app, "moderator", Role::Moderator).await;
    let user_id = make_user(&app, "user", Role::User).await;
    let user = signed_in_as(&app, "user").await;
    let moderator = signed_in_as(&app, "moderator").await;
    let admin = signed_in_as(&app, "admin").await;
    let user_id_text = user_id.to_string();
    let admin_id_text = admin_id.to_string();

    let promote = [("user_id", user_id_text.as_str()), ("role", "ADMIN")];
    assert_eq!(
        call(&app, &browser(), "accounts/set_role", &promote)
            .await
            .status,
        401
    );
    assert_eq!(
        call(&app, &user, "accounts/set_role", &promote)
            .await
            .status,
        403,
        "not even their own"
    );
    assert_eq!(
        call(&app, &moderator, "accounts/set_role", &promote)
            .await
            .status,
        403
    );
    let deactivate_admin = [("user_id", admin_id_text.as_str()), ("active", "false")];
    assert_eq!(
        call(&app, &admin, "accounts/set_active", &deactivate_admin)
            .await
            .status,
        403,
        "not themselves"
    );
    assert_eq!(
        call(&app, &user, "accounts/set_active", &deactivate_admin)
            .await
            .status,
        403
    );

    let make_moderator = [("user_id", user_id_text.as_str()), ("role", "MODERATOR")];
    assert!(succeeded(
        &call(&app, &admin, "accounts/set_role", &make_moderator).await
    ));
    let answer = call(&app, &user, "accounts/me", &[]).await;
    assert_eq!(answer.body["role"], "MODERATOR");

    // Deactivation ends the user's sessions at once, and they cannot sign in again.
    let deactivate = [("user_id", user_id_text.as_str()), ("active", "false")];
    assert!(succeeded(
        &call(&app, &admin, "accounts/set_active", &deactivate).await
    ));
    assert_eq!(whoami(&app, &user).await, None);
    let again = sign_in(&app, &browser(), "user", PASSWORD).await;
    assert!(field_message(&again, "login")
        .unwrap()
        .contains("deactivated"));
    assert_eq!(
        app.get("/u/user").await.status().as_u16(),
        404,
        "inactive profiles are hidden"
    );

    let reactivate = [("user_id", user_id_text.as_str()), ("active", "true")];
    assert!(succeeded(
        &call(&app, &admin, "accounts/set_active", &reactivate).await
    ));
    assert!(succeeded(
        &sign_in(&app, &browser(), "user", PASSWORD).await
    ));
}

async fn profiles_show_what_their_owner_wrote(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "writer", Role::User).await;
    make_user(&app, "other", Role::User).await;
    let writer = signed_in_as(&app, "writer").await;
    let other = signed_in_as(&app, "other").await;

    assert_eq!(
        call(
            &app,
            &browser(),
            "accounts/update_profile",
            &[("bio", "hijacked")]
        )
        .await
        .status,
        401
    );
    let saved = call(
        &app,
        &writer,
        "accounts/update_profile",
        &[
            ("first_name", "Wendy"),
            ("last_name", "Writer"),
            ("bio", "I write <b>about</b> databases."),
        ],
    )
    .await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    // Another user's update only ever touches their own profile.
    assert!(succeeded(
        &call(&app, &other, "accounts/update_profile", &[("bio", "mine")]).await
    ));

    let (status, page) = app.get_text("/u/writer").await;
    assert_eq!(status, 200);
    assert!(page.contains("Wendy Writer"));
    assert!(
        page.contains("I write &lt;b&gt;about&lt;/b&gt; databases."),
        "bios are text, not HTML"
    );
    assert!(!page.contains("mine"));
    assert_eq!(app.get_text("/u/nobody-here").await.0, 404);

    let too_long = "x".repeat(501);
    let answer = call(
        &app,
        &writer,
        "accounts/update_profile",
        &[("bio", &too_long)],
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(field_message(&answer, "bio").is_some());
}

async fn settings_need_a_signed_in_user(backend: Backend) {
    let app = spawn_app(backend).await;
    // As a browser asks for a page.
    let res = app
        .client
        .get(app.url("/settings"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/signin?next=/settings");

    make_user(&app, "settler", Role::User).await;
    let client = signed_in_as(&app, "settler").await;
    let page = client.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("settler@example.com"));
    assert!(html.contains("This browser"));
}

async fn users_see_and_end_their_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "juggler", Role::User).await;
    let one = signed_in_as(&app, "juggler").await;
    let two = signed_in_as(&app, "juggler").await;
    let three = signed_in_as(&app, "juggler").await;
    let list = call(&app, &one, "accounts/sessions", &[]).await;
    let sessions = list.body.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    assert_eq!(
        sessions.iter().filter(|s| s["is_current"] == true).count(),
        1
    );
    assert!(
        !list.body.to_string().contains("quire_session"),
        "ids are never shown"
    );

    let two_handle = call(&app, &two, "accounts/sessions", &[])
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["is_current"] == true)
        .unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(succeeded(
        &call(
            &app,
            &one,
            "accounts/end_sessions",
            &[("handle", &two_handle)]
        )
        .await
    ));
    assert_eq!(whoami(&app, &two).await, None);
    assert!(whoami(&app, &three).await.is_some());
    assert!(succeeded(
        &call(&app, &one, "accounts/end_sessions", &[]).await
    ));
    assert_eq!(whoami(&app, &three).await, None);
    assert!(whoami(&app, &one).await.is_some());
}

async fn deleting_the_account_takes_everything_with_it(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "leaver", Role::User).await;
    let client = signed_in_as(&app, "leaver").await;
    let not_confirmed = call(
        &app,
        &client,
        "accounts/delete_account",
        &[("current_password", PASSWORD), ("confirm", "nope")],
    )
    .await;
    assert!(field_message(&not_confirmed, "confirm").is_some());
    let deleted = call(
        &app,
        &client,
        "accounts/delete_account",
        &[("current_password", PASSWORD), ("confirm", "leaver")],
    )
    .await;
    assert!(succeeded(&deleted), "{:?}", deleted.body);
    assert_eq!(whoami(&app, &client).await, None);
    assert_eq!(
        sign_in(&app, &browser(), "leaver", PASSWORD).await.status,
        400
    );
}

/// "The blog always has an active admin" holds on every path that could break it: deleting
/// the account from settings, the API's role change, deactivation and deletion, the store
/// functions the command line uses, and two admins demoting each other at the same moment.
async fn the_last_admin_stays_an_admin_on_every_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = make_user(&app, "root", Role::Admin).await;
    let client = signed_in_as(&app, "root").await;

    let deleted = call(
        &app,
        &client,
        "accounts/delete_account",
        &[("current_password", PASSWORD), ("confirm", "root")],
    )
    .await;
    assert_eq!(deleted.status, 409, "{:?}", deleted.body);
    assert_eq!(whoami(&app, &client).await.as_deref(), Some("root"));

    let api = reqwest::Client::new();
    let login = api
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "root", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = login.json().await.unwrap();
    let token = body["data"]["accessToken"].as_str().unwrap().to_owned();
    let me = app.url(&format!("/api/users/{root}"));
    for change in [
        serde_json::json!({"role": "USER"}),
        serde_json::json!({"isActive": false}),
    ] {
        let reply = api
            .patch(&me)
            .bearer_auth(&token)
            .json(&change)
            .send()
            .await
            .unwrap();
        // Nobody changes their own standing; the last admin is the only one who could.
        assert_eq!(reply.status().as_u16(), 403, "{change}");
    }
    let reply = api.delete(&me).bearer_auth(&token).send().await.unwrap();
    assert_eq!(reply.status().as_u16(), 409);

    use quire::accounts::store::{delete_user, set_active, set_role};
    use quire::accounts::UserId;
    assert!(set_role(&app.db, UserId(root), Role::User).await.is_err());
    assert!(set_active(&app.db, UserId(root), false).await.is_err());
    assert!(delete_user(&app.db, UserId(root)).await.is_err());
    let row = quire::accounts::store::find_by_id(&app.db, UserId(root))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.role.as_str(), row.is_active), ("ADMIN", true));

    // Two admins demoting each other at once: one may win, never both.
    let mut others = vec![root];
    for round in 0..10 {
        let a = make_user(&app, &format!("first{round}"), Role::Admin).await;
        let b = make_user(&app, &format!("second{round}"), Role::Admin).await;
        for id in others {
            set_role(&app.db, UserId(id), Role::User).await.unwrap();
        }
        let (first, second) = tokio::join!(
            set_role(&app.db, UserId(a), Role::User),
            set_active(&app.db, UserId(b), false)
        );
        assert!(
            first.is_ok() != second.is_ok(),
            "round {round}: exactly one change goes through ({first:?}, {second:?})"
        );
        let admins: i64 = quire::with_db!(&app.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'ADMIN' AND is_active"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(admins, 1, "round {round}");
        others = vec![if first.is_ok() { b } else { a }];
    }
}

async fn cross_site_writes_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "victim", Role::User).await;
    let client = signed_in_as(&app, "victim").await;
    let update_bio = |header: &'static str, value: &'static str, bio: &'static str| {
        client
            .post(app.url("/rpc/accounts/update_profile"))
            .header(header, value)
            .form(&[("bio", bio)])
            .send()
    };
    let forged = update_bio("sec-fetch-site", "cross-site", "pwned")
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let forged = update_bio("origin", "https://evil.example", "pwned")
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let same_origin = update_bio("sec-fetch-site", "same-origin", "fine")
        .await
        .unwrap();
    assert!(same_origin.status().is_success());
}

async fn avatars_are_checked_resized_and_served(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "painter", Role::User).await;
    let client = signed_in_as(&app, "painter").await;

    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(900, 400, image::Rgb([200, 30, 90]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "avatar",
        reqwest::multipart::Part::bytes(png.into_inner()).file_name("me.png"),
    );
    let res = client
        .post(app.url("/settings/avatar"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/settings?avatar=updated");
    let me = call(&app, &client, "accounts/me", &[]).await;
    let url = me.body["avatar_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/media/avatars/") && url.ends_with(".jpg"),
        "{url}"
    );
    let served = client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert!(served.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let picture = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((picture.width(), picture.height()), (256, 256));

    let form = reqwest::multipart::Form::new().part(
        "avatar",
        reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec())
            .file_name("evil.png"),
    );
    let res = client
        .post(app.url("/settings/avatar"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/settings?avatar_error="),
        "{location}"
    );
    let after = call(&app, &client, "accounts/me", &[]).await;
    assert_eq!(
        after.body["avatar_url"].as_str(),
        Some(url.as_str()),
        "a bad upload changes nothing"
    );
}

async fn changing_the_email_asks_for_the_password_and_a_free_address(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "emailer", Role::User).await;
    make_user(&app, "neighbour", Role::User).await;
    let client = signed_in_as(&app, "emailer").await;
    let change = |email: &'static str, password: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            call(
                app,
                &client,
                "accounts/change_email",
                &[("email", email), ("current_password", password)],
            )
            .await
        }
    };
    let wrong = change("new@example.com", "not my password").await;
    assert!(field_message(&wrong, "currentPassword").is_some());
    let taken = change("NEIGHBOUR@example.com", PASSWORD).await;
    assert!(field_message(&taken, "email")
        .unwrap()
        .contains("already exists"));
    let invalid = change("not an email", PASSWORD).await;
    assert!(field_message(&invalid, "email").is_some());
    let same = change("EMAILER@example.com", PASSWORD).await;
    assert!(field_message(&same, "email").is_some());
    let asked = change("New.Address@Example.com", PASSWORD).await;
    assert!(succeeded(&asked), "{:?}", asked.body);
    assert_eq!(asked.body, "new.address@example.com");
    // Until the link mailed there is opened (tests/mail.rs), the account keeps its address.
    assert!(succeeded(
        &sign_in(&app, &browser(), "emailer@example.com", PASSWORD).await
    ));
    assert_eq!(
        sign_in(&app, &browser(), "new.address@example.com", PASSWORD)
            .await
            .status,
        400
    );
}

/// A sign-in posted before the form hydrated (or without JavaScript) and refused comes back
/// as the sign-in page: the error, the login as typed, where to go next; never the password.
async fn a_refused_plain_sign_in_keeps_the_login_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "typist", Role::User).await;
    let (status, cache, page) = common::plain_post(
        &app,
        &browser(),
        "accounts/sign_in",
        "/signin?next=/settings",
        &[
            ("next", "/settings"),
            ("login", "typist@example.com"),
            ("password", "not my password at all"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(cache, "no-store");
    assert!(page.contains("Wrong email, username or password"), "{page}");
    let login = common::element(&page, "field-login", "div");
    assert!(login.contains(r#"value="typist@example.com""#), "{login}");
    assert!(!page.contains("not my password at all"));
    assert!(page.contains(r#"name="next" value="/settings""#));

    // The same form, now right, signs in and goes on.
    let client = browser();
    let res = client
        .post(app.url("/rpc/accounts/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/signin?next=/settings"))
        .form(&[
            ("next", "/settings"),
            ("login", "typist"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/settings");
}

on_both_backends!(
    a_refused_plain_sign_in_keeps_the_login_typed,
    changing_the_email_asks_for_the_password_and_a_free_address,
    sign_up_signs_in_and_the_header_shows_the_name,
    sign_up_explains_every_mistake_next_to_its_field,
    sign_in_never_reveals_whether_an_account_exists,
    the_session_id_changes_at_sign_in_and_sign_out_ends_it,
    repeated_failures_are_slowed_down_and_say_when_to_retry,
    changing_the_password_ends_the_other_sessions,
    only_admins_change_roles_and_active_flags,
    profiles_show_what_their_owner_wrote,
    settings_need_a_signed_in_user,
    users_see_and_end_their_sessions,
    deleting_the_account_takes_everything_with_it,
    the_last_admin_stays_an_admin_on_every_path,
    cross_site_writes_are_refused,
    avatars_are_checked_resized_and_served,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("QUIRE_BASE_URL", "https://blog.example.com")],
    )
    .await;
    let answer = sign_up(&app, &browser(), "secure_sam").await;
    let cookie = answer.set_cookie.join("; ");
    assert!(cookie.contains("__Host-quire_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashes_made_with_older_parameters_are_upgraded_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use quire::with_db;
    let app = spawn_app(Backend::Sqlite).await;
    let id = make_user(&app, "oldtimer", Role::User).await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    );
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let old = weak
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    with_db!(&app.db, |pool| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(&old)
    .bind(id)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    assert!(succeeded(
        &sign_in(&app, &browser(), "oldtimer", PASSWORD).await
    ));
    let now: String = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
}
