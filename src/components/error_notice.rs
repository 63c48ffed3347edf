use leptos::prelude::*;

use crate::error::AppError;

/// An error said plainly, in the page, where the content would have been.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            {error.to_string()}
        </div>
    }
}

/// What a page shows for a loaded resource: its view, the 404 page, or the error.
pub fn loaded<T>(result: Result<T, AppError>, view: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => view(value),
        Err(AppError::NotFound) => crate::pages::not_found::NotFound().into_any(),
        Err(error) => view! { <ErrorNotice error/> }.into_any(),
    }
}

/// The placeholder while a page's data loads.
pub fn loading() -> impl IntoView {
    view! { <p class="text-slate-500" aria-live="polite">"Loading…"</p> }
}
