//! Mailing each new post to its followers. A post that has gone out (published now, or a
//! scheduled one whose time came) gets one mailing: its words written once, and one outbox row
//! per confirmed follower (the blog's, its author's, its tags'), made by one INSERT … SELECT in
//! the same transaction. The mailing's unique post and the outbox's unique event and address
//! mean no post goes twice to one address, whatever crashes or how many instances look.

use chrono::TimeDelta;

use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::UNSUBSCRIBE_HERE;
use crate::mail::Mailing;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

/// Posts that went out longer ago than this are not mailed: turning mail on, restoring a
/// backup or republishing an old post does not send the archive.
pub const FRESH_FOR: TimeDelta = TimeDelta::days(1);

#[derive(sqlx::FromRow)]
struct DuePost {
    id: i64,
    title: String,
    slug: String,
    content: String,
    content_html: String,
    author_id: i64,
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// Queues the mailings of posts that went out and have none yet. Returns how many
/// messages were queued.
pub async fn deliver_due(db: &Db, mailing: &Mailing) -> Result<u64, AppError> {
    let now = now();
    let due: Vec<DuePost> = with_db!(db, |pool| sqlx::query_as(concat!(
        "SELECT p.id, p.title, p.slug, p.content, p.content_html, p.author_id, u.username,
                u.first_name, u.last_name
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE ",
        crate::listed_post!(p, "$1"),
        " AND p.published_at > $2
           AND NOT EXISTS (SELECT 1 FROM mailings m WHERE m.post_id = p.id)
         ORDER BY p.published_at, p.id"
    ))
    .bind(now)
    .bind(now - FRESH_FOR)
    .fetch_all(pool)
    .await)?;
    let mut queued = 0;
    for post in due {
        queued += queue_post(db, mailing, &post).await?;
    }
    Ok(queued)
}

/// Absolute addresses in a post's HTML: a mail has no page to resolve `/media/…` against.
fn absolute(html: &str, origin: &str) -> String {
    html.replace("src=\"/", &format!("src=\"{origin}/"))
        .replace("href=\"/", &format!("href=\"{origin}/"))
}

async fn queue_post(db: &Db, mailing: &Mailing, post: &DuePost) -> Result<u64, AppError> {
    let site = &mailing.site;
    let origin = &mailing.origin;
    let url = format!("{origin}/posts/{}", post.slug);
    let author = crate::accounts::display_name(
        &post.username,
        post.first_name.as_deref(),
        post.last_name.as_deref(),
    );
    let letter = Letter::new(post.title.clone())
        .paragraph(format!("A new post by {author} on {}:", site.title))
        .rendered(
            format!(
                "<h1 style=\"font-size:24px;margin:0 0 16px\">{}</h1>{}",
                crate::platform::markdown::escape(&post.title),
                absolute(&post.content_html, origin)
            ),
            format!("{}\n\n{}", post.title, post.content),
        )
        .action("Read it on the blog", &url)
        .note(format!(
            "You get this because you follow {} by email.",
            site.title
        ))
        .unsubscribe(UNSUBSCRIBE_HERE.to_owned());
    let (text, html) = letter.render(site, origin);
    let now = now();
    let unsubscribe_base = format!("{origin}/unsubscribe?token=");
    let queued = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mailing_id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO mailings (post_id, sender_name, subject, text_body, html_body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (post_id) DO NOTHING RETURNING CAST(id AS BIGINT)",
            )
            .bind(post.id)
            .bind(&site.title)
            .bind(&post.title)
            .bind(&text)
            .bind(&html)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(mailing_id) = mailing_id else {
                // Another instance made it first.
                return Ok(0);
            };
            // One row per address, whatever it follows: the blog, the author, a tag.
            let queued = sqlx::query(
                "INSERT INTO outbox (event_key, recipient, kind, priority, sender_name, subject,
                                     text_body, html_body, unsubscribe_url, created_at,
                                     next_attempt_at, mailing_id)
                 SELECT $1, s.email, 'post', 2, '', '', '', '', $2 || MIN(s.token), $3, $3, $4
                 FROM subscribers s
                 WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
                   AND ((s.scope = 'blog' AND s.target_id = 0)
                        OR (s.scope = 'author' AND s.target_id = $5)
                        OR (s.scope = 'tag' AND s.target_id IN
                              (SELECT tag_id FROM post_tags WHERE post_id = $6)))
                 GROUP BY s.email
                 ON CONFLICT (event_key, recipient) DO NOTHING",
            )
            .bind(format!("post:{}", post.id))
            .bind(&unsubscribe_base)
            .bind(now)
            .bind(mailing_id)
            .bind(post.author_id)
            .bind(post.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(queued)
        }
        .await
    })?;
    if queued > 0 {
        tracing::info!(
            post_id = post.id,
            recipients = queued,
            "a post was queued for its followers"
        );
    }
    Ok(queued)
}
