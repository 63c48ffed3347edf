use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::error_notice::ErrorNotice;
use crate::components::post_card::BylineView;
use crate::error::AppError;
use crate::pages::not_found::NotFound;
use crate::posts::{get_post, PostDetail, TocEntry};

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
    view! {
        <Title text=card.title.clone()/>
        <Meta name="description" content=card.excerpt.clone()/>
        <article class="mx-auto max-w-3xl">
            <header class="mb-8">
                <h1 class="text-4xl font-extrabold tracking-tight sm:text-5xl">{card.title}</h1>
                <div class="mt-4 flex flex-wrap items-center gap-3 text-sm text-slate-500 dark:text-slate-400">
                    <BylineView author=card.author published_at=card.published_at read_time_minutes=card.read_time_minutes/>
                    <span aria-hidden="true">"·"</span>
                    <span>{post.view_count}" views"</span>
                </div>
                {card.cover_image.map(|src| view! {
                    <img src=src alt="" class="mt-6 aspect-[2/1] w-full rounded-2xl object-cover"/>
                })}
            </header>
            <TableOfContents entries=post.toc/>
            // content_html was sanitized when the post was saved.
            <div class="prose prose-slate max-w-none dark:prose-invert prose-headings:scroll-mt-24 prose-code:before:content-none prose-code:after:content-none prose-pre:bg-slate-900" inner_html=post.content_html></div>
        </article>
    }
}

/// Links to the post's headings; shown when there are a few of them.
#[component]
fn TableOfContents(entries: Vec<TocEntry>) -> impl IntoView {
    if entries.len() < 3 {
        return ().into_any();
    }
    let top = entries.iter().map(|e| e.level).min().unwrap_or(1);
    view! {
        <nav aria-label="Table of contents" class="mb-8 rounded-xl border border-slate-200 p-4 text-sm dark:border-slate-800">
            <p class="mb-2 font-semibold">"On this page"</p>
            <ol class="space-y-1">
                {entries.into_iter().map(|entry| {
                    // Indentation follows depth, as whole class names Tailwind can see.
                    let indent = match entry.level.saturating_sub(top) {
                        0 => "",
                        1 => "pl-4",
                        _ => "pl-8",
                    };
                    view! {
                        <li class=indent>
                            <a href=format!("#{}", entry.id) class="text-slate-600 hover:text-indigo-600 dark:text-slate-300 dark:hover:text-indigo-400">{entry.text}</a>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
    .into_any()
}
