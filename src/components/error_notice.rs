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
