//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::Layout;
use crate::pages::{
    admin::AdminPage,
    categories::{CategoriesIndexPage, CategoryPage},
    dashboard::DashboardPage,
    editor::EditorPage,
    home::HomePage,
    not_found::NotFound,
    post::PostPage,
    profile::ProfilePage,
    search::SearchPage,
    settings::SettingsPage,
    sign_in::{SignInPage, SignUpPage},
    tags::{TagPage, TagsIndexPage},
};

/// Sets the colour theme before the first paint, so a dark page never flashes white.
/// The toggle in the header stores the reader's choice under the same key.
pub const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('quire-theme');if(t==='dark'||(t!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches)){document.documentElement.classList.add('dark')}}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    // The page's Content-Security-Policy names this response's nonce: only scripts carrying
    // it (and the site's own files) run.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (&nonce, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = axum::http::HeaderValue::from_str(&crate::server::guard::page_csp(nonce))
        {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <script nonce=nonce inner_html=THEME_SCRIPT></script>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="alternate" type="application/atom+xml" title="quire (Atom)" href="/feed.xml"/>
                <link rel="alternate" type="application/rss+xml" title="quire (RSS)" href="/rss.xml"/>
                <link rel="alternate" type="application/feed+json" title="quire (JSON Feed)" href="/feed.json"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-white text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// "Post title · quire". leptos_meta writes the server's `<title>` without escaping it (the
/// browser sets `document.title`, which needs none), so a title like `</title><script>` is
/// escaped here, on the server only.
fn page_title(title: String) -> String {
    let full = if title.is_empty() {
        "quire".to_owned()
    } else {
        format!("{title} · quire")
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
    view! {
        <Title formatter=page_title/>
        <Router>
            <Layout>
                // Pages that read the database render once their data is in, so the status
                // line says what the page says (404, 403, 503 while the database is down);
                // a streamed page has sent 200 before it knows.
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
                    <Route path=path!("/signin") view=SignInPage/>
                    <Route path=path!("/signup") view=SignUpPage/>
                    <Route path=path!("/u/:username") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
