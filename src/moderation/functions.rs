//! Moderation's and administration's server functions: thin doors that ask `Caller` first,
//! parse, and call the stores.

use leptos::prelude::*;

use super::{AdminUser, Overview, QueueItem};
use crate::accounts::Role;
use crate::audit::AuditLine;
use crate::error::AppError;

/// Comments waiting for a moderator, oldest first.
#[server(prefix = "/rpc", endpoint = "moderation/queue")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn moderation_queue() -> Result<Vec<QueueItem>, AppError> {
    use crate::accounts::caller::Caller;
    use crate::moderation::store;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Moderator)?;
    store::queue(&state.db, store::QUEUE_LIMIT).await
}

/// How many comments wait, for the badge in the header; None for those who cannot moderate.
#[server(prefix = "/rpc", endpoint = "moderation/pending")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn pending_count() -> Result<Option<i64>, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    if !caller.user().is_some_and(|u| u.is_moderator()) {
        return Ok(None);
    }
    crate::moderation::store::pending_count(&state.db)
        .await
        .map(Some)
}

/// Approves (`approve: true`) or rejects comments in the queue; `ids` is a comma-separated
/// list (so that a plain form can send one or many). Returns how many changed.
#[server(prefix = "/rpc", endpoint = "moderation/decide")]
pub async fn moderate(ids: String, approve: bool) -> Result<usize, AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::store::{decide, Decision};
    use crate::comments::CommentId;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let moderator = caller.require_role(Role::Moderator)?;
    let ids: Vec<CommentId> = ids
        .split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| id.trim().parse().map(CommentId))
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::field("ids", "Those are not comment ids"))?;
    if ids.len() > super::MAX_DECIDED_AT_ONCE {
        return Err(AppError::field(
            "ids",
            format!(
                "Choose at most {} comments at a time",
                super::MAX_DECIDED_AT_ONCE
            ),
        ));
    }
    let decision = if approve {
        Decision::Approve
    } else {
        Decision::Reject
    };
    decide(
        &state.db,
        &state.mailing().await?,
        moderator,
        &ids,
        decision,
    )
    .await
}

/// Approves every pending comment of one user.
#[server(prefix = "/rpc", endpoint = "moderation/approve_user")]
pub async fn approve_all_from(user_id: i64) -> Result<usize, AppError> {
    use crate::accounts::caller::Caller;
    use crate::comments::store::{decide, pending_ids_of, Decision};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let moderator = caller.require_role(Role::Moderator)?;
    let ids = pending_ids_of(&state.db, user_id).await?;
    decide(
        &state.db,
        &state.mailing().await?,
        moderator,
        &ids,
        Decision::Approve,
    )
    .await
}

/// Admins only: the audit log, newest first, before `before_id`.
#[server(prefix = "/rpc", endpoint = "admin/audit")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn audit_log(before_id: Option<i64>) -> Result<Vec<AuditLine>, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    crate::audit::store::page(&state.db, before_id, super::AUDIT_PAGE).await
}

/// Admins only: users matching a search (name or email), role and active flag.
#[server(prefix = "/rpc", endpoint = "admin/users")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn admin_users(
    search: String,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<Vec<AdminUser>, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    let search = super::user_search(&search)?;
    crate::moderation::store::users(&state.db, search, role, active, super::USERS_LISTED).await
}

/// Admins only: hides (unapproves) every comment of a user at once, e.g. with deactivation.
#[server(prefix = "/rpc", endpoint = "admin/hide_comments")]
pub async fn hide_user_comments(user_id: i64) -> Result<usize, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    crate::moderation::store::hide_comments(&state.db, admin, user_id).await
}

/// Admins only: the numbers at a glance.
#[server(prefix = "/rpc", endpoint = "admin/overview")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_overview() -> Result<Overview, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    crate::moderation::store::overview(&state.db).await
}
