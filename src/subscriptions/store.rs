//! The subscribers table: the only door to it.

use chrono::{DateTime, Utc};

use super::{Follows, Send, Subscriber};
use crate::accounts::validation;
use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::enqueue_in;
use crate::mail::Mailing;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

/// Unsubscribe tokens start so, which tells them from the signed ones of account mail.
pub const TOKEN_PREFIX: &str = "s.";

fn random_token() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>())
}

fn hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// (scope, target id) of what `follows` names, or why it names nothing.
async fn target(db: &Db, follows: &Follows) -> Result<(&'static str, i64), AppError> {
    let (scope, sql, name) = match follows {
        Follows::Blog => return Ok(("blog", 0)),
        Follows::Author(name) => (
            "author",
            "SELECT id FROM users WHERE lower(username) = lower($1) AND is_active",
            name,
        ),
        Follows::Tag(tag) => ("tag", "SELECT id FROM tags WHERE name = lower($1)", tag),
    };
    let id: Option<i64> = with_db!(db, |pool| sqlx::query_scalar(sql)
        .bind(name.trim())
        .fetch_optional(pool)
        .await)?;
    let field = if scope == "author" { "authorId" } else { "tag" };
    // Well-formed, but naming nothing there: a conflict (409 in the API), as other such ids.
    id.map(|id| (scope, id))
        .ok_or_else(|| AppError::taken(field, "There is no such author or tag to follow"))
}

/// Asks `email` to confirm following `follows`: a link goes there, and nothing else until it
/// is opened. The same answer whatever the address's standing; an address that follows
/// already gets no mail.
pub async fn subscribe(
    db: &Db,
    mailing: &Mailing,
    email: &str,
    follows: &Follows,
    user_id: Option<i64>,
) -> Result<(), AppError> {
    let email = validation::email(email).map_err(|e| AppError::invalid(vec![e]))?;
    let (scope, target_id) = target(db, follows).await?;
    // Following already (confirmed, not stopped): nothing to send.
    let following: bool = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subscribers
                        WHERE email = $1 AND scope = $2 AND target_id = $3
                          AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL)"
    )
    .bind(&email)
    .bind(scope)
    .bind(target_id)
    .fetch_one(pool)
    .await)?;
    if following {
        return Ok(());
    }
    let confirm = random_token();
    let now = now();
    let site = &mailing.site;
    let what = follows.described(&site.title);
    let link = format!("{}/subscribe/confirm?token={confirm}", mailing.origin);
    let letter = Letter::new(format!("Confirm: {what}"))
        .paragraph(format!(
            "Someone (we hope you) asked to get {what} by email at this address."
        ))
        .action("Yes, send them", &link)
        .note("If you did not ask for this, ignore this email: nothing will be sent.");
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // A new row, or the old one waiting (or unsubscribed) again with a new link.
            sqlx::query(
                "INSERT INTO subscribers (email, scope, target_id, user_id, token, confirm_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (email, scope, target_id) DO UPDATE
                 SET confirm_hash = excluded.confirm_hash, confirmed_at = NULL,
                     unsubscribed_at = NULL, user_id = COALESCE(excluded.user_id, subscribers.user_id)",
            )
            .bind(&email)
            .bind(scope)
            .bind(target_id)
            .bind(user_id)
            .bind(format!("{TOKEN_PREFIX}{}", random_token()))
            .bind(hash(&confirm))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mail = letter.to(&email, "subscribe_confirm", format!("subscribe:{}", hash(&confirm)), site, &mailing.origin);
            enqueue_in(&mut tx, &mail.urgent()).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    email: String,
    scope: String,
    target_name: Option<String>,
    confirmed_at: Option<DateTime<Utc>>,
    unsubscribed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// The row's columns with what it follows by name.
const COLUMNS: &str = "s.id, s.email, s.scope, s.confirmed_at, s.unsubscribed_at, s.created_at,
    CASE s.scope WHEN 'author' THEN (SELECT username FROM users WHERE id = s.target_id)
                 WHEN 'tag' THEN (SELECT name FROM tags WHERE id = s.target_id) END AS target_name";

impl Row {
    fn into_subscriber(self) -> Subscriber {
        let name = self.target_name.unwrap_or_default();
        Subscriber {
            id: self.id,
            email: self.email,
            follows: match self.scope.as_str() {
                "author" => Follows::Author(name),
                "tag" => Follows::Tag(name),
                _ => Follows::Blog,
            },
            confirmed: self.confirmed_at.is_some(),
            unsubscribed: self.unsubscribed_at.is_some(),
            created_at: self.created_at,
        }
    }
}

/// The subscription a confirmation link is for, or why it is not.
pub async fn pending(db: &Db, token: &str) -> Result<Subscriber, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM subscribers s WHERE s.confirm_hash = $1");
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(&sql)
        .bind(hash(token))
        .fetch_optional(pool)
        .await)?;
    row.map(Row::into_subscriber).ok_or(AppError::NotFound)
}

/// Opens a confirmation link: the address follows from now on.
pub async fn confirm(db: &Db, token: &str) -> Result<Subscriber, AppError> {
    let subscriber = pending(db, token).await?;
    with_db!(db, |pool| sqlx::query(
        "UPDATE subscribers SET confirmed_at = $2, confirm_hash = NULL WHERE confirm_hash = $1"
    )
    .bind(hash(token))
    .bind(now())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(Subscriber {
        confirmed: true,
        ..subscriber
    })
}

/// The subscription an unsubscribe token stops.
pub async fn by_token(db: &Db, token: &str) -> Result<Subscriber, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM subscribers s WHERE s.token = $1");
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(&sql)
        .bind(token.trim())
        .fetch_optional(pool)
        .await)?;
    row.map(Row::into_subscriber).ok_or(AppError::NotFound)
}

/// Stops the subscription behind an unsubscribe token: nothing more goes to it, queued
/// mail included.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<(), AppError> {
    let subscriber = by_token(db, token).await?;
    stop(db, subscriber.id).await
}

/// Stops a subscription and drops what is still queued for it.
async fn stop(db: &Db, id: i64) -> Result<(), AppError> {
    let now = now();
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, $2) WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            // An address with other subscriptions still gets the mail those bring.
            sqlx::query(
                "UPDATE outbox SET failed_at = $2, last_error = 'unsubscribed'
                 WHERE sent_at IS NULL AND failed_at IS NULL AND mailing_id IS NOT NULL
                   AND unsubscribe_url LIKE '%' || (SELECT token FROM subscribers WHERE id = $1)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// Removes a subscriber for good (admins): no mail, and no trace but the mail already sent.
pub async fn remove(db: &Db, id: i64) -> Result<(), AppError> {
    stop(db, id).await?;
    let removed = with_db!(db, |pool| sqlx::query(
        "DELETE FROM subscribers WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The longest search of the list.
pub const SEARCH_MAX: usize = 100;

/// How many subscribers a page of the list holds.
pub const PAGE: i64 = 100;

/// Subscribers whose address contains `search`, newest first, after the one with id
/// `before` (keyset pages).
pub async fn list(db: &Db, search: &str, before: Option<i64>) -> Result<Vec<Subscriber>, AppError> {
    if search.contains('\0') || search.chars().count() > SEARCH_MAX {
        return Err(AppError::field(
            "search",
            format!(
                "Search for at most {SEARCH_MAX} characters, without the NUL character (U+0000)"
            ),
        ));
    }
    let pattern = format!(
        "%{}%",
        search
            .trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let sql = format!(
        "SELECT {COLUMNS} FROM subscribers s
         WHERE s.email LIKE $1 ESCAPE '\\' AND s.id < $2
         ORDER BY s.id DESC LIMIT $3"
    );
    let rows: Vec<Row> = with_db!(db, |pool| sqlx::query_as(&sql)
        .bind(&pattern)
        .bind(before.unwrap_or(i64::MAX))
        .bind(PAGE)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(Row::into_subscriber).collect())
}

/// (confirmed and following, waiting for confirmation, unsubscribed).
pub async fn counts(db: &Db) -> Result<(i64, i64, i64), AppError> {
    let counts = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT
            COALESCE(SUM(CASE WHEN confirmed_at IS NOT NULL AND unsubscribed_at IS NULL THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN confirmed_at IS NULL AND unsubscribed_at IS NULL THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END), 0)
         FROM subscribers"
    )
    .fetch_one(pool)
    .await
    })?;
    Ok(counts)
}

/// The newest mailings and how far each got.
pub async fn sends(db: &Db, limit: i64) -> Result<Vec<Send>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        title: String,
        slug: String,
        created_at: DateTime<Utc>,
        recipients: i64,
        sent: i64,
        failed: i64,
    }
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT p.title, p.slug, m.created_at,
                (SELECT COUNT(*) FROM outbox o WHERE o.mailing_id = m.id) AS recipients,
                (SELECT COUNT(*) FROM outbox o WHERE o.mailing_id = m.id AND o.sent_at IS NOT NULL) AS sent,
                (SELECT COUNT(*) FROM outbox o WHERE o.mailing_id = m.id AND o.failed_at IS NOT NULL) AS failed
         FROM mailings m JOIN posts p ON p.id = m.post_id
         ORDER BY m.id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| Send {
            post_title: row.title,
            post_slug: row.slug,
            started_at: row.created_at,
            recipients: row.recipients,
            sent: row.sent,
            failed: row.failed,
        })
        .collect())
}

/// Every subscriber as CSV (`email,follows,target,confirmed,unsubscribed,created_at`), oldest
/// first, for the admin to take elsewhere.
pub async fn export_csv(db: &Db) -> Result<String, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM subscribers s ORDER BY s.id");
    let rows: Vec<Row> = with_db!(db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
    let mut csv = String::from("email,follows,target,confirmed,unsubscribed,created_at\n");
    for subscriber in rows.into_iter().map(Row::into_subscriber) {
        let (follows, target) = match &subscriber.follows {
            Follows::Blog => ("blog", ""),
            Follows::Author(name) => ("author", name.as_str()),
            Follows::Tag(tag) => ("tag", tag.as_str()),
        };
        csv.push_str(&format!(
            "{},{follows},{},{},{},{}\n",
            csv_field(&subscriber.email),
            csv_field(target),
            subscriber.confirmed,
            subscriber.unsubscribed,
            subscriber.created_at.to_rfc3339()
        ));
    }
    Ok(csv)
}

/// A CSV field, quoted when it must be, and never read as a formula by a spreadsheet.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    /// Already there (any standing: an address that unsubscribed stays so).
    pub present: usize,
    /// Lines whose first field is not an email address.
    pub skipped: usize,
}

/// Subscribers of the whole blog brought from elsewhere, one address per line (the first
/// field of a CSV; a header line is skipped), as confirmed: they opted in where they came
/// from. Addresses already here keep their standing.
pub async fn import(db: &Db, text: &str) -> Result<Imported, AppError> {
    let mut report = Imported::default();
    let mut emails = Vec::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let first = line
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"');
        match validation::email(first) {
            Ok(email) if !emails.contains(&email) => emails.push(email),
            Ok(_) => report.present += 1,
            Err(_) => report.skipped += 1,
        }
    }
    let now = now();
    let added = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mut added = 0;
            for email in &emails {
                added += sqlx::query(
                    "INSERT INTO subscribers (email, scope, target_id, token, created_at, confirmed_at)
                     VALUES ($1, 'blog', 0, $2, $3, $3)
                     ON CONFLICT (email, scope, target_id) DO NOTHING",
                )
                .bind(email)
                .bind(format!("{TOKEN_PREFIX}{}", random_token()))
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(added)
        }
        .await
    })?;
    report.added = added;
    report.present += emails.len() - added;
    Ok(report)
}
