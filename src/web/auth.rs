//! Which [`Caller`] a request comes from: the session or an API access token, read on the
//! server. What a caller may do is decided by the accounts domain ([`Caller`]'s own methods);
//! this is only the request side of it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Request;
use tokio::sync::Mutex;
use tower_sessions::Session;

use super::state::AppState;
use crate::accounts::caller::Caller;
use crate::accounts::session::AuthSession;
use crate::accounts::store::active_user;
use crate::accounts::{CurrentUser, UserId};
use crate::error::AppError;

/// The user a request's caller turned out to be, looked up once per request: a page asks for
/// its caller in the header, the post, the thread and each server function it runs, and each
/// would otherwise read the user again. Kept with the id it was read for, so a request that
/// signs in or out looks again. Leptos's copies of the request's parts share it.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<Mutex<Option<LookedUp>>>);

/// A user id and the active user it names (none: gone or deactivated).
type LookedUp = (UserId, Option<CurrentUser>);

impl RequestUser {
    /// Gives every request its own, empty.
    pub async fn attach(mut req: Request<Body>) -> Request<Body> {
        req.extensions_mut().insert(Self::default());
        req
    }

    async fn active_user(
        parts: Option<&Parts>,
        state: &AppState,
        user_id: UserId,
    ) -> Result<Option<CurrentUser>, AppError> {
        let Some(kept) = parts.and_then(|parts| parts.extensions.get::<Self>()) else {
            return Self::read(state, user_id).await;
        };
        // Held across the read: a render's resources ask at once, and the later ones wait
        // for the first one's answer instead of reading too.
        let mut kept = kept.0.lock().await;
        if let Some((_, user)) = kept.as_ref().filter(|(id, _)| *id == user_id) {
            return Ok(user.clone());
        }
        let user = Self::read(state, user_id).await?;
        *kept = Some((user_id, user.clone()));
        Ok(user)
    }

    /// The user as this instance keeps them (see `web::reader_rows`).
    async fn read(state: &AppState, user_id: UserId) -> Result<Option<CurrentUser>, AppError> {
        let version = state.pages.readers_version(&state.db).await;
        state
            .readers
            .users
            .get(version, user_id, || active_user(&state.db, user_id))
            .await
    }
}

impl Caller {
    /// Reads the session. A session whose user is gone or deactivated is ended on the spot.
    pub async fn from_session(state: &AppState, session: &AuthSession) -> Result<Self, AppError> {
        Self::from_session_in(None, state, session).await
    }

    async fn from_session_in(
        parts: Option<&Parts>,
        state: &AppState,
        session: &AuthSession,
    ) -> Result<Self, AppError> {
        let Some(user_id) = session.user_id(state.config.session_max_age).await? else {
            return Ok(Self::Visitor);
        };
        match RequestUser::active_user(parts, state, user_id).await? {
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
                Some(user_id) => Ok(RequestUser::active_user(Some(parts), state, user_id)
                    .await?
                    .map_or(Self::Visitor, Self::User)),
                None => Ok(Self::Visitor),
            };
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| AppError::internal(format_args!("session layer missing: {why}")))?;
        Self::from_session_in(Some(parts), state, &AuthSession(session)).await
    }
}
