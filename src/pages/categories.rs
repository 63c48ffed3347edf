use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::categories::functions::{category_posts, list_categories};
use crate::categories::Category;
use crate::components::error_notice::{loaded, loading};
use crate::components::post_card::PostList;
use crate::pages::tags::FeedLinks;

/// A colour fit for a style attribute: `#rgb` or `#rrggbb`, else a neutral grey.
pub fn safe_color(color: &str) -> &str {
    let hex = color.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        color
    } else {
        "#64748b"
    }
}

/// A category's colour as a dot.
#[component]
pub fn ColorDot(color: String) -> impl IntoView {
    view! { <span aria-hidden="true" class="inline-block h-3 w-3 shrink-0 rounded-full" style=format!("background-color: {}", safe_color(&color))></span> }
}

/// `/categories`: every category with its description.
#[component]
pub fn CategoriesIndexPage() -> impl IntoView {
    let categories = Resource::new(|| (), |_| list_categories());
    view! {
        <Title text="Categories"/>
        <Meta name="description" content="The sections of this blog"/>
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Categories"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(categories.await, |categories| view! {
                    <ul class="grid gap-4 sm:grid-cols-2">
                        {categories.into_iter().map(|c| view! { <CategoryItem category=c/> }).collect_view()}
                    </ul>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn CategoryItem(category: Category) -> impl IntoView {
    view! {
        <li class="rounded-2xl border border-slate-200 p-5 dark:border-slate-800">
            <a href=format!("/categories/{}", category.slug) class="flex items-center gap-2 text-lg font-semibold hover:text-indigo-600 dark:hover:text-indigo-400">
                <ColorDot color=category.color/>
                {category.name}
            </a>
            {category.parent_name.map(|parent| view! {
                <p class="text-sm text-slate-500 dark:text-slate-400">{format!("In {parent}")}</p>
            })}
            <p class="mt-1 text-slate-600 dark:text-slate-300">{category.description}</p>
            <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">{category.post_count}" posts"</p>
        </li>
    }
}

/// `/categories/{slug}`: a category's description and its published posts.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("after"),
            )
        },
        |(slug, cursor)| category_posts(slug, cursor),
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(page.await, |(category, page)| {
                    let base = format!("/categories/{}", category.slug);
                    view! {
                        <Title text=category.name.clone()/>
                        <Meta name="description" content=category.description.clone()/>
                        <Link rel="alternate" type_="application/atom+xml" title=format!("{} (Atom)", category.name) href=format!("{base}/feed.xml")/>
                        <Link rel="alternate" type_="application/rss+xml" title=format!("{} (RSS)", category.name) href=format!("{base}/rss.xml")/>
                        <Link rel="alternate" type_="application/feed+json" title=format!("{} (JSON Feed)", category.name) href=format!("{base}/feed.json")/>
                        <header class="mb-8 border-l-4 pl-4" style=format!("border-color: {}", safe_color(&category.color))>
                            {category.parent_slug.clone().zip(category.parent_name.clone()).map(|(slug, name)| view! {
                                <nav aria-label="Breadcrumb" class="text-sm">
                                    <a href=format!("/categories/{slug}") class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">{name}</a>
                                    " ›"
                                </nav>
                            })}
                            <h1 class="text-3xl font-bold tracking-tight">{category.name.clone()}</h1>
                            <p class="mt-2 text-slate-600 dark:text-slate-300">{category.description.clone()}</p>
                            <FeedLinks base=base.clone()/>
                        </header>
                        <PostList page base_path=base/>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
