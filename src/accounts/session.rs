//! The browser session, through a typed wrapper: the keys live here and nowhere else.

use chrono::{DateTime, Duration, Utc};
use tower_sessions::Session;

use crate::error::AppError;
use crate::platform::db::now;

pub mod keys {
    pub const USER_ID: &str = "quire.user_id";
    pub const SIGNED_IN_AT: &str = "quire.signed_in_at";
    pub const LAST_SEEN: &str = "quire.last_seen";
    pub const USER_AGENT: &str = "quire.user_agent";
    pub const IP_ADDRESS: &str = "quire.ip";
}

/// tower-sessions extends a session's expiry only when it is written; quire writes the
/// "last seen" time at most this often, so inactivity expiry works without a write per request.
const TOUCH_INTERVAL: Duration = Duration::minutes(10);

pub struct AuthSession(pub Session);

fn store_error(err: tower_sessions::session::Error) -> AppError {
    let answer = super::session_store::app_error(&err);
    if answer == AppError::Internal {
        tracing::error!(error = %err, "session store failed");
    } else {
        tracing::warn!(error = %err, "session store unavailable");
    }
    answer
}

impl AuthSession {
    /// Marks the session as the user's, under a new id (so a fixed id planted before sign-in
    /// is worthless after it).
    pub async fn sign_in(
        &self,
        user_id: super::UserId,
        user_agent: Option<String>,
        ip: Option<String>,
    ) -> Result<(), AppError> {
        let session = &self.0;
        session.cycle_id().await.map_err(store_error)?;
        let now = now();
        session
            .insert(keys::USER_ID, user_id)
            .await
            .map_err(store_error)?;
        session
            .insert(keys::SIGNED_IN_AT, now)
            .await
            .map_err(store_error)?;
        session
            .insert(keys::LAST_SEEN, now)
            .await
            .map_err(store_error)?;
        if let Some(agent) = user_agent {
            let agent: String = agent.chars().take(300).collect();
            session
                .insert(keys::USER_AGENT, agent)
                .await
                .map_err(store_error)?;
        }
        if let Some(ip) = ip {
            session
                .insert(keys::IP_ADDRESS, ip)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Deletes the session on the server and clears the cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(store_error)
    }

    /// The signed-in user's id, if the session is still within `max_age` of its sign-in.
    pub async fn user_id(&self, max_age: Duration) -> Result<Option<super::UserId>, AppError> {
        let session = &self.0;
        let Some(user_id) = session
            .get::<super::UserId>(keys::USER_ID)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let signed_in_at = session
            .get::<DateTime<Utc>>(keys::SIGNED_IN_AT)
            .await
            .map_err(store_error)?;
        let now = now();
        if signed_in_at.is_none_or(|at| now - at > max_age) {
            self.sign_out().await?;
            return Ok(None);
        }
        let last_seen = session
            .get::<DateTime<Utc>>(keys::LAST_SEEN)
            .await
            .map_err(store_error)?;
        if last_seen.is_none_or(|at| now - at > TOUCH_INTERVAL) {
            session
                .insert(keys::LAST_SEEN, now)
                .await
                .map_err(store_error)?;
        }
        Ok(Some(user_id))
    }

    pub fn id(&self) -> Option<String> {
        self.0.id().map(|id| id.to_string())
    }
}
