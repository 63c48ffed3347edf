//! Who is calling, and may they do this? The one place that answers, for pages, server
//! functions and the API alike. Decided on the server from the session or an API access
//! token, never from what the client says about itself.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::state::AppState;
use crate::accounts::session::AuthSession;
use crate::accounts::{CurrentUser, Role};
use crate::error::AppError;
use crate::with_db;

#[derive(Debug, Clone)]
pub enum Caller {
    Visitor,
    User(CurrentUser),
}

impl Caller {
    pub fn user(&self) -> Option<&CurrentUser> {
        match self {
            Self::Visitor => None,
            Self::User(user) => Some(user),
        }
    }

    /// A signed-in, active user, or 401.
    pub fn require_user(&self) -> Result<&CurrentUser, AppError> {
        self.user().ok_or(AppError::Unauthorized)
    }

    /// A user with at least `role`, or 401 for visitors and 403 for everybody else.
    pub fn require_role(&self, role: Role) -> Result<&CurrentUser, AppError> {
        let user = self.require_user()?;
        if user.role >= role {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Users manage their own account; admins manage everybody's.
    pub fn require_self_or_admin(&self, user_id: i64) -> Result<&CurrentUser, AppError> {
        let user = self.require_user()?;
        if user.id == user_id || user.role == Role::Admin {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Reads the session. A session whose user is gone or deactivated is ended on the spot.
    pub async fn from_session(state: &AppState, session: &AuthSession) -> Result<Self, AppError> {
        let Some(user_id) = session.user_id(state.config.session_max_age).await? else {
            return Ok(Self::Visitor);
        };
        match load_active_user(state, user_id).await? {
            Some(user) => Ok(Self::User(user)),
            None => {
                session.sign_out().await?;
                Ok(Self::Visitor)
            }
        }
    }

    /// The caller of the server function or page being run.
    pub async fn current() -> Result<Self, AppError> {
        let state = AppState::current()?;
        // Not `leptos_axum::extract_with_state`: it turns the rejection into text, and the
        // caller's errors must keep their kind (a database outage is a 503, not a 500).
        let mut parts = leptos::prelude::use_context::<Parts>()
            .ok_or_else(|| AppError::internal("request parts missing from the Leptos context"))?;
        Self::from_request_parts(&mut parts, &state).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // API clients present a bearer token; a bad or expired one makes them a visitor.
        if let Some(token) = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            return match state.tokens.verify(&state.db, token.trim()).await? {
                Some(user_id) => Ok(load_active_user(state, user_id)
                    .await?
                    .map_or(Self::Visitor, Self::User)),
                None => Ok(Self::Visitor),
            };
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| AppError::internal(format_args!("session layer missing: {why}")))?;
        Self::from_session(state, &AuthSession(session)).await
    }
}

async fn load_active_user(state: &AppState, user_id: i64) -> Result<Option<CurrentUser>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        username: String,
        first_name: Option<String>,
        last_name: Option<String>,
        avatar_url: Option<String>,
        role: String,
    }
    let row: Option<Row> = with_db!(&state.db, |pool| {
        sqlx::query_as(
            "SELECT id, username, first_name, last_name, avatar_url, role
             FROM users WHERE id = $1 AND is_active",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|row| CurrentUser {
        id: row.id,
        display_name: crate::accounts::display_name(
            &row.username,
            row.first_name.as_deref(),
            row.last_name.as_deref(),
        ),
        username: row.username,
        avatar_url: row.avatar_url,
        role: Role::parse(&row.role).unwrap_or(Role::User),
    }))
}
