//! The mail's server functions and routes: the admin's overview, and unsubscribing.

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

/// What a one-click unsubscribe link turns off ("emails about replies to your comments",
/// "new posts on My blog"), for its page to ask about.
#[server(prefix = "/rpc", endpoint = "mail/unsubscribe_check")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn unsubscribe_topic(token: String) -> Result<String, AppError> {
    let state = crate::web::state::AppState::current()?;
    if token.starts_with(crate::subscriptions::store::TOKEN_PREFIX) {
        let subscriber = crate::subscriptions::store::by_token(&state.db, &token).await?;
        return Ok(subscriber.follows.described(&state.site().await?.title));
    }
    let signer = state.tokens.unsubscribe_signer(&state.db).await?;
    let (_, topic) = signer.read(&token).ok_or(AppError::NotFound)?;
    Ok(topic.described().to_owned())
}

/// `POST /unsubscribe?token=…`: the one-click unsubscribe of RFC 8058, which mail clients
/// send with the body `List-Unsubscribe=One-Click` and no cookies; the `/unsubscribe` page's
/// button sends the same. Browsers are sent to the page to see it done; mail clients get 200.
#[cfg(feature = "ssr")]
pub async fn unsubscribe_one_click(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};

    let token = query.get("token").map(String::as_str).unwrap_or_default();
    let done = async {
        if token.starts_with(crate::subscriptions::store::TOKEN_PREFIX) {
            return crate::subscriptions::store::unsubscribe(&state.db, token).await;
        }
        let signer = state.tokens.unsubscribe_signer(&state.db).await?;
        let (user_id, topic) = signer.read(token).ok_or(AppError::NotFound)?;
        crate::accounts::store::unsubscribe(&state.db, crate::accounts::UserId(user_id), topic)
            .await
            .map(|_| ())
    }
    .await;
    let from_browser = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    match done {
        Ok(()) if from_browser => Redirect::to("/unsubscribe?done=1").into_response(),
        Ok(()) => "Unsubscribed.".into_response(),
        Err(err) => err.into_response(),
    }
}
