//! Following by email: the subscribe form's server functions and the confirmation link's.

use leptos::prelude::*;

use super::SubscribersPage;
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
    crate::accounts::functions::ssr::within_auth_limit(&state).await?;
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

/// Admins only: the counts, the newest sends, and the subscribers whose address contains
/// `search`, 100 a page (`before`: the page's last id).
#[server(prefix = "/rpc", endpoint = "subscriptions/admin")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn load_subscribers(
    search: String,
    before: Option<i64>,
) -> Result<SubscribersPage, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;

    Caller::current().await?.require_role(Role::Admin)?;
    let state = crate::web::state::AppState::current()?;
    let subscribers = super::store::list(&state.db, &search, before).await?;
    let next = (subscribers.len() as i64 == super::store::PAGE)
        .then(|| subscribers.last().map(|s| s.id))
        .flatten();
    let (confirmed, waiting, unsubscribed) = super::store::counts(&state.db).await?;
    Ok(SubscribersPage {
        confirmed,
        waiting,
        unsubscribed,
        subscribers,
        next,
        sends: super::store::sends(&state.db, 10).await?,
    })
}

/// Admins only: removes a subscriber, and what is queued for them.
#[server(prefix = "/rpc", endpoint = "subscriptions/remove")]
pub async fn remove_subscriber(id: i64) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;

    Caller::current().await?.require_role(Role::Admin)?;
    let state = crate::web::state::AppState::current()?;
    super::store::remove(&state.db, id).await?;
    leptos_axum::redirect("/admin?tab=subscribers");
    Ok(())
}

/// `GET /admin/subscribers.csv` (admins): every subscriber.
#[cfg(feature = "ssr")]
pub async fn export_subscribers(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;

    let csv = async {
        caller.require_role(crate::accounts::Role::Admin)?;
        super::store::export_csv(&state.db).await
    }
    .await;
    match csv {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"subscribers.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// `POST /admin/subscribers/import` (admins): a CSV or a list of addresses (the form's
/// `file`), imported as confirmed followers of the blog; back to the tab, which says how it
/// went.
#[cfg(feature = "ssr")]
pub async fn import_subscribers(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
    multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};

    if let Err(err) = caller.require_role(crate::accounts::Role::Admin) {
        return err.into_response();
    }
    let imported = async {
        let bytes = crate::accounts::functions::ssr::upload_field(
            multipart,
            "file",
            "Choose a CSV file or a list of addresses",
        )
        .await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| AppError::field("file", "The file is not text (UTF-8)"))?;
        super::store::import(&state.db, &text).await
    }
    .await;
    match imported {
        Ok(report) => Redirect::to(&format!(
            "/admin?tab=subscribers&imported={}&present={}&skipped={}",
            report.added, report.present, report.skipped
        ))
        .into_response(),
        Err(err) => {
            let why = err.field_message("file").unwrap_or_else(|| err.to_string());
            Redirect::to(&format!(
                "/admin?tab=subscribers&import_error={}",
                url::form_urlencoded::byte_serialize(why.as_bytes()).collect::<String>()
            ))
            .into_response()
        }
    }
}
