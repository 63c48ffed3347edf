//! The frame around every page: header, main landmark, footer.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::accounts::functions::{get_current_user, SignOut};
use crate::accounts::CurrentUser;
use crate::components::hole::{Hole, HoleMarker};
use crate::components::post_card::Avatar;
use crate::moderation::functions::pending_count;
use crate::site::{MenuLink, Publishing, Registration};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // A blog nobody has claimed shows only that, except at the address that claims it.
    let being_set_up =
        !crate::site::current().set_up && use_location().pathname.get_untracked() != "/setup";
    let content = if being_set_up {
        view! { <BeingSetUp/> }.into_any()
    } else {
        children().into_any()
    };
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-indigo-600 focus:px-3 focus:py-2 focus:text-white">
            "Skip to content"
        </a>
        <Header/>
        <main id="main" class="mx-auto w-full max-w-5xl px-4 py-8 sm:px-6">
            {content}
        </main>
        <Footer/>
    }
}

/// What every page of an unclaimed blog says (503: come back later).
#[component]
fn BeingSetUp() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
    }
    view! {
        <leptos_meta::Title text="Being set up"/>
        <section class="mx-auto max-w-xl py-16 text-center">
            <h1 class="text-2xl font-bold tracking-tight">"This blog is being set up"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-300">
                "Its owner has not finished setting it up yet. Please come back soon."
            </p>
        </section>
    }
}

#[component]
fn Header() -> impl IntoView {
    let site = crate::site::current();
    view! {
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
            <div class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3 sm:px-6">
                <a href="/" class="flex min-w-0 items-center gap-2">
                    // The title beside it names the link: the logo is decoration.
                    {(!site.logo.is_empty()).then(|| view! {
                        <img src=site.logo.clone() alt="" data-testid="site-logo" class="h-8 w-auto max-w-32 object-contain"/>
                    })}
                    <span data-testid="site-title" class="truncate text-xl font-bold tracking-tight text-slate-900 dark:text-white">
                        {site.title.clone()}
                    </span>
                </a>
                <nav aria-label="Main" class="flex items-center gap-1 text-sm font-medium sm:gap-3">
                    <MenuLinks links=site.menus.header.clone()/>
                    <SearchBox/>
                    <ThemeToggle/>
                    <AccountNav/>
                </nav>
            </div>
        </header>
    }
}

/// The header menu: inline on wide screens; behind a menu button on a phone, a disclosure
/// (`<details>`) that opens with a tap, Enter or Space and needs no script.
#[component]
fn MenuLinks(links: Vec<MenuLink>) -> impl IntoView {
    if links.is_empty() {
        return ().into_any();
    }
    let here = use_location().pathname.get_untracked();
    let current = move |target: &str| (target == here).then_some("page");
    let inline = "rounded px-2 py-1 text-slate-600 hover:text-slate-900 aria-[current=page]:text-slate-900 dark:text-slate-300 dark:hover:text-white dark:aria-[current=page]:text-white";
    let stacked = "block rounded px-3 py-2 hover:bg-slate-100 aria-[current=page]:font-semibold dark:hover:bg-slate-800";
    view! {
        <ul class="hidden items-center gap-1 md:flex">
            {links.iter().map(|link| view! {
                <li><a href=link.target.clone() aria-current=current(&link.target) class=inline>{link.label.clone()}</a></li>
            }).collect_view()}
        </ul>
        <details data-testid="menu-button" class="relative md:hidden">
            <summary class="flex cursor-pointer list-none items-center gap-1 rounded px-2 py-1 text-slate-600 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-slate-300 dark:hover:text-white [&::-webkit-details-marker]:hidden">
                <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                    <path stroke-linecap="round" d="M4 6h16M4 12h16M4 18h16"/>
                </svg>
                <span class="sr-only sm:not-sr-only">"Menu"</span>
            </summary>
            <ul class="absolute left-0 z-50 mt-2 w-56 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-800 dark:bg-slate-900">
                {links.into_iter().map(|link| view! {
                    <li><a href=link.target.clone() aria-current=current(&link.target) class=stacked>{link.label}</a></li>
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

/// A plain GET form: search works before the page hydrates, and the results have an address.
#[component]
fn SearchBox() -> impl IntoView {
    view! {
        <form action="/search" method="get" role="search" aria-label="Site search" class="flex items-center">
            <label for="header-search" class="sr-only">"Search posts"</label>
            <input id="header-search" type="search" name="q" placeholder="Search…" maxlength="200"
                class="w-28 rounded-full border border-slate-300 bg-transparent px-3 py-1 text-sm focus:w-44 focus:outline-none focus:ring-2 focus:ring-indigo-500 sm:w-36 dark:border-slate-700"/>
        </form>
    }
}

/// Sign-in links for visitors; the user's menu for everybody else. Server HTML only: signing
/// out is a plain form whose answer sends the browser back to this page, signed out.
#[component]
fn AccountNav() -> impl IntoView {
    if crate::components::hole::rendering_for_signed_in() {
        return view! { <HoleMarker hole=Hole::Account islands=false/> }.into_any();
    }
    let location = use_location();
    let user = Resource::new(
        || (),
        |_| async {
            let user = get_current_user().await?;
            let pending = match &user {
                Some(user) if user.is_moderator() => pending_count().await?,
                _ => None,
            };
            Ok::<_, crate::error::AppError>((user, pending))
        },
    );
    let link = "rounded px-2 py-1 text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white";
    let site = crate::site::current();
    let sign_up_open = site.registration == Registration::Open;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok((Some(user), pending)) => view! { <SignedInAccount user pending/> }.into_any(),
                    _ => view! {
                        <a href=move || format!("/signin?next={}", location.pathname.get()) class=link>"Sign in"</a>
                        {sign_up_open.then(|| view! {
                            <a href="/signup" class="rounded-full bg-indigo-600 px-3 py-1.5 text-white hover:bg-indigo-500">"Sign up"</a>
                        })}
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// A signed-in user's part of the header; `pending`: the comments waiting, for moderators.
#[component]
pub fn SignedInAccount(user: CurrentUser, pending: Option<i64>) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let publishing = crate::site::current().publishing;
    view! {
        {user.is_moderator().then(|| view! { <AdminLink pending/> })}
        <UserMenu user sign_out publishing/>
    }
}

/// The way to the admin page, with the number of comments waiting.
#[component]
fn AdminLink(pending: Option<i64>) -> impl IntoView {
    view! {
        <a href="/admin" class="relative rounded px-2 py-1 text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
            "Admin"
            {pending.filter(|count| *count > 0).map(|count| view! {
                <span data-testid="pending-badge" class="ml-1 rounded-full bg-rose-600 px-1.5 py-0.5 text-xs font-semibold text-white">
                    {count}<span class="sr-only">" comments waiting"</span>
                </span>
            })}
        </a>
    }
}

#[component]
fn UserMenu(
    user: CurrentUser,
    sign_out: ServerAction<SignOut>,
    publishing: Publishing,
) -> impl IntoView {
    let writes = user.may_write(publishing);
    let item = "block rounded px-3 py-2 text-left hover:bg-slate-100 dark:hover:bg-slate-800";
    view! {
        <details class="relative">
            <summary class="flex cursor-pointer list-none items-center gap-2 rounded-full p-1 pr-2 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-slate-800 [&::-webkit-details-marker]:hidden"
                aria-label=format!("Account menu for {}", user.display_name)>
                <Avatar name=user.display_name.clone() url=user.avatar_url.clone()/>
                <span data-testid="account-name" class="hidden max-w-40 truncate sm:inline">{user.display_name.clone()}</span>
            </summary>
            <div class="absolute right-0 mt-2 w-48 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-800 dark:bg-slate-900">
                {writes.then(|| view! {
                    <a href="/dashboard" class=item>"Your posts"</a>
                    <a href="/editor/new" class=item>"Write a post"</a>
                })}
                <a href=format!("/u/{}", user.username) class=item>"Your profile"</a>
                <a href="/settings" class=item>"Settings"</a>
                <ActionForm action=sign_out>
                    <button type="submit" class=format!("{item} w-full")>"Sign out"</button>
                </ActionForm>
            </div>
        </details>
    }
}

#[component]
fn Footer() -> impl IntoView {
    let site = crate::site::current();
    view! {
        <footer class="space-y-2 border-t border-slate-200 py-8 text-center text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
            {(!site.menus.footer.is_empty()).then(|| view! {
                <nav aria-label="Footer">
                    <ul class="flex flex-wrap justify-center gap-x-4 gap-y-1">
                        {site.menus.footer.iter().map(|link| view! {
                            <li><a href=link.target.clone() class="hover:text-slate-900 hover:underline dark:hover:text-white">{link.label.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                </nav>
            })}
            {(!site.social_links.is_empty()).then(|| view! {
                <ul aria-label="Elsewhere" data-testid="social-links" class="flex flex-wrap justify-center gap-x-4 gap-y-1">
                    {site.social_links.iter().map(|link| view! {
                        // rel="me": Mastodon and others verify the blog as the profile's own.
                        <li><a href=link.clone() rel="me noopener" class="hover:text-slate-900 hover:underline dark:hover:text-white">
                            {crate::site::look::social_name(link)}
                        </a></li>
                    }).collect_view()}
                </ul>
            })}
            <p>
                <a href="/subscribe" data-testid="subscribe-link" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Get new posts by email"</a>
            </p>
            {(!site.footer.is_empty()).then(|| view! {
                <p data-testid="site-footer" class="whitespace-pre-line">{site.footer.clone()}</p>
            })}
            {site.powered_by.then(|| view! {
                <p>"Powered by quire"</p>
            })}
        </footer>
    }
}

/// Switches between light and dark and remembers the choice in this browser. The page's
/// theme script (`app::THEME_SCRIPT`) does the switching, so the button works as soon as it
/// is painted and needs no wasm.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button
            type="button"
            data-theme-toggle=""
            aria-label="Toggle dark mode"
            title="Toggle dark mode"
            class="rounded-full p-2 text-slate-600 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
        >
            <svg class="h-5 w-5 dark:hidden" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <path stroke-linecap="round" stroke-linejoin="round" d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"/>
            </svg>
            <svg class="hidden h-5 w-5 dark:block" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <circle cx="12" cy="12" r="4"/>
                <path stroke-linecap="round" d="M12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4 1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4m11.4-11.4 1.4-1.4"/>
            </svg>
        </button>
    }
}
