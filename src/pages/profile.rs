use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::accounts::functions::get_profile;
use crate::accounts::Profile;
use crate::components::error_notice::ErrorNotice;
use crate::components::post_card::{format_date, Avatar, PostList};
use crate::error::AppError;
use crate::pages::not_found::NotFound;

/// `/u/{username}`: who they are and what they published.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let profile = Resource::new(
        move || (username(), query.read().get("after")),
        |(username, cursor)| get_profile(username, cursor),
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok((profile, page)) => {
                        let base = format!("/u/{}", profile.username);
                        view! {
                            <ProfileHeader profile/>
                            <h2 class="mb-4 mt-10 text-xl font-semibold">"Posts"</h2>
                            <PostList page base_path=base/>
                        }
                        .into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileHeader(profile: Profile) -> impl IntoView {
    let joined = format_date(&profile.joined_at);
    let description = if profile.bio.is_empty() {
        format!("{} on quire", profile.display_name)
    } else {
        profile.bio.clone()
    };
    view! {
        <Title text=profile.display_name.clone()/>
        <Meta name="description" content=description/>
        <Link rel="alternate" type_="application/atom+xml" title=format!("{} (Atom)", profile.display_name) href=format!("/u/{}/feed.xml", profile.username)/>
        <Link rel="alternate" type_="application/rss+xml" title=format!("{} (RSS)", profile.display_name) href=format!("/u/{}/rss.xml", profile.username)/>
        <Link rel="alternate" type_="application/feed+json" title=format!("{} (JSON Feed)", profile.display_name) href=format!("/u/{}/feed.json", profile.username)/>
        <header class="flex flex-col items-start gap-4 sm:flex-row sm:items-center">
            <Avatar name=profile.display_name.clone() url=profile.avatar_url.clone() size=96/>
            <div>
                <h1 class="text-3xl font-bold tracking-tight">{profile.display_name.clone()}</h1>
                <p class="text-slate-500 dark:text-slate-400">"@"{profile.username.clone()}</p>
                <p data-testid="bio" class="mt-2 max-w-2xl whitespace-pre-line text-slate-700 dark:text-slate-200">{profile.bio.clone()}</p>
                {(profile.website.starts_with("https://") || profile.website.starts_with("http://")).then(|| view! {
                    <p class="mt-1 text-sm">
                        <a href=profile.website.clone() rel="nofollow ugc noopener" data-testid="website" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">{profile.website.clone()}</a>
                    </p>
                })}
                <dl class="mt-3 flex flex-wrap gap-x-6 gap-y-1 text-sm text-slate-500 dark:text-slate-400">
                    <div class="flex gap-1"><dt>"Joined"</dt><dd>{joined}</dd></div>
                    <div class="flex gap-1"><dt>"Posts"</dt><dd>{profile.post_count}</dd></div>
                    <div class="flex gap-1"><dt>"Comments"</dt><dd>{profile.comment_count}</dd></div>
                </dl>
                {(profile.post_count > 0).then(|| view! {
                    <p class="mt-3 text-sm">
                        <a href=format!("/subscribe?author={}", profile.username) data-testid="follow-author"
                            class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                            {format!("Get {}'s new posts by email", profile.display_name)}
                        </a>
                    </p>
                })}
            </div>
        </header>
    }
}
