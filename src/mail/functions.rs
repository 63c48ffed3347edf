//! The mail's server functions, for the admin.

use leptos::prelude::*;

use super::MailOverview;
use crate::error::AppError;

/// How mail is going: where it goes, what waits, what failed.
#[server(prefix = "/rpc", endpoint = "mail/overview")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_mail_overview() -> Result<MailOverview, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    use crate::web::state::AppState;

    Caller::current().await?.require_role(Role::Admin)?;
    let state = AppState::current()?;
    let mail = &state.config.mail;
    super::outbox::overview(&state.db, mail.sends(), mail.describe()).await
}
