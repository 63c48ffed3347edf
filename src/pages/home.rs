use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::error_notice::ErrorNotice;
use crate::components::post_card::PostList;
use crate::posts::list_recent_posts;

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(move || query.read().get("after"), list_recent_posts);
    view! {
        <Title text=""/>
        <Meta name="description" content="The latest posts"/>
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Latest posts"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading posts…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <PostList page base_path="/"/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
