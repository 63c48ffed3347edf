use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::error::AppError;

/// An error said plainly, in the page, where the content would have been. On the server the
/// page's status becomes the error's (403, 503…), so what the page says and what the status
/// line says agree.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status());
    }
    view! {
        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            {error.to_string()}
        </div>
    }
}

/// Sends a visitor to the sign-in page, and back here afterwards.
#[component]
pub fn SignInFirst() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    // Whether the router's search carries its `?` or not, it is written back with one.
    let search = location.search.get_untracked();
    let here = match search.trim_start_matches('?') {
        "" => path,
        query => format!("{path}?{query}"),
    };
    view! { <Redirect path=format!("/signin?next={}", query_value(&here))/> }
}

/// `text` as one query value: only what would end or change the value is escaped, so a
/// path like `/admin?tab=users` stays readable in the address bar.
fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '+' => out.push_str("%2B"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// What a page shows for a loaded resource: its view, the 404 page, the way to sign in, or
/// the error.
pub fn loaded<T>(result: Result<T, AppError>, view: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => view(value),
        Err(AppError::NotFound) => crate::pages::not_found::NotFound().into_any(),
        Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
        Err(error) => view! { <ErrorNotice error/> }.into_any(),
    }
}

/// The placeholder while a page's data loads.
pub fn loading() -> impl IntoView {
    view! { <p class="text-slate-500 dark:text-slate-400" aria-live="polite">"Loading…"</p> }
}
