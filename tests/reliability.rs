//! Crashes and outages, with quire as a real process: killed with SIGKILL in the middle of a
//! write load, PostgreSQL stopped under it, a SQLite disk that fills up or turns read-only.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::invariants::assert_consistent;
use common::{fresh_database, Backend, PASSWORD};
use quire::server::db::Db;
use quire::with_db;
use serde_json::{json, Value};

// --- quire as a child process -------------------------------------------------------------

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    probe.local_addr().expect("its address").port()
}

/// Settings that let a load test write as fast as it can.
const LOAD_SETTINGS: &[(&str, &str)] = &[
    ("QUIRE_API_RATE_LIMIT", "1000000"),
    ("QUIRE_AUTH_RATE_LIMIT", "1000000"),
    ("QUIRE_COMMENTS_PER_MINUTE", "1000"),
    // Every comment is approved at once, so comment counts move under the load.
    ("QUIRE_TRUSTED_COMMENTER_APPROVALS", "0"),
    ("QUIRE_VIEW_FLUSH_SECS", "1"),
];

/// A `quire serve` process. Dropping it kills it.
struct Quire {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Quire {
    /// Starts quire on `database_url` and waits until /health answers 200. `work` holds the
    /// media folder and the logs, and outlives restarts.
    async fn start(database_url: &str, work: &Path, settings: &[(&str, &str)]) -> Self {
        let port = free_port();
        static STARTS: AtomicU64 = AtomicU64::new(0);
        let log = work.join(format!(
            "quire-{}.log",
            STARTS.fetch_add(1, Ordering::Relaxed)
        ));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
        // Settings from the developer's environment or a .env must not leak in.
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("QUIRE_TEST_RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .env("DATABASE_URL", database_url)
            .env("QUIRE_ADDR", format!("127.0.0.1:{port}"))
            .env("QUIRE_MEDIA_DIR", work.join("media"))
            .envs(settings.iter().copied())
            .current_dir(work)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = cmd.spawn().expect("quire starts");
        let mut quire = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        quire.wait_until_healthy().await;
        quire
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("quire exited with {status}:\n{}", self.log());
            }
            if let Ok(res) = client.get(self.url("/health")).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("quire did not become healthy:\n{}", self.log());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no graceful shutdown, no last flush.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Neither a panic nor a backtrace in the log.
    fn assert_no_panic(&self) {
        let log = self.log();
        assert!(
            !log.contains("panicked") && !log.contains("RUST_BACKTRACE"),
            "quire panicked:\n{log}"
        );
    }
}

impl Drop for Quire {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that gives up on hanging requests instead of hanging the test.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A reader's browser without a cookie jar: every look is a new viewer.
fn reader() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .user_agent("Mozilla/5.0 (X11; Linux x86_64) quire-tests")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

struct Reply {
    status: u16,
    body: Value,
}

/// One API call; Err when no answer came (the server died, a timeout).
async fn api(
    http: &reqwest::Client,
    quire_base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<Reply, reqwest::Error> {
    let mut request = http.request(method, format!("{quire_base}/api{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok(Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    })
}

fn id_of(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an id: {value}"))
}

/// Signs up through the API.
async fn register(http: &reqwest::Client, base: &str, name: &str) -> Result<Reply, reqwest::Error> {
    api(
        http,
        base,
        reqwest::Method::POST,
        "/auth/register",
        None,
        Some(
            json!({"email": format!("{name}@example.com"), "username": name, "password": PASSWORD}),
        ),
    )
    .await
}

async fn database(url: &str) -> Db {
    let media = tempfile::tempdir().expect("temp dir");
    let config = common::config_for(url, media.path(), &[]);
    Db::connect(&config.database, 2).await.expect("connect")
}

async fn ids(db: &Db, sql: &str) -> BTreeSet<i64> {
    with_db!(db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
    .into_iter()
    .collect()
}

// --- 1. SIGKILL in the middle of a write load ---------------------------------------------

/// Every write that got a success answer, as the clients saw it.
#[derive(Default)]
struct Ledger {
    users: BTreeSet<i64>,
    drafts: BTreeSet<i64>,
    /// Posts created as drafts and then published, or created published in one request.
    published: BTreeMap<i64, String>,
    comments: BTreeMap<i64, i64>,
    likes: BTreeSet<(i64, i64)>,
    /// Per post: when each counted look was answered.
    views: BTreeMap<i64, Vec<Instant>>,
    /// Per post: looks asked for, answered or not.
    views_tried: BTreeMap<i64, u64>,
}

impl Ledger {
    fn writes(&self) -> usize {
        self.users.len()
            + self.drafts.len()
            + self.published.len()
            + self.comments.len()
            + self.likes.len()
    }
}

/// One writer: signs up, writes a draft, publishes it, writes a published post in one go,
/// comments on and likes other people's posts; again and again until `stop`.
async fn writer(base: String, worker: usize, ledger: Arc<Mutex<Ledger>>, stop: Arc<AtomicBool>) {
    use reqwest::Method;
    let http = client();
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let name = format!("w{worker}r{round}");
        let Ok(reply) = register(&http, &base, &name).await else {
            return;
        };
        assert_eq!(reply.status, 201, "sign-up: {}", reply.body);
        let user = id_of(&reply.body["data"]["user"]["id"]);
        let token = reply.body["data"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        ledger.lock().unwrap().users.insert(user);

        let body = json!({
            "title": format!("Draft {name}"),
            "content": format!("# {name}\n\nSome **words** about {name}.\n\n```rust\nfn main() {{}}\n```\n"),
            "tags": ["crash", format!("tag-{worker}")],
        });
        let Ok(reply) = api(
            &http,
            &base,
            Method::POST,
            "/posts",
            Some(&token),
            Some(body),
        )
        .await
        else {
            return;
        };
        assert_eq!(reply.status, 201, "create: {}", reply.body);
        let draft = id_of(&reply.body["data"]["id"]);
        ledger.lock().unwrap().drafts.insert(draft);

        let Ok(reply) = api(
            &http,
            &base,
            Method::PATCH,
            &format!("/posts/{draft}"),
            Some(&token),
            Some(json!({"status": "PUBLISHED"})),
        )
        .await
        else {
            return;
        };
        assert_eq!(reply.status, 200, "publish: {}", reply.body);
        let slug = reply.body["data"]["slug"]
            .as_str()
            .expect("slug")
            .to_owned();
        {
            let mut ledger = ledger.lock().unwrap();
            ledger.drafts.remove(&draft);
            ledger.published.insert(draft, slug);
        }

        let body = json!({
            "title": format!("At once {name}"),
            "content": format!("Published in one request by {name}."),
            "tags": ["crash"],
            "status": "PUBLISHED",
        });
        let Ok(reply) = api(
            &http,
            &base,
            Method::POST,
            "/posts",
            Some(&token),
            Some(body),
        )
        .await
        else {
            return;
        };
        assert_eq!(reply.status, 201, "create published: {}", reply.body);
        let post = id_of(&reply.body["data"]["id"]);
        let slug = reply.body["data"]["slug"]
            .as_str()
            .expect("slug")
            .to_owned();
        ledger.lock().unwrap().published.insert(post, slug);

        // Other people's posts, newest first, for comments and likes.
        let targets: Vec<i64> = {
            let ledger = ledger.lock().unwrap();
            ledger.published.keys().rev().take(6).copied().collect()
        };
        for (i, post) in targets.into_iter().enumerate() {
            let Ok(reply) = api(
                &http,
                &base,
                Method::POST,
                &format!("/posts/{post}/comments"),
                Some(&token),
                Some(json!({"content": format!("Comment {i} from {name}")})),
            )
            .await
            else {
                return;
            };
            assert_eq!(reply.status, 201, "comment: {}", reply.body);
            let comment = id_of(&reply.body["data"]["id"]);
            ledger.lock().unwrap().comments.insert(comment, post);

            let Ok(reply) = api(
                &http,
                &base,
                Method::POST,
                &format!("/posts/{post}/like"),
                Some(&token),
                None,
            )
            .await
            else {
                return;
            };
            assert_eq!(reply.status, 200, "like: {}", reply.body);
            ledger.lock().unwrap().likes.insert((user, post));
        }
    }
}

/// One reader: looks at published posts, each look from a new browser session.
async fn viewer(base: String, ledger: Arc<Mutex<Ledger>>, stop: Arc<AtomicBool>) {
    let http = reader();
    let mut turn = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let target = {
            let mut ledger = ledger.lock().unwrap();
            let n = ledger.published.len();
            let target = (n > 0).then(|| {
                let (id, slug) = ledger.published.iter().nth(turn % n).expect("a post");
                (*id, slug.clone())
            });
            if let Some((id, _)) = &target {
                *ledger.views_tried.entry(*id).or_default() += 1;
            }
            target
        };
        turn += 1;
        let Some((id, slug)) = target else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let Ok(res) = http.get(format!("{base}/posts/{slug}")).send().await else {
            return;
        };
        let status = res.status().as_u16();
        if res.text().await.is_err() {
            return;
        }
        assert_eq!(status, 200, "post page {slug}");
        ledger
            .lock()
            .unwrap()
            .views
            .entry(id)
            .or_default()
            .push(Instant::now());
    }
}

async fn acknowledged_writes_survive_sigkill(backend: Backend) {
    let started = Instant::now();
    let db = fresh_database(backend).await;
    let work = tempfile::tempdir().expect("work dir");
    let mut quire = Quire::start(&db.url, work.path(), LOAD_SETTINGS).await;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for worker in 0..3 {
        tasks.push(tokio::spawn(writer(
            quire.base.clone(),
            worker,
            ledger.clone(),
            stop.clone(),
        )));
    }
    for _ in 0..2 {
        tasks.push(tokio::spawn(viewer(
            quire.base.clone(),
            ledger.clone(),
            stop.clone(),
        )));
    }

    // Load for a while (enough for several view flushes), then kill in the middle of it.
    let load_started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (writes, comments, likes) = {
            let l = ledger.lock().unwrap();
            (l.writes(), l.comments.len(), l.likes.len())
        };
        let long_enough = load_started.elapsed() > Duration::from_secs(5);
        if (long_enough && writes >= 40 && comments > 0 && likes > 0)
            || load_started.elapsed() > Duration::from_secs(20)
        {
            break;
        }
        assert!(
            tasks.iter().all(|t| !t.is_finished()),
            "a load task ended early:\n{}",
            quire.log()
        );
    }
    let killed_at = Instant::now();
    quire.kill();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("load task");
    }
    quire.assert_no_panic();

    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    eprintln!(
        "{backend:?}: killed after {:.1} s of load: {} users, {} drafts, {} published, {} comments, {} likes, {} views acknowledged",
        killed_at.duration_since(load_started).as_secs_f64(),
        ledger.users.len(),
        ledger.drafts.len(),
        ledger.published.len(),
        ledger.comments.len(),
        ledger.likes.len(),
        ledger.views.values().map(Vec::len).sum::<usize>(),
    );
    assert!(
        !ledger.comments.is_empty() && !ledger.likes.is_empty(),
        "the load wrote comments and likes"
    );

    // Up again on the same database.
    let quire = Quire::start(&db.url, work.path(), LOAD_SETTINGS).await;
    let store = database(&db.url).await;

    let users = ids(&store, "SELECT id FROM users").await;
    let missing: Vec<_> = ledger.users.difference(&users).collect();
    assert!(
        missing.is_empty(),
        "acknowledged sign-ups lost: {missing:?}"
    );

    let all_posts = ids(&store, "SELECT id FROM posts").await;
    let published = ids(&store, "SELECT id FROM posts WHERE status = 'PUBLISHED'").await;
    let missing: Vec<_> = ledger.drafts.difference(&all_posts).collect();
    assert!(missing.is_empty(), "acknowledged drafts lost: {missing:?}");
    let missing: Vec<_> = ledger
        .published
        .keys()
        .filter(|id| !published.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged publications lost: {missing:?}"
    );

    let comments = ids(
        &store,
        "SELECT id FROM comments WHERE is_approved AND NOT is_deleted",
    )
    .await;
    let missing: Vec<_> = ledger
        .comments
        .keys()
        .filter(|id| !comments.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged comments lost: {missing:?}"
    );
    for (comment, post) in &ledger.comments {
        let on: i64 = with_db!(&store, |pool| sqlx::query_scalar(
            "SELECT post_id FROM comments WHERE id = $1"
        )
        .bind(comment)
        .fetch_one(pool)
        .await
        .expect("comment"));
        assert_eq!(on, *post, "comment {comment} is on its post");
    }

    let likes: BTreeSet<(i64, i64)> = with_db!(&store, |pool| sqlx::query_as::<_, (i64, i64)>(
        "SELECT user_id, post_id FROM likes"
    )
    .fetch_all(pool)
    .await
    .expect("likes"))
    .into_iter()
    .collect();
    let missing: Vec<_> = ledger.likes.difference(&likes).collect();
    assert!(missing.is_empty(), "acknowledged likes lost: {missing:?}");

    assert_consistent(&store).await;

    // Views: those answered more than a flush interval (and a margin for a busy machine)
    // before the kill were written; none was counted twice.
    let flushed_by = killed_at - Duration::from_millis(1000 + 1500);
    let mut expected_total = 0;
    for (post, looks) in &ledger.views {
        let view_count: i64 = with_db!(&store, |pool| sqlx::query_scalar(
            "SELECT view_count FROM posts WHERE id = $1"
        )
        .bind(post)
        .fetch_one(pool)
        .await
        .expect("post"));
        let answered_early = looks.iter().filter(|at| **at < flushed_by).count() as i64;
        expected_total += answered_early;
        assert!(
            view_count >= answered_early,
            "post {post}: {view_count} views kept, {answered_early} were answered over 2.5 s before the kill"
        );
        let tried = ledger.views_tried.get(post).copied().unwrap_or_default() as i64;
        assert!(
            view_count <= tried,
            "post {post}: {view_count} views from {tried} looks"
        );
    }
    assert!(
        expected_total > 0,
        "some views were old enough to be flushed"
    );

    // The restarted server serves what was written and takes new writes.
    let http = client();
    for slug in ledger.published.values().take(5) {
        let reply = api(
            &http,
            &quire.base,
            reqwest::Method::GET,
            &format!("/posts/{slug}"),
            None,
            None,
        )
        .await
        .expect("an answer");
        assert_eq!(reply.status, 200, "{slug}: {}", reply.body);
    }
    let reply = register(&http, &quire.base, "after_the_crash")
        .await
        .expect("an answer");
    assert_eq!(reply.status, 201, "{}", reply.body);
    quire.assert_no_panic();
    eprintln!(
        "{backend:?}: crash test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

on_both_backends!(acknowledged_writes_survive_sigkill);
