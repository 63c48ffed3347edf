//! Mail about a comment readers can now see: to the author of the comment it answers ("a
//! reply to your comment"), to the post's author ("a new comment on your post") and, when a
//! moderator let it through, to its own author ("your comment was approved"). Each person
//! gets at most one of these per comment, each kind can be turned off in the settings and by
//! the one-click link in the mail, and nobody is told about their own comment.
//!
//! Who is told is read before the change; the mail is queued inside its transaction, after
//! the comment has its id.

use super::CommentId;
use crate::error::AppError;
use crate::mail::letter::{Letter, Outgoing};
use crate::mail::unsubscribe::Topic;
use crate::mail::Mailing;
use crate::platform::db::Db;
use crate::with_db;

/// Someone who may be told, with whether they want this kind of mail.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Person {
    id: i64,
    email: String,
    wants: bool,
}

/// Everybody a comment may concern, and what the mail says about it.
#[derive(Debug, Clone)]
pub struct Audience {
    post_title: String,
    post_slug: String,
    commenter_id: i64,
    commenter_name: String,
    /// The start of the comment, as plain text.
    excerpt: String,
    author: Option<Person>,
    parent_author: Option<Person>,
    post_author: Option<Person>,
}

/// How much of a comment a mail quotes.
const EXCERPT_CHARS: usize = 300;

/// Who a comment by `commenter_id` on `post_id` (answering `parent_id`) concerns.
pub async fn audience(
    db: &Db,
    post_id: i64,
    parent_id: Option<CommentId>,
    commenter_id: i64,
    content: &str,
) -> Result<Audience, AppError> {
    #[derive(sqlx::FromRow)]
    struct Post {
        title: String,
        slug: String,
        author_id: i64,
    }
    let post: Post = with_db!(db, |pool| sqlx::query_as(
        "SELECT title, slug, author_id FROM posts WHERE id = $1"
    )
    .bind(post_id)
    .fetch_one(pool)
    .await)?;
    let person = |column: &'static str, id: i64| {
        let sql =
            format!("SELECT id, email, {column} AS wants FROM users WHERE id = $1 AND is_active");
        async move {
            let found: Option<Person> = with_db!(db, |pool| sqlx::query_as(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await)?;
            Ok::<_, AppError>(found)
        }
    };
    let parent_author_id: Option<i64> = match parent_id {
        Some(parent) => with_db!(db, |pool| sqlx::query_scalar(
            "SELECT author_id FROM comments WHERE id = $1 AND NOT is_deleted"
        )
        .bind(parent)
        .fetch_optional(pool)
        .await)?,
        None => None,
    };
    let (first, last, username): (Option<String>, Option<String>, String) = with_db!(db, |pool| {
        sqlx::query_as("SELECT first_name, last_name, username FROM users WHERE id = $1")
            .bind(commenter_id)
            .fetch_one(pool)
            .await
    })?;
    Ok(Audience {
        post_title: post.title,
        post_slug: post.slug,
        commenter_id,
        commenter_name: crate::accounts::display_name(&username, first.as_deref(), last.as_deref()),
        excerpt: excerpt(content),
        author: person("notify_approved", commenter_id).await?,
        parent_author: match parent_author_id {
            Some(id) => person("notify_replies", id).await?,
            None => None,
        },
        post_author: person("notify_comments", post.author_id).await?,
    })
}

/// The comment's markdown as a short plain quote.
fn excerpt(content: &str) -> String {
    let flat = content.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

impl Audience {
    /// The mail for comment `id`, now visible; `moderated` when a moderator approved it.
    pub fn letters(&self, id: i64, moderated: bool, mailing: &Mailing) -> Vec<Outgoing> {
        let link = format!("{}/posts/{}#comment-{id}", mailing.origin, self.post_slug);
        let (post, who, quote) = (
            &self.post_title,
            &self.commenter_name,
            format!("“{}”", self.excerpt),
        );
        let address = |person: &Person, topic: Topic, letter: Letter, kind: &'static str| {
            let url = mailing.unsubscribe.url(&mailing.origin, person.id, topic);
            letter.unsubscribe(url).to(
                &person.email,
                kind,
                format!("{kind}:{id}"),
                &mailing.site,
                &mailing.origin,
            )
        };
        let mut letters = Vec::new();
        if let Some(author) = self.author.as_ref().filter(|a| moderated && a.wants) {
            let letter = Letter::new(format!("Your comment on “{post}” was approved"))
                .paragraph(format!(
                    "Your comment on “{post}” is now on the page for everybody:"
                ))
                .paragraph(quote.clone())
                .action("See it on the page", &link);
            letters.push(address(author, Topic::Approved, letter, "comment_approved"));
        }
        // Nobody hears of their own comment, and nobody twice of one.
        let mut told = vec![self.commenter_id];
        let others = [
            (
                &self.parent_author,
                Topic::Replies,
                "comment_reply",
                Letter::new(format!("{who} replied to your comment on “{post}”"))
                    .paragraph(format!("{who} replied to your comment on “{post}”:")),
            ),
            (
                &self.post_author,
                Topic::Comments,
                "comment_on_post",
                Letter::new(format!("New comment on “{post}”"))
                    .paragraph(format!("{who} commented on your post “{post}”:")),
            ),
        ];
        for (person, topic, kind, letter) in others {
            let Some(person) = person.as_ref().filter(|p| p.wants && !told.contains(&p.id)) else {
                continue;
            };
            told.push(person.id);
            let letter = letter
                .paragraph(quote.clone())
                .action("Read and answer", &link);
            letters.push(address(person, topic, letter, kind));
        }
        letters
    }
}
