//! Following the blog by email: readers subscribe (no account needed) to every new post, and
//! signed-in readers to an author's or a tag's; double opt-in by a mailed link. Each post is
//! mailed once, when it goes out, to every confirmed follower (see `delivery`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod functions;

#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod store;

/// What every subscription request is told, whether or not the address was subscribed.
pub const CHECK_YOUR_INBOX: &str =
    "Almost done: open the link in the email we just sent to confirm. Nothing is sent until you do.";

/// What a subscription follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Follows {
    /// Every new post.
    Blog,
    /// One author's posts: their username.
    Author(String),
    /// Posts with one tag.
    Tag(String),
}

impl Follows {
    /// "new posts on My blog", "new posts by Ada", "new posts tagged rust".
    pub fn described(&self, blog: &str) -> String {
        match self {
            Self::Blog => format!("new posts on {blog}"),
            Self::Author(name) => format!("new posts by {name}"),
            Self::Tag(tag) => format!("new posts tagged {tag}"),
        }
    }
}

/// A subscriber as the admin and the API see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub follows: Follows,
    pub confirmed: bool,
    pub unsubscribed: bool,
    pub created_at: DateTime<Utc>,
}

/// One post's mailing to its followers, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Send {
    pub post_title: String,
    pub post_slug: String,
    pub started_at: DateTime<Utc>,
    pub recipients: i64,
    pub sent: i64,
    pub failed: i64,
}

/// The admin's Subscribers tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribersPage {
    pub confirmed: i64,
    pub waiting: i64,
    pub unsubscribed: i64,
    pub subscribers: Vec<Subscriber>,
    /// The `before` of the next page, if there is one.
    pub next: Option<i64>,
    pub sends: Vec<Send>,
}
