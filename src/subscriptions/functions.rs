//! Following by email: the subscribe form's server functions and the confirmation link's.

use leptos::prelude::*;

use crate::error::AppError;

/// Asks for new posts by email at `email`: the blog's, or (signed in) one author's or one
/// tag's. The same answer whatever the address's standing (the page says it at
/// `/subscribe?sent=1`).
#[server(prefix = "/rpc", endpoint = "subscriptions/subscribe")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn subscribe(
    email: String,
    author: Option<String>,
    tag: Option<String>,
) -> Result<(), AppError> {
    use super::Follows;
    use crate::accounts::caller::Caller;
    use crate::web::state::AppState;

    let state = AppState::current()?;
    state.site().await?.require_set_up()?;
    let follows = match (
        author.filter(|a| !a.is_empty()),
        tag.filter(|t| !t.is_empty()),
    ) {
        (Some(author), _) => Follows::Author(author),
        (None, Some(tag)) => Follows::Tag(tag),
        (None, None) => Follows::Blog,
    };
    let caller = Caller::current().await?;
    // Following one author or tag is for readers with an account.
    let user_id = match follows {
        Follows::Blog => caller.user().map(|u| u.id.0),
        _ => Some(caller.require_user()?.id.0),
    };
    if let Some(ip) = crate::accounts::functions::ssr::client_ip()
        .await
        .and_then(|ip| ip.parse().ok())
    {
        let verdict = state
            .rate_limiter
            .check(ip, crate::web::guard::Bucket::Auth);
        if !verdict.allowed {
            return Err(AppError::RateLimited(format!(
                "Too many requests; try again in {} seconds",
                verdict.reset_secs()
            )));
        }
    }
    super::store::subscribe(
        &state.db,
        &state.mailing().await?,
        &email,
        &follows,
        user_id,
    )
    .await?;
    leptos_axum::redirect("/subscribe?sent=1");
    Ok(())
}

/// What a confirmation link would start ("new posts on My blog"), or why it cannot.
#[server(prefix = "/rpc", endpoint = "subscriptions/check")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn check_subscription(token: String) -> Result<String, AppError> {
    let state = crate::web::state::AppState::current()?;
    let subscriber = super::store::pending(&state.db, &token).await?;
    Ok(subscriber.follows.described(&state.site().await?.title))
}

/// Opens a confirmation link (its button: mail scanners open links too).
#[server(prefix = "/rpc", endpoint = "subscriptions/confirm")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn confirm_subscription(token: String) -> Result<(), AppError> {
    let state = crate::web::state::AppState::current()?;
    super::store::confirm(&state.db, &token).await?;
    leptos_axum::redirect("/subscribe/confirm?done=1");
    Ok(())
}
