//! The outbox table: messages written with the change that causes them, taken one at a time
//! by a sender, and marked sent, retried later or given up on.

use chrono::{DateTime, TimeDelta, Utc};

use super::letter::Outgoing;
use super::{FailedMail, MailOverview};
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

/// How long a sender holds a message it took; after a crash another sender (or the same,
/// restarted) takes it again once this has passed. Longer than one SMTP exchange may take.
pub const LEASE: TimeDelta = TimeDelta::seconds(30);
/// Retries wait twice as long each time, from this to [`LONGEST_WAIT`].
const FIRST_WAIT: TimeDelta = TimeDelta::seconds(30);
const LONGEST_WAIT: TimeDelta = TimeDelta::hours(1);
/// A message still failing this long after it was written is given up on.
pub const GIVE_UP_AFTER: TimeDelta = TimeDelta::days(1);
/// Failures the admin's overview lists.
const FAILURES_LISTED: i64 = 20;

/// Queues `mail` inside the transaction of the change that causes it (either backend): both
/// happen or neither. An event already queued for this address is not queued again.
pub async fn enqueue_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    mail: &Outgoing,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let now = now();
    sqlx::query(
        "INSERT INTO outbox (event_key, recipient, kind, priority, sender_name, subject, text_body,
                             html_body, unsubscribe_url, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (event_key, recipient) DO NOTHING",
    )
    .bind(mail.event_key.as_str())
    .bind(mail.to.as_str())
    .bind(mail.kind)
    .bind(if mail.urgent { 0_i64 } else { 1 })
    .bind(mail.sender_name.as_str())
    .bind(mail.subject.as_str())
    .bind(mail.text.as_str())
    .bind(mail.html.as_str())
    .bind(mail.unsubscribe_url.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A message taken for sending.
#[derive(Debug, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub event_key: String,
    pub recipient: String,
    pub kind: String,
    pub sender_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    /// A post mailed to its followers: the words are the mailing's, shared by every
    /// recipient, with [`UNSUBSCRIBE_HERE`] standing for each one's own link.
    pub mailing_id: Option<i64>,
    /// Including this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// Where a mailing's words put each recipient's own unsubscribe link.
pub const UNSUBSCRIBE_HERE: &str = "%%UNSUBSCRIBE%%";

/// A mailing's words (one post, every follower).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailingWords {
    pub id: i64,
    pub sender_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

pub async fn mailing_words(db: &Db, id: i64) -> Result<MailingWords, AppError> {
    let words = with_db!(db, |pool| sqlx::query_as(
        "SELECT id, sender_name, subject, text_body, html_body FROM mailings WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    Ok(words)
}

/// Which message is next: urgent ones first, then the oldest due. Held ones are skipped.
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE outbox SET locked_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM outbox
                         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                           AND (locked_until IS NULL OR locked_until <= $1)
                         ORDER BY priority, next_attempt_at, id LIMIT 1",
            $lock,
            ")
             RETURNING id, event_key, recipient, kind, sender_name, subject, text_body, html_body,
                       unsubscribe_url, mailing_id, attempts, created_at"
        )
    };
}

/// Takes the next due message and holds it for [`LEASE`]. On PostgreSQL, senders of several
/// instances skip each other's rows (`SKIP LOCKED`) instead of taking the same one; SQLite
/// has one writer at a time, so the statement alone is enough there.
pub async fn claim(db: &Db) -> Result<Option<Queued>, AppError> {
    let now = now();
    let sql = match db {
        Db::Sqlite(_) => claim_sql!(""),
        Db::Postgres(_) => claim_sql!(" FOR UPDATE SKIP LOCKED"),
    };
    let queued = with_db!(db, |pool| sqlx::query_as(sql)
        .bind(now)
        .bind(now + LEASE)
        .fetch_optional(pool)
        .await)?;
    Ok(queued)
}

/// Sent. The body goes (it may hold a link that works for an hour); the row stays, so the
/// same event is never queued again for this address.
pub async fn mark_sent(db: &Db, id: i64) -> Result<(), AppError> {
    let now = now();
    with_db!(db, |pool| sqlx::query(
        "UPDATE outbox SET sent_at = $2, locked_until = NULL, last_error = NULL,
                           text_body = '', html_body = ''
         WHERE id = $1"
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A failed attempt: tried again after a growing wait, or given up on when the server
/// refused it for good or it has failed for [`GIVE_UP_AFTER`]. True when given up on.
pub async fn mark_failed(
    db: &Db,
    message: &Queued,
    error: &str,
    permanent: bool,
) -> Result<bool, AppError> {
    let now = now();
    let doublings = (message.attempts - 1).clamp(0, 16) as i32;
    let wait = (FIRST_WAIT * 2_i32.pow(doublings as u32)).min(LONGEST_WAIT);
    let next = now + wait;
    let give_up = permanent || next - message.created_at > GIVE_UP_AFTER;
    let error: String = error.chars().take(500).collect();
    with_db!(db, |pool| sqlx::query(
        "UPDATE outbox SET locked_until = NULL, last_error = $2, next_attempt_at = $3,
                           failed_at = $4
         WHERE id = $1"
    )
    .bind(message.id)
    .bind(&error)
    .bind(next)
    .bind(give_up.then_some(now))
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(give_up)
}

/// Lets go of every held message. Only for SQLite at start: one process sends from a SQLite
/// database, so what is held was held by this process before it stopped.
pub async fn release_all(db: &Db) -> Result<u64, AppError> {
    let released = with_db!(db, |pool| sqlx::query(
        "UPDATE outbox SET locked_until = NULL
         WHERE locked_until IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL"
    )
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(released)
}

/// Messages still to send, and those given up on.
pub struct Backlog {
    pub waiting: i64,
    pub failed: i64,
}

pub async fn backlog(db: &Db) -> Result<Backlog, AppError> {
    let (waiting, failed): (i64, i64) = with_db!(db, |pool| sqlx::query_as(
        "SELECT
            (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL),
            (SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL)"
    )
    .fetch_one(pool)
    .await)?;
    Ok(Backlog { waiting, failed })
}

/// The counts and recent failures for the admin.
pub async fn overview(db: &Db, sending: bool, transport: String) -> Result<MailOverview, AppError> {
    let now = now();
    let (queued, retrying, sent_last_day, failed_last_week): (i64, i64, i64, i64) = with_db!(
        db,
        |pool| {
            sqlx::query_as(
            "SELECT
                (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL),
                (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0
                                                 AND last_error IS NOT NULL),
                (SELECT COUNT(*) FROM outbox WHERE sent_at > $1),
                (SELECT COUNT(*) FROM outbox WHERE failed_at > $2)"
        )
        .bind(now - TimeDelta::days(1))
        .bind(now - TimeDelta::days(7))
        .fetch_one(pool)
        .await
        }
    )?;
    #[derive(sqlx::FromRow)]
    struct Row {
        recipient: String,
        kind: String,
        subject: String,
        attempts: i64,
        last_error: Option<String>,
        failed_at: DateTime<Utc>,
    }
    let rows: Vec<Row> = with_db!(db, |pool| sqlx::query_as(
        "SELECT recipient, kind, subject, attempts, last_error, failed_at FROM outbox
         WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT $1"
    )
    .bind(FAILURES_LISTED)
    .fetch_all(pool)
    .await)?;
    Ok(MailOverview {
        sending,
        transport,
        queued,
        retrying,
        sent_last_day,
        failed_last_week,
        recent_failures: rows
            .into_iter()
            .map(|row| FailedMail {
                recipient: row.recipient,
                kind: row.kind,
                subject: row.subject,
                attempts: row.attempts,
                error: row.last_error.unwrap_or_default(),
                failed_at: row.failed_at,
            })
            .collect(),
    })
}
