//! The whole server's defenses: security headers, rate limits, client addresses behind
//! proxies, CORS, cross-site writes and path tricks.

mod common;

use common::{browser, make_user, signed_in_as, spawn_app, spawn_app_with, Backend};
use quire::accounts::Role;
use serde_json::Value;

async fn pages_carry_a_nonce_policy_and_the_usual_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    // A signed-in reader's private pages are rendered for each answer; public pages below.
    make_user(&app, "noncer", Role::User).await;
    let reader = signed_in_as(&app, "noncer").await;
    let res = reader.get(app.url("/settings")).send().await.unwrap();
    let headers = res.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the nonce"
    );
    assert_eq!(
        html.matches("<script").count(),
        html.matches(&format!("nonce=\"{nonce}\"")).count()
            + html.matches("application/ld+json").count(),
        "no inline script without the nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("'unsafe-eval'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    // Another answer, another nonce.
    let again = reader.get(app.url("/settings")).send().await.unwrap();
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp
    );
    // A public page may be kept and sent again (web::page_cache), to visitors and, with
    // their own parts put in, to signed-in readers; a nonce must not be: its inline scripts
    // are allowed by their hashes.
    // A home page has no island, so no island loader either; the sign-in page's form is an
    // island, and its loader is allowed by hash too.
    for (signed_in, path, islands) in [
        (false, "/", false),
        (false, "/", false),
        (false, "/signin", true),
        (false, "/signin", true),
        (true, "/", false),
        (true, "/", false),
    ] {
        let res = if signed_in {
            reader.get(app.url(path)).send().await.unwrap()
        } else {
            app.get(path).await
        };
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let html = res.text().await.unwrap();
        assert!(
            !csp.contains("'nonce-") && !html.contains(" nonce="),
            "{csp}"
        );
        let scripts = csp
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        let mut inline = 0;
        for piece in html.split("<script").skip(1) {
            let (tag, rest) = piece.split_once('>').unwrap();
            if tag.contains(" src=") {
                continue;
            }
            let script = rest.split("</script").next().unwrap();
            use base64::Engine;
            use sha2::Digest;
            let hash = base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(script.as_bytes()));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{script}");
            inline += 1;
        }
        assert!(
            inline >= 2,
            "{path}: the theme script and Leptos's data scripts"
        );
        assert_eq!(html.contains("<script type=\"module\""), islands, "{path}");
    }
    // Non-page answers get a strict policy too.
    let feed = app.get("/feed.xml").await;
    assert!(feed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}

async fn https_sites_send_hsts(backend: Backend) {
    let app = spawn_app_with(backend, &[("QUIRE_BASE_URL", "https://blog.example.com")]).await;
    let res = app.get("/health").await;
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

async fn api_calls_are_rate_limited_per_client(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_API_RATE_LIMIT", "3"),
            ("QUIRE_AUTH_RATE_LIMIT", "2"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = client.get(app.url("/api/categories")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["ratelimit-limit"], "3");
        remaining.push(
            res.headers()["ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let res = client.get(app.url("/api/categories")).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(
        res.headers().contains_key("retry-after") && res.headers().contains_key("ratelimit-reset")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Too many requests"));
    // Sign-in calls have their own, stricter budget.
    for expected in [401, 401, 429] {
        let res = client
            .post(app.url("/api/auth/login"))
            .json(&serde_json::json!({"username": "x", "password": "y"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), expected);
    }
    // Pages are not counted.
    assert_eq!(app.get("/").await.status(), 200);
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    let client = reqwest::Client::new();
    let trusted = spawn_app_with(
        backend,
        &[
            ("QUIRE_API_RATE_LIMIT", "2"),
            ("QUIRE_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let call = |app: &common::TestApp, forwarded: &str| {
        client
            .get(app.url("/api/categories"))
            .header("x-forwarded-for", forwarded.to_owned())
            .send()
    };
    for _ in 0..2 {
        assert_eq!(call(&trusted, "203.0.113.1").await.unwrap().status(), 200);
    }
    assert_eq!(call(&trusted, "203.0.113.1").await.unwrap().status(), 429);
    assert_eq!(
        call(&trusted, "203.0.113.2").await.unwrap().status(),
        200,
        "another client"
    );

    let untrusted = spawn_app_with(backend, &[("QUIRE_API_RATE_LIMIT", "2")]).await;
    assert_eq!(call(&untrusted, "203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(call(&untrusted, "203.0.113.2").await.unwrap().status(), 200);
    assert_eq!(
        call(&untrusted, "203.0.113.3").await.unwrap().status(),
        429,
        "a client cannot pose as others by sending the header itself"
    );
}

async fn cors_only_for_listed_origins(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[("QUIRE_ALLOWED_ORIGINS", "https://app.example.com")],
    )
    .await;
    let client = reqwest::Client::new();
    let res = client
        .get(app.url("/api/categories"))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let preflight = client
        .request(reqwest::Method::OPTIONS, app.url("/api/posts"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let other = client
        .get(app.url("/api/categories"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

async fn cross_site_cookie_writes_to_the_api_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "victim", Role::User).await;
    let victim = signed_in_as(&app, "victim").await;
    let res = victim
        .post(app.url("/api/posts"))
        .header("sec-fetch-site", "cross-site")
        .json(&serde_json::json!({"title": "Forged", "content": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
    // The same from the site itself works with the cookie.
    let res = victim
        .post(app.url("/api/posts"))
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({"title": "Mine", "content": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

async fn oversized_bodies_get_a_413_envelope(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(backend).await;
    // Announced, not sent: the server must refuse on the length alone, before reading.
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{",
        11 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"success\":false"), "{answer}");
}

async fn path_variants_do_not_get_around_authorization(backend: Backend) {
    let app = spawn_app(backend).await;
    make_user(&app, "someone", Role::User).await;
    for path in [
        "/api/users/me/",
        "/api//users/me",
        "/api/users/./me",
        "/api/%75sers/me",
        "/API/users/me",
        "/api/Users/me",
        "/api/users",
        "/api/users/",
    ] {
        let res = browser().get(app.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert!(matches!(status, 401 | 404), "{path}: {status}");
        assert!(
            !text.contains("someone@example.com") && !text.contains("\"username\""),
            "{path}: {text}"
        );
    }
}

async fn every_answer_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let id_of = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let mut ids = Vec::new();
    for path in [
        "/health",
        "/",
        "/api/categories",
        "/api/nowhere",
        "/no/such/page",
    ] {
        let res = app.get(path).await;
        let id = id_of(&res).unwrap_or_else(|| panic!("{path} answers without an id"));
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{path}: {id}"
        );
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "each request has its own id");
    // A proxy's id is kept, so its logs and ours line up; an unusable one is replaced.
    let with_id = |id: &str| {
        app.client
            .get(app.url("/health"))
            .header("x-request-id", id.to_owned())
            .send()
    };
    let res = with_id("edge-42.a:7").await.unwrap();
    assert_eq!(id_of(&res).as_deref(), Some("edge-42.a:7"));
    for unusable in ["two words", "<script>", &"x".repeat(65)] {
        let res = with_id(unusable).await.unwrap();
        let id = id_of(&res).unwrap();
        assert_eq!(id.len(), 16, "{unusable:?} is replaced, not kept: {id}");
    }
}

on_both_backends!(
    every_answer_carries_a_request_id,
    pages_carry_a_nonce_policy_and_the_usual_headers,
    https_sites_send_hsts,
    api_calls_are_rate_limited_per_client,
    forwarded_addresses_count_only_from_trusted_proxies,
    cors_only_for_listed_origins,
    cross_site_cookie_writes_to_the_api_are_refused,
    oversized_bodies_get_a_413_envelope,
    path_variants_do_not_get_around_authorization,
);
