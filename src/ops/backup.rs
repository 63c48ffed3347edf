//! `quire backup FILE` and `quire restore FILE`.
//!
//! A backup is one SQLite file holding quire's schema and every row, whichever backend it came
//! from, so a backup of SQLite restores into PostgreSQL and the other way round, and `sqlite3`
//! opens any backup to look inside.
//! - From SQLite, `VACUUM INTO`: SQLite's online snapshot. It reads in one transaction, and in
//!   WAL mode the server keeps writing meanwhile; the copy is what was committed when it began.
//! - From PostgreSQL, every table is read in one `REPEATABLE READ READ ONLY` transaction (one
//!   snapshot, taking no locks that stop writers) into a new file made by the SQLite
//!   migrations.
//!
//! The file is written under a temporary name beside FILE, checked like a file to restore,
//! flushed to disk and only then renamed to FILE: an interrupted backup never leaves half a
//! file under the real name.
//!
//! `quire restore FILE` copies the rows into a database with no content (a new one, migrated
//! by quire), in one transaction, parents before children; the search index is rebuilt by
//! the triggers as posts are written, and PostgreSQL's id sequences continue after the
//! largest id restored. A backup made by an older quire is first brought up to date on a
//! temporary copy; one from a newer quire is refused.
//!
//! `quire backup` never migrates the database it copies: it refuses one that a newer quire
//! has migrated, or that is not up to date (`quire migrate` first), so that upgrading quire
//! can start with a backup of the database as the old version left it.
//!
//! Uploaded images live in `QUIRE_MEDIA_DIR`, not in the database, and are not in the backup.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ColumnIndex, Connection, Database, Decode, Encode, QueryBuilder, Row, Type};

use crate::platform::db::{schema_versions, Db};
use crate::with_db;

/// Every table of quire's data, in the order they are written back: parents before the
/// tables whose foreign keys point at them. The search indexes (`posts_fts` on SQLite,
/// `posts.search_vector` on PostgreSQL) are not data: triggers rebuild them. Nor is the
/// page cache's `content_version`.
pub const TABLES: [&str; 28] = [
    "users",
    "categories",
    "posts",
    "tags",
    "post_tags",
    "post_categories",
    "comments",
    "likes",
    "sessions",
    "refresh_tokens",
    "settings",
    "login_throttles",
    "post_views",
    "comment_reports",
    "audit_log",
    "post_revisions",
    "idempotency_keys",
    "site_settings",
    "redirects",
    "invitations",
    "setup_tokens",
    "menu_links",
    "subscribers",
    "mailings",
    "outbox",
    "password_resets",
    "email_changes",
    "imported",
];

/// Tables a server fills by itself before anybody writes anything: the API's signing secret,
/// visitors' sessions, counted sign-in failures, the site settings a new blog starts with and
/// its starting menu, and the setup token a server prints while nobody has claimed it. A
/// database holding only these still counts as empty; restore replaces their rows with the
/// backup's.
const MACHINE_TABLES: [&str; 6] = [
    "settings",
    "sessions",
    "login_throttles",
    "site_settings",
    "setup_tokens",
    "menu_links",
];

/// Bound values per multi-row INSERT: below SQLite's limit (32,766) and PostgreSQL's (65,535).
const BATCH_VALUES: usize = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The person's mistake: a bad path, a file that is no backup, a database not empty.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::Failed(format!("database error: {err}"))
    }
}

/// Row counts of a backup, for the summary line.
#[derive(Debug)]
pub struct Contents {
    pub counts: Vec<(&'static str, i64)>,
    pub bytes: u64,
    /// The migrations the backup's schema has had.
    versions: Vec<i64>,
}

impl Contents {
    fn count(&self, table: &str) -> i64 {
        self.counts
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} users, {} posts, {} comments and {} likes",
            self.count("users"),
            self.count("posts"),
            self.count("comments"),
            self.count("likes")
        )
    }
}

/// Writes a backup of `db` to `file`. An existing `file` is replaced only with `force`.
pub async fn backup(db: &Db, file: &Path, force: bool) -> Result<Contents, Error> {
    if let Db::Sqlite(pool) = db {
        let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
        let database = pool.connect_options().get_filename().to_owned();
        let mut wal = database.clone().into_os_string();
        wal.push("-wal");
        if same(file, &database) || same(file, Path::new(&wal)) {
            return Err(Error::Usage(format!(
                "{} is the database itself: write the backup to another file",
                file.display()
            )));
        }
    }
    let partial = partial_path(file, force)?;
    let result = async {
        match db {
            Db::Sqlite(pool) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(utf8(&partial)?)
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => export_postgres(pool, &partial).await?,
        }
        // SQLite does not flush what VACUUM INTO wrote; the rename must not outrun the data.
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::Failed(format!("{}: {e}", partial.display())))?;
        let contents = inspect(&partial).await.map_err(|e| match e {
            Error::Usage(why) | Error::Failed(why) => {
                Error::Failed(format!("the new backup does not check out: {why}"))
            }
        })?;
        std::fs::rename(&partial, file)
            .map_err(|e| Error::Failed(format!("{}: {e}", file.display())))?;
        Ok(contents)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Refuses a database whose schema is not this quire's own: one a newer quire has migrated
/// (it holds a migration this one does not know), and one not yet brought up to date.
/// Commands that only read it (backup, export) call this instead of migrating, since a new
/// binary would otherwise change the live database just before copying it, when the copy is
/// what should come first. `label` names the database in messages.
pub async fn require_current_schema(db: &Db, label: &str) -> Result<(), Error> {
    let has_table: bool = match db {
        Db::Sqlite(pool) => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master
                                WHERE type = 'table' AND name = '_sqlx_migrations')",
            )
            .fetch_one(pool)
            .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(pool)
                .await?
        }
    };
    let applied: Vec<(i64, bool)> = if has_table {
        with_db!(db, |pool| {
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(pool)
                .await
        })?
    } else {
        Vec::new()
    };
    let known = schema_versions();
    let ours = known.iter().max().copied().unwrap_or_default();
    let theirs = applied.iter().map(|(v, _)| *v).max().unwrap_or_default();
    if applied.iter().any(|(v, _)| !known.contains(v)) {
        return Err(Error::Usage(format!(
            "{label} has schema {theirs}, from a newer quire than this one (schema {ours}): \
             run this command with that newer quire"
        )));
    }
    if let Some((failed, _)) = applied.iter().find(|(_, success)| !success) {
        return Err(Error::Usage(format!(
            "{label}: the schema change {failed} did not finish; run `quire migrate` to see why"
        )));
    }
    if applied.is_empty() {
        return Err(Error::Usage(format!(
            "{label} has no quire schema yet: run `quire migrate` first"
        )));
    }
    if applied.len() < known.len() {
        return Err(Error::Usage(format!(
            "{label} has schema {theirs}, older than this quire's ({ours}): run `quire migrate` \
             to bring it up to date (to copy it as it is, use the quire that last ran on it)"
        )));
    }
    Ok(())
}

/// Restores `file` into `db`, which must hold no content. `label` names the database in
/// messages.
pub async fn restore(db: &Db, file: &Path, label: &str) -> Result<Contents, Error> {
    let contents = inspect(file).await?;
    // An older backup is migrated on a copy; the file itself is never written to.
    let upgraded = if contents.versions != schema_versions() {
        let copy = std::env::temp_dir().join(format!("quire-restore-{}.db", std::process::id()));
        std::fs::copy(file, &copy)
            .map_err(|e| Error::Failed(format!("{}: {e}", copy.display())))?;
        let pool = open_sqlite(&copy, false).await?;
        let migrated = Db::Sqlite(pool.clone()).migrate().await;
        pool.close().await;
        if let Err(e) = migrated {
            let _ = std::fs::remove_file(&copy);
            return Err(Error::Failed(format!(
                "cannot bring the backup's schema up to date: {e}"
            )));
        }
        Some(copy)
    } else {
        None
    };
    let source = upgraded.as_deref().unwrap_or(file);
    let result = match db {
        Db::Sqlite(pool) => restore_sqlite(pool, source, label).await,
        Db::Postgres(pool) => restore_postgres(pool, source, label).await,
    };
    if let Some(copy) = &upgraded {
        let _ = std::fs::remove_file(copy);
    }
    result.map(|()| contents)
}

/// Where the backup is written until it is complete; refuses paths that cannot work.
fn partial_path(file: &Path, force: bool) -> Result<PathBuf, Error> {
    let shown = file.display();
    if file.is_dir() {
        return Err(Error::Usage(format!(
            "{shown} is a folder: name the backup file to write"
        )));
    }
    let name = file
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{shown}: name the backup file to write")))?;
    let folder = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such folder",
            folder.display()
        )));
    }
    if file.exists() && !force {
        return Err(Error::Usage(format!(
            "{shown} already exists: choose another name, or pass --force to replace it"
        )));
    }
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(format!(".partial-{}", std::process::id()));
    let partial = folder.join(partial_name);
    let _ = std::fs::remove_file(&partial);
    Ok(partial)
}

fn utf8(path: &Path) -> Result<&str, Error> {
    path.to_str().ok_or_else(|| {
        Error::Usage(format!(
            "{}: only UTF-8 file names are supported",
            path.display()
        ))
    })
}

async fn open_sqlite(path: &Path, read_only: bool) -> Result<SqlitePool, Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(!read_only)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// Checks that `file` is a whole quire backup this quire can restore, and counts its rows.
async fn inspect(file: &Path) -> Result<Contents, Error> {
    let shown = file.display();
    if !file.is_file() {
        return Err(Error::Usage(format!("{shown}: no such file")));
    }
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let not_a_backup = |why: String| Error::Usage(format!("{shown} is not a quire backup: {why}"));
    let pool = open_sqlite(file, true)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let result = async {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) => not_a_backup(db.message().to_owned()),
                e => not_a_backup(e.to_string()),
            })?;
        if check != "ok" {
            return Err(Error::Usage(format!("{shown} is damaged: {check}")));
        }
        let versions = versions_in(&pool)
            .await
            .map_err(|_| not_a_backup("it has no quire schema".to_owned()))?;
        let known = schema_versions();
        if versions.is_empty() || !versions.iter().all(|v| known.contains(v)) {
            let newest = versions.iter().max().copied().unwrap_or_default();
            return Err(if newest > known.iter().max().copied().unwrap_or_default() {
                Error::Usage(format!(
                    "{shown} comes from a newer quire (schema {newest}): restore it with that version"
                ))
            } else {
                not_a_backup("its schema is not quire's".to_owned())
            });
        }
        let mut counts = Vec::new();
        for table in TABLES {
            // An older backup may lack a newer table: it counts as empty.
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap_or(0);
            counts.push((table, n));
        }
        Ok(Contents {
            counts,
            bytes,
            versions,
        })
    }
    .await;
    pool.close().await;
    result
}

async fn versions_in(pool: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
}

fn not_empty(label: &str, tables: &[&str]) -> Error {
    Error::Usage(format!(
        "{label} is not empty (it has {}): restore goes only into a new, empty database",
        tables.join(", ")
    ))
}

async fn restore_sqlite(pool: &SqlitePool, source: &Path, label: &str) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    // ATTACH is per connection and outside any transaction; it is detached again below
    // whatever happens, before the connection goes back to the pool.
    sqlx::query("ATTACH DATABASE $1 AS backup")
        .bind(utf8(source)?)
        .execute(&mut *conn)
        .await?;
    let result: Result<(), Error> = async {
        // IMMEDIATE: the write lock from the start, so nothing slips in after the check.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let mut filled = Vec::new();
        for table in TABLES.iter().filter(|t| !MACHINE_TABLES.contains(t)) {
            let any: bool =
                sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM main.{table})"))
                    .fetch_one(&mut *tx)
                    .await?;
            if any {
                filled.push(*table);
            }
        }
        if !filled.is_empty() {
            return Err(not_empty(label, &filled));
        }
        for table in MACHINE_TABLES {
            sqlx::query(&format!("DELETE FROM main.{table}"))
                .execute(&mut *tx)
                .await?;
        }
        for table in TABLES {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1, 'main')")
                    .bind(table)
                    .fetch_all(&mut *tx)
                    .await?;
            let columns = columns.join(", ");
            // Foreign keys are checked at the end of each statement, so one INSERT per
            // table may hold replies before their parents.
            sqlx::query(&format!(
                "INSERT INTO main.{table} ({columns}) SELECT {columns} FROM backup.{table}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    let detached = sqlx::query("DETACH DATABASE backup")
        .execute(&mut *conn)
        .await;
    if detached.is_err() {
        // Never hand a connection with the backup attached back to the pool.
        conn.detach();
    }
    result
}

/// How a column's values travel between the backends: PostgreSQL's type of the column
/// decides (on SQLite a timestamp is TEXT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int8,
    Int4,
    Text,
    Bool,
    Time,
}

struct Column {
    name: String,
    kind: Kind,
}

struct Table {
    name: &'static str,
    columns: Vec<Column>,
    /// The identity column whose sequence must continue after a restore.
    identity: Option<String>,
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rows_per_batch(&self) -> usize {
        (BATCH_VALUES / self.columns.len().max(1)).max(1)
    }
}

/// The columns of every table in [`TABLES`] on PostgreSQL, with how each one is carried.
async fn pg_tables(conn: &mut PgConnection) -> Result<Vec<Table>, Error> {
    let mut tables = Vec::new();
    for name in TABLES {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_identity::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
        )
        .bind(name)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Err(Error::Failed(format!("the table {name} is missing")));
        }
        let mut table = Table {
            name,
            columns: Vec::new(),
            identity: None,
        };
        for (column, data_type, is_identity) in rows {
            let kind = match data_type.as_str() {
                "bigint" => Kind::Int8,
                "integer" => Kind::Int4,
                "text" => Kind::Text,
                "boolean" => Kind::Bool,
                "timestamp with time zone" => Kind::Time,
                // The search vector is computed by a trigger from the other columns.
                "tsvector" => continue,
                other => {
                    return Err(Error::Failed(format!(
                        "{name}.{column} has the type {other}, which backups do not carry"
                    )))
                }
            };
            if is_identity == "YES" {
                table.identity = Some(column.clone());
            }
            table.columns.push(Column { name: column, kind });
        }
        tables.push(table);
    }
    Ok(tables)
}

#[derive(Debug)]
enum Value {
    Int8(Option<i64>),
    Int4(Option<i32>),
    Text(Option<String>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
}

/// One row's values, read from either backend as the columns' kinds say.
fn read_row<R>(row: &R, columns: &[Column]) -> Result<Vec<Value>, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i32>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<bool>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: Decode<'r, R::Database> + Type<R::Database>,
{
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                Kind::Int8 => Value::Int8(row.try_get(i)?),
                Kind::Int4 => Value::Int4(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bool => Value::Bool(row.try_get(i)?),
                Kind::Time => Value::Time(row.try_get(i)?),
            })
        })
        .collect()
}

fn bind_row<'args, DB>(mut tuple: Separated<'_, 'args, DB, &'static str>, row: Vec<Value>)
where
    DB: Database,
    Option<i64>: Encode<'args, DB> + Type<DB>,
    Option<i32>: Encode<'args, DB> + Type<DB>,
    Option<String>: Encode<'args, DB> + Type<DB>,
    Option<bool>: Encode<'args, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'args, DB> + Type<DB>,
{
    for value in row {
        match value {
            Value::Int8(v) => tuple.push_bind(v),
            Value::Int4(v) => tuple.push_bind(v),
            Value::Text(v) => tuple.push_bind(v),
            Value::Bool(v) => tuple.push_bind(v),
            Value::Time(v) => tuple.push_bind(v),
        };
    }
}

/// Reads PostgreSQL's data in one snapshot into the new SQLite file at `file`.
async fn export_postgres(pool: &PgPool, file: &Path) -> Result<(), Error> {
    let out = open_sqlite(file, false).await?;
    let result = async {
        Db::Sqlite(out.clone())
            .migrate()
            .await
            .map_err(|e| Error::Failed(format!("cannot make the backup's schema: {e}")))?;
        let mut snapshot = pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let tables = pg_tables(&mut snapshot).await?;
        let mut writer = out.begin().await?;
        // A new schema comes with rows of its own (a new blog's site settings): the
        // database's own rows take their place.
        for table in MACHINE_TABLES {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *writer)
                .await?;
        }
        for table in &tables {
            let columns = table.column_list();
            let insert = format!("INSERT INTO {} ({columns}) ", table.name);
            // By the first column, the id where there is one: a reply comes after its parent.
            let select = format!("SELECT {columns} FROM {} ORDER BY 1", table.name);
            let mut rows = sqlx::query(&select).fetch(&mut *snapshot);
            let mut batch = Vec::new();
            loop {
                let row = rows.try_next().await?;
                if let Some(row) = &row {
                    batch.push(read_row(row, &table.columns)?);
                }
                if !batch.is_empty() && (row.is_none() || batch.len() >= table.rows_per_batch()) {
                    let mut query = QueryBuilder::new(&insert);
                    query.push_values(std::mem::take(&mut batch), bind_row);
                    query.build().execute(&mut *writer).await?;
                }
                if row.is_none() {
                    break;
                }
            }
        }
        writer.commit().await?;
        snapshot.rollback().await?;
        Ok(())
    }
    .await;
    out.close().await;
    result
}

async fn restore_postgres(pool: &PgPool, source: &Path, label: &str) -> Result<(), Error> {
    let backup = open_sqlite(source, true).await?;
    let result = async {
        let mut tx = pool.begin().await?;
        let tables = pg_tables(&mut tx).await?;
        let mut filled = Vec::new();
        for table in TABLES.iter().filter(|t| !MACHINE_TABLES.contains(t)) {
            let any: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {table})"))
                .fetch_one(&mut *tx)
                .await?;
            if any {
                filled.push(*table);
            }
        }
        if !filled.is_empty() {
            return Err(not_empty(label, &filled));
        }
        for table in MACHINE_TABLES {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        for table in &tables {
            let columns = table.column_list();
            // The ids are the backup's, not new ones from the identity sequence.
            let insert = format!(
                "INSERT INTO {} ({columns}) OVERRIDING SYSTEM VALUE ",
                table.name
            );
            // Parents before children: PostgreSQL checks foreign keys after every statement,
            // and a table may take several.
            let select = format!("SELECT {columns} FROM {} ORDER BY 1", table.name);
            let mut rows = sqlx::query(&select).fetch(&backup);
            let mut batch = Vec::new();
            loop {
                let row = rows.try_next().await?;
                if let Some(row) = &row {
                    batch.push(read_row(row, &table.columns)?);
                }
                if !batch.is_empty() && (row.is_none() || batch.len() >= table.rows_per_batch()) {
                    let mut query = QueryBuilder::new(&insert);
                    query.push_values(std::mem::take(&mut batch), bind_row);
                    query.build().execute(&mut *tx).await?;
                }
                if row.is_none() {
                    break;
                }
            }
            if let Some(id) = &table.identity {
                // New rows continue after the largest id restored.
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', '{id}'),
                                   COALESCE((SELECT MAX({id}) FROM {0}), 0) + 1, false)",
                    table.name
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    backup.close().await;
    result
}
