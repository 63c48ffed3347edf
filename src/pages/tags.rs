use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error_notice::{loaded, loading};
use crate::components::post_card::{encode_component, PostList};
use crate::tags::functions::{list_tags, tag_posts};

/// `/tags`: every tag in use, most used first.
#[component]
pub fn TagsIndexPage() -> impl IntoView {
    let tags = Resource::new(|| (), |_| list_tags());
    view! {
        <Title text="Tags"/>
        <Meta name="description" content="Every topic written about here"/>
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Tags"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(tags.await, |tags| {
                    if tags.is_empty() {
                        return view! { <p class="text-slate-500 dark:text-slate-400">"No tags yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="flex flex-wrap gap-3">
                            {tags.into_iter().map(|tag| {
                                let href = format!("/tags/{}", encode_component(&tag.name));
                                view! {
                                <li>
                                    <a href=href class="flex items-center gap-2 rounded-full border border-slate-200 px-4 py-1.5 hover:border-indigo-400 hover:text-indigo-700 dark:border-slate-700 dark:hover:text-indigo-300">
                                        <span class="font-medium">"#"{tag.name}</span>
                                        <span class="text-sm text-slate-500 dark:text-slate-400">{tag.post_count}<span class="sr-only">" posts"</span></span>
                                    </a>
                                </li>
                            }}).collect_view()}
                        </ul>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

/// `/tags/{tag}`: the published posts with a tag.
#[component]
pub fn TagPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let tag = move || params.read().get("tag").unwrap_or_default();
    let page = Resource::new(
        move || (tag(), query.read().get("after")),
        |(tag, cursor)| tag_posts(tag, cursor),
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let name = tag();
                loaded(page.await, move |page| {
                    let base = format!("/tags/{}", encode_component(&name));
                    view! {
                        <Title text=format!("#{name}")/>
                        <Meta name="description" content=format!("Posts tagged {name}")/>
                        <Link rel="alternate" type_="application/atom+xml" title=format!("#{name} (Atom)") href=format!("{base}/feed.xml")/>
                        <Link rel="alternate" type_="application/rss+xml" title=format!("#{name} (RSS)") href=format!("{base}/rss.xml")/>
                        <Link rel="alternate" type_="application/feed+json" title=format!("#{name} (JSON Feed)") href=format!("{base}/feed.json")/>
                        <header class="mb-6 flex flex-wrap items-baseline justify-between gap-2">
                            <h1 class="text-3xl font-bold tracking-tight">"#"{name.clone()}</h1>
                            <FeedLinks base=base.clone() by_email=format!("/subscribe?tag={}", encode_component(&name))/>
                        </header>
                        <PostList page base_path=base/>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

/// Visible links to a listing's feeds.
#[component]
pub fn FeedLinks(base: String, #[prop(optional)] by_email: Option<String>) -> impl IntoView {
    let link = "rounded px-1.5 py-0.5 hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-white";
    view! {
        <p class="flex items-center gap-1 text-sm text-slate-500 dark:text-slate-400">
            <span>"Follow:"</span>
            <a href=format!("{base}/feed.xml") class=link>"Atom"</a>
            <a href=format!("{base}/rss.xml") class=link>"RSS"</a>
            <a href=format!("{base}/feed.json") class=link>"JSON"</a>
            {by_email.map(|href| view! { <a href=href class=link>"Email"</a> })}
        </p>
    }
}
