use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::error_notice::{loaded, loading};
use crate::components::post_card::{encode_component, BylineView};
use crate::posts::functions::search_posts;
use crate::posts::search::{SearchHit, SearchResults, MAX_QUERY_CHARS};

/// `/search?q=`: ranked results with the matched words marked.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(
        move || (q(), query.read().get("after")),
        |(q, cursor)| search_posts(q, cursor),
    );
    let title_for = |q: &str| {
        if q.trim().is_empty() {
            "Search".to_owned()
        } else {
            format!("Search: {q}")
        }
    };
    let first_title = title_for(&query.with_untracked(|m| m.get("q").unwrap_or_default()));
    // The server reads the title after the page has rendered, when the route's signals may
    // already be disposed (a panic, seen under load); then the title the page began with
    // stands. In the browser the title follows the query.
    let title = move || {
        query
            .try_with(|m| title_for(&m.get("q").unwrap_or_default()))
            .unwrap_or_else(|| first_title.clone())
    };
    view! {
        <Title text=title/>
        <Meta name="robots" content="noindex"/>
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Search"</h1>
        <form action="/search" method="get" role="search" aria-label="Search posts" class="mb-8 flex max-w-xl gap-2">
            <label for="search-q" class="sr-only">"Search posts"</label>
            <input id="search-q" type="search" name="q" value=q() prop:value=q maxlength=MAX_QUERY_CHARS.to_string()
                placeholder="Words in the title, tags or text"
                class="min-w-0 flex-1 rounded-lg border border-slate-300 bg-transparent px-3 py-2 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-slate-700"/>
            <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">"Search"</button>
        </form>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let q = q();
                loaded(results.await, move |results| view! { <Results q results/> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn Results(q: String, results: SearchResults) -> impl IntoView {
    if q.trim().is_empty() {
        return view! { <p class="text-slate-500 dark:text-slate-400">"Type a few words to find posts."</p> }
            .into_any();
    }
    if results.hits.is_empty() {
        return view! {
            <p role="status" class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-slate-500 dark:border-slate-700 dark:text-slate-400">
                "No posts match “"{q}"”."
            </p>
        }
        .into_any();
    }
    let encoded = encode_component(&q);
    let older = results
        .next_cursor
        .map(|cursor| format!("/search?q={encoded}&after={cursor}"));
    view! {
        <ol class="space-y-6" aria-label="Results">
            {results.hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
        </ol>
        {older.map(|href| view! {
            <nav aria-label="Pagination" class="mt-10 flex justify-center">
                <a href=href rel="next" class="rounded-full border border-slate-300 px-5 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "More results →"
                </a>
            </nav>
        })}
    }
    .into_any()
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let card = hit.card;
    view! {
        <li class="rounded-2xl border border-slate-200 p-5 dark:border-slate-800">
            <h2 class="text-xl font-semibold tracking-tight">
                <a href=format!("/posts/{}", card.slug) class="hover:text-indigo-600 dark:hover:text-indigo-400">{card.title}</a>
            </h2>
            // Escaped on the server; only <mark> is added.
            <p class="mt-2 text-slate-600 dark:text-slate-300 [&_mark]:rounded [&_mark]:bg-amber-200 [&_mark]:px-0.5 dark:[&_mark]:bg-amber-700 dark:[&_mark]:text-white" inner_html=hit.snippet_html></p>
            <div class="mt-3 flex flex-wrap items-center gap-3 text-sm text-slate-500 dark:text-slate-400">
                <BylineView author=card.author published_at=card.published_at read_time_minutes=card.read_time_minutes/>
            </div>
        </li>
    }
}
