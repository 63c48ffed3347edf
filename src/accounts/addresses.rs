//! Changing an account's email address: the new address is confirmed by a link sent to it
//! (valid [`LIFETIME`], single use, only its hash kept) and the old one is told, before and
//! after, so a stolen session cannot quietly move the account (and its password resets) away.

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
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO email_changes (user_id, new_email, token_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING CAST(id AS BIGINT)",
            )
            .bind(user_id)
            .bind(&new_email)
            .bind(hash(&token))
            .bind(created_at)
            .bind(created_at + LIFETIME)
            .fetch_one(&mut *tx)
            .await?;
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

/// The new address the link behind `token` confirms, or why it cannot be used.
pub async fn pending(db: &Db, token: &str) -> Result<(UserId, String), AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: UserId,
        new_email: String,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(
        "SELECT c.user_id, c.new_email, c.expires_at, c.used_at FROM email_changes c
         JOIN users u ON u.id = c.user_id AND u.is_active
         WHERE c.token_hash = $1"
    )
    .bind(hash(token.trim()))
    .fetch_optional(pool)
    .await)?;
    usable_link(
        row.as_ref().map(|r| (r.expires_at, r.used_at)),
        CHANGE_AGAIN,
    )?;
    row.map(|r| (r.user_id, r.new_email))
        .ok_or(AppError::NotFound)
}

/// Makes the address behind `token` the account's, uses up every open change of the account,
/// and tells the old address. Returns the new address.
pub async fn confirm_change(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    token: &str,
) -> Result<String, AppError> {
    let (user_id, new_email) = pending(db, token).await?;
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
            sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
                .bind(&new_email)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let notice = notice.clone().to(
                &account.email,
                "email_changed",
                format!("email_changed:{id}"),
                site,
                origin,
            );
            enqueue_in(&mut tx, &notice).await?;
            tx.commit().await.map(|()| true)
        }
        .await
    });
    match result {
        Ok(true) => Ok(new_email),
        Ok(false) => Err(AppError::taken(
            "token",
            format!("This link has been used already. {CHANGE_AGAIN}"),
        )),
        Err(err) if unique_violation(&err).as_deref() == Some("users_email_key") => Err(taken()),
        Err(err) => Err(err.into()),
    }
}
