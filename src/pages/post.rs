use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::comments::CommentSection;
use crate::components::error_notice::{loaded, loading};
use crate::components::hole::{rendering_for_signed_in, Hole, HoleMarker};
use crate::components::post_card::{BylineView, TagList, HEART_PATH};
use crate::pages::categories::ColorDot;
use crate::posts::functions::{get_post, LikePost};
use crate::posts::{LikeState, PostDetail, PostStatus, TocEntry};

#[component]
pub fn PostPage() -> impl IntoView {
    let params = use_params_map();
    let post = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_post,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(post.await, |post| view! { <PostView post/> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn PostView(post: PostDetail) -> impl IntoView {
    let site = crate::site::current();
    let structured_data = structured_data(&post, &site.title);
    let card = post.card;
    let description = card.excerpt.clone();
    let notice = (!post.public).then(|| {
        let why = match post.status {
            PostStatus::Draft => "This is a draft: only you and the admins can see it.",
            PostStatus::Archived => "This post is archived: only you and the admins can see it.",
            PostStatus::Published => "This post is scheduled: readers will see it once its time comes.",
        };
        view! {
            <p role="status" class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">{why}</p>
        }
    });
    view! {
        <Title text=card.title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Link rel="canonical" href=post.url.clone()/>
        <Meta property="og:type" content="article"/>
        <Meta property="og:title" content=card.title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:url" content=post.url.clone()/>
        <Meta property="og:site_name" content=site.title.clone()/>
        <Meta property="og:locale" content=site.language.replace('-', "_")/>
        <Meta property="article:published_time" content=card.published_at.to_rfc3339()/>
        <Meta name="twitter:card" content=if post.share_image.is_some() { "summary_large_image" } else { "summary" }/>
        <Meta name="twitter:title" content=card.title.clone()/>
        <Meta name="twitter:description" content=description/>
        {post.share_image.clone().map(|image| view! {
            <Meta property="og:image" content=image.clone()/>
            <Meta name="twitter:image" content=image/>
        })}
        {(!post.public).then(|| view! { <Meta name="robots" content="noindex"/> })}
        <article class="mx-auto max-w-3xl">
            {notice}
            <header class="mb-8">
                {(!post.categories.is_empty()).then(|| view! {
                    <ul aria-label="Categories" class="mb-3 flex flex-wrap gap-3 text-sm font-medium">
                        {post.categories.into_iter().map(|c| view! {
                            <li>
                                <a href=format!("/categories/{}", c.slug) class="flex items-center gap-1.5 text-slate-600 hover:text-indigo-600 dark:text-slate-300 dark:hover:text-indigo-400">
                                    <ColorDot color=c.color/>{c.name}
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
                <h1 class="text-4xl font-extrabold tracking-tight sm:text-5xl">{card.title}</h1>
                <div class="mt-4 flex flex-wrap items-center gap-3 text-sm text-slate-500 dark:text-slate-400">
                    <BylineView author=card.author published_at=card.published_at read_time_minutes=card.read_time_minutes/>
                    <span aria-hidden="true">"·"</span>
                    <span data-testid="views">{card.view_count}" views"</span>
                </div>
                <div class="mt-4"><TagList tags=card.tags/></div>
                {card.cover_image.map(|src| view! {
                    <img src=src alt="" class="mt-6 aspect-[2/1] w-full rounded-2xl object-cover"/>
                })}
            </header>
            <TableOfContents entries=post.toc/>
            // content_html was sanitized when the post was saved.
            <div class="prose prose-slate max-w-none dark:prose-invert prose-headings:scroll-mt-24 prose-code:before:content-none prose-code:after:content-none prose-pre:bg-slate-900" inner_html=post.content_html></div>
            <footer class="mt-10 flex items-center gap-4 border-t border-slate-200 pt-6 dark:border-slate-800">
                {if post.public {
                    view! {
                        <LikeButton post_id=card.id slug=card.slug.clone() signed_in=post.signed_in
                            initial=LikeState { liked: post.liked, count: card.like_count }/>
                    }.into_any()
                } else {
                    ().into_any()
                }}
                <a href="#comments" class="text-sm text-slate-500 hover:underline dark:text-slate-400">{card.comment_count}" comments"</a>
            </footer>
            <script type="application/ld+json" inner_html=structured_data></script>
        </article>
        {post.public.then(|| view! {
            <div class="mx-auto max-w-3xl">
                <CommentSection post_id=card.id slug=card.slug.clone() count=card.comment_count signed_in=post.signed_in
                    open=post.comments_enabled && site.comments_enabled/>
            </div>
        })}
    }
}

/// schema.org BlogPosting, for search engines. Every `<` is written as `\u003c` (still the
/// same JSON), so no text can end the script element or open a comment inside it.
fn structured_data(post: &PostDetail, site_title: &str) -> String {
    let card = &post.card;
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": card.title,
        "description": card.excerpt,
        "datePublished": card.published_at.to_rfc3339(),
        "dateModified": post.updated_at.to_rfc3339(),
        "author": { "@type": "Person", "name": card.author.display_name },
        "publisher": { "@type": "Organization", "name": site_title },
        "image": post.share_image,
        "mainEntityOfPage": post.url,
        "keywords": card.tags.join(", "),
    })
    .to_string()
    .replace('<', "\\u003c")
}

/// Like and unlike. A form that posts without JavaScript; after hydration the count changes
/// as soon as it is clicked, and settles on what the server says.
#[component]
fn LikeButton(post_id: i64, slug: String, signed_in: bool, initial: LikeState) -> impl IntoView {
    if rendering_for_signed_in() {
        let hole = Hole::Like {
            post_id,
            count: initial.count,
        };
        return view! { <HoleMarker hole islands=true/> }.into_any();
    }
    if !signed_in {
        return view! {
            <a href=format!("/signin?next=/posts/{slug}") class="flex items-center gap-2 rounded-full border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d=HEART_PATH/></svg>
                <span data-testid="like-count">{initial.count}</span>
                <span class="sr-only">" likes."</span>
                " Sign in to like"
            </a>
        }
        .into_any();
    }
    view! { <LikeToggle post_id initial/> }.into_any()
}

/// Lazy (with `--split`): only a signed-in reader's page holds it.
#[island(lazy)]
pub fn LikeToggle(post_id: i64, initial: LikeState) -> impl IntoView {
    crate::components::island::register();
    let like = ServerAction::<LikePost>::new();
    let settled = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(Ok(state)) = like.value().get() {
            settled.set(state);
        }
    });
    // While a click is on its way, show what it will do.
    let shown = move || match like.input().get() {
        Some(LikePost { liked, .. }) => {
            let before = settled.get();
            let delta = match (before.liked, liked) {
                (false, true) => 1,
                (true, false) => -1,
                _ => 0,
            };
            LikeState {
                liked,
                count: before.count + delta,
            }
        }
        None => settled.get(),
    };
    let failed = move || matches!(like.value().get(), Some(Err(_)));
    view! {
        <ActionForm action=like>
            <input type="hidden" name="post_id" value=post_id/>
            <input type="hidden" name="liked" value=move || (!shown().liked).to_string()/>
            <button type="submit"
                aria-pressed=move || shown().liked.to_string()
                class=move || if shown().liked {
                    "flex items-center gap-2 rounded-full border border-rose-300 bg-rose-50 px-4 py-2 text-sm font-medium text-rose-700 hover:bg-rose-100 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200"
                } else {
                    "flex items-center gap-2 rounded-full border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                }>
                <svg class="h-5 w-5" viewBox="0 0 24 24" fill=move || if shown().liked { "currentColor" } else { "none" } stroke="currentColor" stroke-width="2" aria-hidden="true"><path d=HEART_PATH/></svg>
                <span>{move || if shown().liked { "Liked" } else { "Like" }}</span>
                <span data-testid="like-count">{move || shown().count}</span>
                <span class="sr-only">" likes"</span>
            </button>
        </ActionForm>
        {move || failed().then(|| view! { <p role="alert" class="text-sm text-red-600 dark:text-red-400">"Your like was not saved. Try again."</p> })}
    }
    .into_any()
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
