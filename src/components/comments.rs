//! The thread under a post. Every action is a form that works before hydration; after it,
//! each happens in place and the thread reloads itself.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::comments::functions::{
    get_thread, AddComment, DeleteComment, EditComment, ReportComment,
};
use crate::comments::{CommentView, Thread, MAX_COMMENT_CHARS, MAX_INDENT};
use crate::components::address::SendConfirmationForm;
use crate::components::error_notice::{loading, ErrorNotice};
use crate::components::form::{
    field_error, form_error, typed, was_refused, KeepTyped, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::island::reloaded;
use crate::components::post_card::Avatar;

/// Bumped by every successful change, so the thread reloads.
#[derive(Clone, Copy)]
struct ThreadVersion(RwSignal<u64>);

/// Bumps the thread's version when `action` succeeds.
fn reload_after<A>(action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
    A::Error: Clone + Send + Sync + 'static,
{
    let version = expect_context::<ThreadVersion>().0;
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1);
        }
    });
}

/// The thread under a post. Visitors get it as server HTML (nothing to run: they can only
/// read); a signed-in reader gets it as an island whose forms post in place.
#[component]
pub fn CommentSection(post_id: i64, slug: String, count: i64, signed_in: bool) -> impl IntoView {
    let thread = Resource::new(|| (), move |_| get_thread(post_id));
    view! {
        <section id="comments" aria-labelledby="comments-heading" class="mt-12">
            <h2 id="comments-heading" class="mb-6 text-2xl font-bold tracking-tight">
                "Comments "<span class="text-slate-500 dark:text-slate-400">"("{count}")"</span>
            </h2>
            <Suspense fallback=loading>
                {move || {
                    let slug = slug.clone();
                    // Not `loaded`: its 404 page and sign-in redirect would bring the router
                    // into the island's code, and a post's thread has neither.
                    Suspend::new(async move {
                        match thread.await {
                            Ok(thread) if signed_in => view! { <LiveComments post_id slug thread/> }.into_any(),
                            Ok(thread) => view! { <ThreadView post_id slug thread/> }.into_any(),
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// Fetched (with `--split`) only by pages that hold it, so a visitor's post page ships none
/// of the comment forms' code. It reloads the thread after each change it makes.
#[island(lazy)]
fn LiveComments(post_id: i64, slug: String, thread: Thread) -> impl IntoView {
    crate::components::island::register();
    let version = RwSignal::new(0_u64);
    provide_context(ThreadVersion(version));
    let thread = reloaded(
        Some(Ok(thread)),
        move || version.get(),
        move |_| get_thread(post_id),
    );
    move || {
        let slug = slug.clone();
        match thread.get() {
            Some(Ok(thread)) => view! { <ThreadView post_id slug thread/> }.into_any(),
            Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
            None => loading().into_any(),
        }
    }
}

#[component]
fn ThreadView(post_id: i64, slug: String, thread: Thread) -> impl IntoView {
    let signed_in = thread.signed_in;
    // Replies are offered where a new comment would be taken.
    let open = thread.open && !thread.unconfirmed;
    view! {
        {if !thread.open {
            view! {
                <p role="status" class="mb-6 rounded-lg bg-slate-50 p-4 text-sm dark:bg-slate-900">"Comments are closed."</p>
            }.into_any()
        } else if thread.unconfirmed {
            view! {
                <div data-testid="confirm-to-comment" class="mb-6 space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                    <p>"This blog asks you to confirm your email address before you comment: open the link we mailed you when you signed up."</p>
                    <SendConfirmationForm/>
                </div>
            }.into_any()
        } else if signed_in {
            view! { <CommentForm post_id parent_id=None label="Add a comment" button="Post comment"/> }.into_any()
        } else {
            view! {
                <p class="mb-6 rounded-lg bg-slate-50 p-4 text-sm dark:bg-slate-900">
                    <a href=format!("/signin?next=/posts/{slug}") class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Sign in"</a>
                    " to join the conversation."
                </p>
            }.into_any()
        }}
        {if thread.comments.is_empty() {
            view! { <p class="text-slate-500 dark:text-slate-400">"No comments yet."</p> }.into_any()
        } else {
            view! {
                <ol class="space-y-4" aria-label="Comments">
                    {thread.comments.into_iter().map(|comment| view! { <CommentItem post_id comment signed_in open/> }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

/// A textarea for a comment or a reply. Ids are unique per form, since a page holds many.
#[component]
fn CommentForm(
    post_id: i64,
    parent_id: Option<i64>,
    label: &'static str,
    button: &'static str,
) -> impl IntoView {
    let add = ServerAction::<AddComment>::new();
    reload_after(add);
    let id = match parent_id {
        Some(parent) => format!("reply-to-{parent}"),
        None => "new-comment".to_owned(),
    };
    let error = field_error(add.value(), "content");
    let general = form_error(add.value(), &["content"]);
    let pending_note = move || match add.value().get() {
        Some(Ok(comment)) if comment.pending => {
            Some("Thanks! Your comment waits for a moderator's approval.")
        }
        _ => None,
    };
    view! {
        <ActionForm action=add attr:class="mb-6 space-y-2">
            <KeepTyped action=add scope=parent_id.map(|_| id.clone())>
                <input type="hidden" name="post_id" value=post_id/>
                {parent_id.map(|parent| view! { <input type="hidden" name="parent_id" value=parent/> })}
                <label for=id.clone() class="block text-sm font-medium">{label}</label>
                <textarea id=id.clone() name="content" rows="3" required maxlength=MAX_COMMENT_CHARS.to_string()
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=format!("{id}-message")
                    class=INPUT_CLASS>{typed("content")}</textarea>
                <p id=format!("{id}-message") class="min-h-5 text-sm" role="status">
                    {move || error.get().or(general.get()).map(|m| view! { <span class="text-red-600 dark:text-red-400">{m}</span> })}
                    {move || pending_note().map(|m| view! { <span class="text-emerald-700 dark:text-emerald-300">{m}</span> })}
                    {move || (error.get().is_none() && general.get().is_none() && pending_note().is_none()).then(|| view! {
                        <span class="text-slate-500 dark:text-slate-400">"Markdown: *emphasis*, [links](https://…), `code`, > quotes, lists."</span>
                    })}
                </p>
                <button type="submit" class=BUTTON_CLASS disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Posting…" } else { button }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
}

#[component]
fn CommentItem(post_id: i64, comment: CommentView, signed_in: bool, open: bool) -> impl IntoView {
    let indent = match comment.depth.min(MAX_INDENT) {
        0 => "",
        1 => "ml-4 sm:ml-8",
        2 => "ml-8 sm:ml-16",
        3 => "ml-12 sm:ml-24",
        _ => "ml-16 sm:ml-32",
    };
    let anchor = format!("comment-{}", comment.id);
    let Some(author) = comment.author.clone() else {
        return view! {
            <li id=anchor class=format!("{indent} rounded-xl border border-dashed border-slate-300 p-4 text-sm italic text-slate-500 dark:border-slate-700")>
                "This comment was deleted."
            </li>
        }
        .into_any();
    };
    let id = comment.id;
    view! {
        <li id=anchor.clone() class=format!("{indent} rounded-xl border border-slate-200 p-4 dark:border-slate-800")>
            <article aria-label=format!("Comment by {}", author.display_name)>
                <header class="mb-2 flex flex-wrap items-center gap-2 text-sm">
                    <Avatar name=author.display_name.clone() url=author.avatar_url.clone()/>
                    <a href=format!("/u/{}", author.username) class="font-medium hover:underline">{author.display_name.clone()}</a>
                    <a href=format!("#{anchor}") class="text-slate-500 hover:underline dark:text-slate-400" title=comment.created_at.to_rfc3339()>
                        <time datetime=comment.created_at.to_rfc3339()>{comment.age.clone()}</time>
                    </a>
                    {comment.edited.then(|| view! { <span class="text-slate-500 dark:text-slate-400">"(edited)"</span> })}
                    {comment.pending.then(|| view! {
                        <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100">"Waiting for approval"</span>
                    })}
                </header>
                // Rendered from a safe markdown subset and sanitized on the server.
                <div class="prose prose-sm prose-slate max-w-none dark:prose-invert" inner_html=comment.content_html.clone()></div>
                {signed_in.then(|| view! {
                    <div class="mt-3 flex flex-wrap items-start gap-3 text-sm">
                        {(open && !comment.pending).then(|| view! {
                            <details class="w-full" open=was_refused(AddComment::PATH, Some(&format!("reply-to-{id}")))>
                                <summary class="cursor-pointer text-indigo-600 hover:underline dark:text-indigo-400">"Reply"</summary>
                                <div class="mt-2"><CommentForm post_id parent_id=Some(id) label="Your reply" button="Post reply"/></div>
                            </details>
                        })}
                        {comment.mine.then(|| view! { <EditForm id source=comment.source.clone()/> })}
                        {comment.mine.then(|| view! { <DeleteForm id/> })}
                        {(!comment.mine && !comment.pending).then(|| view! { <ReportForm id/> })}
                    </div>
                })}
            </article>
        </li>
    }
    .into_any()
}

#[component]
fn EditForm(id: i64, source: String) -> impl IntoView {
    let edit = ServerAction::<EditComment>::new();
    reload_after(edit);
    let field = format!("edit-{id}");
    let error = field_error(edit.value(), "content");
    let open = was_refused(EditComment::PATH, Some(&field));
    view! {
        <details class="w-full" open=open>
            <summary class="cursor-pointer text-slate-600 hover:underline dark:text-slate-300">"Edit"</summary>
            <ActionForm action=edit attr:class="mt-2 space-y-2">
                <KeepTyped action=edit scope=Some(field.clone())>
                    <input type="hidden" name="id" value=id/>
                    <label for=field.clone() class="block text-sm font-medium">"Edit your comment"</label>
                    <textarea id=field.clone() name="content" rows="3" required maxlength=MAX_COMMENT_CHARS.to_string() class=INPUT_CLASS
                        aria-describedby=format!("{field}-message")>{typed("content").unwrap_or(source)}</textarea>
                    <p id=format!("{field}-message") class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error.get()}</p>
                    <button type="submit" class=BUTTON_CLASS>"Save changes"</button>
                </KeepTyped>
            </ActionForm>
        </details>
    }
}

#[component]
fn DeleteForm(id: i64) -> impl IntoView {
    let delete = ServerAction::<DeleteComment>::new();
    reload_after(delete);
    view! {
        <details>
            <summary class="cursor-pointer text-slate-600 hover:underline dark:text-slate-300">"Delete"</summary>
            <ActionForm action=delete attr:class="mt-2 flex items-center gap-2">
                <input type="hidden" name="id" value=id/>
                <span>"Delete this comment?"</span>
                <button type="submit" class="rounded-lg bg-red-600 px-3 py-1 text-white hover:bg-red-500">"Yes, delete it"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn ReportForm(id: i64) -> impl IntoView {
    let report = ServerAction::<ReportComment>::new();
    let field = format!("report-{id}");
    let open = was_refused(ReportComment::PATH, Some(&field));
    let error = field_error(report.value(), "reason");
    let done = move || matches!(report.value().get(), Some(Ok(())));
    view! {
        <details open=open>
            <summary class="cursor-pointer text-slate-600 hover:underline dark:text-slate-300">"Report"</summary>
            <ActionForm action=report attr:class="mt-2 space-y-2">
                <KeepTyped action=report scope=Some(field.clone())>
                    <input type="hidden" name="id" value=id/>
                    <label for=field.clone() class="block text-sm font-medium">"What is wrong with it?"</label>
                    <input id=field.clone() name="reason" value=typed("reason") required maxlength="500" class=INPUT_CLASS aria-describedby=format!("{field}-message")/>
                    <p id=format!("{field}-message") role="status" class="min-h-5 text-sm">
                        <span class="text-red-600 dark:text-red-400">{move || error.get()}</span>
                        {move || done().then(|| view! { <span class="text-emerald-700 dark:text-emerald-300">"Thanks, the moderators will have a look."</span> })}
                    </p>
                    <button type="submit" class=BUTTON_CLASS>"Send report"</button>
                </KeepTyped>
            </ActionForm>
        </details>
    }
}
