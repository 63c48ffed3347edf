//! tower-sessions records in quire's own `sessions` table, on either backend.
//!
//! Keeping sessions in the application's database makes them survive restarts and work across
//! several instances. The signed-in user's id is copied out of the record into its own column
//! so a user's sessions can be listed, and all of them ended at once (sign-out everywhere,
//! password change, deactivation).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::session::keys;
use crate::error::AppError;
use crate::platform::db::{now, outage, Db, Outage};
use crate::with_db;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Removes sessions past their expiry; run now and then in the background.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let now = now();
        with_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expiry_date < $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
    }
}

/// Marks a store error that is a database outage, and one that is a full or read-only disk:
/// tower-sessions carries only a message, and callers answer 503 or 507 for these, not 500.
const UNREACHABLE: &str = "database unreachable: ";
const UNWRITABLE: &str = "database unwritable: ";

fn backend(err: sqlx::Error) -> session_store::Error {
    let mark = match outage(&err) {
        Some(Outage::Unreachable) => UNREACHABLE,
        Some(Outage::Unwritable) => UNWRITABLE,
        None => "",
    };
    session_store::Error::Backend(format!("{mark}{err}"))
}

/// What a failed session read or write means for the person: the database is away or full,
/// or something went wrong on our side.
pub fn app_error(err: &tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    match err {
        Error::Store(session_store::Error::Backend(message))
            if message.starts_with(UNREACHABLE) =>
        {
            AppError::Unavailable
        }
        Error::Store(session_store::Error::Backend(message)) if message.starts_with(UNWRITABLE) => {
            AppError::Unwritable
        }
        _ => AppError::Internal,
    }
}

fn expiry(record: &Record) -> DateTime<Utc> {
    let nanos = record.expiry_date.unix_timestamp_nanos();
    DateTime::from_timestamp_micros((nanos / 1_000) as i64).unwrap_or_else(now)
}

/// The columns copied out of the record: who it belongs to, and where it was opened.
struct Columns {
    user_id: Option<i64>,
    user_agent: Option<String>,
    ip_address: Option<String>,
}

fn columns(record: &Record) -> Columns {
    let text = |key: &str| {
        record
            .data
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Columns {
        user_id: record.data.get(keys::USER_ID).and_then(|v| v.as_i64()),
        user_agent: text(keys::USER_AGENT),
        ip_address: text(keys::IP_ADDRESS),
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id is 128 random bits; on the astronomically unlikely collision, draw again.
        loop {
            let data = serde_json::to_string(&record.data)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let cols = columns(record);
            let now = now();
            let inserted = with_db!(&self.db, |pool| {
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, data, expiry_date, created_at, updated_at, user_agent, ip_address)
                     VALUES ($1, $2, $3, $4, $5, $5, $6, $7)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(record.id.to_string())
                .bind(cols.user_id)
                .bind(&data)
                .bind(expiry(record))
                .bind(now)
                .bind(&cols.user_agent)
                .bind(&cols.ip_address)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            })
            .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    // An update only: a session deleted on the server meanwhile (sign-out everywhere, a
    // password change, deactivation) must stay deleted, not be written back by a request
    // that loaded it a moment before.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let cols = columns(record);
        let now = now();
        with_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE sessions SET user_id = $2, data = $3, expiry_date = $4, updated_at = $5,
                    user_agent = $6, ip_address = $7
                 WHERE id = $1",
            )
            .bind(record.id.to_string())
            .bind(cols.user_id)
            .bind(&data)
            .bind(expiry(record))
            .bind(now)
            .bind(&cols.user_agent)
            .bind(&cols.ip_address)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, DateTime<Utc>)> = with_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT data, expiry_date FROM sessions WHERE id = $1 AND expiry_date > $2",
            )
            .bind(id.to_string())
            .bind(now())
            .fetch_optional(pool)
            .await
        })
        .map_err(backend)?;
        let Some((data, expiry_date)) = row else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(expiry_date.timestamp_micros()) * 1_000,
        )
        .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        with_db!(&self.db, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(backend)
    }
}
