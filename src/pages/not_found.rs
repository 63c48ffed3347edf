use leptos::prelude::*;
use leptos_meta::Title;

/// The 404 page. On the server it also sets the status, so crawlers see a real 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <section class="mx-auto max-w-xl py-16 text-center">
            <p class="text-6xl font-extrabold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-4 text-2xl font-bold tracking-tight">"Page not found"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-300">
                "The page you are looking for does not exist, or it is not public."
            </p>
            <a href="/" class="mt-8 inline-block rounded-full bg-indigo-600 px-5 py-2 font-medium text-white hover:bg-indigo-500">
                "Back to the home page"
            </a>
        </section>
    }
}
