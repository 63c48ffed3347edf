//! The accounts' server functions: thin doors that ask [`Caller`] first, validate, and call
//! the store. Pages use them through `ActionForm`, so they work before hydration as plain
//! form posts.
//!
//! [`Caller`]: crate::accounts::caller::Caller

use leptos::prelude::*;

use super::{
    AccountSettings, AddressLink, CurrentUser, InvitationInfo, InvitationOffer, NewInvitation,
    Profile, Role, SessionInfo,
};
use crate::error::AppError;
use crate::posts::PostPage;

#[server(prefix = "/rpc", endpoint = "accounts/me")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::accounts::caller::Caller;
    Ok(Caller::current().await?.user().cloned())
}

#[server(prefix = "/rpc", endpoint = "accounts/sign_up")]
pub async fn sign_up(
    email: String,
    username: String,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
    next: Option<String>,
    invitation: Option<String>,
) -> Result<(), AppError> {
    use super::store::NewUser;
    use crate::platform::password::Password;
    use crate::web::state::AppState;

    let state = AppState::current()?;
    let id = super::invitations::sign_up(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        NewUser {
            email,
            username,
            password: Password::new(password),
            first_name,
            last_name,
            role: Role::User,
        },
        invitation.as_deref(),
        state.config.password_min_length,
    )
    .await?;
    ssr::start_session(id).await?;
    leptos_axum::redirect(&ssr::safe_next(next.as_deref()));
    Ok(())
}

/// What the invitation behind an invitation link offers (the sign-up page asks before it
/// shows its form), or why it offers nothing.
#[server(prefix = "/rpc", endpoint = "invitations/check")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_invitation(token: String) -> Result<InvitationOffer, AppError> {
    let state = crate::web::state::AppState::current()?;
    super::invitations::offer(&state.db, &token).await
}

/// Whether `token` may claim this blog at `/setup` (the page asks before it shows its form).
#[server(prefix = "/rpc", endpoint = "setup/check")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_setup(token: String) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    super::setup::check(&state.db, &*state.site().await?, &token).await
}

/// Claims a blog nobody owns yet with the token `quire serve` printed: names it, makes the
/// first admin and signs them in.
#[server(prefix = "/rpc", endpoint = "setup/claim")]
pub async fn set_up_blog(
    token: String,
    title: String,
    email: String,
    username: String,
    password: String,
) -> Result<(), AppError> {
    use super::store::NewUser;
    use crate::platform::password::Password;
    let state = crate::web::state::AppState::current()?;
    let id = super::setup::claim(
        &state.db,
        &*state.site().await?,
        &token,
        title,
        NewUser {
            email,
            username,
            password: Password::new(password),
            first_name: None,
            last_name: None,
            role: Role::Admin,
        },
        state.config.password_min_length,
    )
    .await?;
    ssr::start_session(id).await?;
    leptos_axum::redirect("/admin?tab=settings");
    Ok(())
}

/// Admins only: a new invitation for `role` (and `email`, when given); its link is shown once.
#[server(prefix = "/rpc", endpoint = "invitations/create")]
pub async fn invite(role: Role, email: Option<String>) -> Result<NewInvitation, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let made = super::invitations::create(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        admin,
        role,
        email.as_deref(),
    )
    .await?;
    Ok(NewInvitation {
        url: made.link(&state.config.origin()),
        role,
        email: made.email,
        expires_at: made.expires_at,
    })
}

/// Admins only: the newest invitations and where each stands.
#[server(prefix = "/rpc", endpoint = "invitations/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_invitations() -> Result<Vec<InvitationInfo>, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    super::invitations::recent(&state.db).await
}

#[server(prefix = "/rpc", endpoint = "accounts/sign_in")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn sign_in(
    login: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::platform::password::Password;
    use crate::web::state::AppState;

    let state = AppState::current()?;
    let user_id = super::store::authenticate(
        &state.db,
        &login,
        Password::new(password),
        ssr::client_ip().await,
    )
    .await?;
    ssr::start_session(user_id).await?;
    leptos_axum::redirect(&ssr::safe_next(next.as_deref()));
    Ok(())
}

/// "Forgot your password?": mails a reset link if an account uses `email`; the answer is the
/// same either way (the page says so at `/forgot-password?sent=1`).
#[server(prefix = "/rpc", endpoint = "accounts/forgot_password")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::web::state::AppState;

    let state = AppState::current()?;
    let site = state.site().await?;
    site.require_set_up()?;
    ssr::within_auth_limit(&state).await?;
    super::recovery::request(&state.db, &site, &state.config.origin(), &email).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Whether the reset link's `token` can still be used (the page asks before its form).
#[server(prefix = "/rpc", endpoint = "accounts/check_reset")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_reset(token: String) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    super::recovery::check(&state.db, &token).await.map(|_| ())
}

/// The new password from a reset link; every session ends, and the reader signs in with it.
#[server(prefix = "/rpc", endpoint = "accounts/reset_password")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::platform::password::Password;
    use crate::web::state::AppState;

    let state = AppState::current()?;
    super::recovery::reset(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        &token,
        Password::new(password),
        state.config.password_min_length,
    )
    .await?;
    // The account's sessions have ended; instances that kept them must read them again.
    crate::platform::readers::unseen();
    leptos_axum::redirect("/signin?reset=1");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "accounts/sign_out")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn sign_out() -> Result<(), AppError> {
    ssr::auth_session().await?.sign_out().await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// A profile and one page of its author's posts, in one round trip.
#[server(prefix = "/rpc", endpoint = "accounts/profile")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_profile(
    username: String,
    cursor: Option<String>,
) -> Result<(Profile, PostPage), AppError> {
    use crate::posts::store::{list, Listing};
    use crate::posts::PAGE_SIZE;
    use crate::web::state::AppState;
    let state = AppState::current()?;
    let profile = super::store::public_profile(&state.db, &username)
        .await?
        .ok_or(AppError::NotFound)?;
    let posts = list(
        &state.db,
        Listing::Author(profile.id.0),
        cursor.as_deref(),
        PAGE_SIZE,
    )
    .await?;
    Ok((profile, posts))
}

#[server(prefix = "/rpc", endpoint = "accounts/settings")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_settings() -> Result<AccountSettings, AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;
    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    super::store::settings(&AppState::current()?.db, me.id).await
}

#[server(prefix = "/rpc", endpoint = "accounts/update_profile")]
pub async fn update_profile(
    first_name: Option<String>,
    last_name: Option<String>,
    bio: Option<String>,
) -> Result<(), AppError> {
    use super::{validation, BIO_MAX};
    use crate::accounts::caller::Caller;
    use crate::error::FieldError;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let mut errors = Vec::new();
    let first_name = validation::display_name("firstName", first_name.as_deref())
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let last_name = validation::display_name("lastName", last_name.as_deref())
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let bio = bio.unwrap_or_default().trim().to_owned();
    if bio.chars().count() > BIO_MAX {
        errors.push(FieldError::new(
            "bio",
            format!("Bio must be at most {BIO_MAX} characters long"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    super::store::update_profile(&AppState::current()?.db, me.id, first_name, last_name, &bio).await
}

/// Asks to move the account to `email`: a link goes there, and the address changes when it is
/// opened. Returns the address the link went to.
#[server(prefix = "/rpc", endpoint = "accounts/change_email")]
pub async fn change_email(email: String, current_password: String) -> Result<String, AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let state = AppState::current()?;
    super::store::confirm_password(&state.db, me.id, current_password, "currentPassword").await?;
    super::addresses::request_change(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        me.id,
        &email,
    )
    .await
}

/// The address a confirmation link would confirm or make the account's, or why the link
/// cannot be used.
#[server(prefix = "/rpc", endpoint = "accounts/check_email_change")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_email_change(token: String) -> Result<AddressLink, AppError> {
    let state = crate::web::state::AppState::current()?;
    let pending = super::addresses::pending(&state.db, &token).await?;
    Ok(AddressLink {
        address: pending.address,
        is_current: pending.is_current,
    })
}

/// Confirms the address behind a link (the link is the proof: no session is needed).
#[server(prefix = "/rpc", endpoint = "accounts/confirm_email")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::web::state::AppState;

    let state = AppState::current()?;
    let confirmed = super::addresses::confirm_change(
        &state.db,
        &*state.site().await?,
        &state.config.origin(),
        &token,
    )
    .await?;
    leptos_axum::redirect(if confirmed.is_current {
        "/confirm-email?done=confirmed"
    } else {
        "/confirm-email?done=changed"
    });
    Ok(())
}

/// Mails the signed-in user's address a new link that confirms it; says what happened.
#[server(prefix = "/rpc", endpoint = "accounts/send_confirmation")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn send_confirmation() -> Result<String, AppError> {
    use super::addresses::{request_confirmation, Confirmation};
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let state = AppState::current()?;
    let site = state.site().await?;
    let done = request_confirmation(&state.db, &site, &state.config.origin(), me.id).await?;
    Ok(match done {
        Confirmation::Sent => "A new link is on its way. It works for a day.",
        Confirmation::Confirmed => "Your address is confirmed already: nothing more to do.",
    }
    .to_owned())
}

/// Which mail about comments the signed-in user wants; a checkbox left out is off.
#[server(prefix = "/rpc", endpoint = "accounts/notifications")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn save_notifications(
    approved: Option<String>,
    replies: Option<String>,
    comments: Option<String>,
    moderation: Option<String>,
) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let wanted = super::Notifications {
        approved: approved.is_some(),
        replies: replies.is_some(),
        comments: comments.is_some(),
        moderation: moderation.is_some(),
    };
    super::store::set_notifications(&AppState::current()?.db, me.id, wanted).await
}

#[server(prefix = "/rpc", endpoint = "accounts/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::platform::password::Password;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let state = AppState::current()?;
    super::store::confirm_password(&state.db, me.id, current_password, "currentPassword").await?;
    super::store::check_new_password(
        &state.db,
        me.id,
        &new_password,
        state.config.password_min_length,
        "newPassword",
    )
    .await?;
    super::store::set_password(&state.db, me.id, Password::new(new_password)).await?;
    // Every session of the user ended with the old password; this browser signs in afresh.
    super::store::end_sessions(&state.db, me.id, None).await?;
    ssr::start_session(me.id).await
}

#[server(prefix = "/rpc", endpoint = "accounts/delete_account")]
pub async fn delete_account(
    current_password: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;

    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let db = &AppState::current()?.db;
    if confirm.as_deref() != Some(me.username.as_str()) {
        return Err(AppError::field("confirm", "Type your username to confirm"));
    }
    super::store::confirm_password(db, me.id, current_password, "currentPassword").await?;
    super::store::delete_user(db, me.id).await?;
    ssr::auth_session().await?.sign_out().await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "accounts/sessions")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;
    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let current = ssr::auth_session().await?.id();
    super::store::sessions_of(&AppState::current()?.db, me.id, current.as_deref()).await
}

/// Ends one of the caller's sessions, or with no handle all of them but this one.
#[server(prefix = "/rpc", endpoint = "accounts/end_sessions")]
pub async fn end_sessions(handle: Option<String>) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;
    let caller = Caller::current().await?;
    let me = caller.require_user()?;
    let db = &AppState::current()?.db;
    let current = ssr::auth_session().await?.id();
    let handle = handle.filter(|h| !h.is_empty());
    super::store::end_sessions_except(db, me.id, current.as_deref(), handle.as_deref()).await
}

/// Admins only: a user's role. Nobody changes their own, and the last admin stays one.
#[server(prefix = "/rpc", endpoint = "accounts/set_role")]
pub async fn set_user_role(user_id: i64, role: Role) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;
    let user_id = super::UserId(user_id);
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    if admin.id == user_id {
        return Err(AppError::Forbidden);
    }
    let db = &AppState::current()?.db;
    super::store::set_role(db, user_id, role).await?;
    let entry = crate::audit::store::AuditEntry::new(
        admin.id.0,
        &admin.username,
        "user.role",
        "user",
        Some(user_id.0),
    );
    crate::audit::store::record(db, entry.detail(role.as_str())).await
}

/// Admins only: deactivate or reactivate a user. Deactivation ends their sessions at once.
#[server(prefix = "/rpc", endpoint = "accounts/set_active")]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;
    let user_id = super::UserId(user_id);
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    if admin.id == user_id {
        return Err(AppError::Forbidden);
    }
    let db = &AppState::current()?.db;
    super::store::set_active(db, user_id, active).await?;
    let action = if active {
        "user.reactivate"
    } else {
        "user.deactivate"
    };
    let entry = crate::audit::store::AuditEntry::new(
        admin.id.0,
        &admin.username,
        action,
        "user",
        Some(user_id.0),
    );
    crate::audit::store::record(db, entry).await
}

/// `POST /settings/avatar`: a multipart form with one image (a plain form, so it works
/// before hydration); the settings page shows how it went from its address.
#[cfg(feature = "ssr")]
pub async fn upload_avatar(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
    multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let user_id = match caller.require_user() {
        Ok(user) => user.id,
        Err(_) => return Redirect::to("/signin?next=/settings").into_response(),
    };
    let stored = match ssr::upload_field(multipart, "avatar", "Choose an image to upload").await {
        Ok(bytes) => {
            super::avatar::replace(&state.db, &state.config.media_dir, user_id, bytes).await
        }
        Err(err) => Err(err),
    };
    match stored {
        Ok(()) => Redirect::to("/settings?avatar=updated").into_response(),
        Err(err) => {
            let message: String =
                url::form_urlencoded::byte_serialize(err.to_string().as_bytes()).collect();
            Redirect::to(&format!("/settings?avatar_error={message}")).into_response()
        }
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;
    use axum::http::HeaderMap;

    use crate::accounts::session::AuthSession;
    use crate::error::AppError;

    pub async fn auth_session() -> Result<AuthSession, AppError> {
        leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map(AuthSession)
            .map_err(|e| AppError::internal(format_args!("session layer missing: {e}")))
    }

    /// The client's address, behind trusted proxies too.
    pub async fn client_ip() -> Option<String> {
        let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .ok()?;
        let headers = leptos_axum::extract::<HeaderMap>()
            .await
            .unwrap_or_default();
        let trusted = crate::web::state::AppState::current()
            .map(|state| state.config.trusted_proxies.clone())
            .unwrap_or_default();
        Some(crate::web::guard::client_ip(peer.ip(), &headers, &trusted).to_string())
    }

    /// Counts a form that mails someone against the client address's auth budget, as the
    /// API's guard counts its sign-in and mail-sending routes (`QUIRE_AUTH_RATE_LIMIT`).
    pub async fn within_auth_limit(state: &crate::web::state::AppState) -> Result<(), AppError> {
        let Some(ip) = client_ip().await.and_then(|ip| ip.parse().ok()) else {
            return Ok(());
        };
        let verdict = state
            .rate_limiter
            .check(ip, crate::web::guard::Bucket::Auth);
        if verdict.allowed {
            Ok(())
        } else {
            Err(AppError::RateLimited(format!(
                "Too many requests; try again in {} seconds",
                verdict.reset_secs()
            )))
        }
    }

    pub async fn start_session(user_id: crate::accounts::UserId) -> Result<(), AppError> {
        let headers = leptos_axum::extract::<HeaderMap>()
            .await
            .unwrap_or_default();
        let agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        auth_session()
            .await?
            .sign_in(user_id, agent, client_ip().await)
            .await
    }

    /// The bytes of the file sent as `name` in a multipart form, or why there are none.
    /// `missing` says what to choose when the form had none.
    pub async fn upload_field(
        mut multipart: axum::extract::Multipart,
        name: &str,
        missing: &str,
    ) -> Result<axum::body::Bytes, AppError> {
        let invalid = |why: &str| AppError::field(name, why);
        let mut bytes = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| invalid("The upload was cut off; please try again"))?
        {
            if field.name() == Some(name) {
                let data = field
                    .bytes()
                    .await
                    .map_err(|_| invalid("The upload was cut off; please try again"))?;
                bytes = Some(data);
            }
        }
        bytes
            .filter(|b| !b.is_empty())
            .ok_or_else(|| invalid(missing))
    }

    /// Only local paths: `next` must never send anyone to another site.
    pub fn safe_next(next: Option<&str>) -> String {
        match next {
            Some(path)
                if path.starts_with('/')
                    && !path.starts_with("//")
                    && !path.contains('\\')
                    && !path.chars().any(char::is_control) =>
            {
                path.to_owned()
            }
            _ => "/".to_owned(),
        }
    }
}
