//! `quire backup` and `quire restore`, run as a user would run them, against a live server.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{
    fresh_database, make_user, new_post, quire, run, sign_in, spawn_app, spawn_app_on, succeeded,
    Backend, Outcome, TestApp, PASSWORD,
};
use quire::accounts::Role;
use quire::ops::backup::TABLES;
use quire::platform::db::Db;
use quire::posts::PostStatus;
use quire::with_db;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// Exit code 2 and one line that says `what`: never a panic or a backtrace.
fn assert_refused(out: &Outcome, what: &str) {
    assert_eq!(out.code, 2, "stdout: {} stderr: {}", out.stdout, out.stderr);
    let lines: Vec<_> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got: {}", out.stderr);
    assert!(lines[0].contains(what), "'{what}' in: {}", lines[0]);
}

async fn open_backup(file: &Path) -> SqlitePool {
    SqlitePool::connect_with(SqliteConnectOptions::new().filename(file).read_only(true))
        .await
        .expect("the backup opens as SQLite")
}

async fn counts_in_backup(file: &Path) -> Vec<(&'static str, i64)> {
    let pool = open_backup(file).await;
    let mut counts = Vec::new();
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        counts.push((table, n));
    }
    pool.close().await;
    counts
}

async fn counts_in(db: &Db) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        let n: i64 = with_db!(db, |pool| {
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(pool)
                .await
                .unwrap()
        });
        counts.push((table, n));
    }
    counts
}

fn count(counts: &[(&str, i64)], table: &str) -> i64 {
    counts.iter().find(|(t, _)| *t == table).unwrap().1
}

async fn scalar_text(db: &Db, sql: &str, arg: &str) -> String {
    with_db!(db, |pool| sqlx::query_scalar(sql)
        .bind(arg)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn published_at(db: &Db) -> chrono::DateTime<chrono::Utc> {
    with_db!(db, |pool| sqlx::query_scalar(
        "SELECT published_at FROM posts WHERE slug = 'keyset-pagination-in-sql'"
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

/// A blog with users, posts with tags and categories, comments and likes, and an account
/// whose password is known.
async fn populated(backend: Backend) -> (TestApp, i64) {
    let app = spawn_app(backend).await;
    quire::ops::demo::fill(&app.db).await.expect("demo content");
    let keeper = make_user(&app, "keeper", Role::User).await;
    (app, keeper)
}

/// A backup taken while the server writes holds one moment's data, and restores, on either
/// backend, into a database that serves it: the same rows, the same rendered posts, working
/// passwords and search, and new rows that take new ids.
async fn backup_while_writing_restores_into_either_backend(backend: Backend) {
    let (app, keeper) = populated(backend).await;
    let posts_before = count(&counts_in(&app.db).await, "posts");

    // A writer that keeps publishing posts until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (db, stop, written) = (app.db.clone(), stop.clone(), written.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let post = new_post(
                    keeper,
                    &format!("written-during-backup-{i}"),
                    PostStatus::Published,
                    Some(quire::platform::db::now()),
                );
                quire::posts::store::create(&db, post).await.unwrap();
                written.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        })
    };
    while written.load(Ordering::Relaxed) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("quire-backup.db");
    let started = std::time::Instant::now();
    let out = run(quire()
        .arg("backup")
        .arg(&file)
        .env("DATABASE_URL", &app.database.url))
    .await;
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Backed up"), "{}", out.stdout);
    eprintln!("backup took {:?}: {}", started.elapsed(), out.stdout.trim());
    assert!(during > 0, "the server wrote while the backup ran");

    // One moment's data: no post without its tag rows, no dangling reference, whole.
    let counts = counts_in_backup(&file).await;
    let posts = count(&counts, "posts");
    assert!(
        posts > posts_before,
        "posts written before the backup are in it"
    );
    let pool = open_backup(&file).await;
    let torn: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM posts p
         WHERE json_array_length(p.tags) != (SELECT COUNT(*) FROM post_tags t WHERE t.post_id = p.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(torn, 0, "every post has its tags");
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(dangling.is_empty(), "foreign keys hold: {dangling:?}");
    pool.close().await;
    for (table, n) in &counts {
        if [
            "users",
            "posts",
            "comments",
            "likes",
            "tags",
            "post_tags",
            "post_categories",
        ]
        .contains(table)
        {
            assert!(*n > 0, "{table} has rows in the backup");
        }
    }

    let html = scalar_text(
        &app.db,
        "SELECT content_html FROM posts WHERE slug = $1",
        "keyset-pagination-in-sql",
    )
    .await;
    let hash = scalar_text(
        &app.db,
        "SELECT password_hash FROM users WHERE username = $1",
        "keeper",
    )
    .await;

    for target in [Backend::Sqlite, Backend::Postgres] {
        let database = fresh_database(target).await;
        let out = run(quire()
            .arg("restore")
            .arg(&file)
            .env("DATABASE_URL", &database.url))
        .await;
        assert_eq!(out.code, 0, "{backend:?} into {target:?}: {}", out.stderr);
        assert!(out.stdout.contains("Restored"), "{}", out.stdout);

        let restored = spawn_app_on(database, &[]).await;
        assert_eq!(
            counts_in(&restored.db).await,
            counts,
            "{backend:?} into {target:?}: every table's rows"
        );
        let restored_html = scalar_text(
            &restored.db,
            "SELECT content_html FROM posts WHERE slug = $1",
            "keyset-pagination-in-sql",
        )
        .await;
        assert_eq!(restored_html, html);
        let restored_hash = scalar_text(
            &restored.db,
            "SELECT password_hash FROM users WHERE username = $1",
            "keeper",
        )
        .await;
        assert_eq!(restored_hash, hash);
        assert_eq!(
            published_at(&restored.db).await,
            published_at(&app.db).await,
            "times survive the trip between TEXT and timestamptz"
        );

        let browser = common::browser();
        let answer = sign_in(&restored, &browser, "keeper", PASSWORD).await;
        assert!(
            succeeded(&answer),
            "sign in after restore: {:?}",
            answer.body
        );
        let (status, page) = restored.get_text("/search?q=keyset").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("keyset-pagination-in-sql"),
            "search finds a restored post"
        );
        let (status, page) = restored.get_text("/posts/keyset-pagination-in-sql").await;
        assert_eq!(status, 200);
        assert!(page.contains("Stop Paying for Rows You Skip"));

        // New rows get ids after the restored ones (PostgreSQL's sequences continued).
        let newcomer = make_user(&restored, "newcomer", Role::User).await;
        let largest: i64 = with_db!(&restored.db, |pool| sqlx::query_scalar(
            "SELECT MAX(id) FROM users WHERE username != 'newcomer'"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert!(newcomer > largest);
        quire::posts::store::create(
            &restored.db,
            new_post(newcomer, "after-restore", PostStatus::Published, None),
        )
        .await
        .expect("a new post after restore");

        // Restore goes only into an empty database.
        let out = run(quire()
            .arg("restore")
            .arg(&file)
            .env("DATABASE_URL", &restored.database.url))
        .await;
        assert_refused(&out, "is not empty");
    }
}

/// Every table of the schema is in backups, but the search index that triggers rebuild and
/// the page cache's content version.
async fn backups_cover_every_table(backend: Backend) {
    let app = spawn_app(backend).await;
    let names: Vec<String> = with_db!(&app.db, |pool| {
        let sql = match backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'posts\\_fts%' ESCAPE '\\'"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()"
            }
        };
        sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
    });
    let schema: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| !["_sqlx_migrations", "content_version"].contains(name))
        .collect();
    let backed_up: BTreeSet<&str> = TABLES.into_iter().collect();
    assert_eq!(
        schema, backed_up,
        "a new table must be added to backup::TABLES"
    );
}

/// The rows of `_sqlx_migrations`, or none when there is no such table.
async fn migration_rows(db: &Db) -> Vec<(i64, bool, Vec<u8>)> {
    with_db!(db, |pool| sqlx::query_as(
        "SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version"
    )
    .fetch_all(pool)
    .await
    .unwrap_or_default())
}

/// `quire backup` and `quire export` never migrate the database they read: one a newer quire
/// has migrated, one an older quire left behind and one never migrated are each refused with
/// one line and exit code 2, and left exactly as they were.
async fn backup_and_export_never_migrate(backend: Backend) {
    let database = fresh_database(backend).await;
    let folder = tempfile::tempdir().unwrap();
    let config = common::config_for(&database.url, folder.path(), &[]);
    let db = Db::connect(&config.database, 2).await.unwrap();
    let attempt = |what: &'static str| {
        let target = folder.path().join(format!("{what}-out"));
        let mut cmd = quire();
        cmd.arg(what)
            .arg(&target)
            .env("DATABASE_URL", &database.url);
        async move {
            let out = run(&mut cmd).await;
            assert!(!target.exists(), "{what} wrote nothing");
            out
        }
    };

    for what in ["backup", "export"] {
        assert_refused(&attempt(what).await, "run `quire migrate` first");
    }
    assert_eq!(migration_rows(&db).await, [], "never migrated");

    // Every migration but the newest: the schema an older quire left.
    let older = |migrator: &sqlx::migrate::Migrator| sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            migrator.migrations[..migrator.migrations.len() - 1].to_vec(),
        ),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
    static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
    match &db {
        Db::Sqlite(pool) => older(&SQLITE).run(pool).await.unwrap(),
        Db::Postgres(pool) => older(&POSTGRES).run(pool).await.unwrap(),
    }
    let before = migration_rows(&db).await;
    assert_eq!(before.len(), SQLITE.migrations.len() - 1);
    for what in ["backup", "export"] {
        assert_refused(
            &attempt(what).await,
            "run `quire migrate` to bring it up to date",
        );
        assert_eq!(
            migration_rows(&db).await,
            before,
            "{what} left it as it was"
        );
    }

    // Up to date, then one migration further than this quire knows: a newer quire's.
    let out = run(quire().arg("migrate").env("DATABASE_URL", &database.url)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    with_db!(&db, |pool| sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from a newer quire', TRUE, $1, 0)"
    )
    .bind(vec![7u8; 48])
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    let before = migration_rows(&db).await;
    for what in ["backup", "export"] {
        assert_refused(&attempt(what).await, "from a newer quire");
        assert_eq!(
            migration_rows(&db).await,
            before,
            "{what} left it as it was"
        );
    }
    db.close().await;
}

on_both_backends!(
    backup_while_writing_restores_into_either_backend,
    backups_cover_every_table,
    backup_and_export_never_migrate,
);

#[tokio::test]
async fn mistakes_are_one_line_and_exit_code_2() {
    let database = fresh_database(Backend::Sqlite).await;
    let on = |args: &[&std::ffi::OsStr]| {
        let mut cmd = quire();
        cmd.args(args).env("DATABASE_URL", &database.url);
        cmd
    };
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("b.db");
    // Backup never migrates; this database is made as a server would make it.
    let out = run(quire().arg("migrate").env("DATABASE_URL", &database.url)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    let missing = folder.path().join("no/such/folder/b.db");
    let out = run(&mut on(&["backup".as_ref(), missing.as_os_str()])).await;
    assert_refused(&out, "no such folder");

    let out = run(&mut on(&["backup".as_ref(), folder.path().as_os_str()])).await;
    assert_refused(&out, "is a folder");

    let out = run(&mut on(&["backup".as_ref(), file.as_os_str()])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&mut on(&["backup".as_ref(), file.as_os_str()])).await;
    assert_refused(&out, "already exists");
    let out = run(&mut on(&[
        "backup".as_ref(),
        file.as_os_str(),
        "--force".as_ref(),
    ]))
    .await;
    assert_eq!(out.code, 0, "--force replaces: {}", out.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["b.db"], "no temporary files are left");

    let live = database.url.trim_start_matches("sqlite://");
    let out = run(&mut on(&[
        "backup".as_ref(),
        live.as_ref(),
        "--force".as_ref(),
    ]))
    .await;
    assert_refused(&out, "is the database itself");

    let nothing = folder.path().join("nothing.db");
    let out = run(&mut on(&["restore".as_ref(), nothing.as_os_str()])).await;
    assert_refused(&out, "no such file");

    let text = folder.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some words that go on for a while\n".repeat(100),
    )
    .unwrap();
    let out = run(&mut on(&["restore".as_ref(), text.as_os_str()])).await;
    assert_refused(&out, "is not a quire backup");

    let foreign = folder.path().join("foreign.db");
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    sqlx::query("CREATE TABLE recipes (name TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = run(&mut on(&["restore".as_ref(), foreign.as_os_str()])).await;
    assert_refused(&out, "is not a quire backup");

    // The empty database backed up above restores into another empty one.
    let other = fresh_database(Backend::Sqlite).await;
    let out = run(quire()
        .arg("restore")
        .arg(&file)
        .env("DATABASE_URL", &other.url))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A backup made by an older quire (here: every migration but the newest) is brought up to
/// date on a copy and restored; the file itself is left as it was.
#[tokio::test]
async fn an_older_backup_is_migrated_on_the_way_in() {
    static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("old.db");
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    let all = MIGRATIONS.migrations.len();
    let older = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(MIGRATIONS.migrations[..all - 1].to_vec()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    older.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO users (email, username, password_hash, created_at, updated_at)
         VALUES ('old@example.com', 'old_timer', 'x', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let before = std::fs::read(&file).unwrap();

    for target in [Backend::Sqlite, Backend::Postgres] {
        let database = fresh_database(target).await;
        let out = run(quire()
            .arg("restore")
            .arg(&file)
            .env("DATABASE_URL", &database.url))
        .await;
        assert_eq!(out.code, 0, "into {target:?}: {}", out.stderr);
        let restored = spawn_app_on(database, &[]).await;
        let name = scalar_text(
            &restored.db,
            "SELECT username FROM users WHERE email = $1",
            "old@example.com",
        )
        .await;
        assert_eq!(name, "old_timer");
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the backup is untouched"
    );
}
