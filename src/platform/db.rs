//! The database: one handle, two backends, chosen at run time from `DATABASE_URL`.
//!
//! Queries are written once, with `$1` placeholders that both SQLite and PostgreSQL accept,
//! and expanded once per backend by [`with_db!`]. Where the dialects differ (full-text
//! search, upserts) the two queries stand side by side in the module that needs them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Connection;

use super::config::DatabaseConfig;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
/// Both arms must produce the same type.
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::platform::db::Db::Sqlite($pool) => $body,
            $crate::platform::db::Db::Postgres($pool) => $body,
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The schema's versions, oldest first: the same numbers on both backends.
pub fn schema_versions() -> Vec<i64> {
    SQLITE_MIGRATIONS.iter().map(|m| m.version).collect()
}

/// A waiting request gives up on the database after this long, so an outage answers 503
/// quickly instead of hanging. A signed-in page may wait twice (its session, then its data),
/// so twice this stays under 5 s. With queries of a few milliseconds, a wait this long for a
/// free connection means overload, and a 503 is the right answer to that too.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

impl Db {
    /// Opens a pool. SQLite files (and their folder) are created when missing.
    pub async fn connect(
        config: &DatabaseConfig,
        max_connections: u32,
    ) -> Result<Self, sqlx::Error> {
        match config {
            DatabaseConfig::Sqlite(options) => {
                let filename = options.get_filename();
                if let Some(parent) = filename.parent() {
                    if !parent.as_os_str().is_empty() && filename.as_os_str() != ":memory:" {
                        std::fs::create_dir_all(parent)?;
                    }
                }
                let options = options
                    .clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // With WAL, NORMAL is durable across application crashes; only an OS
                    // crash can lose the last transactions.
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // SQLite rolls back a transaction whose COMMIT failed (a full disk) by
                    // itself; sqlx's ROLLBACK then fails and its count of open transactions
                    // stays at 1, so every later `BEGIN IMMEDIATE` on that connection would
                    // fail. Such a connection is closed instead of going back to the pool.
                    // The ping waits for that ROLLBACK to have run.
                    .after_release(|conn, _| {
                        Box::pin(async move {
                            conn.ping().await?;
                            Ok(!conn.is_in_transaction())
                        })
                    })
                    .connect_with(options)
                    .await?;
                Ok(Self::Sqlite(pool))
            }
            DatabaseConfig::Postgres(options) => {
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options.clone())
                    .await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(pool) => migrate_sqlite(pool).await,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// Answers whether the database takes queries right now.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_db!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_db!(self, |pool| pool.close().await)
    }
}

/// SQLite changes a table's constraints only by building it anew, and dropping the old table
/// deletes every row that refers to it, by cascade, while foreign keys are on (migration 12
/// rebuilds `users`). So the migrations run on a connection of their own with foreign keys
/// off (a pragma that only takes effect outside a transaction: sqlx runs each migration in
/// one), which is closed afterwards, and a row left pointing at nothing fails the start.
async fn migrate_sqlite(pool: &sqlx::SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    use sqlx::migrate::MigrateError;
    let mut conn = pool.acquire().await?.detach();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut conn)
        .await?;
    let migrated = SQLITE_MIGRATIONS.run(&mut conn).await;
    let dangling: Result<Option<String>, sqlx::Error> =
        sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1")
            .fetch_optional(&mut conn)
            .await;
    let _ = sqlx::Connection::close(conn).await;
    migrated?;
    match dangling? {
        None => Ok(()),
        Some(table) => Err(MigrateError::Execute(sqlx::Error::Protocol(format!(
            "after the migrations, rows of {table} point at rows that are not there"
        )))),
    }
}

/// Opens a transaction that is going to write.
///
/// SQLite lets a transaction that has already read wait for no one: when it then writes
/// while another connection is writing, it fails at once with "database is locked" instead of
/// waiting out the busy timeout. FTS5 reads its index before writing it, so every post save
/// is such a transaction. `BEGIN IMMEDIATE` takes the write lock first, and waits for it.
pub trait BeginWrite {
    type Database: sqlx::Database;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        let _waiting = WaitingWriter::arrive();
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

/// SQLite writers of this process waiting for the write lock. SQLite's busy handler retries
/// on a timer of growing sleeps (up to 100 ms each), never when the lock is freed, so behind
/// the view flusher's back-to-back chunks a comment waited up to 440 ms; the flusher steps
/// aside while this is above zero.
static SQLITE_WRITERS_WAITING: AtomicUsize = AtomicUsize::new(0);

struct WaitingWriter;

impl WaitingWriter {
    fn arrive() -> Self {
        SQLITE_WRITERS_WAITING.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for WaitingWriter {
    fn drop(&mut self) {
        SQLITE_WRITERS_WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Waits, for at most `longest`, until no other SQLite writer of this process is waiting for
/// the write lock; for long runs of background writes, between their transactions.
pub async fn let_waiting_writers_go_first(longest: Duration) {
    // Each 1 ms sleep may last longer; the bound is on the clock, not a count of sleeps.
    let deadline = tokio::time::Instant::now() + longest;
    while SQLITE_WRITERS_WAITING.load(Ordering::Relaxed) > 0
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

/// The unique constraint a failed write broke, by its name in the migrations
/// (`users_email_key`, `posts_slug_key`, …), on either backend.
///
/// PostgreSQL names the constraint; SQLite only names the columns (`users.email`) or, for an
/// expression index, the index, so both spellings end up as one name here.
pub fn unique_violation(err: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db_err) = err else {
        return None;
    };
    if db_err.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    if let Some(constraint) = db_err.constraint() {
        return Some(constraint.to_owned());
    }
    let message = db_err.message();
    let detail = message.split("UNIQUE constraint failed: ").nth(1)?;
    if let Some(index) = detail.strip_prefix("index '") {
        return Some(index.trim_end_matches('\'').to_owned());
    }
    // "table.col" or "table.col1, table.col2"
    let mut columns = detail.split(", ").filter_map(|c| c.split_once('.'));
    let (table, first) = columns.next()?;
    let mut name = format!("{table}_{first}");
    for (_, column) in columns {
        name.push('_');
        name.push_str(column);
    }
    name.push_str("_key");
    Some(name)
}

/// A database failure that is not the request's fault and passes by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The server cannot be reached, or is shutting down or starting up.
    Unreachable,
    /// Nothing can be written: the disk (or quota, or file size limit) is full, or the
    /// database is read-only. Reads still work.
    Unwritable,
}

/// What kind of outage, if any, made a query fail, by each backend's own error codes.
pub fn outage(err: &sqlx::Error) -> Option<Outage> {
    // SQLite's primary result codes, and the one extended code a write past a quota or a
    // file size limit gives (only ENOSPC is reported as SQLITE_FULL).
    const SQLITE_READONLY: i32 = 8;
    const SQLITE_FULL: i32 = 13;
    const SQLITE_IOERR_WRITE: i32 = 778;

    let db_err = match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            return Some(Outage::Unreachable)
        }
        sqlx::Error::Database(db_err) => db_err,
        _ => return None,
    };
    if db_err
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        let code: i32 = db_err.code()?.parse().ok()?;
        return match code & 0xff {
            SQLITE_READONLY | SQLITE_FULL => Some(Outage::Unwritable),
            _ if code == SQLITE_IOERR_WRITE => Some(Outage::Unwritable),
            _ => None,
        };
    }
    // PostgreSQL's SQLSTATEs: connection exceptions (class 08), the server shutting down or
    // starting up (57P01–57P03), a full disk, a read-only server (a standby).
    let code = db_err.code()?;
    match code.as_ref() {
        "57P01" | "57P02" | "57P03" => Some(Outage::Unreachable),
        c if c.starts_with("08") => Some(Outage::Unreachable),
        "53100" | "25006" => Some(Outage::Unwritable),
        _ => None,
    }
}

/// The current time, cut to microseconds: PostgreSQL keeps no finer, and a value must read
/// back exactly as it was written on both backends (keyset cursors compare them).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
