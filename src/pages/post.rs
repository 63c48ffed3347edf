use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::error_notice::ErrorNotice;
use crate::components::post_card::{format_date, Avatar};
use crate::error::AppError;
use crate::pages::not_found::NotFound;
use crate::posts::{get_post, PostDetail};

#[component]
pub fn PostPage() -> impl IntoView {
    let params = use_params_map();
    let post = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_post,
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match post.await {
                    Ok(post) => view! { <PostView post/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PostView(post: PostDetail) -> impl IntoView {
    let card = post.card;
    let date = format_date(&card.published_at);
    let datetime = card.published_at.to_rfc3339();
    view! {
        <Title text=card.title.clone()/>
        <Meta name="description" content=card.excerpt.clone()/>
        <article class="mx-auto max-w-3xl">
            <header class="mb-8">
                <h1 class="text-4xl font-extrabold tracking-tight sm:text-5xl">{card.title}</h1>
                <div class="mt-4 flex flex-wrap items-center gap-3 text-sm text-slate-500 dark:text-slate-400">
                    <Avatar name=card.author.display_name.clone() url=card.author.avatar_url/>
                    <span class="font-medium text-slate-700 dark:text-slate-200">{card.author.display_name}</span>
                    <span aria-hidden="true">"·"</span>
                    <time datetime=datetime>{date}</time>
                    <span aria-hidden="true">"·"</span>
                    <span>{card.read_time_minutes}" min read"</span>
                    <span aria-hidden="true">"·"</span>
                    <span>{post.view_count}" views"</span>
                </div>
                {card.cover_image.map(|src| view! {
                    <img src=src alt="" class="mt-6 aspect-[2/1] w-full rounded-2xl object-cover"/>
                })}
            </header>
            // content_html was sanitized when the post was saved.
            <div class="prose prose-slate max-w-none dark:prose-invert" inner_html=post.content_html></div>
        </article>
    }
}
