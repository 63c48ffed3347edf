//! Black-box test helpers: a real quire server on a free port over a fresh database,
//! SQLite or PostgreSQL.
#![allow(dead_code)]

pub mod invariants;
pub mod mail;

use quire::accounts::store::{create_user, NewUser};
use quire::accounts::Role;
use quire::platform::config::Config;
use quire::platform::db::Db;
use quire::platform::password::Password;
use quire::web::state::AppState;
use serde_json::Value;

/// The `quire` binary, with none of the developer's settings (environment or `.env`), in a
/// folder of its own; its output is captured.
pub fn quire() -> tokio::process::Command {
    use std::process::Stdio;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .current_dir(tempfile::tempdir().unwrap().keep())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// How a run of `quire` ended.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(cmd: &mut tokio::process::Command) -> Outcome {
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("quire finished in time")
        .expect("quire ran");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("QUIRE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database nobody else uses, and what keeps it alive.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    /// For PostgreSQL, the database's name.
    pub name: String,
    _dir: Option<tempfile::TempDir>,
}

/// PostgreSQL test databases are dropped when the test is done (connections still open are
/// ended), so runs do not pile them up on the shared server.
impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres || self.name.is_empty() {
            return;
        }
        let name = self.name.clone();
        // Drop cannot await; a thread of its own with a small runtime does the work.
        let _ = std::thread::spawn(move || {
            use sqlx::Connection;
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "quire_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub async fn fresh_database(backend: Backend) -> TestDatabase {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("nested/quire.db").display());
            TestDatabase {
                url,
                backend,
                name: String::new(),
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = postgres_admin_url();
            let name = unique_name();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("PostgreSQL for the tests (set QUIRE_TEST_POSTGRES_URL)");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(base, _)| base)
                .unwrap_or(&admin);
            TestDatabase {
                url: format!("{base}/{name}"),
                backend,
                name,
                _dir: None,
            }
        }
    }
}

pub fn config_for(url: &str, media_dir: &std::path::Path, extra: &[(&str, &str)]) -> Config {
    let mut settings: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), url.to_owned()),
        ("QUIRE_ADDR".into(), "127.0.0.1:0".into()),
        ("QUIRE_MEDIA_DIR".into(), media_dir.display().to_string()),
    ];
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(move |key| {
        settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    })
    .expect("test config")
}

pub struct TestApp {
    pub base_url: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    pub media_dir: tempfile::TempDir,
    pub state: AppState,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }
}

/// Starts quire in this process on a free port, over a fresh, migrated database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// The same, with some settings of the test's own. Its blog lets every user write: most
/// tests have plain users write (a new blog lets only authors: see [`spawn_new_blog`]).
pub async fn spawn_app_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
    let app = spawn_app_on(fresh_database(backend).await, settings).await;
    everybody_writes(&app.db).await;
    app
}

/// Lets every user of the blog on `db` write, as blogs did before authors, and tells the
/// servers on it (within `VERSION_TTL`).
pub async fn everybody_writes(db: &Db) {
    quire::with_db!(db, |pool| async {
        sqlx::query("UPDATE site_settings SET publishing = 'everyone'")
            .execute(pool)
            .await?;
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(pool)
            .await
            .map(|_| ())
    }
    .await)
    .expect("let everybody write");
}

/// [`everybody_writes`] (and [`past_setup`]) for a server in another process, by its
/// database's address.
pub async fn everybody_writes_at(url: &str) {
    let media = tempfile::tempdir().expect("scratch dir");
    let config = config_for(url, media.path(), &[]);
    let db = Db::connect(&config.database, 1).await.expect("connect");
    past_setup(&db).await;
    everybody_writes(&db).await;
    db.close().await;
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
}

/// A quire over a fresh database, its settings those of a new blog (past its first run).
pub async fn spawn_new_blog(backend: Backend) -> TestApp {
    spawn_app_on(fresh_database(backend).await, &[]).await
}

/// A quire over a fresh database that nobody has claimed yet: every page says it is being
/// set up until someone with a setup token claims it at `/setup`.
pub async fn spawn_unclaimed_blog(backend: Backend) -> TestApp {
    start_on(fresh_database(backend).await, &[]).await
}

/// Marks the blog on `db` as claimed, as its first admin would: tests that are not about the
/// first run start past it. Tells the servers on it at once (the content version).
pub async fn past_setup(db: &Db) {
    quire::with_db!(db, |pool| async {
        sqlx::query("UPDATE site_settings SET set_up_at = $1 WHERE set_up_at IS NULL")
            .bind(chrono::Utc::now())
            .execute(pool)
            .await?;
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(pool)
            .await
            .map(|_| ())
    }
    .await)
    .expect("claim the blog");
}

/// Starts quire in this process over `database`, which may already hold data, past the
/// blog's first run.
pub async fn spawn_app_on(database: TestDatabase, settings: &[(&str, &str)]) -> TestApp {
    let app = start_on(database, settings).await;
    past_setup(&app.db).await;
    app
}

async fn start_on(database: TestDatabase, settings: &[(&str, &str)]) -> TestApp {
    let media_dir = tempfile::tempdir().expect("media dir");
    let (base_url, state) = serve(&database.url, media_dir.path(), settings).await;
    TestApp {
        base_url,
        db: state.db.clone(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        database,
        media_dir,
        state,
    }
}

/// A quire in this process over `url`'s database, migrated; its address and state.
async fn serve(
    url: &str,
    media_dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> (String, AppState) {
    let config = config_for(url, media_dir, settings);
    let db = Db::connect(&config.database, config.db_max_connections)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let leptos_options = leptos::prelude::LeptosOptions::builder()
        .output_name("quire")
        .site_root("target/site")
        .site_addr(addr)
        .build();
    let state = AppState::new(db, config, leptos_options);
    tokio::spawn(quire::web::http::serve(listener, state.clone()));
    (format!("http://{addr}"), state)
}

/// A second instance of `app`'s blog: another quire in this process over the same database,
/// as behind a load balancer. Its address; it serves until the test ends.
pub async fn another_instance(app: &TestApp) -> String {
    serve(&app.database.url, app.media_dir.path(), &[]).await.0
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

/// The password of every user the tests make.
pub const PASSWORD: &str = "quiet lantern over copper hills";

/// A browser of its own: a cookie jar, no redirects followed.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent("Mozilla/5.0 (X11; Linux x86_64) quire-tests")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Vec<String>,
}

pub async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    function: &str,
    form: &[(&str, &str)],
) -> Answer {
    let res = client
        .post(app.url(&format!("/rpc/{function}")))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let text = res.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        set_cookie,
    }
}

/// Posts `form` to a server function as a browser posts a plain HTML form (before the page's
/// island hydrated, or without JavaScript) from the page at `from`: status, `Cache-Control`
/// and body.
pub async fn plain_post(
    app: &TestApp,
    client: &reqwest::Client,
    function: &str,
    from: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let res = client
        .post(app.url(&format!("/rpc/{function}")))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url(from))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let cache = res
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, cache, res.text().await.unwrap())
}

/// The HTML of the first element with `id`, up to its first closing `tag`.
pub fn element<'a>(html: &'a str, id: &str, tag: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let start = html[..start].rfind('<').unwrap();
    let end = html[start..]
        .find(&format!("</{tag}>"))
        .map_or(html.len(), |end| start + end);
    &html[start..end]
}

pub async fn make_user(app: &TestApp, username: &str, role: Role) -> i64 {
    create_user(
        &app.db,
        NewUser {
            email: format!("{username}@example.com"),
            username: username.to_owned(),
            password: Password::new(PASSWORD.to_owned()),
            first_name: None,
            last_name: None,
            role,
        },
        12,
    )
    .await
    .unwrap()
    .0
}

pub async fn signed_in_as(app: &TestApp, username: &str) -> reqwest::Client {
    let client = browser();
    let answer = sign_in(app, &client, username, PASSWORD).await;
    assert!(
        succeeded(&answer),
        "sign in as {username}: {} {:?}",
        answer.status,
        answer.body
    );
    client
}

pub async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    login: &str,
    password: &str,
) -> Answer {
    call(
        app,
        client,
        "accounts/sign_in",
        &[("login", login), ("password", password)],
    )
    .await
}

/// The session cookie a sign-in set, as a browser sends it back.
pub fn session_cookie(answer: &Answer) -> String {
    answer
        .set_cookie
        .iter()
        .find(|cookie| cookie.contains("quire_session="))
        .and_then(|cookie| cookie.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

pub fn succeeded(answer: &Answer) -> bool {
    (200..400).contains(&answer.status)
}

/// A post with a heading-free body and one tag, for tests that only need posts to exist.
pub fn new_post(
    author_id: i64,
    slug: &str,
    status: quire::posts::PostStatus,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
) -> quire::posts::store::NewPost {
    quire::posts::store::NewPost {
        author_id,
        title: format!("Title of {slug}"),
        slug: slug.to_owned(),
        content: format!("Body of {slug}.\n\n```rust\nfn main() {{}}\n```\n"),
        excerpt: None,
        cover_image: None,
        tags: vec!["testing".to_owned()],
        category_ids: vec![],
        status,
        published_at,
    }
}

/// The message a server function's 400 answer gives for `field`.
pub fn field_message(answer: &Answer, field: &str) -> Option<String> {
    answer.body["Invalid"]["fields"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field)
        .and_then(|f| f["message"].as_str())
        .map(str::to_owned)
}

/// A page as `client` (with its cookies) sees it.
pub async fn get_with(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// An API call with an optional bearer token: (status, body).
pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(&format!("/api{path}")));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A bearer token for `username` (made with [`PASSWORD`]).
pub async fn api_token(app: &TestApp, username: &str) -> String {
    let (status, body) = api(
        app,
        reqwest::Method::POST,
        "/auth/login",
        None,
        Some(serde_json::json!({"username": username, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["accessToken"].as_str().unwrap().to_owned()
}
