//! The moderators' digest: when comments have come in for the queue, each moderator and
//! admin who wants it gets one mail per `QUIRE_MODERATION_DIGEST_MINUTES` saying how many wait
//! and what the newest say. The window's number is part of each mail's event key, so several
//! instances running this at once still send one digest per window.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::enqueue_in;
use crate::mail::unsubscribe::Topic;
use crate::mail::Mailing;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

/// How many waiting comments a digest quotes.
const QUOTED: i64 = 5;
const QUOTE_CHARS: usize = 140;

/// Queues this window's digests if comments came in for the queue during the last one.
/// Returns how many were queued (0 when there is nothing new, or they went already).
pub async fn enqueue_due(db: &Db, mailing: &Mailing, every: TimeDelta) -> Result<usize, AppError> {
    let now = now();
    let seconds = every.num_seconds().max(60);
    let window = now.timestamp() / seconds;
    let window_start = DateTime::<Utc>::from_timestamp(window * seconds, 0).unwrap_or(now);
    let since = window_start - TimeDelta::seconds(seconds);
    #[derive(sqlx::FromRow)]
    struct Waiting {
        content: String,
        username: String,
        title: String,
    }
    let (waiting, arrived): (i64, i64) = with_db!(db, |pool| sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), 0)
         FROM comments WHERE NOT is_approved AND NOT is_deleted"
    )
    .bind(since)
    .fetch_one(pool)
    .await)?;
    if arrived == 0 {
        return Ok(0);
    }
    let newest: Vec<Waiting> = with_db!(db, |pool| sqlx::query_as(
        "SELECT c.content, u.username, p.title FROM comments c
         JOIN users u ON u.id = c.author_id JOIN posts p ON p.id = c.post_id
         WHERE NOT c.is_approved AND NOT c.is_deleted
         ORDER BY c.created_at DESC, c.id DESC LIMIT $1"
    )
    .bind(QUOTED)
    .fetch_all(pool)
    .await)?;
    let staff: Vec<(i64, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT id, email FROM users
         WHERE role IN ('MODERATOR', 'ADMIN') AND is_active AND notify_moderation"
    )
    .fetch_all(pool)
    .await)?;
    let title = match waiting {
        1 => "1 comment is waiting for moderation".to_owned(),
        n => format!("{n} comments are waiting for moderation"),
    };
    let mut letter = Letter::new(format!("{title} on {}", mailing.site.title))
        .paragraph(format!("{title}. The newest:"));
    for comment in &newest {
        let flat: String = comment
            .content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let quote: String = flat.chars().take(QUOTE_CHARS).collect();
        let cut = if flat.chars().count() > QUOTE_CHARS {
            "…"
        } else {
            ""
        };
        letter = letter.paragraph(format!(
            "@{} on “{}”: “{quote}{cut}”",
            comment.username, comment.title
        ));
    }
    let letter = letter
        .action("Open the queue", format!("{}/admin", mailing.origin))
        .note(format!(
            "At most one of these every {} minutes, while comments come in.",
            every.num_minutes()
        ));
    let mails: Vec<_> = staff
        .iter()
        .map(|(id, email)| {
            letter
                .clone()
                .unsubscribe(
                    mailing
                        .unsubscribe
                        .url(&mailing.origin, *id, Topic::Moderation),
                )
                .to(
                    email,
                    "moderation_digest",
                    format!("moderation_digest:{window}"),
                    &mailing.site,
                    &mailing.origin,
                )
        })
        .collect();
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            for mail in &mails {
                enqueue_in(&mut tx, mail).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(mails.len())
}
