//! The thread under a post.
//!
//! Visitors get it as server HTML with nothing to run. A signed-in reader gets the same kind
//! of HTML, the same for every signed-in reader and so rendered once per content version and
//! kept (`web::fragments`): each comment carries its Reply, Edit, Delete and Report as links
//! (`?reply=ID#comment-ID`…), and a few lines of CSS in the reader's own part of the page show
//! Edit and Delete on their comments and Report on the others'. What is the reader's own is
//! small and made per request: that CSS, the comment form, and their comments still waiting
//! for approval. A link opens its form in place of a new page (rendered, not kept); the form
//! is an island that posts in place and then shows the thread again at the comment. Without
//! JavaScript all of it works as plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::comments::functions::SignedInThread;
use crate::comments::functions::{
    get_thread, AddComment, DeleteComment, EditComment, ReportComment,
};
use crate::comments::{CommentView, Thread, MAX_COMMENT_CHARS, MAX_INDENT};
use crate::components::address::SendConfirmationForm;
use crate::components::error_notice::{loading, ErrorNotice};
use crate::components::form::{
    field_error, form_error, typed, KeepTyped, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::hole::{rendering_for_signed_in, Hole, HoleMarker};
use crate::components::post_card::Avatar;
use crate::error::AppError;

/// A form opened on one comment, by the link that names it in the page's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Act {
    Reply,
    Edit,
    Delete,
    Report,
}

impl Act {
    const ALL: [Act; 4] = [Act::Reply, Act::Edit, Act::Delete, Act::Report];

    fn name(self) -> &'static str {
        match self {
            Act::Reply => "reply",
            Act::Edit => "edit",
            Act::Delete => "delete",
            Act::Report => "report",
        }
    }

    /// The link that opens this form on comment `id`.
    fn link(self, id: i64) -> String {
        format!("?{}={id}#comment-{id}", self.name())
    }
}

/// The form the page's address opens (`?reply=12`), if any.
fn opened_form() -> Option<(Act, i64)> {
    let query = use_query_map().read_untracked();
    Act::ALL
        .into_iter()
        .find_map(|act| Some((act, query.get(act.name())?.parse().ok()?)))
}

/// The thread under a post, with its heading. `open`: whether the post takes comments.
#[component]
pub fn CommentSection(
    post_id: i64,
    slug: String,
    count: i64,
    signed_in: bool,
    open: bool,
) -> impl IntoView {
    let opened = if signed_in { opened_form() } else { None };
    let reported = use_query_map().read_untracked().get("reported").is_some();
    view! {
        <section id="comments" aria-labelledby="comments-heading" class="mt-12">
            <h2 id="comments-heading" class="mb-6 text-2xl font-bold tracking-tight">
                "Comments "<span class="text-slate-500 dark:text-slate-400">"("{count}")"</span>
            </h2>
            {reported.then(|| view! {
                <p role="status" class="mb-6 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
                    "Thanks, the moderators will have a look."
                </p>
            })}
            {if rendering_for_signed_in() {
                // The reader's own part is theirs; the thread under it is every signed-in
                // reader's, and stays in the kept page.
                view! {
                    <HoleMarker hole=Hole::Comments { post_id, open } islands=true/>
                    <SharedThread post_id open/>
                }.into_any()
            } else {
                view! { <ThreadAsAsked post_id slug signed_in opened/> }.into_any()
            }}
        </section>
    }
}

/// The thread as the one asking sees it: a visitor, or a signed-in reader.
#[component]
fn ThreadAsAsked(
    post_id: i64,
    slug: String,
    signed_in: bool,
    opened: Option<(Act, i64)>,
) -> impl IntoView {
    view! {
        <Suspense fallback=loading>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    if signed_in {
                        reader_part(post_id, opened).await
                    } else {
                        match get_thread(post_id).await {
                            Ok(thread) => view! { <VisitorThread post_id slug thread/> }.into_any(),
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// The thread as every signed-in reader sees it, in the page kept for them all: each
/// comment with its links to act on it, shown or hidden by each reader's own CSS.
#[component]
fn SharedThread(post_id: i64, open: bool) -> impl IntoView {
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match get_thread(post_id).await {
                    Ok(thread) => view! {
                        <CommentList post_id comments=thread.comments open controls=true opened=None/>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A visitor's thread: read only, with the way to join in.
#[component]
fn VisitorThread(post_id: i64, slug: String, thread: Thread) -> impl IntoView {
    view! {
        {if thread.open {
            view! {
                <p class="mb-6 rounded-lg bg-slate-50 p-4 text-sm dark:bg-slate-900">
                    <a href=format!("/signin?next=/posts/{slug}") class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Sign in"</a>
                    " to join the conversation."
                </p>
            }.into_any()
        } else {
            closed().into_any()
        }}
        <CommentList post_id comments=thread.comments open=false controls=false opened=None/>
    }
}

fn closed() -> impl IntoView {
    view! {
        <p role="status" class="mb-6 rounded-lg bg-slate-50 p-4 text-sm dark:bg-slate-900">"Comments are closed."</p>
    }
}

/// A signed-in reader's thread: their own part, made now, and the shared thread, kept.
async fn reader_part(post_id: i64, opened: Option<(Act, i64)>) -> AnyView {
    let with_sources = matches!(opened, Some((Act::Edit, _)));
    match crate::comments::functions::reader_thread(post_id, opened.is_none(), with_sources).await {
        Ok(thread) => reader_view(post_id, thread, opened),
        Err(error) => view! { <ErrorNotice error/> }.into_any(),
    }
}

/// A signed-in reader's thread, from what was read for them.
fn reader_view(post_id: i64, thread: SignedInThread, opened: Option<(Act, i64)>) -> AnyView {
    let open = thread.open && !thread.unconfirmed;
    let own = readers_own_part(post_id, &thread, opened);
    let shared = match (thread.kept, opened) {
        (Some(html), None) => view! { <div inner_html=html></div> }.into_any(),
        (None, None) => {
            // Kept for every reader: whether the post takes replies, not whether this reader
            // may yet (an unconfirmed address is told so at the form).
            let html: std::sync::Arc<str> = view! { <CommentList post_id comments=thread.comments open=thread.open controls=true opened=None/> }.to_html().into();
            #[cfg(feature = "ssr")]
            if let Some(version) = thread.version {
                if let Ok(state) = crate::web::state::AppState::current() {
                    state.fragments.keep(
                        crate::web::fragments::thread_key(post_id),
                        version,
                        html.clone(),
                    );
                }
            }
            view! { <div inner_html=html></div> }.into_any()
        }
        (_, opened) => {
            view! { <CommentList post_id comments=thread.comments open controls=true opened/> }
                .into_any()
        }
    };
    view! { {own} {shared} }.into_any()
}

/// What of a thread is the reader's own, above the shared one: the CSS that shows them their
/// controls, the comment form, their comments waiting for approval.
pub fn readers_own_part(
    post_id: i64,
    thread: &SignedInThread,
    opened: Option<(Act, i64)>,
) -> AnyView {
    let waiting = thread.waiting.clone();
    view! {
        // Edit and Delete on the reader's own comments, Report on everybody else's.
        <style>{reader_style(&thread.username)}</style>
        {if !thread.open {
            closed().into_any()
        } else {
            view! { <Composer post_id unconfirmed=thread.unconfirmed/> }.into_any()
        }}
        {(!waiting.is_empty()).then(|| view! {
            <section aria-labelledby="waiting-heading" class="mb-8">
                <h3 id="waiting-heading" class="mb-3 text-sm font-semibold text-slate-600 dark:text-slate-300">
                    "Yours, waiting for a moderator's approval (only you see them)"
                </h3>
                <CommentList post_id comments=waiting open=false controls=true opened/>
            </section>
        })}
    }
    .into_any()
}

/// The CSS that shows a reader the controls that are theirs. Usernames are letters, digits,
/// `_` and `-`; anything else is written as a CSS escape, so no name can end the selector or
/// the style element.
fn reader_style(username: &str) -> String {
    let username: String = username
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c.to_string(),
            c => format!("\\{:x} ", u32::from(c)),
        })
        .collect();
    format!(
        "#comments [data-by=\"{username}\"] .by-reader{{display:inline}}\
         #comments [data-by=\"{username}\"] .by-other{{display:none}}"
    )
}

#[component]
fn CommentList(
    post_id: i64,
    comments: Vec<CommentView>,
    /// Replies are offered.
    open: bool,
    /// A signed-in reader's links to reply, edit, delete and report.
    controls: bool,
    opened: Option<(Act, i64)>,
) -> impl IntoView {
    if comments.is_empty() {
        return view! { <p class="text-slate-500 dark:text-slate-400">"No comments yet."</p> }
            .into_any();
    }
    view! {
        <ol class="space-y-4" aria-label="Comments">
            {comments.into_iter().map(|comment| {
                let opened = opened.filter(|(_, id)| *id == comment.id).map(|(act, _)| act);
                view! { <CommentItem post_id comment open controls opened/> }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

const CONTROL_CLASS: &str = "text-slate-600 hover:underline dark:text-slate-300";

#[component]
fn CommentItem(
    post_id: i64,
    comment: CommentView,
    open: bool,
    controls: bool,
    opened: Option<Act>,
) -> impl IntoView {
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
        <li id=anchor.clone() data-by=author.username.clone() class=format!("{indent} rounded-xl border border-slate-200 p-4 dark:border-slate-800")>
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
                {controls.then(|| view! {
                    <p class="mt-3 flex flex-wrap gap-3 text-sm">
                        {(open && !comment.pending).then(|| view! {
                            <a href=Act::Reply.link(id) class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Reply"</a>
                        })}
                        <span class="by-reader hidden space-x-3">
                            <a href=Act::Edit.link(id) class=CONTROL_CLASS>"Edit"</a>
                            <a href=Act::Delete.link(id) class=CONTROL_CLASS>"Delete"</a>
                        </span>
                        {(!comment.pending).then(|| view! {
                            <span class="by-other"><a href=Act::Report.link(id) class=CONTROL_CLASS>"Report"</a></span>
                        })}
                    </p>
                })}
                {opened.map(|act| view! {
                    <CommentAction act id post_id source=comment.source.clone()/>
                })}
            </article>
        </li>
    }
    .into_any()
}

/// The comment form above the thread, or why the reader cannot comment yet.
#[island(lazy)]
fn Composer(post_id: i64, unconfirmed: bool) -> impl IntoView {
    crate::components::island::register();
    if unconfirmed {
        return view! {
            <div data-testid="confirm-to-comment" class="mb-6 space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                <p>"This blog asks you to confirm your email address before you comment: open the link we mailed you when you signed up."</p>
                <SendConfirmationForm/>
            </div>
        }
        .into_any();
    }
    let add = ServerAction::<AddComment>::new();
    show_after(add, |comment: &CommentView| Some(comment.id));
    let error = field_error(add.value(), "content");
    let general = form_error(add.value(), &["content"]);
    view! {
        <ActionForm action=add attr:class="mb-6 space-y-2">
            <KeepTyped action=add>
                <input type="hidden" name="post_id" value=post_id/>
                <CommentText id="new-comment".to_owned() label="Add a comment" source=String::new() error general/>
                <button type="submit" class=BUTTON_CLASS disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Posting…" } else { "Post comment" }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
    .into_any()
}

/// A comment's textarea with its label and message (a hint about markdown until then).
#[component]
fn CommentText(
    id: String,
    label: &'static str,
    source: String,
    error: Signal<Option<String>>,
    general: Signal<Option<String>>,
) -> impl IntoView {
    let message = format!("{id}-message");
    // Empty is no text at all: Leptos writes an empty string as a space.
    let text = typed("content")
        .or(Some(source))
        .filter(|text| !text.is_empty());
    view! {
        <label for=id.clone() class="block text-sm font-medium">{label}</label>
        <textarea id=id name="content" rows="3" required maxlength=MAX_COMMENT_CHARS.to_string()
            aria-invalid=move || error.get().is_some().to_string()
            aria-describedby=message.clone()
            class=INPUT_CLASS>{text}</textarea>
        <p id=message class="min-h-5 text-sm" role="status">
            {move || match error.get().or(general.get()) {
                Some(m) => view! { <span class="text-red-600 dark:text-red-400">{m}</span> }.into_any(),
                None => view! { <span class="text-slate-500 dark:text-slate-400">"Markdown: *emphasis*, [links](https://…), `code`, > quotes, lists."</span> }.into_any(),
            }}
        </p>
    }
}

/// The form a comment's link opened: a reply, an edit, a deletion or a report. It posts in
/// place and then shows the thread again at the comment; a report just says thanks.
#[island(lazy)]
fn CommentAction(act: Act, id: i64, post_id: i64, source: String) -> impl IntoView {
    crate::components::island::register();
    let scope = Some(format!("{}-{id}", act.name()));
    let cancel = view! {
        <a href=format!("#comment-{id}") data-cancel="" class=CONTROL_CLASS>"Cancel"</a>
    };
    let form = match act {
        Act::Reply => {
            let add = ServerAction::<AddComment>::new();
            show_after(add, |comment: &CommentView| Some(comment.id));
            let (error, general) = (
                field_error(add.value(), "content"),
                form_error(add.value(), &["content"]),
            );
            view! {
                <ActionForm action=add attr:class="mt-3 space-y-2">
                    <KeepTyped action=add scope>
                        <input type="hidden" name="post_id" value=post_id/>
                        <input type="hidden" name="parent_id" value=id/>
                        <CommentText id=format!("reply-to-{id}") label="Your reply" source=String::new() error general/>
                        <div class="flex items-center gap-3">
                            <button type="submit" class=BUTTON_CLASS disabled=move || add.pending().get()>
                                {move || if add.pending().get() { "Posting…" } else { "Post reply" }}
                            </button>
                            {cancel}
                        </div>
                    </KeepTyped>
                </ActionForm>
            }
            .into_any()
        }
        Act::Edit => {
            let edit = ServerAction::<EditComment>::new();
            show_after(edit, move |_| Some(id));
            let (error, general) = (
                field_error(edit.value(), "content"),
                form_error(edit.value(), &["content"]),
            );
            view! {
                <ActionForm action=edit attr:class="mt-3 space-y-2">
                    <KeepTyped action=edit scope>
                        <input type="hidden" name="id" value=id/>
                        <CommentText id=format!("edit-{id}") label="Edit your comment" source error general/>
                        <div class="flex items-center gap-3">
                            <button type="submit" class=BUTTON_CLASS>"Save changes"</button>
                            {cancel}
                        </div>
                    </KeepTyped>
                </ActionForm>
            }
            .into_any()
        }
        Act::Delete => {
            let delete = ServerAction::<DeleteComment>::new();
            show_after(delete, move |_| Some(id));
            let failed = form_error(delete.value(), &[]);
            view! {
                <ActionForm action=delete attr:class="mt-3 flex flex-wrap items-center gap-3 text-sm">
                    <KeepTyped action=delete scope>
                        <input type="hidden" name="id" value=id/>
                        <span>"Delete this comment?"</span>
                        <button type="submit" class="rounded-lg bg-red-600 px-3 py-1 text-white hover:bg-red-500">"Yes, delete it"</button>
                        {cancel}
                        <span role="status" class="text-red-600 dark:text-red-400">{move || failed.get()}</span>
                    </KeepTyped>
                </ActionForm>
            }
            .into_any()
        }
        Act::Report => {
            let report = ServerAction::<ReportComment>::new();
            let field = format!("report-{id}");
            let error = field_error(report.value(), "reason");
            let done = move || matches!(report.value().get(), Some(Ok(())));
            view! {
                <ActionForm action=report attr:class="mt-3 space-y-2">
                    <KeepTyped action=report scope>
                        <input type="hidden" name="id" value=id/>
                        <label for=field.clone() class="block text-sm font-medium">"What is wrong with it?"</label>
                        <input id=field.clone() name="reason" value=typed("reason") required maxlength="500" class=INPUT_CLASS aria-describedby=format!("{field}-message")/>
                        <p id=format!("{field}-message") role="status" class="min-h-5 text-sm">
                            <span class="text-red-600 dark:text-red-400">{move || error.get()}</span>
                            {move || done().then(|| view! { <span class="text-emerald-700 dark:text-emerald-300">"Thanks, the moderators will have a look."</span> })}
                        </p>
                        <div class="flex items-center gap-3">
                            <button type="submit" class=BUTTON_CLASS>"Send report"</button>
                            {cancel}
                        </div>
                    </KeepTyped>
                </ActionForm>
            }
            .into_any()
        }
    };
    form
}

/// Once `action` succeeds, shows the thread again, at the comment `at` names: the page is
/// loaded anew at `#comment-ID`, without the form its address opened.
fn show_after<A>(
    action: ServerAction<A>,
    at: impl Fn(&A::Output) -> Option<i64> + Send + Sync + 'static,
) where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(output)) = action.value().get() {
            if let Some(id) = at(&output) {
                reload_at(id);
            }
        }
    });
}

fn reload_at(id: i64) {
    #[cfg(feature = "hydrate")]
    {
        let window = leptos::prelude::window();
        let location = window.location();
        let path = location.pathname().unwrap_or_default();
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}#comment-{id}")),
            );
        }
        let _ = location.reload();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[cfg(test)]
mod tests {
    use super::reader_style;

    #[test]
    fn a_readers_style_names_them_and_nothing_else() {
        assert!(reader_style("ada_l-9").contains(r#"[data-by="ada_l-9"]"#));
        let odd = reader_style("x\"]</style><script>");
        assert!(!odd.contains('<'), "{odd}");
        assert_eq!(odd.matches('"').count(), 4, "{odd}");
        assert!(
            odd.contains(r#"[data-by="x\22 \5d \3c \2f style\3e \3c script\3e "]"#),
            "{odd}"
        );
    }
}
