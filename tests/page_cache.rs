//! The page cache: visitors are served kept pages, and every change a reader could notice
//! shows at once, whoever made it, through this instance or another.

mod common;

use std::io::Read;
use std::time::Duration;

use common::{
    browser, call, make_user, new_post, session_cookie, signed_in_as, spawn_app, spawn_app_with,
    succeeded, Backend, TestApp,
};
use quire::accounts::Role;
use quire::platform::db::now;
use quire::posts::store::create;
use quire::posts::PostStatus;
use quire::with_db;

fn cache_status(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("x-quire-cache")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `bytes` as sent with `Content-Encoding: encoding` (br or gzip), decoded.
fn decoded(encoding: &str, bytes: &[u8]) -> String {
    let mut text = String::new();
    if encoding == "br" {
        brotli::Decompressor::new(bytes, 4096)
            .read_to_string(&mut text)
            .unwrap();
    } else {
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap();
    }
    text
}

/// A page as `client` sees it: whether it came from the cache, and its text.
async fn visit(client: &reqwest::Client, app: &TestApp, path: &str) -> (Option<String>, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let status = cache_status(&res);
    (status, res.text().await.unwrap())
}

/// The text of the element with this test id, without any markup inside it.
fn test_id_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("data-testid=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id} in the page"));
    let inner = &html[start..];
    let inner = &inner[inner.find('>').unwrap() + 1..inner.find("</span>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

async fn visitors_get_kept_pages_until_something_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "keeper", Role::User).await;
    let post_id = create(
        &app.db,
        new_post(author, "kept", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let visitor = browser();
    for path in [
        "/",
        "/posts/kept",
        "/tags/testing",
        "/u/keeper",
        "/search?q=body",
        "/feed.xml",
    ] {
        let (first, page) = visit(&visitor, &app, path).await;
        let (second, again) = visit(&visitor, &app, path).await;
        assert_eq!(first.as_deref(), Some("miss"), "{path}");
        assert_eq!(second.as_deref(), Some("hit"), "{path}");
        assert_eq!(page, again, "{path}");
    }
    let (_, page) = visit(&visitor, &app, "/posts/kept").await;
    assert_eq!(test_id_text(&page, "like-count"), "0");

    // Signed-in readers get the page kept for all of them, filled with their own parts,
    // never a visitor's.
    make_user(&app, "fan", Role::User).await;
    let fan = signed_in_as(&app, "fan").await;
    let res = fan.get(app.url("/posts/kept")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(cache_status(&res).as_deref(), Some("filled"));
    assert_eq!(res.headers()["cache-control"], "private");
    assert!(res.headers().get("etag").is_none());
    let html = res.text().await.unwrap();
    assert!(html.contains("Account menu for fan"));
    assert!(!html.contains("data-quire-hole"), "every hole filled");

    // A like changes the count every visitor sees, at once.
    let liked = call(
        &app,
        &fan,
        "posts/like",
        &[("post_id", &post_id.to_string()), ("liked", "true")],
    )
    .await;
    assert!(succeeded(&liked), "{:?}", liked.body);
    let (status, page) = visit(&visitor, &app, "/posts/kept").await;
    assert_eq!(status.as_deref(), Some("miss"));
    assert_eq!(test_id_text(&page, "like-count"), "1");

    // Reading through a server function (as a hydrated page does) changes nothing.
    let read = call(&app, &fan, "posts/recent", &[]).await;
    assert!(succeeded(&read));
    let (status, _) = visit(&visitor, &app, "/posts/kept").await;
    assert_eq!(status.as_deref(), Some("hit"));

    // Another instance (or the command line) writes to the same database and bumps the
    // version there; this instance sees it once the version it read has expired.
    with_db!(&app.db, |pool| sqlx::query(
        "UPDATE posts SET title = 'Renamed elsewhere' WHERE slug = 'kept'"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    quire::web::page_cache::bump(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let (status, home) = visit(&visitor, &app, "/").await;
    assert_eq!(status.as_deref(), Some("miss"));
    assert!(home.contains("Renamed elsewhere"));
}

async fn a_scheduled_post_appears_when_its_time_comes(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "planner", Role::User).await;
    create(
        &app.db,
        new_post(author, "now", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let at = now() + chrono::Duration::seconds(2);
    create(
        &app.db,
        new_post(author, "soon", PostStatus::Published, Some(at)),
    )
    .await
    .unwrap();
    let visitor = browser();
    let (_, home) = visit(&visitor, &app, "/").await;
    assert!(home.contains("Title of now") && !home.contains("Title of soon"));
    let (status, _) = visit(&visitor, &app, "/").await;
    assert_eq!(status.as_deref(), Some("hit"));
    let wait = (at - now()).to_std().unwrap_or_default() + Duration::from_millis(200);
    tokio::time::sleep(wait).await;
    let (status, home) = visit(&visitor, &app, "/").await;
    assert_eq!(status.as_deref(), Some("miss"));
    assert!(home.contains("Title of soon"), "published on time");
}

async fn kept_pages_are_sent_compressed_as_the_client_asks(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "squeezer", Role::User).await;
    create(
        &app.db,
        new_post(author, "squeezed", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let (_, page) = visit(&app.client, &app, "/posts/squeezed").await;
    for encoding in ["br", "gzip"] {
        let res = app
            .client
            .get(app.url("/posts/squeezed"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(cache_status(&res).as_deref(), Some("hit"));
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert_eq!(res.headers()["vary"], "accept-encoding");
        let bytes = res.bytes().await.unwrap();
        assert!(
            bytes.len() * 2 < page.len(),
            "{encoding}: {} bytes",
            bytes.len()
        );
        let text = decoded(encoding, &bytes);
        assert_eq!(text, page, "{encoding}");
    }

    // A signed-in reader's page, filled for them, comes compressed the same ways.
    make_user(&app, "reader", Role::User).await;
    let reader = signed_in_as(&app, "reader").await;
    for encoding in ["br", "gzip"] {
        let res = reader
            .get(app.url("/posts/squeezed"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(cache_status(&res).as_deref(), Some("filled"));
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert!(res.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("accept-encoding"));
        let bytes = res.bytes().await.unwrap();
        let text = decoded(encoding, &bytes);
        assert!(text.contains("Account menu for reader"), "{encoding}");
        assert!(text.contains("</html>"), "{encoding}: the whole page");
        assert!(
            bytes.len() * 2 < text.len(),
            "{encoding}: {} of {} bytes",
            bytes.len(),
            text.len()
        );
    }
}

async fn the_cache_can_be_turned_off(backend: Backend) {
    let app = spawn_app_with(backend, &[("QUIRE_PAGE_CACHE_MB", "0")]).await;
    for _ in 0..2 {
        let (status, _) = visit(&app.client, &app, "/").await;
        assert_eq!(status, None);
    }
}

/// The page cache's two counters: content, then view counts.
async fn versions(app: &TestApp) -> (i64, i64) {
    with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT version, views_version FROM content_version WHERE id = 1"
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

fn editor_fields<'a>(title: &'a str, slug: &'a str, content: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("slug", slug),
        ("content", content),
        ("excerpt", ""),
        ("cover_image", ""),
        ("tags", ""),
        ("categories", ""),
        ("canonical_url", ""),
    ]
}

async fn writes_no_reader_sees_keep_the_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "quiet", Role::User).await;
    let post_id = create(
        &app.db,
        new_post(author, "open", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let visitor = browser();
    visit(&visitor, &app, "/posts/open").await;
    let writer = signed_in_as(&app, "quiet").await;
    let before = versions(&app).await;

    // A new commenter's comment waits for a moderator; a draft is the author's alone.
    let post = post_id.to_string();
    let held = call(
        &app,
        &writer,
        "comments/add",
        &[("post_id", &post), ("content", "Held back for now")],
    )
    .await;
    assert!(succeeded(&held), "{:?}", held.body);
    let draft = call(
        &app,
        &writer,
        "editor/save",
        &editor_fields("Secret plans", "", "Not yet"),
    )
    .await;
    assert!(succeeded(&draft), "{:?}", draft.body);
    assert_eq!(versions(&app).await, before);
    let (status, page) = visit(&visitor, &app, "/posts/open").await;
    assert_eq!(status.as_deref(), Some("hit"));
    assert!(!page.contains("Held back for now"));

    // Saving a published post is a change every reader sees.
    let version: i64 = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT version FROM posts WHERE id = $1"
    )
    .bind(post_id)
    .fetch_one(pool)
    .await
    .unwrap());
    let (id, version) = (post_id.to_string(), version.to_string());
    let mut fields = editor_fields("Open, revised", "open", "Revised body");
    fields.extend([("id", id.as_str()), ("version", version.as_str())]);
    let saved = call(&app, &writer, "editor/save", &fields).await;
    assert!(succeeded(&saved), "{:?}", saved.body);
    let (status, page) = visit(&visitor, &app, "/posts/open").await;
    assert_eq!(status.as_deref(), Some("miss"));
    assert!(page.contains("Open, revised"));
}

/// Asks for `path` from `count` visitors at once; the cache status of each answer, and
/// whether all bodies were the same. The visitors are scripts, whose looks are not counted:
/// a batch of views written meanwhile would change the page.
async fn crowd(app: &TestApp, path: &str, count: usize) -> (Vec<Option<String>>, bool) {
    let mut visits = tokio::task::JoinSet::new();
    for _ in 0..count {
        let client = reqwest::Client::builder()
            .user_agent("curl/8.5.0")
            .build()
            .unwrap();
        let url = app.url(path);
        visits.spawn(async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            (cache_status(&res), res.text().await.unwrap())
        });
    }
    let answers = visits.join_all().await;
    let same = answers.iter().all(|(_, body)| *body == answers[0].1);
    (
        answers.into_iter().map(|(status, _)| status).collect(),
        same,
    )
}

async fn a_crowd_of_visitors_renders_a_page_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "popular", Role::User).await;
    create(
        &app.db,
        new_post(author, "busy", PostStatus::Published, None),
    )
    .await
    .unwrap();
    let misses =
        |statuses: &[Option<String>], others: &[&str]| {
            assert!(
                statuses.iter().all(|s| s.as_deref() == Some("miss")
                    || others.contains(&s.as_deref().unwrap_or(""))),
                "{statuses:?}"
            );
            statuses
                .iter()
                .filter(|s| s.as_deref() == Some("miss"))
                .count()
        };

    // New content: one visitor's request renders, the others wait for its page.
    quire::web::page_cache::bump(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let (statuses, same) = crowd(&app, "/posts/busy", 16).await;
    assert_eq!(misses(&statuses, &["hit"]), 1, "{statuses:?}");
    assert!(same, "all got the one render");

    // New view counts: one renders, the others get the copy it replaces meanwhile (or the
    // new one, once kept). Two renders need not be byte for byte the same: the order in
    // which the page's data came in shows in its hydration script.
    quire::web::page_cache::bump_views(&app.db).await.unwrap();
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let (statuses, _) = crowd(&app, "/posts/busy", 16).await;
    assert_eq!(misses(&statuses, &["stale", "hit"]), 1, "{statuses:?}");
    let (status, _) = visit(&browser(), &app, "/posts/busy").await;
    assert_eq!(status.as_deref(), Some("hit"));
}

/// Signed-in readers never get each other's page: two readers with different roles, pending
/// comments and likes load the same pages at once, over and over, and each sees only their
/// own name, menu, like and waiting comment.
async fn signed_in_readers_see_only_their_own(backend: Backend) {
    // A new blog's rule: only authors write.
    let app = common::spawn_new_blog(backend).await;
    let writer = make_user(&app, "penwright", Role::Author).await;
    let post_id = create(
        &app.db,
        new_post(writer, "shared", PostStatus::Published, None),
    )
    .await
    .unwrap()
    .to_string();
    make_user(&app, "alma", Role::User).await;
    make_user(&app, "boris", Role::Author).await;
    let alma = signed_in_as(&app, "alma").await;
    let boris = signed_in_as(&app, "boris").await;
    for (reader, words) in [(&alma, "Alma's words wait"), (&boris, "Boris's words wait")] {
        let answer = call(
            &app,
            reader,
            "comments/add",
            &[("post_id", &post_id), ("content", words)],
        )
        .await;
        assert_eq!(answer.body["pending"], true, "{:?}", answer.body);
    }
    let liked = call(
        &app,
        &alma,
        "posts/like",
        &[("post_id", &post_id), ("liked", "true")],
    )
    .await;
    assert!(succeeded(&liked), "{:?}", liked.body);

    let readers = [("alma", alma), ("boris", boris)];
    let mut loads = tokio::task::JoinSet::new();
    for round in 0..12 {
        for (name, client) in &readers {
            for path in ["/posts/shared", "/"] {
                let (name, client, url) = (*name, client.clone(), app.url(path));
                loads.spawn(async move {
                    let res = client.get(&url).send().await.unwrap();
                    assert_eq!(res.status(), 200, "{url} for {name} (round {round})");
                    // Everybody's page, with each reader's parts put in.
                    assert_eq!(cache_status(&res).as_deref(), Some("filled"), "{url}");
                    (name, url, res.text().await.unwrap())
                });
            }
        }
    }
    let mut checked = 0;
    while let Some(done) = loads.join_next().await {
        let (name, url, page) = done.unwrap();
        let other = if name == "alma" { "boris" } else { "alma" };
        let shown = page
            .split(r#"data-testid="account-name""#)
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(text, _)| text);
        assert_eq!(shown, Some(name), "{url}");
        assert!(
            !page.contains(&format!("Account menu for {other}")),
            "{url}"
        );
        // Authors write; a reader's menu has no way to.
        assert_eq!(
            page.contains(r#"href="/editor/new""#),
            name == "boris",
            "{url} for {name}"
        );
        if url.ends_with("/posts/shared") {
            let (mine, theirs) = if name == "alma" {
                ("Alma's words wait", "Boris's words wait")
            } else {
                ("Boris's words wait", "Alma's words wait")
            };
            assert!(
                page.contains(&mine.replace('\'', "&#x27;")) || page.contains(mine),
                "{name} sees their own waiting comment"
            );
            assert!(
                !page.contains(&theirs.replace('\'', "&#x27;")) && !page.contains(theirs),
                "{name} never sees {other}'s"
            );
            let pressed = format!(r#"aria-pressed="{}""#, name == "alma");
            assert!(page.contains(&pressed), "{name}'s like: {pressed}");
        }
        checked += 1;
    }
    assert_eq!(checked, 12 * 2 * 2);

    // The thread they share is kept, and a new comment shows in it at once, for both.
    make_user(&app, "carla", Role::Moderator).await;
    let carla = signed_in_as(&app, "carla").await;
    let answer = call(
        &app,
        &carla,
        "comments/add",
        &[("post_id", &post_id), ("content", "Carla's approved words")],
    )
    .await;
    assert_eq!(answer.body["pending"], false, "{:?}", answer.body);
    // A moderator's header has the way to the two comments waiting; a reader's has not.
    let (status, page) = visit(&carla, &app, "/posts/shared").await;
    assert_eq!(status.as_deref(), Some("filled"));
    assert!(page.contains("Account menu for carla"));
    let badge = page
        .split(r#"data-testid="pending-badge""#)
        .nth(1)
        .expect("the moderator's badge");
    assert!(
        badge.split_once('>').unwrap().1.starts_with("2<"),
        "two waiting: {}",
        &badge[..badge.len().min(200)]
    );
    let (_, page) = visit(&readers[0].1, &app, "/posts/shared").await;
    assert!(!page.contains("pending-badge") && !page.contains(r#"href="/admin""#));
    for (name, client) in &readers {
        let page = client
            .get(app.url("/posts/shared"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Carla&#x27;s approved words") || page.contains("Carla's approved words"),
            "{name} sees the new comment"
        );
    }
}

/// A page loaded by `cookie`'s holder (a browser replaying its session cookie) from `base`.
async fn load_as(cookie: &str, base: &str, path: &str) -> (Option<String>, String) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{base}{path}");
    let status = cache_status(&res);
    (status, res.text().await.unwrap())
}

/// Waits up to `within` for `page` to hold on `path`, as `cookie`'s holder sees it on `base`;
/// how long it took.
async fn shows_within(
    cookie: &str,
    base: &str,
    path: &str,
    within: Duration,
    holds: impl Fn(&str) -> bool,
) -> Option<Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if holds(&load_as(cookie, base, path).await.1) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Each instance keeps a signed-in reader's own rows (session, user, like, waiting comments)
/// between requests, and still shows every change to them: at once on the instance that made
/// it, and within moments on another instance over the same database (well before the rows'
/// age limit, so the version, not the age, is what tells).
async fn a_readers_own_rows_follow_every_change(backend: Backend) {
    let app = common::spawn_new_blog(backend).await;
    let other = common::another_instance(&app).await;
    let writer = make_user(&app, "penwright", Role::Author).await;
    let post_id = create(
        &app.db,
        new_post(writer, "followed", PostStatus::Published, None),
    )
    .await
    .unwrap()
    .to_string();
    let ada = make_user(&app, "ada", Role::Admin).await;
    make_user(&app, "root", Role::Admin).await;
    make_user(&app, "rae", Role::User).await;
    let prompt = Duration::from_secs(2);
    assert!(prompt < quire::web::reader_rows::MAX_AGE / 2);

    // Ada's role, kept by both instances, changes on one of them.
    let ada_cookie =
        session_cookie(&common::sign_in(&app, &browser(), "ada", common::PASSWORD).await);
    for base in [&app.base_url, &other] {
        for _ in 0..2 {
            let (status, page) = load_as(&ada_cookie, base, "/").await;
            assert_eq!(status.as_deref(), Some("filled"));
            assert!(
                page.contains(r#"href="/admin""#),
                "an admin's menu on {base}"
            );
        }
    }
    let root = signed_in_as(&app, "root").await;
    let demoted = call(
        &app,
        &root,
        "accounts/set_role",
        &[("user_id", &ada.to_string()), ("role", "USER")],
    )
    .await;
    assert!(succeeded(&demoted), "{:?}", demoted.body);
    let (_, page) = load_as(&ada_cookie, &app.base_url, "/").await;
    assert!(
        !page.contains(r#"href="/admin""#),
        "demoted, at once where it was done"
    );
    let no_admin =
        |page: &str| page.contains("Account menu for ada") && !page.contains(r#"href="/admin""#);
    let took = shows_within(&ada_cookie, &other, "/", prompt, no_admin).await;
    assert!(
        took.is_some(),
        "the other instance still shows ada an admin's menu"
    );

    // Rae's like and held comment show at once on the instance that took them.
    let rae = browser();
    let rae_cookie = session_cookie(&common::sign_in(&app, &rae, "rae", common::PASSWORD).await);
    let path = "/posts/followed";
    for base in [&app.base_url, &other] {
        for _ in 0..2 {
            let (status, page) = load_as(&rae_cookie, base, path).await;
            assert_eq!(status.as_deref(), Some("filled"));
            assert!(
                page.contains(r#"aria-pressed="false""#),
                "not liked yet on {base}"
            );
        }
    }
    let liked = call(
        &app,
        &rae,
        "posts/like",
        &[("post_id", &post_id), ("liked", "true")],
    )
    .await;
    assert!(succeeded(&liked), "{:?}", liked.body);
    let held = call(
        &app,
        &rae,
        "comments/add",
        &[("post_id", &post_id), ("content", "Rae waits politely")],
    )
    .await;
    assert_eq!(held.body["pending"], true, "{:?}", held.body);
    let (_, page) = load_as(&rae_cookie, &app.base_url, path).await;
    assert!(page.contains(r#"aria-pressed="true""#), "liked, at once");
    assert!(
        page.contains("Rae waits politely"),
        "the held comment, at once"
    );
    let both =
        |page: &str| page.contains(r#"aria-pressed="true""#) && page.contains("Rae waits politely");
    assert!(shows_within(&rae_cookie, &other, path, prompt, both)
        .await
        .is_some());

    // Rae signs out on one instance: the other stops taking the session.
    let signed_out = call(&app, &rae, "accounts/sign_out", &[]).await;
    assert!(succeeded(&signed_out), "{:?}", signed_out.body);
    let (_, page) = load_as(&rae_cookie, &app.base_url, path).await;
    assert!(
        !page.contains("Account menu for rae"),
        "signed out, at once"
    );
    let gone = |page: &str| !page.contains("Account menu for rae");
    let took = shows_within(&rae_cookie, &other, path, prompt, gone).await;
    assert!(
        took.is_some(),
        "the other instance still takes rae's ended session"
    );
}

on_both_backends!(
    a_readers_own_rows_follow_every_change,
    signed_in_readers_see_only_their_own,
    writes_no_reader_sees_keep_the_pages,
    a_crowd_of_visitors_renders_a_page_once,
    visitors_get_kept_pages_until_something_changes,
    a_scheduled_post_appears_when_its_time_comes,
    kept_pages_are_sent_compressed_as_the_client_asks,
    the_cache_can_be_turned_off,
);
