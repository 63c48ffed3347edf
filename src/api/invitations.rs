//! `/api/invitations`: admins invite people by link.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, AsAdmin, Body, Success};
use crate::accounts::{invitations, validation, Role};
use crate::error::AppError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvitationCreate {
    /// USER (the default), AUTHOR, MODERATOR or ADMIN: what the invited person becomes.
    #[schemars(extend("enum" = ["USER", "AUTHOR", "MODERATOR", "ADMIN", null]))]
    pub role: Option<String>,
    /// The address the account must use, which is also mailed the link; blank or absent for
    /// anybody who has the link.
    #[schemars(length(max = validation::EMAIL_MAX), regex(pattern = patterns::EMAIL_OR_BLANK))]
    pub email: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiInvitation {
    /// The link to send: single use, until `expiresAt`. It is not kept, so it is only here.
    pub url: String,
    pub role: String,
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/invitations` (admins). 200, not 201 with an `Idempotency-Key`: the link cannot
/// be given again (only its hash is kept), so a retry makes another invitation.
pub(super) async fn create(
    State(state): State<AppState>,
    AsAdmin(caller): AsAdmin,
    Body(body): Body<InvitationCreate>,
) -> ApiResult<ApiInvitation> {
    let admin = caller.require_role(Role::Admin)?;
    let role = match body.role.as_deref() {
        None => Role::User,
        Some(raw) => super::users::role(raw).ok_or_else(|| {
            AppError::field("role", "`role` must be USER, AUTHOR, MODERATOR or ADMIN")
        })?,
    };
    let made = invitations::create(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        admin,
        role,
        body.email.as_deref(),
    )
    .await?;
    Ok(Success::ok(
        "Invitation made",
        ApiInvitation {
            url: made.link(&state.config.origin()),
            role: role.as_str().to_owned(),
            email: made.email,
            expires_at: made.expires_at,
        },
    ))
}
