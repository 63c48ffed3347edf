//! The redirects' server functions: the admin's Redirects tab.

use leptos::prelude::*;

use super::Redirect;
use crate::error::AppError;

/// Admins only: every redirect, newest first.
#[server(prefix = "/rpc", endpoint = "redirects/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_redirects() -> Result<Vec<Redirect>, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    super::store::list(&state.db).await
}

/// Admins only: sends readers of `from_path` (a path here) to `to_target` (a path here or an
/// address elsewhere).
#[server(prefix = "/rpc", endpoint = "redirects/add")]
pub async fn add_redirect(from_path: String, to_target: String) -> Result<Redirect, AppError> {
    use super::store;
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let checked = (super::from_path(&from_path), super::to_target(&to_target));
    let (from, to) = match checked {
        (Ok(from), Ok(to)) => (from, to),
        (from, to) => {
            return Err(AppError::invalid(
                [from.err(), to.err()].into_iter().flatten().collect(),
            ))
        }
    };
    if from == to {
        return Err(AppError::field("to_target", "A path cannot lead to itself"));
    }
    let actor = admin.into();
    store::add(&state.db, actor, from, to).await
}

/// Admins only: the address answers as if it had never moved (most likely 404).
#[server(prefix = "/rpc", endpoint = "redirects/delete")]
pub async fn delete_redirect(from_path: String) -> Result<(), AppError> {
    use super::store;
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let actor = admin.into();
    store::remove(&state.db, actor, &from_path).await
}
