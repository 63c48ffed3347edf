//! `/api/auth`: register, log in, refresh and log out with tokens.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::users::ApiUser;
use super::{ApiResult, Body, Success};
use crate::accounts::caller::Caller;
use crate::accounts::store::{authenticate, find_by_id, NewUser};
use crate::accounts::tokens::{self, issue_refresh};
use crate::accounts::validation;
use crate::accounts::Role;
use crate::error::AppError;
use crate::platform::password::Password;
use crate::web::state::AppState;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Register {
    /// Compared and kept lower-cased; one already used answers 409.
    #[schemars(length(max = validation::EMAIL_MAX), regex(pattern = patterns::EMAIL))]
    email: String,
    /// Letters, digits, _ and -; one already used (in any case) answers 409.
    #[schemars(regex(pattern = patterns::USERNAME))]
    username: String,
    #[schemars(schema_with = "super::schema::password_schema")]
    password: String,
    /// Trimmed; blank for none.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    first_name: Option<String>,
    /// Trimmed; blank for none.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    last_name: Option<String>,
    /// The token of an invitation link (`/signup?invitation=…`): the account gets its role
    /// (and must use its address). Needed when the blog takes accounts by invitation only.
    #[schemars(length(max = 100), regex(pattern = patterns::TEXT))]
    invitation: Option<String>,
}

/// The email address or the username (the first of them that is not blank) and the password.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(extend("anyOf" = [
    {"required": ["email"], "properties": {"email": {"type": "string", "pattern": patterns::NOT_BLANK}}},
    {"required": ["username"], "properties": {"username": {"type": "string", "pattern": patterns::NOT_BLANK}}}
]))]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schemars(regex(pattern = patterns::TEXT))]
    email: Option<String>,
    #[schemars(regex(pattern = patterns::TEXT))]
    username: Option<String>,
    /// Wrong credentials answer 401.
    #[schemars(regex(pattern = patterns::TEXT))]
    password: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    /// One that is unknown, used or revoked answers 401.
    #[schemars(regex(pattern = patterns::TEXT))]
    refresh_token: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    #[schemars(length(max = validation::EMAIL_MAX), regex(pattern = patterns::EMAIL))]
    email: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The `token` of the link in the mail. Unknown: 404; used or expired (after an hour):
    /// 409 on the field `token`.
    #[schemars(length(max = 100), regex(pattern = patterns::TEXT))]
    token: String,
    #[schemars(schema_with = "super::schema::password_schema")]
    password: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    user: ApiUser,
    access_token: String,
    refresh_token: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    access_token: String,
    refresh_token: String,
}

async fn session_for(
    state: &AppState,
    user_id: crate::accounts::UserId,
) -> Result<Session, AppError> {
    let row = find_by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let caller = Caller::User(crate::accounts::CurrentUser {
        id: row.id,
        username: row.username.clone(),
        display_name: row.username.clone(),
        avatar_url: None,
        role: Role::parse(&row.role).unwrap_or(Role::User),
    });
    Ok(Session {
        access_token: state.tokens.access_token(&state.db, user_id).await?,
        refresh_token: issue_refresh(&state.db, user_id, None).await?,
        user: ApiUser::from_row(row, &caller),
    })
}

/// `POST /api/auth/register` → 201 with the user and a token pair.
pub(super) async fn register(
    State(state): State<AppState>,
    Body(body): Body<Register>,
) -> ApiResult<Session> {
    let id = crate::accounts::invitations::sign_up(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        NewUser {
            email: body.email,
            username: body.username,
            password: Password::new(body.password),
            first_name: body.first_name,
            last_name: body.last_name,
            role: Role::User,
        },
        body.invitation.as_deref(),
        state.config.password_min_length,
    )
    .await?;
    Ok(Success::created(
        "Account created",
        session_for(&state, id).await?,
    ))
}

/// `POST /api/auth/login`, slowed down after repeated failures like the sign-in page.
pub(super) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Body(body): Body<Login>,
) -> ApiResult<Session> {
    // Tokens are the client's own: no reader's page changes.
    crate::platform::readers::unseen();
    let client = crate::web::guard::client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    let login = [body.email, body.username]
        .into_iter()
        .flatten()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| AppError::field("email", "Give your email or username"))?;
    let user_id = authenticate(
        &state.db,
        &login,
        Password::new(body.password),
        Some(client.to_string()),
    )
    .await
    .map_err(|err| match err {
        // Wrong credentials are a 401 here, not a form error.
        AppError::Invalid { .. } => AppError::Unauthorized,
        other => other,
    })?;
    Ok(Success::ok(
        "Signed in",
        session_for(&state, user_id).await?,
    ))
}

/// `POST /api/auth/refresh`: a new pair; the old refresh token stops working.
pub(super) async fn refresh(
    State(state): State<AppState>,
    Body(body): Body<RefreshRequest>,
) -> ApiResult<TokenPair> {
    // Tokens are the client's own: no reader's page changes.
    crate::platform::readers::unseen();
    let (access_token, refresh_token) =
        tokens::renew(&state.db, &state.tokens, &body.refresh_token).await?;
    Ok(Success::ok(
        "Tokens renewed",
        TokenPair {
            access_token,
            refresh_token,
        },
    ))
}

/// `POST /api/auth/logout`: revokes the refresh token (and those rotated from it).
pub(super) async fn logout(
    State(state): State<AppState>,
    Body(body): Body<RefreshRequest>,
) -> ApiResult<()> {
    // Tokens are the client's own: no reader's page changes.
    crate::platform::readers::unseen();
    tokens::revoke(&state.db, &body.refresh_token).await?;
    Ok(Success::ok("Signed out", ()))
}

/// `POST /api/auth/forgot-password` → 202 whether or not an account uses the address.
pub(super) async fn forgot_password(
    State(state): State<AppState>,
    Body(body): Body<ForgotPassword>,
) -> ApiResult<()> {
    crate::platform::readers::unseen();
    crate::accounts::recovery::request(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        &body.email,
    )
    .await?;
    Ok(Success::accepted(crate::accounts::REQUESTED_RESET, ()))
}

/// `POST /api/auth/reset-password`: the new password; every session and refresh token ends.
pub(super) async fn reset_password(
    State(state): State<AppState>,
    Body(body): Body<ResetPassword>,
) -> ApiResult<()> {
    crate::platform::readers::unseen();
    crate::accounts::recovery::reset(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        &body.token,
        Password::new(body.password),
        state.config.password_min_length,
    )
    .await?;
    Ok(Success::ok("Your password is changed; sign in with it", ()))
}
