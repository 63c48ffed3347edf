//! An account's email address, shown to be its owner's by a link mailed to it (valid
//! [`LIFETIME`], single use, only its hash kept): at sign-up (the blog may ask for that before
//! one comments), and when the address changes. A change tells the old address, before and
//! after, so a stolen session cannot quietly move the account (and its password resets) away.
//! Both kinds of link are rows of `email_changes`; one whose address is the account's own
//! confirms it.

use chrono::{DateTime, TimeDelta, Utc};

use super::tokens::{hash, random_token, usable_link};
use super::{validation, UserId};
use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::enqueue_in;
use crate::platform::db::{now, unique_violation, BeginWrite, Db};
use crate::site::SiteSettings;
use crate::with_db;

pub const LIFETIME: TimeDelta = TimeDelta::days(1);
const CHANGE_AGAIN: &str = "Change your address again in your account's settings.";
/// How many confirmation links an account may ask for in an hour.
const CONFIRMATIONS_PER_HOUR: i64 = 3;

fn taken() -> AppError {
    AppError::taken("email", "An account with this email already exists")
}

/// Mails a confirmation link to `new_email` and a notice to the account's address; the
/// address changes when the link is opened. Returns the new address as stored.
pub async fn request_change(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    user_id: UserId,
    new_email: &str,
) -> Result<String, AppError> {
    let new_email = validation::email(new_email).map_err(|e| AppError::invalid(vec![e]))?;
    let account = super::store::settings(db, user_id).await?;
    if new_email == account.email {
        return Err(AppError::field("email", "This is your address already"));
    }
    let in_use: bool = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)"
    )
    .bind(&new_email)
    .fetch_one(pool)
    .await)?;
    if in_use {
        return Err(taken());
    }
    let token = random_token();
    let created_at = now();
    let link = format!("{origin}/confirm-email?token={token}");
    let confirm = Letter::new(format!("Confirm your new address on {}", site.title))
        .paragraph(format!(
            "{} asked to use this address for their account on {}.",
            account.username, site.title
        ))
        .action("Confirm this address", &link)
        .note("The link works once, for a day. Until it is opened, the account keeps its old address. If you did not ask for this, ignore this email.");
    let notice = Letter::new(format!("Your address on {} is being changed", site.title))
        .paragraph(format!(
            "Someone signed in as {} asked to change the account's address to {new_email}. It changes when the link sent there is opened.",
            account.username
        ))
        .note("If this was not you, change your password now: whoever asked knows it.");
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = insert_link_in(&mut tx, user_id, &new_email, &token, created_at).await?;
            let event = format!("email_change:{id}");
            let confirm =
                confirm
                    .clone()
                    .to(&new_email, "email_confirm", event.clone(), site, origin);
            enqueue_in(&mut tx, &confirm.urgent()).await?;
            let notice =
                notice
                    .clone()
                    .to(&account.email, "email_change_notice", event, site, origin);
            enqueue_in(&mut tx, &notice).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(new_email)
}

/// Keeps a link's hash for `address`; its id names the mail's event.
async fn insert_link_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    user_id: UserId,
    address: &str,
    token: &str,
    created_at: DateTime<Utc>,
) -> Result<i64, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(
        "INSERT INTO email_changes (user_id, new_email, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING CAST(id AS BIGINT)",
    )
    .bind(user_id.0)
    .bind(address)
    .bind(hash(token))
    .bind(created_at)
    .bind(created_at + LIFETIME)
    .fetch_one(&mut **tx)
    .await
}

/// What asking for a confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    Sent,
    /// Nothing to do: the address is confirmed (in another tab, say).
    Confirmed,
}

/// Mails the account's own address a link that confirms it (at sign-up, and again when its
/// owner asks), unless it is confirmed already.
pub async fn request_confirmation(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    user_id: UserId,
) -> Result<Confirmation, AppError> {
    let account = super::store::settings(db, user_id).await?;
    if account.email_confirmed {
        return Ok(Confirmation::Confirmed);
    }
    let created_at = now();
    let recent: i64 = with_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_changes WHERE user_id = $1 AND new_email = $2 AND created_at > $3"
    )
    .bind(user_id)
    .bind(&account.email)
    .bind(created_at - TimeDelta::hours(1))
    .fetch_one(pool)
    .await
    })?;
    if recent >= CONFIRMATIONS_PER_HOUR {
        return Err(AppError::RateLimited(
            "A link was sent a moment ago; look for it in your inbox (and its spam folder), or ask again in an hour".to_owned(),
        ));
    }
    let token = random_token();
    let link = format!("{origin}/confirm-email?token={token}");
    let letter = Letter::new(format!("Confirm your address on {}", site.title))
        .paragraph(format!(
            "Welcome to {}, {}! Confirm that this address is yours, so that mail about your account reaches you.",
            site.title, account.username
        ))
        .action("Confirm my address", &link)
        .note("The link works once, for a day; your account's settings send a new one. If you did not make an account, ignore this email.");
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = insert_link_in(&mut tx, user_id, &account.email, &token, created_at).await?;
            let confirm = letter.clone().to(
                &account.email,
                "address_confirm",
                format!("email_change:{id}"),
                site,
                origin,
            );
            enqueue_in(&mut tx, &confirm.urgent()).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(Confirmation::Sent)
}

/// What a link asks: to confirm the account's own address, or to move the account to another.
#[derive(Debug)]
pub struct PendingAddress {
    pub user_id: UserId,
    pub address: String,
    /// The link was sent to the address the account has (a confirmation, not a change).
    pub is_current: bool,
}

/// What the link behind `token` asks, or why it cannot be used.
pub async fn pending(db: &Db, token: &str) -> Result<PendingAddress, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: UserId,
        new_email: String,
        is_current: bool,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT c.user_id, c.new_email, c.new_email = u.email AS is_current, c.expires_at, c.used_at
         FROM email_changes c
         JOIN users u ON u.id = c.user_id AND u.is_active
         WHERE c.token_hash = $1"
    )
    .bind(hash(token.trim()))
    .fetch_optional(pool)
    .await
    })?;
    usable_link(
        row.as_ref().map(|r| (r.expires_at, r.used_at)),
        CHANGE_AGAIN,
    )?;
    row.map(|r| PendingAddress {
        user_id: r.user_id,
        address: r.new_email,
        is_current: r.is_current,
    })
    .ok_or(AppError::NotFound)
}

/// Makes the address behind `token` the account's and confirmed, and uses up every open link
/// of the account. A change also tells the old address. Returns what the link asked.
pub async fn confirm_change(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    token: &str,
) -> Result<PendingAddress, AppError> {
    let pending = pending(db, token).await?;
    let (user_id, new_email) = (pending.user_id, pending.address.clone());
    let account = super::store::settings(db, user_id).await?;
    let now = now();
    let notice = Letter::new(format!("Your address on {} was changed", site.title))
        .paragraph(format!(
            "The address of your account {} on {} is now {new_email}. Mail for the account goes there from now on.",
            account.username, site.title
        ))
        .note("If this was not you, reply to this email or contact the blog's admins.");
    let result = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let used: Option<i64> = sqlx::query_scalar(
                "UPDATE email_changes SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL
                 RETURNING CAST(id AS BIGINT)",
            )
            .bind(hash(token.trim()))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = used else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE email_changes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE users SET email = $1, email_confirmed_at = $2, updated_at = $2
                 WHERE id = $3",
            )
            .bind(&new_email)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            if new_email != account.email {
                let notice = notice.clone().to(
                    &account.email,
                    "email_changed",
                    format!("email_changed:{id}"),
                    site,
                    origin,
                );
                enqueue_in(&mut tx, &notice).await?;
            }
            tx.commit().await.map(|()| true)
        }
        .await
    });
    match result {
        Ok(true) => Ok(pending),
        Ok(false) => Err(AppError::taken(
            "token",
            format!("This link has been used already. {CHANGE_AGAIN}"),
        )),
        Err(err) if unique_violation(&err).as_deref() == Some("users_email_key") => Err(taken()),
        Err(err) => Err(err.into()),
    }
}
