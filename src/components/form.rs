//! Form fields with a visible label and their error next to them.

use leptos::prelude::*;

use crate::error::AppError;

/// The message an action's last error has for `field`.
pub fn field_error<T, S>(value: S, field: &'static str) -> Signal<Option<String>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(err)) => err.field_message(field),
        _ => None,
    })
}

/// The message of an error that names no field on the form (rate limits, outages…).
pub fn form_error<T, S>(value: S, fields: &'static [&'static str]) -> Signal<Option<String>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(AppError::Invalid {
            fields: errors,
            message,
        })) => (!errors.iter().any(|e| fields.contains(&e.field.as_str()))).then_some(message),
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    })
}

/// What the reader typed into the fields of the form around it, when their plain post of it
/// (before its island hydrated, or without JavaScript) was refused: the server answers with
/// this page again (`web::plain_forms`), and the fields inside show what was sent. Forms
/// repeated on a page (a reply form per comment) give a `scope`, so only the one posted gets
/// its text back, and its error: Leptos gives a refused post's error to every form of that
/// server function on the page. In the browser there is nothing to do: hydration keeps the
/// fields' content and the messages as the server wrote them.
#[component]
pub fn KeepTyped<S>(
    action: ServerAction<S>,
    #[prop(default = None)] scope: Option<String>,
    children: Children,
) -> impl IntoView
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    let posted = match posted_to(S::PATH) {
        Some(posted) if posted.is_for(S::PATH, scope.as_deref()) => Some(posted),
        Some(_) => {
            // Another form of this server function was posted: its error is not this one's.
            action.value().set(None);
            None
        }
        None => None,
    };
    #[cfg(not(feature = "ssr"))]
    let _ = action;
    let owner = Owner::current().unwrap_or_default().child();
    let fields = owner.with(|| {
        #[cfg(feature = "ssr")]
        provide_context(Typed(posted));
        children()
    });
    view! {
        {scope.map(|scope| view! { <input type="hidden" name=SCOPE_FIELD value=scope/> })}
        {leptos::tachys::reactive_graph::OwnedView::new_with_owner(fields, owner)}
    }
}

#[cfg(feature = "ssr")]
#[derive(Clone)]
struct Typed(Option<crate::web::plain_forms::PostedForm>);

/// The refused plain post to server function `path` that this page answers, if any.
#[cfg(feature = "ssr")]
fn posted_to(path: &str) -> Option<crate::web::plain_forms::PostedForm> {
    use_context::<axum::http::request::Parts>()?
        .extensions
        .get::<crate::web::plain_forms::PostedForm>()
        .filter(|posted| posted.path == path)
        .cloned()
}

/// The refused plain post of the form to `path` with `scope` that this page answers, if any.
#[cfg(feature = "ssr")]
fn refused_post(path: &str, scope: Option<&str>) -> Option<crate::web::plain_forms::PostedForm> {
    posted_to(path).filter(|posted| posted.is_for(path, scope))
}

/// Whether this page answers a refused plain post of the form to `path` with `scope`: a
/// form folded away (a reply under a comment) is then shown open.
pub fn was_refused(path: &str, scope: Option<&str>) -> bool {
    #[cfg(feature = "ssr")]
    {
        refused_post(path, scope).is_some()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (path, scope);
        false
    }
}

/// The fields of a refused plain post of the (single) form to `path` that this page answers:
/// for a form whose fields live in an island's state, which starts from them. Empty when
/// there is none.
pub fn refused_fields(path: &str) -> Vec<(String, String)> {
    #[cfg(feature = "ssr")]
    {
        refused_post(path, None)
            .map(|posted| posted.fields)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        Vec::new()
    }
}

/// The hidden field naming which of a page's repeated forms was posted.
pub const SCOPE_FIELD: &str = "__form";

/// What was typed into field `name` of the surrounding [`KeepTyped`] form, if its refused
/// post comes back; else `None`.
pub fn typed(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let Typed(posted) = use_context::<Typed>()?;
        posted?.field(name).map(str::to_owned)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = name;
        None
    }
}

pub const INPUT_CLASS: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40 aria-[invalid=true]:border-red-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
pub const BUTTON_CLASS: &str = "inline-flex items-center justify-center rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:opacity-60 dark:focus-visible:ring-offset-slate-950";
pub const SECONDARY_BUTTON_CLASS: &str = "inline-flex items-center justify-center rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-700 dark:hover:bg-slate-800";
pub const DANGER_BUTTON_CLASS: &str = "inline-flex items-center justify-center rounded-lg bg-red-600 px-4 py-2 font-medium text-white shadow-sm hover:bg-red-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 focus-visible:ring-offset-2";

#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("{id}-message");
    // A password is never sent back, not even to the one who typed it.
    let value = typed(name).filter(|_| kind != "password").unwrap_or(value);
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-200">{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=message_id.clone()
                class=INPUT_CLASS
            />
            <FieldMessage id=message_id hint error/>
        </div>
    }
}

#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] hint: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("{id}-message");
    // Empty is no text at all: Leptos writes an empty string as a space.
    let value = typed(name)
        .or(Some(value))
        .filter(|value| !value.is_empty());
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-200">{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=message_id.clone()
                class=INPUT_CLASS
            >{value}</textarea>
            <FieldMessage id=message_id hint error/>
        </div>
    }
}

/// Under a field: its error when there is one, else its hint. Inputs point at it with
/// `aria-describedby`, so screen readers read it with the field.
#[component]
fn FieldMessage(id: String, hint: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="mt-1 min-h-5 text-sm">
            {move || match error.get() {
                Some(message) => view! { <span class="text-red-600 dark:text-red-400">{message}</span> }.into_any(),
                None => view! { <span class="text-slate-500 dark:text-slate-400">{hint}</span> }.into_any(),
            }}
        </p>
    }
}

/// A problem with the whole form, or a note that it worked.
#[component]
pub fn FormStatus(
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into, optional)] success: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || error.get().map(|message| view! {
                <p class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">{message}</p>
            })}
            {move || success.get().map(|message| view! {
                <p class="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">{message}</p>
            })}
        </div>
    }
}
