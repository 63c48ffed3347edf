use leptos::prelude::*;

use chrono::{DateTime, Utc};

use crate::posts::{Byline, PostCard, PostPage};

pub fn format_date(at: &DateTime<Utc>) -> String {
    crate::site::dates::long_date(at)
}

/// A round picture of a person, or their initial. Decorative: their name is always next to it.
/// The heart of likes, on cards and on the post page.
pub const HEART_PATH: &str = "M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.8 4.5c2.1 0 3.6 1.1 5.2 3 1.6-1.9 3.1-3 5.2-3 3.8 0 5.9 3.9 4.4 7.3C19.5 16.4 12 21 12 21z";

#[component]
pub fn Avatar(name: String, url: Option<String>, #[prop(default = 32)] size: u32) -> impl IntoView {
    let initial = name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    // Whole class names, so Tailwind finds them in the source.
    let dimensions = match size {
        0..=32 => "h-8 w-8 text-sm",
        33..=48 => "h-12 w-12 text-lg",
        _ => "h-24 w-24 text-4xl",
    };
    match url {
        Some(url) => view! {
            <img src=url alt="" class=format!("{dimensions} shrink-0 rounded-full object-cover") width=size height=size/>
        }
        .into_any(),
        // The initial is drawn by CSS, not written as text: it is no part of what the
        // avatar's neighbour (a link, the account menu) is named, and a checker comparing
        // a control's visible text with its name ("Account menu for Ada") must not read it.
        None => view! {
            <span aria-hidden="true" data-initial=initial class=format!("{dimensions} flex shrink-0 items-center justify-center rounded-full bg-indigo-100 font-semibold text-indigo-700 before:content-[attr(data-initial)] dark:bg-indigo-900 dark:text-indigo-200")></span>
        }
        .into_any(),
    }
}

/// Who wrote it, when, and how long it takes to read.
#[component]
pub fn BylineView(
    author: Byline,
    published_at: DateTime<Utc>,
    read_time_minutes: i64,
) -> impl IntoView {
    view! {
        <Avatar name=author.display_name.clone() url=author.avatar_url/>
        <a href=format!("/u/{}", author.username) class="font-medium text-slate-700 hover:underline dark:text-slate-200">
            {author.display_name}
        </a>
        <span aria-hidden="true">"·"</span>
        <time datetime=published_at.to_rfc3339()>{format_date(&published_at)}</time>
        <span aria-hidden="true">"·"</span>
        <span>{read_time_minutes}" min read"</span>
    }
}

#[component]
pub fn PostCardView(post: PostCard) -> impl IntoView {
    let href = format!("/posts/{}", post.slug);
    view! {
            <article class="group flex flex-col gap-3 rounded-2xl border border-slate-200 p-5 transition hover:shadow-md dark:border-slate-800 dark:hover:bg-slate-900">
                {post.cover_image.map(|src| view! {
                    <img src=src alt="" loading="lazy" class="aspect-[2/1] w-full rounded-xl object-cover"/>
                })}
                <h2 class="text-xl font-semibold tracking-tight">
                    <a href=href class="hover:text-indigo-600 dark:hover:text-indigo-400">{post.title}</a>
                </h2>
                <p class="text-slate-600 dark:text-slate-300">{post.excerpt}</p>
                <TagList tags=post.tags/>
                <div class="mt-auto flex items-center gap-3 text-sm text-slate-500 dark:text-slate-400">
                    <BylineView author=post.author published_at=post.published_at read_time_minutes=post.read_time_minutes/>
                    <span class="ml-auto flex items-center gap-3">
                        <span class="flex items-center gap-1">
                            <svg class="h-4 w-4" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d=HEART_PATH/></svg>
                            {post.like_count}<span class="sr-only">" likes"</span>
                        </span>
                        <span class="flex items-center gap-1">
                            <svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path stroke-linejoin="round" d="M4 5h16v11H9l-5 4z"/></svg>
                            {post.comment_count}<span class="sr-only">" comments"</span>
                        </span>
    </span>
                </div>
            </article>
        }
}

/// Tags as links to their pages.
#[component]
pub fn TagList(tags: Vec<String>) -> impl IntoView {
    view! {
        <ul class="flex flex-wrap gap-2" aria-label="Tags">
            {tags.into_iter().map(|tag| {
                let href = format!("/tags/{}", encode_component(&tag));
                view! {
                <li>
                    <a href=href class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-700 hover:bg-indigo-100 hover:text-indigo-800 dark:bg-slate-800 dark:text-slate-300 dark:hover:bg-indigo-900 dark:hover:text-indigo-100">
                        "#"{tag}
                    </a>
                </li>
            }}).collect_view()}
        </ul>
    }
}

/// Text as a path segment or query value: anything but plain characters is percent-encoded
/// (tags and search words are free text).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A page of cards and the link to the next page.
#[component]
pub fn PostList(page: PostPage, #[prop(into)] base_path: String) -> impl IntoView {
    if page.posts.is_empty() {
        return view! {
            <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-slate-500 dark:border-slate-700 dark:text-slate-400">
                "No posts here yet."
            </p>
        }
        .into_any();
    }
    let older = page
        .next_cursor
        .map(|cursor| format!("{base_path}?after={cursor}"));
    view! {
        <div class="grid gap-6 md:grid-cols-2">
            {page.posts.into_iter().map(|post| view! { <PostCardView post/> }).collect_view()}
        </div>
        {older.map(|href| view! {
            <nav aria-label="Pagination" class="mt-10 flex justify-center">
                <a href=href rel="next" class="rounded-full border border-slate-300 px-5 py-2 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Older posts →"
                </a>
            </nav>
        })}
    }
    .into_any()
}
