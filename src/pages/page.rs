//! `/{slug}`: a page of the blog's own (About, Contact, Now…), written in the editor like a
//! post but dated by its last change, with no byline, likes or comments.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::error_notice::{loaded, loading};
use crate::posts::functions::get_page;
use crate::posts::{PostDetail, PostStatus};

#[component]
pub fn StaticPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_page,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(page.await, |page| view! { <PageView page/> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn PageView(page: PostDetail) -> impl IntoView {
    let site = crate::site::current();
    let card = page.card;
    let notice = (!page.public).then(|| {
        let why = match page.status {
            PostStatus::Published => "This page is scheduled: readers will see it once its time comes.",
            _ => "This page is not published: only you and the admins can see it.",
        };
        view! {
            <p role="status" class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">{why}</p>
        }
    });
    view! {
        <Title text=card.title.clone()/>
        <Meta name="description" content=card.excerpt.clone()/>
        <Link rel="canonical" href=page.url.clone()/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content=card.title.clone()/>
        <Meta property="og:description" content=card.excerpt.clone()/>
        <Meta property="og:url" content=page.url.clone()/>
        <Meta property="og:site_name" content=site.title.clone()/>
        {(!page.public).then(|| view! { <Meta name="robots" content="noindex"/> })}
        <article class="mx-auto max-w-3xl">
            {notice}
            <h1 class="mb-8 text-4xl font-extrabold tracking-tight sm:text-5xl">{card.title}</h1>
            // content_html was sanitized when the page was saved.
            <div class="prose prose-slate max-w-none dark:prose-invert prose-headings:scroll-mt-24 prose-code:before:content-none prose-code:after:content-none prose-pre:bg-slate-900" inner_html=page.content_html></div>
            <p class="mt-10 border-t border-slate-200 pt-6 text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
                "Last updated "
                <time datetime=page.updated_at.to_rfc3339()>{crate::site::dates::long_date(&page.updated_at)}</time>
            </p>
        </article>
    }
}
