//! The worker that empties the outbox: one per instance, one message at a time, at most
//! `QUIRE_MAIL_PER_MINUTE`. Each message is taken (held for a while), sent, and marked sent
//! at once, so after a crash only the one message in flight can go twice, and then with the
//! same `Message-ID`, by which mail clients recognize it.

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use super::outbox::{self, Queued};
use crate::error::AppError;
use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::mailer::{Mailer, SendError};

/// How often an idle sender looks for new messages.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How long it waits after the database failed it.
const AFTER_TROUBLE: Duration = Duration::from_secs(5);

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

pub struct Sender {
    db: Db,
    mailer: Mailer,
    from: Mailbox,
    /// The shortest time between two messages.
    pace: Duration,
    /// Where mail goes, for the log.
    transport: String,
    /// The mailing being sent: thousands of messages in a row share its words.
    mailing: tokio::sync::Mutex<Option<outbox::MailingWords>>,
}

impl Sender {
    pub fn new(db: Db, config: &Config) -> Result<Self, crate::platform::config::ConfigError> {
        Ok(Self {
            db,
            mailer: Mailer::new(&config.mail)?,
            from: config.mail.from.clone(),
            pace: Duration::from_secs(60) / config.mail.per_minute,
            transport: config.mail.describe(),
            mailing: tokio::sync::Mutex::new(None),
        })
    }

    /// Sends until the process ends.
    pub async fn run(self) {
        if matches!(self.db, Db::Sqlite(_)) {
            match outbox::release_all(&self.db).await {
                Ok(0) => {}
                Ok(released) => {
                    tracing::info!(released, "mail held before a restart is sent again")
                }
                Err(err) => tracing::warn!(error = %err, "could not release held mail"),
            }
        }
        tracing::info!(transport = %self.transport, "mail sender started");
        loop {
            let wait = match self.send_next().await {
                Ok(true) => self.pace,
                Ok(false) => IDLE_POLL,
                Err(err) => {
                    tracing::warn!(error = %err, "the mail sender could not reach the database");
                    AFTER_TROUBLE
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes the next due message and tries it once. False when none was due.
    pub async fn send_next(&self) -> Result<bool, AppError> {
        let Some(mut message) = outbox::claim(&self.db).await? else {
            return Ok(false);
        };
        if let Some(id) = message.mailing_id {
            let mut kept = self.mailing.lock().await;
            if kept.as_ref().is_none_or(|words| words.id != id) {
                *kept = Some(outbox::mailing_words(&self.db, id).await?);
            }
            if let Some(words) = kept.as_ref() {
                let link = message.unsubscribe_url.clone().unwrap_or_default();
                message.sender_name = words.sender_name.clone();
                message.subject = words.subject.clone();
                message.text_body = words.text_body.replace(outbox::UNSUBSCRIBE_HERE, &link);
                message.html_body = words.html_body.replace(
                    outbox::UNSUBSCRIBE_HERE,
                    &crate::platform::markdown::escape(&link),
                );
            }
        }
        let outcome = match self.message(&message) {
            Ok(built) => self.mailer.send(&file_name(&message), &built).await,
            Err(why) => Err(SendError::Permanent(why)),
        };
        match outcome {
            Ok(()) => outbox::mark_sent(&self.db, message.id).await?,
            Err(err) => {
                let permanent = matches!(err, SendError::Permanent(_));
                let gave_up =
                    outbox::mark_failed(&self.db, &message, &err.to_string(), permanent).await?;
                tracing::warn!(
                    id = message.id,
                    kind = %message.kind,
                    attempts = message.attempts,
                    gave_up,
                    error = %err,
                    "a message could not be sent"
                );
            }
        }
        Ok(true)
    }

    fn message(&self, queued: &Queued) -> Result<Message, String> {
        let to: Mailbox = queued
            .recipient
            .parse()
            .map_err(|_| format!("'{}' is not an email address", queued.recipient))?;
        let from = Mailbox::new(
            self.from
                .name
                .clone()
                .or_else(|| Some(queued.sender_name.clone()).filter(|n| !n.trim().is_empty())),
            self.from.email.clone(),
        );
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(&queued.subject)
            // The same for every attempt: a message sent twice after a crash is one message.
            .message_id(Some(format!(
                "<quire.{}.{}@{}>",
                queued.id,
                queued.created_at.timestamp(),
                self.from.email.domain()
            )));
        if let Some(url) = &queued.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    LIST_UNSUBSCRIBE_POST,
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                queued.text_body.clone(),
                queued.html_body.clone(),
            ))
            .map_err(|e| format!("the message cannot be written: {e}"))
    }
}

/// `{id}-{kind}`: files sort in the order they were written.
fn file_name(queued: &Queued) -> String {
    format!("{:08}-{}", queued.id, queued.kind)
}
