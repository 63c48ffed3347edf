//! The `quire` command line, run as a user would run it.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{fresh_database, quire, run, Backend, Outcome};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::process::Command;

/// One line, naming the setting, exit code 2: never a panic or a backtrace.
fn assert_clear_failure(out: &Outcome, setting: &str) {
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    let lines: Vec<_> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got: {}", out.stderr);
    assert!(
        lines[0].contains(setting),
        "{setting} named in: {}",
        lines[0]
    );
    assert!(!out.stderr.contains("panicked"));
}

#[tokio::test]
async fn bad_settings_end_with_one_line_and_exit_code_2() {
    let out = run(quire()
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root@localhost/x"))
    .await;
    assert_clear_failure(&out, "DATABASE_URL");

    let out = run(quire().arg("serve").env("QUIRE_ADDR", "not-an-address")).await;
    assert_clear_failure(&out, "QUIRE_ADDR");

    let out = run(quire().arg("migrate").env(
        "DATABASE_URL",
        "postgres://postgres:hunter2@127.0.0.1:1/nothing",
    ))
    .await;
    assert_clear_failure(&out, "DATABASE_URL");
    assert!(
        !out.stderr.contains("hunter2"),
        "passwords are never printed"
    );

    let out = run(quire().arg("serve").env("RUST_LOG", "quire=notalevel")).await;
    assert_clear_failure(&out, "RUST_LOG");

    let out = run(quire().arg("serve").env("QUIRE_LOG_FORMAT", "xml")).await;
    assert_clear_failure(&out, "QUIRE_LOG_FORMAT");

    let out = run(quire().arg("frobnicate")).await;
    assert_eq!(out.code, 2);
}

/// Folders quire cannot write (a file where a folder should be: root may write anywhere
/// else) stop it at start with one line, not at the first upload.
#[tokio::test]
async fn unusable_folders_are_named_at_start() {
    let not_a_folder = tempfile::NamedTempFile::new().unwrap();
    let below_a_file = |name: &str| not_a_folder.path().join(name).display().to_string();
    let out = run(quire().arg("serve").env(
        "DATABASE_URL",
        format!("sqlite://{}", below_a_file("quire.db")),
    ))
    .await;
    assert_clear_failure(&out, "DATABASE_URL");

    let db = fresh_database(Backend::Sqlite).await;
    let serve = |setting: &str, value: String| {
        let mut cmd = quire();
        cmd.arg("serve")
            .env("DATABASE_URL", &db.url)
            .env(
                "QUIRE_ADDR",
                format!("127.0.0.1:{}", common::mail::free_port()),
            )
            .env(setting, value);
        cmd
    };
    for setting in ["QUIRE_MEDIA_DIR", "QUIRE_MAIL_DIR"] {
        let out = run(&mut serve(setting, below_a_file("folder"))).await;
        assert_clear_failure(&out, setting);
    }
}

/// `quire --version` names the release, the commit it was built from and the schema version
/// (its newest migration), the three things an operator compares before an upgrade.
#[tokio::test]
async fn the_version_names_the_commit_and_the_schema() {
    let out = run(quire().arg("--version")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let schema = quire::platform::db::schema_versions()
        .into_iter()
        .max()
        .unwrap();
    let line = out.stdout.trim();
    assert!(
        line.starts_with(&format!("quire {} (commit ", env!("CARGO_PKG_VERSION")))
            && line.ends_with(&format!(", schema {schema})")),
        "{line}"
    );
    let commit = line
        .split("(commit ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit}"
    );
}

#[tokio::test]
async fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = fresh_database(Backend::Sqlite).await;
    let out = run(quire()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_ADDR", &addr))
    .await;
    assert_clear_failure(&out, "QUIRE_ADDR");
    assert!(out.stderr.contains("already in use"));
}

/// The metrics listener's port taken: one line naming the setting, as for the blog's own.
#[tokio::test]
async fn a_taken_metrics_port_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let db = fresh_database(Backend::Sqlite).await;
    let out = run(quire()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env(
            "QUIRE_ADDR",
            format!("127.0.0.1:{}", common::mail::free_port()),
        )
        .env(
            "QUIRE_METRICS_ADDR",
            taken.local_addr().unwrap().to_string(),
        ))
    .await;
    assert_clear_failure(&out, "QUIRE_METRICS_ADDR");
    assert!(out.stderr.contains("already in use"));
}

/// The value of the first sample of `metric` whose labels include every one of `labels`.
fn sample(metrics: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let rest = series.strip_prefix(metric)?;
        let named = rest.is_empty() || rest.starts_with('{');
        (named && labels.iter().all(|label| rest.contains(label))).then(|| value.parse().ok())?
    })
}

/// What an operator watches: `/metrics` on its own address (never the blog's), counting
/// requests by route and status, kept pages, failed sign-ins and the pool; and JSON log
/// lines whose request id is the one the answer carried back.
async fn an_operator_gets_metrics_and_json_logs(backend: Backend) {
    let db = fresh_database(backend).await;
    let port = common::mail::free_port();
    let metrics_port = common::mail::free_port();
    let child = quire()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_ADDR", format!("127.0.0.1:{port}"))
        .env("QUIRE_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("QUIRE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let blog = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let mut health = None;
    for _ in 0..100 {
        if let Ok(res) = client.get(blog("/health")).send().await {
            health = Some(res);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let health = health.expect("the server answered /health");
    let request_id = health.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let (config, _media) = {
        let media = tempfile::tempdir().unwrap();
        (common::config_for(&db.url, media.path(), &[]), media)
    };
    let store = quire::platform::db::Db::connect(&config.database, 2)
        .await
        .unwrap();
    common::past_setup(&store).await;

    // The server learns of the claim within the page cache's version check (250 ms).
    let mut first = client.get(blog("/")).send().await.unwrap();
    for _ in 0..50 {
        if first.status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        first = client.get(blog("/")).send().await.unwrap();
    }
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-quire-cache"], "miss");
    let again = client.get(blog("/")).send().await.unwrap();
    assert_eq!(again.headers()["x-quire-cache"], "hit");
    let refused = client
        .post(blog("/api/auth/login"))
        .json(&serde_json::json!({"username": "nobody", "password": "wrong wrong wrong"}))
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error());
    let public = client.get(blog("/metrics")).send().await.unwrap();
    let public_text = public.text().await.unwrap();
    assert!(
        !public_text.contains("quire_http_requests_total"),
        "never on the blog's address"
    );

    let metrics = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.unwrap();
    let home = ["method=\"GET\"", "route=\"/\"", "status=\"200\""];
    assert!(
        sample(&metrics, "quire_http_requests_total", &home).unwrap_or(0.0) >= 2.0,
        "the home page twice: {metrics}"
    );
    assert!(
        sample(&metrics, "quire_http_request_duration_seconds_count", &home).unwrap_or(0.0) >= 2.0
    );
    assert!(sample(
        &metrics,
        "quire_http_request_duration_seconds_bucket",
        &home
    )
    .is_some());
    for outcome in ["hit", "miss"] {
        let label = format!("outcome=\"{outcome}\"");
        assert!(
            sample(&metrics, "quire_page_cache_answers_total", &[&label]).unwrap_or(0.0) >= 1.0,
            "{outcome}: {metrics}"
        );
    }
    assert!(sample(&metrics, "quire_sign_in_failures_total", &[]).unwrap_or(0.0) >= 1.0);
    let max = sample(&metrics, "quire_db_pool_max_connections", &[]).unwrap();
    let idle = sample(&metrics, "quire_db_pool_connections", &["state=\"idle\""]).unwrap();
    assert!(max >= 1.0 && idle <= max, "{metrics}");
    assert_eq!(sample(&metrics, "quire_views_queued", &[]), Some(0.0));
    assert_eq!(
        sample(&metrics, "quire_outbox_messages", &["state=\"failed\""]),
        Some(0.0)
    );

    let pid = child.id().unwrap().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("stopped within 10 s")
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let answered = lines
        .iter()
        .find(|line| line["span"]["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("no line with request id {request_id}: {log}"));
    assert_eq!(answered["message"], "answered");
    assert_eq!(answered["status"], 200);
    assert_eq!(answered["span"]["path"], "/health");
}

async fn user_create_prints_the_new_id(backend: Backend) {
    let db = fresh_database(backend).await;
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
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_PASSWORD", "a long and unusual passphrase"))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id: i64 = out.stdout.trim().parse().expect("an id on stdout");
    assert!(id > 0);

    // The password may also come on standard input.
    let mut child = quire()
        .args([
            "user",
            "create",
            "--username",
            "second",
            "--email",
            "second@example.com",
        ])
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"another long passphrase\n").await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Taken names and bad input: one clear line, exit code 2.
    let out = run(quire()
        .args([
            "user",
            "create",
            "--username",
            "ROOT_ADMIN",
            "--email",
            "x@example.com",
        ])
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_PASSWORD", "a long and unusual passphrase"))
    .await;
    assert_clear_failure(&out, "username");

    let out = run(quire()
        .args([
            "user",
            "create",
            "--username",
            "third",
            "--email",
            "not-an-email",
        ])
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_PASSWORD", "short"))
    .await;
    assert_clear_failure(&out, "email");
    assert!(
        out.stderr.contains("password"),
        "both problems are named: {}",
        out.stderr
    );

    let out = run(quire()
        .args([
            "user",
            "create",
            "--username",
            "fourth",
            "--email",
            "fourth@example.com",
            "--role",
            "emperor",
        ])
        .env("DATABASE_URL", &db.url))
    .await;
    assert_eq!(out.code, 2);
}

async fn migrate_and_demo_fill_an_empty_database(backend: Backend) {
    let db = fresh_database(backend).await;
    let out = run(quire().arg("migrate").env("DATABASE_URL", &db.url)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(quire().arg("demo").env("DATABASE_URL", &db.url)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("8 posts"), "{}", out.stdout);
    let out = run(quire().arg("demo").env("DATABASE_URL", &db.url)).await;
    assert_clear_failure(&out, "already has posts");
}

/// Roles, deactivation and deletion from the command line, through the same guard as the
/// pages and the API: the last active admin stays one, said in one line with exit code 2.
async fn the_command_line_keeps_the_last_admin(backend: Backend) {
    let db = fresh_database(backend).await;
    let user = |args: &[&str]| {
        let mut cmd = quire();
        cmd.arg("user")
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("QUIRE_PASSWORD", "a long and unusual passphrase");
        cmd
    };
    let out = run(&mut user(&[
        "create",
        "--username",
        "root",
        "--email",
        "root@example.com",
        "--role",
        "admin",
    ]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    for args in [
        &["role", "--username", "root", "--role", "user"][..],
        &["deactivate", "--username", "root"],
        &["delete", "--username", "root"],
    ] {
        let out = run(&mut user(args)).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("last"), "{}", out.stderr);
    }
    let out = run(&mut user(&[
        "role",
        "--username",
        "nobody",
        "--role",
        "user",
    ]))
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no user named nobody"),
        "{}",
        out.stderr
    );

    // With a second admin, the first may step down, and then is the one who may not.
    let out = run(&mut user(&[
        "create",
        "--username",
        "second",
        "--email",
        "second@example.com",
        "--role",
        "admin",
    ]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&mut user(&[
        "role",
        "--username",
        "root",
        "--role",
        "moderator",
    ]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "root is now MODERATOR.");
    let out = run(&mut user(&["deactivate", "--username", "second"])).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = run(&mut user(&["delete", "--username", "root"])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// The operator's account tools: a list, a forgotten password reset (sessions end, the old
/// password stops working), a role, a deactivation; each one clear line.
async fn account_tools_for_the_operator(backend: Backend) {
    use common::{sign_in, spawn_app_on, PASSWORD};
    let db = fresh_database(backend).await;
    let url = db.url.clone();
    let user = |args: &[&str], password: &str| {
        let mut cmd = quire();
        cmd.arg("user")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("QUIRE_PASSWORD", password);
        cmd
    };
    for (name, role) in [("olive", "admin"), ("rafa", "user")] {
        let email = format!("{name}@example.com");
        let out = run(&mut user(
            &[
                "create",
                "--username",
                name,
                "--email",
                &email,
                "--role",
                role,
            ],
            PASSWORD,
        ))
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
    }

    let out = run(&mut user(&["list"], "")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].contains("USERNAME") && lines[0].contains("ROLE"));
    assert!(
        lines[1].contains("olive") && lines[1].contains("ADMIN") && lines[1].contains("active")
    );
    assert!(lines[2].contains("rafa") && lines[2].contains("rafa@example.com"));

    let app = spawn_app_on(db, &[]).await;
    let browser = common::browser();
    assert!(common::succeeded(
        &sign_in(&app, &browser, "rafa", PASSWORD).await
    ));

    // A forgotten password, reset from standard input.
    let mut child = quire()
        .args(["user", "set-password", "rafa"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"a fresh start for rafa\n").await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "rafa has a new password; their sessions have ended and their API tokens can no longer be renewed."
    );
    let (_, home) = common::get_with(&app, &browser, "/").await;
    assert!(
        !home.contains("data-testid=\"account-name\""),
        "the old session ended"
    );
    assert!(!common::succeeded(
        &sign_in(&app, &common::browser(), "rafa", PASSWORD).await
    ));
    assert!(common::succeeded(
        &sign_in(&app, &common::browser(), "rafa", "a fresh start for rafa").await
    ));

    // A weak one is refused as the settings page refuses it.
    let out = run(&mut user(&["set-password", "rafa"], "short")).await;
    assert_clear_failure(&out, "password");

    let out = run(&mut user(&["set-role", "rafa", "author"], "")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "rafa is now AUTHOR.");
    let out = run(&mut user(&["set-role", "rafa", "emperor"], "")).await;
    assert_eq!(out.code, 2);

    let out = run(&mut user(&["deactivate", "rafa"], "")).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        "rafa is deactivated; their sessions and API tokens have ended."
    );
    assert!(!common::succeeded(
        &sign_in(&app, &common::browser(), "rafa", "a fresh start for rafa").await
    ));
    let out = run(&mut user(
        &["set-password", "nobody"],
        "a fresh start for nobody",
    ))
    .await;
    assert_clear_failure(&out, "no user named nobody");
}

on_both_backends!(
    account_tools_for_the_operator,
    user_create_prints_the_new_id,
    migrate_and_demo_fill_an_empty_database,
    the_command_line_keeps_the_last_admin
);

#[tokio::test]
async fn sqlite_is_the_default_and_its_folder_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(quire().arg("migrate").current_dir(dir.path())).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(dir.path().join("data/quire.db").exists());
}

#[tokio::test]
async fn serve_answers_and_stops_gracefully_on_sigterm() {
    let db = fresh_database(Backend::Sqlite).await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut child = quire()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("QUIRE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            healthy = res.status().is_success();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server answered /health");
    // A fresh database has no owner: the console shows where to claim it.
    let mut console = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = console.next_line().await.unwrap() {
            if let Some(at) = line.find("http://") {
                return line[at..].trim().to_owned();
            }
        }
        panic!("no setup address printed");
    })
    .await
    .expect("the setup address is printed at start");
    assert!(
        address.starts_with(&format!("http://127.0.0.1:{port}/setup?token=")),
        "{address}"
    );
    let setup = client.get(&address).send().await.unwrap();
    assert_eq!(setup.status(), 200);
    assert!(setup.text().await.unwrap().contains("Create the blog"));
    let token = address.split("token=").nth(1).unwrap().to_owned();
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("stopped within 10 s")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    let out = child.wait_with_output().await.unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("answered"), "requests are logged: {log}");
    assert!(log.contains("/health"));
    assert!(
        !log.contains(&token),
        "the setup token is not logged: {log}"
    );
}

/// `quire import` and `quire export` round-trip a folder of posts; broken files are named,
/// the others still import, and importing again updates instead of duplicating.
async fn import_and_export_round_trip(backend: Backend) {
    let source = fresh_database(backend).await;
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("third.md"),
        "---\ntitle: \"My Third Post\"\ndate: \"2025-06-20\"\nslug: \"third-post\"\ntags: [\"typescript\", \"node\", \"backend\"]\ndescription: \"Deep dive into backend development.\"\ncategories: [\"Engineering\"]\n---\n# Hello\n\n```ts\nconst x = 1;\n```\n\nTrailing spaces stay.   \n",
    )
    .unwrap();
    std::fs::write(
        folder.path().join("draft.md"),
        "---\ntitle: Unfinished\ndraft: true\ntags:\n  - notes\n---\nNot yet.",
    )
    .unwrap();
    std::fs::write(
        folder.path().join("broken.md"),
        "---\ntitle: [oops\n---\nbody",
    )
    .unwrap();
    std::fs::write(folder.path().join("notes.txt"), "ignored: not markdown").unwrap();

    // quire on one of the two databases.
    let on = |url: &str| {
        let mut cmd = quire();
        cmd.env("DATABASE_URL", url)
            .env("QUIRE_PASSWORD", "a perfectly fine passphrase");
        cmd
    };
    let out = run(on(&source.url).args([
        "user",
        "create",
        "--username",
        "writer",
        "--email",
        "w@example.com",
    ]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    let out = run(on(&source.url)
        .arg("import")
        .arg(folder.path())
        .args(["--author", "writer"]))
    .await;
    assert_eq!(
        out.code, 2,
        "a failed file makes the run fail: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("broken.md") && out.stderr.contains("YAML"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("Imported 2 new and 0 updated"),
        "{}",
        out.stdout
    );

    // Again: the same slugs are updated, not duplicated.
    std::fs::remove_file(folder.path().join("broken.md")).unwrap();
    let out = run(on(&source.url)
        .arg("import")
        .arg(folder.path())
        .args(["--author", "writer"]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Imported 0 new and 2 updated"),
        "{}",
        out.stdout
    );

    let exported = tempfile::tempdir().unwrap();
    let out = run(on(&source.url).arg("export").arg(exported.path())).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let third = std::fs::read_to_string(exported.path().join("third-post.md")).unwrap();
    assert!(
        third.ends_with("---\n# Hello\n\n```ts\nconst x = 1;\n```\n\nTrailing spaces stay.   \n"),
        "body kept exactly: {third}"
    );
    assert!(
        third.contains("date: \"2025-06-20T00:00:00+00:00\""),
        "{third}"
    );
    assert!(third.contains("categories: [\"Engineering\"]"), "{third}");
    let draft = std::fs::read_to_string(exported.path().join("unfinished.md")).unwrap();
    assert!(draft.contains("status: \"DRAFT\""), "{draft}");

    // Into an empty database, and out again: the same files (but for the update times).
    let target = fresh_database(backend).await;
    run(on(&target.url).args([
        "user",
        "create",
        "--username",
        "writer",
        "--email",
        "w@example.com",
    ]))
    .await;
    let out = run(on(&target.url)
        .arg("import")
        .arg(exported.path())
        .args(["--author", "writer"]))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = tempfile::tempdir().unwrap();
    run(on(&target.url).arg("export").arg(second.path())).await;
    for name in ["third-post.md", "unfinished.md"] {
        let strip = |text: String| -> String {
            text.lines()
                .filter(|l| !l.starts_with("updated:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let first = strip(std::fs::read_to_string(exported.path().join(name)).unwrap());
        let again = strip(std::fs::read_to_string(second.path().join(name)).unwrap());
        assert_eq!(first, again, "{name} survives export and import");
    }

    let out = run(on(&target.url)
        .arg("import")
        .arg(exported.path())
        .args(["--author", "nobody"]))
    .await;
    assert_clear_failure(&out, "nobody");
}

/// `quire doctor` checks a running blog's settings, database, media folder, address and mail
/// as they are, and names each thing that is wrong with exit code 1.
async fn the_doctor_names_what_is_wrong(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let mut cmd = quire();
    cmd.env("DATABASE_URL", &app.database.url)
        .env("QUIRE_MEDIA_DIR", app.media_dir.path())
        .env("QUIRE_ADDR", app.base_url.trim_start_matches("http://"))
        // Behind a TLS proxy: the server is asked at its own address.
        .env("QUIRE_BASE_URL", "https://blog.example.com")
        .arg("doctor");
    let out = run(&mut cmd).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for check in ["settings", "database", "media", "address", "mail"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&format!("ok    {check}: "))),
            "{check}: {}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("answers 200"), "{}", out.stdout);

    // A database never migrated, a media folder that cannot exist, nobody at the address.
    let unmigrated = fresh_database(backend).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = quire();
    cmd.env("DATABASE_URL", &unmigrated.url)
        .env("QUIRE_MEDIA_DIR", file.path().join("media"))
        .env("QUIRE_ADDR", "127.0.0.1:9")
        .arg("doctor");
    let out = run(&mut cmd).await;
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    for check in ["database", "media", "address"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&format!("FAIL  {check}: "))),
            "{check}: {}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("migrate"), "{}", out.stdout);
    assert_eq!(out.stderr.trim(), "quire: 3 of 5 checks failed");

    let mut cmd = quire();
    cmd.env("DATABASE_URL", "mysql://nobody@localhost/quire")
        .arg("doctor");
    let out = run(&mut cmd).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.starts_with("FAIL  settings: "), "{}", out.stdout);
}

on_both_backends!(import_and_export_round_trip);
on_both_backends!(the_doctor_names_what_is_wrong);
on_both_backends!(an_operator_gets_metrics_and_json_logs);

/// Highlighted code as the renderer before version 1 wrote it: every scope a class.
const OLD_STYLE_HTML: &str = "<h1 id=\"old\">Old</h1>\n<pre class=\"highlight\"><code class=\"language-rust\"><span class=\"hl-source hl-rust\"><span class=\"hl-meta hl-function hl-rust\"><span class=\"hl-storage hl-type hl-function hl-rust\">fn</span> </span><span class=\"hl-entity hl-name hl-function hl-rust\">main</span>() {}\n</span></code></pre>\n";

/// Makes the post `slug` look written by the renderer before version 1.
async fn make_stale(db: &quire::platform::db::Db, slug: &str) {
    quire::with_db!(db, |pool| sqlx::query(
        "UPDATE posts SET content_html = $1, toc = '[]', renderer_version = 0 WHERE slug = $2"
    )
    .bind(OLD_STYLE_HTML)
    .bind(slug)
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
}

/// Asks for `path` until `done` holds of the page (kept pages learn of a change within the
/// page cache's version check); the last page seen.
async fn page_until(url: &str, done: impl Fn(&str) -> bool) -> String {
    let client = reqwest::Client::new();
    let mut page = String::new();
    for _ in 0..100 {
        if let Ok(res) = client.get(url).send().await {
            page = res.text().await.unwrap_or_default();
            if done(&page) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    page
}

/// Posts an older renderer wrote are rendered again, by `quire rerender` and when the server
/// starts; the page caches see the change.
async fn old_posts_are_rendered_again(backend: Backend) {
    use quire::posts::PostStatus;
    let app = common::spawn_app(backend).await;
    let author = common::make_user(&app, "writer", quire::accounts::Role::User).await;
    for slug in ["by-command", "at-start"] {
        quire::posts::store::create(
            &app.db,
            common::new_post(author, slug, PostStatus::Published, None),
        )
        .await
        .unwrap();
    }
    make_stale(&app.db, "by-command").await;
    let old = |page: &str| page.contains("hl-source");
    let new = |page: &str| {
        page.contains("<span class=\"k\">fn</span> <span class=\"f\">main</span>")
            && !page.contains("hl-")
    };
    let page = page_until(&app.url("/posts/by-command"), old).await;
    assert!(old(&page), "the stale post is kept as stored: {page}");

    let out = run(quire()
        .arg("rerender")
        .env("DATABASE_URL", &app.database.url))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "Rendered 1 post again.");
    let page = page_until(&app.url("/posts/by-command"), new).await;
    assert!(new(&page), "short classes, no hl-*: {page}");
    let toc: String = quire::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT toc FROM posts WHERE slug = 'by-command'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(toc, "[]", "the post has no headings: {toc}");

    let out = run(quire()
        .arg("rerender")
        .env("DATABASE_URL", &app.database.url))
    .await;
    assert_eq!(
        out.stdout.trim(),
        "Rendered 0 posts again.",
        "{}",
        out.stderr
    );

    // A server starting renders them again by itself.
    make_stale(&app.db, "at-start").await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut server = quire()
        .arg("serve")
        .env("DATABASE_URL", &app.database.url)
        .env("QUIRE_ADDR", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let page = page_until(&format!("http://127.0.0.1:{port}/posts/at-start"), new).await;
    server.kill().await.unwrap();
    assert!(new(&page), "rendered again at start-up: {page}");
    let page = page_until(&app.url("/posts/at-start"), new).await;
    assert!(new(&page), "and other instances' caches see it: {page}");
}

on_both_backends!(old_posts_are_rendered_again);
