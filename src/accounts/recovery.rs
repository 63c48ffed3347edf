//! "Forgot your password?": a link by mail to choose a new one. Single use, valid for
//! [`LIFETIME`]; only the token's hash is kept. The answer to a request is the same whether
//! or not an account uses the address, and requests are limited per account (here) and per
//! client address (by the auth rate limit, as sign-ins are). A new password ends every session and says so by mail.

use chrono::{DateTime, TimeDelta, Utc};

use super::tokens::{hash, random_token, usable_link};
use super::{validation, UserId};
use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::enqueue_in;
use crate::platform::db::{now, BeginWrite, Db};
use crate::platform::password::{self, Password};
use crate::site::SiteSettings;
use crate::with_db;

pub const LIFETIME: TimeDelta = TimeDelta::hours(1);
/// Links one account may be sent an hour: enough when the first is lost, too few to flood
/// someone's inbox.
const PER_ACCOUNT_AN_HOUR: i64 = 3;

/// Sends a reset link to the account that uses `email`, if there is one and it has not had
/// too many this hour. `origin` is the blog's address, for the link. (Requests per client
/// address are limited in front of this, as sign-ins are: `QUIRE_AUTH_RATE_LIMIT`.)
pub async fn request(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    email: &str,
) -> Result<(), AppError> {
    let email = validation::email(email).map_err(|e| AppError::invalid(vec![e]))?;
    let since = now() - TimeDelta::hours(1);
    let account: Option<(UserId, i64)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT u.id, (SELECT COUNT(*) FROM password_resets r WHERE r.user_id = u.id AND r.created_at > $2)
         FROM users u WHERE u.email = $1 AND u.is_active"
    )
    .bind(&email)
    .bind(since)
    .fetch_optional(pool)
    .await
    })?;
    let Some((user_id, recent)) = account else {
        return Ok(());
    };
    if recent >= PER_ACCOUNT_AN_HOUR {
        tracing::info!(
            user_id = user_id.0,
            "password reset not sent: this hour's links are used up"
        );
        return Ok(());
    }
    let token = random_token();
    let created_at = now();
    let link = format!("{origin}/reset-password?token={token}");
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4) RETURNING CAST(id AS BIGINT)",
            )
            .bind(user_id)
            .bind(hash(&token))
            .bind(created_at)
            .bind(created_at + LIFETIME)
            .fetch_one(&mut *tx)
            .await?;
            let mail = Letter::new(format!("Reset your password on {}", site.title))
                .paragraph(format!(
                    "Someone (we hope you) asked to reset the password of your account on {}.",
                    site.title
                ))
                .action("Choose a new password", &link)
                .note("The link works once, for an hour. If you did not ask for it, ignore this email: your password stays as it is.")
                .to(&email, "password_reset", format!("password_reset:{id}"), site, origin)
                .urgent();
            enqueue_in(&mut tx, &mail).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// How to get a new link, after a refusal.
const ASK_AGAIN: &str = "Ask for a new one below.";

/// The account whose reset link `token` is, or why the link cannot be used (on the field
/// `token`, with the way to a new one).
pub async fn check(db: &Db, token: &str) -> Result<UserId, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: UserId,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(
        "SELECT r.user_id, r.expires_at, r.used_at FROM password_resets r
         JOIN users u ON u.id = r.user_id AND u.is_active
         WHERE r.token_hash = $1"
    )
    .bind(hash(token.trim()))
    .fetch_optional(pool)
    .await)?;
    usable_link(row.as_ref().map(|r| (r.expires_at, r.used_at)), ASK_AGAIN)?;
    row.map(|r| r.user_id).ok_or(AppError::NotFound)
}

/// Sets the new password of the account behind `token`: checked as every new password is;
/// then, in one transaction, the link and every other open one used up, every session ended,
/// every API refresh token revoked, and a mail to say so. Two tabs racing with one link
/// cannot both win.
pub async fn reset(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    token: &str,
    new: Password,
    min_len: usize,
) -> Result<UserId, AppError> {
    let user_id = check(db, token).await?;
    super::store::check_new_password(db, user_id, new.expose(), min_len, "password").await?;
    let account = super::store::settings(db, user_id).await?;
    let hash_of_password = password::hash(new).await?;
    let now = now();
    let mail = Letter::new(format!("Your password on {} was changed", site.title))
        .paragraph(format!(
            "The password of your account {} on {} was just changed with a reset link, and every place you were signed in was signed out.",
            account.username, site.title
        ))
        .action("Sign in", format!("{origin}/signin"))
        .note("If this was not you, someone can read your email: secure your mailbox, then ask for a new reset link on the sign-in page.");
    let used = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let used: Option<i64> = sqlx::query_scalar(
                "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL
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
                "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            super::store::replace_password_in(&mut tx, user_id.0, &hash_of_password, now).await?;
            // The link reached the account's address: that confirms it as well.
            sqlx::query(
                "UPDATE users SET email_confirmed_at = $2 WHERE id = $1 AND email_confirmed_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mail = mail.clone().to(
                &account.email,
                "password_changed",
                format!("password_changed:{id}"),
                site,
                origin,
            );
            enqueue_in(&mut tx, &mail.urgent()).await?;
            tx.commit().await.map(|()| true)
        }
        .await
    })?;
    if !used {
        return Err(AppError::taken(
            "token",
            format!("This link has been used already. {ASK_AGAIN}"),
        ));
    }
    Ok(user_id)
}
