//! `/dashboard`: the signed-in author's posts by status, with their numbers and actions.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::accounts::functions::get_current_user;
use crate::accounts::Role;
use crate::components::error_notice::{loaded, loading};
use crate::components::form::{FormStatus, BUTTON_CLASS, SECONDARY_BUTTON_CLASS};
use crate::components::island::reloaded;
use crate::components::post_card::format_date;
use crate::posts::drafts::DashboardPost;
use crate::posts::editor::{dashboard_posts, DeletePost, SetPostStatus};
use crate::posts::{PostKind, PostStatus};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let posts = Resource::new(|| (), |_| dashboard_posts());
    let me = Resource::new(|| (), |_| get_current_user());
    view! {
        <Title text="Dashboard"/>
        <Meta name="robots" content="noindex"/>
        <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold tracking-tight">"Your posts"</h1>
            <div class="flex flex-wrap gap-2">
                // Pages (About, Contact) are the blog's own: its admins write them.
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let admin = me.await.ok().flatten().is_some_and(|user| user.role == Role::Admin);
                        admin.then(|| view! {
                            <a href="/editor/new?kind=page" class=SECONDARY_BUTTON_CLASS>"Write a page"</a>
                        })
                    })}
                </Suspense>
                <a href="/editor/new" class=BUTTON_CLASS>"Write a post"</a>
            </div>
        </div>
        <ImportExport/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(posts.await, |posts| view! { <YourPosts posts/> }.into_any())
            })}
        </Suspense>
    }
}

/// The lists and their actions: an island, fetched only when the dashboard opens.
#[island(lazy)]
fn YourPosts(posts: Vec<DashboardPost>) -> impl IntoView {
    crate::components::island::register();
    let delete = ServerAction::<DeletePost>::new();
    let status = ServerAction::<SetPostStatus>::new();
    let posts = reloaded(
        Some(Ok(posts)),
        move || (delete.version().get(), status.version().get()),
        |_| dashboard_posts(),
    );
    let failed = Signal::derive(move || match (delete.value().get(), status.value().get()) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => Some(err.to_string()),
        _ => None,
    });
    view! {
        <FormStatus error=failed/>
        {move || match posts.get() {
            Some(posts) => loaded(posts, move |posts| view! { <Sections posts delete status/> }.into_any()),
            None => loading().into_any(),
        }}
    }
}

const GROUPS: [&str; 4] = ["Drafts", "Scheduled", "Published", "Archived"];

fn group_of(post: &DashboardPost) -> &'static str {
    match post.status {
        PostStatus::Draft => "Drafts",
        PostStatus::Published if post.scheduled => "Scheduled",
        PostStatus::Published => "Published",
        PostStatus::Archived => "Archived",
    }
}

/// Markdown files in and out. Plain forms and links: no script needed.
#[component]
fn ImportExport() -> impl IntoView {
    let report = use_query_map().read_untracked().get("import_report");
    view! {
        <section aria-labelledby="transfer-heading" class="mb-8 rounded-xl border border-slate-200 p-4 dark:border-slate-800">
            <h2 id="transfer-heading" class="font-semibold">"Import and export"</h2>
            <p class="text-sm text-slate-500 dark:text-slate-400">"Markdown files with YAML front matter (title, slug, date, tags, description…), as Hugo and Jekyll write them. A post with the same slug is updated."</p>
            <div class="mt-3 flex flex-wrap items-end gap-4">
                <form action="/dashboard/import" method="post" enctype="multipart/form-data" class="flex flex-wrap items-end gap-2">
                    <div>
                        <label for="import-files" class="block text-sm font-medium">"Markdown files"</label>
                        <input id="import-files" name="files" type="file" accept=".md,.markdown,text/markdown" multiple required class="text-sm"/>
                    </div>
                    <button type="submit" class=BUTTON_CLASS>"Import"</button>
                </form>
                <a href="/dashboard/export" download class="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400" rel="external">"Download all my posts (.tar)"</a>
            </div>
            {report.map(|text| view! {
                <pre role="status" data-testid="import-report" class="mt-3 whitespace-pre-wrap rounded bg-slate-50 p-2 text-sm dark:bg-slate-900">{text}</pre>
            })}
        </section>
    }
}

#[component]
fn Sections(
    posts: Vec<DashboardPost>,
    delete: ServerAction<DeletePost>,
    status: ServerAction<SetPostStatus>,
) -> impl IntoView {
    let counts: Vec<(&str, usize)> = GROUPS
        .iter()
        .map(|name| (*name, posts.iter().filter(|p| group_of(p) == *name).count()))
        .collect();
    view! {
        <dl class="mb-8 grid grid-cols-2 gap-3 sm:grid-cols-4">
            {counts.into_iter().map(|(name, count)| view! {
                <div class="rounded-xl border border-slate-200 p-3 dark:border-slate-800">
                    <dt class="text-sm text-slate-500 dark:text-slate-400">{name}</dt>
                    <dd class="text-2xl font-bold">{count}</dd>
                </div>
            }).collect_view()}
        </dl>
        {GROUPS.into_iter().map(|name| {
            let mine: Vec<DashboardPost> = posts.iter().filter(|p| group_of(p) == name).cloned().collect();
            (!mine.is_empty()).then(|| view! {
                <section class="mb-8" aria-label=name>
                    <h2 class="mb-3 text-xl font-semibold">{name}</h2>
                    <ul class="divide-y divide-slate-200 rounded-xl border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
                        {mine.into_iter().map(|post| view! { <Row post delete status/> }).collect_view()}
                    </ul>
                </section>
            })
        }).collect_view()}
        {posts.is_empty().then(|| view! {
            <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-slate-500 dark:border-slate-700 dark:text-slate-400">
                "Nothing here yet. "<a href="/editor/new" class="text-indigo-600 hover:underline dark:text-indigo-400">"Write your first post"</a>"."
            </p>
        })}
    }
}

#[component]
fn Row(
    post: DashboardPost,
    delete: ServerAction<DeletePost>,
    status: ServerAction<SetPostStatus>,
) -> impl IntoView {
    let title = if post.title.is_empty() {
        "(untitled)".to_owned()
    } else {
        post.title.clone()
    };
    let delete_label = format!("Delete “{title}” for good");
    // The one next step for each state: publish a draft, archive a published post, bring an
    // archived one back.
    let (next, next_label) = match post.status {
        PostStatus::Draft => (PostStatus::Published, format!("Publish “{title}”")),
        PostStatus::Published => (PostStatus::Archived, format!("Archive “{title}”")),
        PostStatus::Archived => (PostStatus::Published, format!("Restore “{title}”")),
    };
    let next_text = match post.status {
        PostStatus::Draft => "Publish",
        PostStatus::Published => "Archive",
        PostStatus::Archived => "Restore",
    };
    view! {
        <li class="flex flex-wrap items-center gap-3 p-4">
            <div class="min-w-0 flex-1">
                <a href=format!("/editor/{}", post.id) class="font-medium hover:underline">{title.clone()}</a>
                {(post.kind == PostKind::Page).then(|| view! {
                    <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-200">"Page"</span>
                })}
                <p class="text-sm text-slate-500 dark:text-slate-400">
                    "Edited "{format_date(&post.updated_at)}
                    {post.published_at.filter(|_| post.status == PostStatus::Published).map(|at| format!(" · publishes {}", format_date(&at)))}
                    " · "{post.view_count}" views · "{post.like_count}" likes · "{post.comment_count}" comments"
                    {(post.pending_comments > 0).then(|| format!(" ({} waiting)", post.pending_comments))}
                </p>
            </div>
            <a href=format!("/editor/{}", post.id) class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Edit"</a>
            <a href=post.kind.path(&post.slug) class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
                {if post.status == PostStatus::Published && !post.scheduled { "View" } else { "Preview" }}
            </a>
            <ActionForm action=status>
                <input type="hidden" name="id" value=post.id/>
                <input type="hidden" name="version" value=post.version/>
                <input type="hidden" name="status" value=next.as_str()/>
                <button type="submit" aria-label=next_label class="text-sm text-indigo-600 hover:underline dark:text-indigo-400">{next_text}</button>
            </ActionForm>
            <details>
                <summary class="cursor-pointer text-sm text-red-600 hover:underline dark:text-red-400">"Delete"</summary>
                <ActionForm action=delete attr:class="mt-2">
                    <input type="hidden" name="id" value=post.id/>
                    <button type="submit" class="rounded-lg bg-red-600 px-3 py-1 text-sm text-white hover:bg-red-500">{delete_label}</button>
                </ActionForm>
            </details>
        </li>
    }
}
