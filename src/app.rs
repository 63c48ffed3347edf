//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::island::PageIslands;
use crate::components::layout::Layout;
use crate::pages::{
    admin::AdminPage,
    categories::{CategoriesIndexPage, CategoryPage},
    dashboard::DashboardPage,
    editor::EditorPage,
    home::HomePage,
    not_found::NotFound,
    page::StaticPage,
    post::PostPage,
    profile::ProfilePage,
    search::SearchPage,
    settings::SettingsPage,
    setup::SetupPage,
    sign_in::{
        ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage, SignInPage, SignUpPage,
        UnsubscribePage,
    },
    subscribe::{ConfirmSubscriptionPage, SubscribePage},
    tags::{TagPage, TagsIndexPage},
};

/// Sets the colour theme before the first paint, so a dark page never flashes white; makes
/// the header's theme button (`data-theme-toggle`) switch it and remember the choice in this
/// browser; and marks a page without islands as ready (`data-hydrated`, which browser tests
/// wait for; a page with islands is marked once they have hydrated).
///
/// It also keeps what a reader types before an island has hydrated. The server's HTML shows
/// real inputs at once, but hydration sets each bound input to the island's own state (the
/// server's value), and on a phone the island's wasm can take seconds: a title typed by then
/// was wiped. So every input, change of a field inside an island that has not hydrated yet is
/// remembered, and once `components::island::register` marks that island hydrated
/// (`data-island-hydrated`, then a `quire:hydrated` event) the values are put back and
/// announced with `input` and `change` events, so the island takes them as the reader's own
/// edits (unsaved changes, which autosave picks up).
pub const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('quire-theme');if(t==='dark'||(t!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches)){document.documentElement.classList.add('dark')}}catch(e){}\
document.addEventListener('click',function(e){if(!e.target.closest||!e.target.closest('[data-theme-toggle]'))return;var d=document.documentElement.classList.toggle('dark');try{localStorage.setItem('quire-theme',d?'dark':'light')}catch(e){}});\
document.addEventListener('DOMContentLoaded',function(){if(!document.querySelector('leptos-island'))document.body.setAttribute('data-hydrated','true')});\
(function(){var early=new Map();\
function box(f){return f.type==='checkbox'||f.type==='radio'}\
function waiting(f){var i=f.closest&&f.closest('leptos-island');return i&&!i.hasAttribute('data-island-hydrated')?i:null}\
function note(e){var f=e.target;if(e.isTrusted&&waiting(f))early.set(f,box(f)?f.checked:f.value)}\
document.addEventListener('input',note,true);document.addEventListener('change',note,true);\
document.addEventListener('quire:hydrated',function(){early.forEach(function(v,f){if(waiting(f))return;early.delete(f);if(box(f))f.checked=v;else f.value=v;\
f.dispatchEvent(new Event('input',{bubbles:true}));f.dispatchEvent(new Event('change',{bubbles:true}))})})})();";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    // The page's Content-Security-Policy names this response's nonce: only scripts carrying
    // it (and the site's own files) run.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (&nonce, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = axum::http::HeaderValue::from_str(&crate::web::guard::page_csp(nonce)) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    // Islands mode: only islands hydrate, so nothing else may claim serialized data. (The
    // loader below says the same, but it is rendered after the body.)
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let islands = PageIslands::default();
    provide_context(islands.clone());
    let site = crate::site::current();
    view! {
        <!DOCTYPE html>
        // The zone tells an island's browser code how to write a date it draws again.
        <html lang=site.language.clone() data-time-zone=site.time_zone.clone()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <script nonce=nonce inner_html=THEME_SCRIPT></script>
                {if site.icon.is_empty() {
                    view! { <link rel="icon" href="/favicon.svg" type="image/svg+xml"/> }.into_any()
                } else {
                    view! {
                        <link rel="icon" href=format!("{}-32.png", site.icon) type="image/png" sizes="32x32"/>
                        <link rel="icon" href=format!("{}-192.png", site.icon) type="image/png" sizes="192x192"/>
                        <link rel="apple-touch-icon" href=format!("{}-180.png", site.icon)/>
                    }.into_any()
                }}
                <link rel="alternate" type="application/atom+xml" title=format!("{} (Atom)", site.title) href="/feed.xml"/>
                <link rel="alternate" type="application/rss+xml" title=format!("{} (RSS)", site.title) href="/rss.xml"/>
                <link rel="alternate" type="application/feed+json" title=format!("{} (JSON Feed)", site.title) href="/feed.json"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                // The blog's accent over the stylesheet's indigo (none for the default).
                {crate::site::look::accent_style(&site.accent_color).map(|css| view! { <style inner_html=css></style> })}
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-white text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
                // A page without islands loads no wasm. Whether there were any is known once
                // the page above has rendered: pages stream in order (`SsrMode::Async`), and a
                // suspended piece's future runs only when the pieces before it are done.
                <Suspense>
                    {move || {
                        let (islands, options) = (islands.clone(), options.clone());
                        Suspend::new(async move {
                            islands.present().then(|| view! { <HydrationScripts options islands=true/> })
                        })
                    }}
                </Suspense>
            </body>
        </html>
    }
}

/// "Post title · Blog title". leptos_meta writes the server's `<title>` without escaping it (the
/// browser sets `document.title`, which needs none), so a title like `</title><script>` is
/// escaped here, on the server only.
fn page_title(site_title: &str, title: String) -> String {
    let full = if title.is_empty() {
        site_title.to_owned()
    } else {
        format!("{title} · {site_title}")
    };
    if cfg!(feature = "ssr") {
        full.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        full
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let site = crate::site::current();
    view! {
        <Title formatter=move |title| page_title(&site.title, title)/>
        <Router>
            <Layout>
                // Every page renders whole before it is sent: the status line then says what
                // the page says (404, 403, 503 while the database is down; a streamed page
                // has sent 200 before it knows), and the island loader knows it is needed.
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/posts/:slug") view=PostPage ssr=SsrMode::Async/>
                    <Route path=path!("/tags") view=TagsIndexPage ssr=SsrMode::Async/>
                    <Route path=path!("/tags/:tag") view=TagPage ssr=SsrMode::Async/>
                    <Route path=path!("/categories") view=CategoriesIndexPage ssr=SsrMode::Async/>
                    <Route path=path!("/categories/:slug") view=CategoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/editor/:id") view=EditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email") view=ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe") view=UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/subscribe") view=SubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/subscribe/confirm") view=ConfirmSubscriptionPage ssr=SsrMode::Async/>
                    <Route path=path!("/u/:username") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    // Pages of the blog's own, beside the routes above (their slugs may not
                    // be any of those: `posts::editing::is_reserved_page_slug`).
                    <Route path=path!("/:slug") view=StaticPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
