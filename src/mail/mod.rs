//! Email: what the blog sends (account links, notifications, posts to subscribers), written
//! to the outbox in the transaction of the change that causes it and sent later by one
//! worker per instance ([`sender`]), so a crash loses nothing and no request waits for a mail
//! server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod functions;
#[cfg(feature = "ssr")]
pub mod letter;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod sender;
#[cfg(feature = "ssr")]
pub mod unsubscribe;

/// What a change needs to write its mail: the blog (its name and colours), its address, and
/// the key that signs one-click unsubscribe links.
#[cfg(feature = "ssr")]
pub struct Mailing {
    pub site: std::sync::Arc<crate::site::SiteSettings>,
    pub origin: String,
    pub unsubscribe: unsubscribe::Signer,
}

/// The outbox as the admin sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MailOverview {
    /// False when mail is only written to files (no `QUIRE_SMTP_URL`).
    pub sending: bool,
    /// Where mail goes ("sent through smtp://…", "not sent: written to data/outbox").
    pub transport: String,
    /// Waiting to go, including those being retried.
    pub queued: i64,
    /// Of those, how many failed at least once.
    pub retrying: i64,
    pub sent_last_day: i64,
    /// Given up on in the last week.
    pub failed_last_week: i64,
    pub recent_failures: Vec<FailedMail>,
}

/// A message the sender gave up on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedMail {
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub attempts: i64,
    pub error: String,
    pub failed_at: DateTime<Utc>,
}
