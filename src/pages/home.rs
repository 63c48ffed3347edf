use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::error_notice::{loaded, loading};
use crate::components::post_card::{PostCardView, PostList};
use crate::posts::functions::{featured_posts, list_recent_posts, popular_posts};
use crate::posts::PostCard;

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(move || query.read().get("after"), list_recent_posts);
    let popular = Resource::new(|| (), |_| popular_posts());
    let featured = Resource::new(|| (), |_| featured_posts());
    let site = crate::site::current();
    let description = if site.description.is_empty() {
        format!("The latest posts on {}", site.title)
    } else {
        site.description.clone()
    };
    view! {
        <Title text=""/>
        <Meta name="description" content=description/>
        {(!site.description.is_empty()).then(|| view! {
            <p data-testid="site-description" class="mb-8 text-lg text-slate-600 dark:text-slate-300">{site.description.clone()}</p>
        })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Pinned by an admin; nothing when none is (or they cannot be read: the
                // latest posts below say what went wrong).
                featured.await.ok().filter(|posts| !posts.is_empty()).map(|posts| view! {
                    <section aria-labelledby="featured" data-testid="featured" class="mb-10">
                        <h2 id="featured" class="mb-4 text-sm font-semibold uppercase tracking-wide text-indigo-700 dark:text-indigo-300">"Featured"</h2>
                        <div class="grid gap-6 md:grid-cols-2">
                            {posts.into_iter().map(|post| view! { <PostCardView post/> }).collect_view()}
                        </div>
                    </section>
                })
            })}
        </Suspense>
        <div class="grid gap-10 lg:grid-cols-[1fr_16rem]">
            <section aria-labelledby="latest">
                <h1 id="latest" class="mb-6 text-3xl font-bold tracking-tight">"Latest posts"</h1>
                <Suspense fallback=loading>
                    {move || Suspend::new(async move {
                        loaded(page.await, |page| view! { <PostList page base_path="/"/> }.into_any())
                    })}
                </Suspense>
            </section>
            <aside aria-labelledby="popular" class="lg:pt-14">
                <h2 id="popular" class="mb-4 text-lg font-semibold">"Popular"</h2>
                <Suspense fallback=loading>
                    {move || Suspend::new(async move {
                        loaded(popular.await, |posts| view! { <PopularList posts/> }.into_any())
                    })}
                </Suspense>
            </aside>
        </div>
    }
}

#[component]
fn PopularList(posts: Vec<PostCard>) -> impl IntoView {
    view! {
        <ol class="space-y-4">
            {posts.into_iter().enumerate().map(|(rank, post)| view! {
                <li class="flex gap-3">
                    <span aria-hidden="true" class="text-2xl font-bold text-slate-300 dark:text-slate-700">{rank + 1}</span>
                    <div>
                        <a href=format!("/posts/{}", post.slug) class="font-medium hover:text-indigo-600 dark:hover:text-indigo-400">{post.title}</a>
                        <p class="text-sm text-slate-500 dark:text-slate-400">
                            {post.author.display_name}" · "{post.view_count}" views"
                        </p>
                    </div>
                </li>
            }).collect_view()}
        </ol>
    }
}
