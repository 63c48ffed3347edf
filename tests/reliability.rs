//! Crashes and outages, with quire as a real process: killed with SIGKILL in the middle of a
//! write load, PostgreSQL (a cluster of the test's own) stopped under it and started again, a
//! SQLite disk that fills up (a file size limit, which needs no privileges).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::invariants::assert_consistent;
use common::{fresh_database, Backend, PASSWORD};
use quire::platform::db::Db;
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
    ("QUIRE_VIEWS_RATE_LIMIT", "1000000"),
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
        Self::start_with(database_url, work, settings, |_| {}).await
    }

    /// The same, with the command adjusted before it is spawned (resource limits).
    async fn start_with(
        database_url: &str,
        work: &Path,
        settings: &[(&str, &str)],
        adjust: impl FnOnce(&mut Command),
    ) -> Self {
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
        adjust(&mut cmd);
        let child = cmd.spawn().expect("quire starts");
        let mut quire = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        quire.wait_until_healthy().await;
        // The load writes as the users it signs up.
        common::everybody_writes_at(database_url).await;
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

    /// SIGTERM, and the graceful shutdown it starts: requests finish, the pool closes (which
    /// checkpoints SQLite's WAL into the database file).
    fn stop(&mut self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: signals our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(
                    status.success(),
                    "quire stopped with {status}:\n{}",
                    self.log()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("quire did not stop on SIGTERM:\n{}", self.log());
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
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

/// A POST with an `Idempotency-Key`; Err when no answer came.
async fn api_keyed(
    http: &reqwest::Client,
    quire_base: &str,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Result<Reply, reqwest::Error> {
    let res = http
        .post(format!("{quire_base}/api{path}"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await?;
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
    /// Creations whose answer never came: (path, token, key, body). The client sends them
    /// again after the restart, with the same key.
    unanswered: Vec<(String, String, String, Value)>,
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
        let key = format!("at-once-{name}");
        let Ok(reply) = api_keyed(&http, &base, "/posts", &token, &key, &body).await else {
            // Killed before answering: the client will send it again with the same key.
            let path = "/posts".to_owned();
            ledger
                .lock()
                .unwrap()
                .unanswered
                .push((path, token, key, body));
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
            let path = format!("/posts/{post}/comments");
            let body = json!({"content": format!("Comment {i} from {name}")});
            let key = format!("comment-{i}-{name}");
            let Ok(reply) = api_keyed(&http, &base, &path, &token, &key, &body).await else {
                ledger
                    .lock()
                    .unwrap()
                    .unanswered
                    .push((path, token, key, body));
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
        let (writes, comments, likes, first_view) = {
            let l = ledger.lock().unwrap();
            let first_view = l.views.values().flatten().min().copied();
            (l.writes(), l.comments.len(), l.likes.len(), first_view)
        };
        let long_enough = load_started.elapsed() > Duration::from_secs(5);
        // On a busy machine the first posts can take seconds to appear: some views must be
        // older than the flush interval and its margin, or the kill proves nothing about them.
        let views_flushed = first_view.is_some_and(|at| at.elapsed() > Duration::from_secs(4));
        if (long_enough && writes >= 40 && comments > 0 && likes > 0 && views_flushed)
            || load_started.elapsed() > Duration::from_secs(30)
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

    // A post created published in one request is never left half-done (a draft), and the
    // requests the kill left unanswered, sent again with their keys, create each post once.
    let half_done = ids(
        &store,
        "SELECT id FROM posts WHERE title LIKE 'At once %' AND status <> 'PUBLISHED'",
    )
    .await;
    assert!(half_done.is_empty(), "half-done publishes: {half_done:?}");
    let http = client();
    for (path, token, key, body) in &ledger.unanswered {
        let reply = api_keyed(&http, &quire.base, path, token, key, body)
            .await
            .expect("an answer");
        assert_eq!(reply.status, 201, "retry of {key}: {}", reply.body);
        let copies: i64 = match body["title"].as_str() {
            Some(title) => with_db!(&store, |pool| sqlx::query_scalar(
                "SELECT COUNT(*) FROM posts WHERE title = $1 AND status = 'PUBLISHED'"
            )
            .bind(title)
            .fetch_one(pool)
            .await
            .expect("count")),
            None => with_db!(&store, |pool| sqlx::query_scalar(
                "SELECT COUNT(*) FROM comments WHERE content = $1"
            )
            .bind(body["content"].as_str().expect("content"))
            .fetch_one(pool)
            .await
            .expect("count")),
        };
        assert_eq!(copies, 1, "{key}: made once, retry and all");
        // And again: the first answer once more.
        let replayed = api_keyed(&http, &quire.base, path, token, key, body)
            .await
            .expect("an answer");
        assert_eq!(replayed.body["data"]["id"], reply.body["data"]["id"]);
    }
    eprintln!(
        "{backend:?}: {} unanswered creations retried with their keys",
        ledger.unanswered.len()
    );

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

// --- SIGKILL while the outbox is being sent ------------------------------------------------

/// A thousand messages in the outbox, quire killed with SIGKILL a third of the way through
/// sending them and started again: every message arrives, and none twice, but for at most the
/// one in flight at the kill, which then has the same Message-ID (so mail clients show one).
async fn a_kill_while_sending_loses_no_mail(backend: Backend) {
    use quire::mail::letter::Letter;
    use quire::mail::outbox::enqueue_in;
    use quire::platform::db::BeginWrite;

    const MESSAGES: usize = 1000;
    let database = fresh_database(backend).await;
    let db = database_migrated(&database.url).await;
    let site = quire::site::SiteSettings::default();
    let letter = Letter::new("A note").paragraph("One of a thousand.");
    let mails: Vec<_> = (0..MESSAGES)
        .map(|i| {
            letter.clone().to(
                &format!("reader{i}@example.com"),
                "test",
                format!("thousand:{i}"),
                &site,
                "http://blog.example",
            )
        })
        .collect();
    with_db!(&db, |pool| async {
        let mut tx = pool.begin_write().await?;
        for mail in &mails {
            enqueue_in(&mut tx, mail).await?;
        }
        // The same event for the same address is not queued twice.
        enqueue_in(&mut tx, &mails[0]).await?;
        tx.commit().await
    }
    .await)
    .expect("queue the messages");
    let queued: i64 = with_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox"
    )
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(
        queued, MESSAGES as i64,
        "the same event is queued once per address"
    );

    let sink = common::mail::SmtpSink::start().await;
    let work = tempfile::tempdir().expect("work dir");
    let settings = [
        ("QUIRE_SMTP_URL", sink.url()),
        ("QUIRE_MAIL_FROM", "blog@example.com".to_owned()),
        ("QUIRE_MAIL_PER_MINUTE", "1000000".to_owned()),
    ];
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut quire = Quire::start(&database.url, work.path(), &settings).await;
    sink.wait_for(MESSAGES / 3, Duration::from_secs(120)).await;
    quire.kill();
    let at_kill = sink.received().len();
    assert!(at_kill < MESSAGES, "killed before the end ({at_kill} sent)");

    let _quire = Quire::start(&database.url, work.path(), &settings).await;
    // On PostgreSQL the message held at the kill waits out its lease (another instance could
    // be sending it); on SQLite the one sender lets go of it at start.
    let within = Duration::from_secs(120) + quire::mail::outbox::LEASE.to_std().unwrap();
    sink.wait_for(MESSAGES, within).await;
    // Anything sent twice would come right after.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = sink.received();
    let received = all.len();
    let ids: BTreeSet<String> = all
        .iter()
        .map(|mail| mail.header("Message-ID").expect("a Message-ID").to_owned())
        .collect();
    let recipients: BTreeSet<&str> = all.iter().map(|mail| mail.to.as_str()).collect();
    assert_eq!(recipients.len(), MESSAGES, "every reader got theirs");
    assert_eq!(ids.len(), MESSAGES, "one Message-ID per message");
    assert!(
        received <= MESSAGES + 1,
        "{received} deliveries of {MESSAGES} messages: only the one in flight may go twice"
    );
    let unsent: i64 = with_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
    )
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(unsent, 0, "the outbox is empty");
}

async fn database_migrated(url: &str) -> Db {
    let db = database(url).await;
    db.migrate().await.expect("migrate");
    db
}

on_both_backends!(a_kill_while_sending_loses_no_mail);

// --- Shared by the outage tests -----------------------------------------------------------

/// A page as a browser asks for it, and how long the answer took.
struct Page {
    status: u16,
    content_type: String,
    body: String,
    took: Duration,
}

async fn page(http: &reqwest::Client, url: &str) -> Result<Page, reqwest::Error> {
    let asked = Instant::now();
    let res = http
        .get(url)
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await?;
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.text().await?;
    Ok(Page {
        status,
        content_type,
        body,
        took: asked.elapsed(),
    })
}

/// An API call, and how long its answer took.
async fn timed_api(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (Reply, Duration) {
    let asked = Instant::now();
    let reply = api(http, base, method, path, token, body)
        .await
        .unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
    (reply, asked.elapsed())
}

async fn health(http: &reqwest::Client, base: &str) -> Reply {
    let res = http
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("/health answers");
    let status = res.status().as_u16();
    Reply {
        status,
        body: res.json().await.expect("/health is JSON"),
    }
}

/// A failed API answer: the envelope, with a message saying something.
fn assert_failure_envelope(what: &str, reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert_eq!(reply.body["success"], false, "{what}: {}", reply.body);
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.len() > 10,
        "{what}: a clear message: {}",
        reply.body
    );
}

/// Signs up `name` and returns its id and access token.
async fn author(http: &reqwest::Client, base: &str, name: &str) -> (i64, String) {
    let reply = register(http, base, name).await.expect("an answer");
    assert_eq!(reply.status, 201, "sign-up: {}", reply.body);
    let token = reply.body["data"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    (id_of(&reply.body["data"]["user"]["id"]), token)
}

/// Publishes a post through the API.
async fn publish(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    title: &str,
    content: &str,
) -> Result<Reply, reqwest::Error> {
    api(
        http,
        base,
        reqwest::Method::POST,
        "/posts",
        Some(token),
        Some(
            json!({"title": title, "content": content, "tags": ["outage"], "status": "PUBLISHED"}),
        ),
    )
    .await
}

// --- 2. PostgreSQL stopped under load -----------------------------------------------------

/// A PostgreSQL cluster of the test's own, in a temporary folder on a free port, so stopping
/// it stops nobody else's database. Dropping it stops it and removes the folder, also when
/// the test fails.
struct PgCluster {
    bin: PathBuf,
    port: u16,
    /// initdb and the server refuse to run as root: as root, they run as `postgres`.
    as_postgres: bool,
    dir: tempfile::TempDir,
}

/// Where Debian (or the PATH) keeps initdb and pg_ctl; the newest version wins.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    debian.sort();
    debian.pop().map(|(_, bin)| bin).or_else(|| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    })
}

impl PgCluster {
    /// A new cluster, not started yet; Err when initdb is not installed.
    fn create() -> Result<Self, String> {
        let bin = postgres_bin_dir().ok_or("initdb is not installed")?;
        // SAFETY: geteuid cannot fail and touches no memory.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::Builder::new()
            .prefix("quire-pg-")
            .tempdir()
            .expect("temp dir");
        if as_postgres {
            let chown = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(chown.success(), "the folder is given to the postgres user");
        }
        let cluster = Self {
            bin,
            port: free_port(),
            as_postgres,
            dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"])
                .arg(self.bin.join(program));
            cmd
        } else {
            Command::new(self.bin.join(program))
        };
        cmd.stdin(Stdio::null()).env_remove("PGDATA");
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server and waits until it takes connections. fsync is off: the test
    /// stops the server, not the machine.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    /// Stops the server the hard way: every backend ends at once, no checkpoint.
    fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Already stopped is fine; the folder goes with `dir` after this.
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Every answer the load got, by what was asked and its status; requests that got none.
#[derive(Default)]
struct Tally {
    answers: BTreeMap<(&'static str, u16), u64>,
    no_answer: Vec<String>,
}

impl Tally {
    fn count(&self, what: &str, status: u16) -> u64 {
        self.answers
            .iter()
            .filter(|((w, s), _)| *w == what && *s == status)
            .map(|(_, n)| n)
            .sum()
    }
}

/// One task of the light load: `what` again and again until `stop`.
async fn outage_load(
    what: &'static str,
    base: String,
    slug: String,
    token: String,
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
) {
    let http = client();
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let status = match what {
            "home" => page(&http, &format!("{base}/")).await.map(|p| p.status),
            "post page" => page(&http, &format!("{base}/posts/{slug}"))
                .await
                .map(|p| p.status),
            "api list" => api(&http, &base, reqwest::Method::GET, "/posts", None, None)
                .await
                .map(|r| r.status),
            "api write" => publish(
                &http,
                &base,
                &token,
                &format!("Under load {round}"),
                "Written while the database comes and goes.",
            )
            .await
            .map(|r| r.status),
            other => unreachable!("{other}"),
        };
        {
            let mut tally = tally.lock().unwrap();
            match status {
                Ok(status) => *tally.answers.entry((what, status)).or_default() += 1,
                Err(e) => tally.no_answer.push(format!("{what}: {e}")),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// While the database is down: quick 503s that say so, as a page, in the API envelope and
/// from /health.
async fn assert_unavailable(
    http: &reqwest::Client,
    signed_in: &reqwest::Client,
    base: &str,
    slug: &str,
    token: &str,
) {
    // Longer than twice the pool's acquire timeout (2 s, src/platform/db.rs: a signed-in page
    // waits for its session, then for its data), with room for a busy machine.
    const QUICKLY: Duration = Duration::from_secs(5);
    // For that long after the database went away, a visitor may still get a kept page (the
    // version read before it is trusted); after it, the page says the database is down.
    tokio::time::sleep(quire::web::page_cache::VERSION_TTL).await;
    let asks = [
        (http, format!("{base}/"), ""),
        (http, format!("{base}/posts/{slug}"), ""),
        (http, format!("{base}/tags"), ""),
        (http, format!("{base}/search?q=here"), ""),
        // A signed-in reader's session cannot be read either.
        (signed_in, format!("{base}/"), " (signed in)"),
        (signed_in, format!("{base}/posts/{slug}"), " (signed in)"),
    ];
    let pages: Vec<_> = asks
        .iter()
        .map(|(http, url, _)| {
            let (http, url) = ((*http).clone(), url.clone());
            tokio::spawn(async move { page(&http, &url).await })
        })
        .collect();
    let urls = asks.map(|(_, url, who)| format!("{url}{who}"));
    let (list, write, health_reply) = tokio::join!(
        timed_api(http, base, reqwest::Method::GET, "/posts", None, None),
        timed_api(
            http,
            base,
            reqwest::Method::POST,
            "/posts",
            Some(token),
            Some(json!({"title": "While down", "content": "Never saved.", "status": "PUBLISHED"})),
        ),
        async {
            let asked = Instant::now();
            (health(http, base).await, asked.elapsed())
        },
    );
    for (what, page) in urls.iter().zip(pages) {
        let page = page
            .await
            .expect("page task")
            .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        assert_eq!(page.status, 503, "{what}:\n{}", page.body);
        assert!(page.took < QUICKLY, "{what} took {:?}", page.took);
        assert!(
            page.content_type.starts_with("text/html"),
            "{what}: {}",
            page.content_type
        );
        let text = page.body.to_lowercase();
        assert!(
            text.contains("<html") && text.contains("</html>"),
            "{what}: a whole page:\n{}",
            page.body
        );
        assert!(
            text.contains("unavailable"),
            "{what}: says the service is unavailable:\n{}",
            page.body
        );
        assert!(
            !page.body.contains("ServerFnError") && !page.body.contains("sqlx"),
            "{what}: no internals:\n{}",
            page.body
        );
    }
    for (what, (reply, took)) in [("GET /api/posts", list), ("POST /api/posts", write)] {
        assert_failure_envelope(what, &reply, 503);
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.contains("unavailable"), "{what}: {message}");
        assert!(took < QUICKLY, "{what} took {took:?}");
    }
    let (reply, took) = health_reply;
    assert_eq!(reply.status, 503, "/health: {}", reply.body);
    assert_eq!(
        reply.body["database"], "unreachable",
        "/health: {}",
        reply.body
    );
    assert!(took < QUICKLY, "/health took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load() {
    let started = Instant::now();
    let cluster = match PgCluster::create() {
        Ok(cluster) => cluster,
        Err(why) => {
            eprintln!("postgres_stopped_under_load skipped: {why}");
            return;
        }
    };
    cluster.start();
    let work = tempfile::tempdir().expect("work dir");
    let mut quire = Quire::start(&cluster.url(), work.path(), LOAD_SETTINGS).await;
    let base = quire.base.clone();
    let http = client();

    let (_, token) = author(&http, &base, "steady").await;
    let reply = publish(&http, &base, &token, "Still here", "A post to read.")
        .await
        .expect("an answer");
    assert_eq!(reply.status, 201, "{}", reply.body);
    let slug = reply.body["data"]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();

    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = ["home", "post page", "api list", "api write"]
        .into_iter()
        .map(|what| {
            tokio::spawn(outage_load(
                what,
                base.clone(),
                slug.clone(),
                token.clone(),
                tally.clone(),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = {
        let tally = tally.lock().unwrap();
        for (what, ok) in [
            ("home", 200),
            ("post page", 200),
            ("api list", 200),
            ("api write", 201),
        ] {
            assert!(tally.count(what, ok) > 0, "{what} worked before the outage");
        }
        tally.count("api write", 201)
    };

    let signed_in = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = signed_in
        .post(format!("{base}/rpc/accounts/sign_in"))
        .form(&[("login", "steady"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign-in answer");
    assert!(answer.status().is_success(), "sign-in: {}", answer.status());

    cluster.stop();
    let stopped_at = Instant::now();
    assert_unavailable(&http, &signed_in, &base, &slug, &token).await;
    assert!(quire.is_running(), "quire outlives its database");

    cluster.start();
    let restarted_at = Instant::now();
    let recovered = loop {
        let health_ok = health(&http, &base).await.status == 200;
        let home = page(&http, &format!("{base}/")).await.map(|p| p.status);
        let post = page(&http, &format!("{base}/posts/{slug}"))
            .await
            .map(|p| p.status);
        let list = api(&http, &base, reqwest::Method::GET, "/posts", None, None)
            .await
            .map(|r| r.status);
        let write = publish(
            &http,
            &base,
            &token,
            "Back again",
            "Written after the outage.",
        )
        .await
        .map(|r| r.status);
        if health_ok
            && matches!(home, Ok(200))
            && matches!(post, Ok(200))
            && matches!(list, Ok(200))
            && matches!(write, Ok(201))
        {
            break restarted_at.elapsed();
        }
        assert!(
            restarted_at.elapsed() < Duration::from_secs(15),
            "quire did not recover within 15 s: health {health_ok}, home {home:?}, post {post:?}, list {list:?}, write {write:?}\n{}",
            quire.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The load itself gets through again, too.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tally.lock().unwrap().count("api write", 201) == before {
        assert!(Instant::now() < deadline, "the load's writes resumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("load task");
    }

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    eprintln!(
        "postgres outage: down {:.1} s, recovered {:.1} s after the restart; answers {:?}",
        restarted_at.duration_since(stopped_at).as_secs_f64(),
        recovered.as_secs_f64(),
        tally.answers
    );
    assert!(
        tally.no_answer.is_empty(),
        "requests without an answer: {:?}",
        tally.no_answer
    );
    // In flight when the server went away, or asked while it was away: 503, never a 500.
    let odd: Vec<_> = tally
        .answers
        .keys()
        .filter(|(_, status)| !matches!(status, 200 | 201 | 503))
        .collect();
    assert!(
        odd.is_empty(),
        "unexpected answers under the outage: {odd:?}\n{}",
        quire.log()
    );
    assert!(quire.is_running(), "quire is still the same process");
    quire.assert_no_panic();
    eprintln!(
        "postgres outage test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// --- 3. A full SQLite disk ----------------------------------------------------------------

/// Limits every file quire writes to `bytes`, as a full disk limits it, without mount
/// privileges: past the limit a write fails with EFBIG (SIGXFSZ, which would kill quire, is
/// ignored, and stays ignored across exec).
fn limit_file_size(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: between fork and exec only async-signal-safe calls are made (setrlimit,
    // signal), and nothing is allocated.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0
                || libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A long body of distinct words (so the search index grows with it too), under the
/// editor's 200,000 characters.
fn big_body(seed: usize) -> String {
    let mut body = String::with_capacity(200_000);
    let mut word = 0;
    while body.len() < 190_000 {
        if word % 12 == 0 {
            body.push_str("\n\n");
        }
        body.push_str(&format!("w{seed}x{word} "));
        word += 1;
    }
    body
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full() {
    let started = Instant::now();
    let db = fresh_database(Backend::Sqlite).await;
    let file = PathBuf::from(db.url.trim_start_matches("sqlite://"));
    let work = tempfile::tempdir().expect("work dir");
    let http = client();

    // Room enough at first: some content, every write of it acknowledged.
    let mut quire = Quire::start(&db.url, work.path(), LOAD_SETTINGS).await;
    let mut users = BTreeSet::new();
    let mut posts: BTreeMap<i64, String> = BTreeMap::new();
    let (author_id, token) = author(&http, &quire.base, "filler").await;
    users.insert(author_id);
    for i in 0..3 {
        let reply = publish(&http, &quire.base, &token, &format!("Before {i}"), "Short.")
            .await
            .expect("an answer");
        assert_eq!(reply.status, 201, "{}", reply.body);
        posts.insert(
            id_of(&reply.body["data"]["id"]),
            reply.body["data"]["slug"]
                .as_str()
                .expect("slug")
                .to_owned(),
        );
    }
    quire.stop();
    quire.assert_no_panic();

    // Then the disk fills: each file may grow to what the database holds now plus 3 MB, a
    // big post's worth or two. The WAL fills first (short of the 4 MB that would checkpoint
    // it), and while it is full no write commits.
    let wal = PathBuf::from(format!("{}-wal", file.display()));
    let limit = file_size(&file).max(file_size(&wal)) + 3_000_000;
    let mut full = Quire::start_with(&db.url, work.path(), LOAD_SETTINGS, |cmd| {
        limit_file_size(cmd, limit)
    })
    .await;
    let base = full.base.clone();
    // A write refused for want of room: quickly, in the envelope, saying why.
    let assert_refused = |what: &str, reply: &Reply, took: Duration| {
        if reply.status != 507 {
            eprintln!("quire's log:\n{}", full.log());
        }
        assert_failure_envelope(what, reply, 507);
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("storage") && message.contains("saved"),
            "{what}: the message says the storage is full and nothing was saved: {message}"
        );
        assert!(took < Duration::from_secs(10), "{what} took {took:?}");
    };

    // Big posts until one does not fit.
    let mut refused_post = false;
    for i in 0..20 {
        let (reply, took) = timed_api(
            &http,
            &base,
            reqwest::Method::POST,
            "/posts",
            Some(&token),
            Some(
                json!({"title": format!("Big {i}"), "content": big_body(i), "status": "PUBLISHED"}),
            ),
        )
        .await;
        if reply.status == 201 {
            posts.insert(
                id_of(&reply.body["data"]["id"]),
                reply.body["data"]["slug"]
                    .as_str()
                    .expect("slug")
                    .to_owned(),
            );
            continue;
        }
        assert_refused("a big post", &reply, took);
        refused_post = true;
        break;
    }
    assert!(
        refused_post,
        "a big post overflowed the disk:\n{}",
        full.log()
    );

    // Sign-ups until even those do not fit: then the disk is full for everything.
    let mut refused_sign_up = false;
    for i in 0..300 {
        let asked = Instant::now();
        let reply = register(&http, &base, &format!("late{i}"))
            .await
            .expect("an answer");
        if reply.status == 201 {
            users.insert(id_of(&reply.body["data"]["user"]["id"]));
            continue;
        }
        assert_refused("a sign-up", &reply, asked.elapsed());
        refused_sign_up = true;
        break;
    }
    assert!(refused_sign_up, "sign-ups filled the disk:\n{}", full.log());
    let (reply, took) = timed_api(
        &http,
        &base,
        reqwest::Method::POST,
        &format!("/posts/{}/comments", posts.keys().next().expect("a post")),
        Some(&token),
        Some(json!({"content": "No room for this one."})),
    )
    .await;
    let comment = if reply.status == 201 {
        Some(id_of(&reply.body["data"]["id"]))
    } else {
        assert_refused("a comment", &reply, took);
        None
    };

    // Reading needs no room.
    let slug = posts.values().next_back().expect("a post").clone();
    for path in ["/".to_owned(), format!("/posts/{slug}")] {
        let page = page(&http, &format!("{base}{path}"))
            .await
            .expect("an answer");
        assert_eq!(
            page.status, 200,
            "{path} while the disk is full:\n{}",
            page.body
        );
    }
    let (reply, _) = timed_api(&http, &base, reqwest::Method::GET, "/posts", None, None).await;
    assert_eq!(reply.status, 200, "GET /api/posts: {}", reply.body);
    assert_eq!(health(&http, &base).await.status, 200, "/health");
    assert!(full.is_running(), "quire outlives its full disk");
    full.assert_no_panic();
    drop(full);

    // Room again: the same database, whole, with everything acknowledged in it.
    let quire = Quire::start(&db.url, work.path(), LOAD_SETTINGS).await;
    let store = database(&db.url).await;
    let Db::Sqlite(pool) = &store else {
        unreachable!("a SQLite database")
    };
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await
        .expect("integrity check");
    assert_eq!(integrity, ["ok"], "the database is whole");
    sqlx::query("INSERT INTO posts_fts (posts_fts) VALUES ('integrity-check')")
        .execute(pool)
        .await
        .expect("the search index matches the posts");
    let kept = ids(&store, "SELECT id FROM users").await;
    let missing: Vec<_> = users.difference(&kept).collect();
    assert!(
        missing.is_empty(),
        "acknowledged sign-ups lost: {missing:?}"
    );
    let kept = ids(&store, "SELECT id FROM posts WHERE status = 'PUBLISHED'").await;
    let missing: Vec<_> = posts.keys().filter(|id| !kept.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged posts lost: {missing:?}");
    if let Some(comment) = comment {
        let kept = ids(&store, "SELECT id FROM comments").await;
        assert!(
            kept.contains(&comment),
            "acknowledged comment {comment} lost"
        );
    }
    assert_consistent(&store).await;
    for slug in posts.values() {
        let (reply, _) = timed_api(
            &http,
            &quire.base,
            reqwest::Method::GET,
            &format!("/posts/{slug}"),
            None,
            None,
        )
        .await;
        assert_eq!(reply.status, 200, "{slug}: {}", reply.body);
    }
    let reply = register(&http, &quire.base, "with_room")
        .await
        .expect("an answer");
    assert_eq!(
        reply.status, 201,
        "a write after the disk has room: {}",
        reply.body
    );
    quire.assert_no_panic();
    eprintln!(
        "sqlite full disk: files limited to {limit} bytes; {} posts and {} users acknowledged; test took {:.1} s",
        posts.len(),
        users.len(),
        started.elapsed().as_secs_f64()
    );
}
