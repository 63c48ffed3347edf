//! `/editor/new` and `/editor/{id}`: write, preview, save, publish. A plain form that saves
//! without JavaScript; with it, autosave, live preview, shortcuts and conflict handling.

use std::time::Duration;

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::accounts::functions::get_current_user;
use crate::categories::functions::list_categories;
use crate::categories::{Category, CategoryId};
use crate::components::error_notice::{loaded, loading};
use crate::components::form::{
    field_error, refused_fields, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON_CLASS,
};
use crate::components::island::reloaded;
use crate::error::AppError;
use crate::posts::drafts::{DiffLine, EditorPost, Saved};
use crate::posts::editor::{
    category_field, check_slug, list_revisions, load_post, preview, revision_diff, suggest_tags,
    RestoreRevision, SavePost, SetPostComments, SetPostStatus,
};
use crate::posts::{PostKind, PostStatus};

/// Typing pauses this long before a draft saves itself.
const AUTOSAVE_AFTER: Duration = Duration::from_secs(3);
/// …and before the preview follows.
const PREVIEW_AFTER: Duration = Duration::from_millis(400);

#[component]
pub fn EditorPage() -> impl IntoView {
    let params = use_params_map();
    // `/editor/new?kind=page` writes a page (About, Contact) instead of a post.
    let new_kind = if use_query_map().read_untracked().get("kind").as_deref() == Some("page") {
        PostKind::Page
    } else {
        PostKind::Post
    };
    // A save posted before the editor hydrated and refused comes back with what was typed.
    let typed = refused_fields(SavePost::PATH);
    let post = Resource::new(
        move || params.read().get("id"),
        move |id| {
            let typed = typed.clone();
            async move {
                let post = match id.as_deref() {
                    // Only an account can write; a visitor is sent to sign in first.
                    None | Some("new") => match get_current_user().await? {
                        Some(_) => EditorPost {
                            kind: new_kind,
                            ..EditorPost::default()
                        },
                        None => return Err(AppError::Unauthorized),
                    },
                    Some(raw) => load_post(raw.parse().map_err(|_| AppError::NotFound)?).await?,
                };
                let post = as_typed(post, &typed);
                // Everything the editor shows first travels with it (see `reloaded`).
                let categories = list_categories().await?;
                let preview_html = preview(post.content.clone()).await?;
                Ok((post, categories, preview_html))
            }
        },
    );
    view! {
        <Title text="Editor"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(post.await, |(post, categories, preview_html)| {
                    let time_zone = crate::site::current().time_zone.clone();
                    view! { <Editor post all_categories=categories preview_html time_zone/> }.into_any()
                })
            })}
        </Suspense>
    }
}

/// `post` with the fields as a refused plain save sent them (none: as it is).
fn as_typed(mut post: EditorPost, typed: &[(String, String)]) -> EditorPost {
    for (name, value) in typed {
        let value = value.clone();
        match name.as_str() {
            "title" => post.title = value,
            "slug" => post.slug = value,
            "content" => post.content = value,
            "excerpt" => post.excerpt = value,
            "cover_image" => post.cover_image = value,
            "canonical_url" => post.canonical_url = value,
            "tags" => {
                post.tags = value
                    .split(',')
                    .map(str::trim)
                    .filter(|tag| !tag.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            _ => {}
        }
    }
    post
}

/// Where the draft stands, as the status line says it.
#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Unchanged,
    Unsaved,
    Saving,
    Saved,
    Failed(String),
    /// Changed elsewhere: both versions are shown.
    Conflict(Box<EditorPost>),
}

/// The whole editor is one island, fetched (with `--split`) only when an editor page opens.
#[island(lazy)]
fn Editor(
    post: EditorPost,
    all_categories: Vec<Category>,
    preview_html: String,
    /// The blog's: the scheduling input is read in it.
    time_zone: String,
) -> impl IntoView {
    crate::components::island::register();
    let page = post.kind == PostKind::Page;
    let noun = if page { "page" } else { "post" };
    let id = RwSignal::new((post.id != 0).then_some(post.id));
    let comments_open = RwSignal::new(!post.comments_closed);
    let version = RwSignal::new(post.version);
    let status = RwSignal::new(post.status);
    let published_at = RwSignal::new(post.published_at);
    let title = RwSignal::new(post.title.clone());
    let slug = RwSignal::new(post.slug.clone());
    let content = RwSignal::new(post.content.clone());
    let excerpt = RwSignal::new(post.excerpt.clone());
    let cover = RwSignal::new(post.cover_image.clone());
    // Typed as text, "rust, web".
    let tags = RwSignal::new(post.tags.join(", "));
    let categories = RwSignal::new(post.category_ids.clone());
    let canonical = RwSignal::new(post.canonical_url.clone());
    let state = RwSignal::new(SaveState::Unchanged);
    // Edits since the page opened; a save is "clean" only if nothing was typed while it ran.
    let edits = RwSignal::new(0_u64);
    let saved_edits = StoredValue::new(0_u64);
    let autosave_timer = StoredValue::new(None::<TimeoutHandle>);
    let preview_source = RwSignal::new(post.content.clone());
    let preview_timer = StoredValue::new(None::<TimeoutHandle>);

    let save = ServerAction::<SavePost>::new();
    let set_status = ServerAction::<SetPostStatus>::new();
    let restore = ServerAction::<RestoreRevision>::new();

    let dispatch_save = move |autosave: bool| {
        if let Some(handle) = autosave_timer.get_value() {
            handle.clear();
        }
        saved_edits.set_value(edits.get_untracked());
        state.set(SaveState::Saving);
        save.dispatch(SavePost {
            id: id.get_untracked(),
            version: id.get_untracked().map(|_| version.get_untracked()),
            title: title.get_untracked(),
            slug: slug.get_untracked(),
            content: content.get_untracked(),
            excerpt: excerpt.get_untracked(),
            cover_image: cover.get_untracked(),
            tags: tags.get_untracked(),
            categories: category_field(&categories.get_untracked()),
            canonical_url: canonical.get_untracked(),
            autosave: Some(autosave),
            kind: Some(post.kind.as_str().to_owned()),
        });
    };
    let changed = move || {
        edits.update(|e| *e += 1);
        state.set(SaveState::Unsaved);
        if let Some(handle) = autosave_timer.get_value() {
            handle.clear();
        }
        autosave_timer
            .set_value(set_timeout_with_handle(move || dispatch_save(true), AUTOSAVE_AFTER).ok());
    };
    let apply_saved = move |saved: &Saved| {
        let first_save = id.get_untracked().is_none();
        id.set(Some(saved.id));
        version.set(saved.version);
        slug.set(saved.slug.clone());
        status.set(saved.status);
        published_at.set(saved.published_at);
        if first_save {
            // The address becomes the post's own, without reloading what is being typed.
            #[cfg(feature = "hydrate")]
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&format!("/editor/{}", saved.id)),
                );
            }
        }
    };
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            apply_saved(&saved);
            let clean = edits.get_untracked() == saved_edits.get_value();
            state.set(if clean {
                SaveState::Saved
            } else {
                SaveState::Unsaved
            });
        }
        Some(Err(AppError::Conflict(_))) => {
            if let Some(post_id) = id.get_untracked() {
                leptos::task::spawn_local(async move {
                    match load_post(post_id).await {
                        Ok(theirs) => state.set(SaveState::Conflict(Box::new(theirs))),
                        Err(err) => state.set(SaveState::Failed(err.to_string())),
                    }
                });
            }
        }
        Some(Err(err)) => state.set(SaveState::Failed(err.to_string())),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = set_status.value().get() {
            apply_saved(&saved);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = restore.value().get() {
            #[cfg(feature = "hydrate")]
            {
                // The restored text replaces the editor's: simplest and certain is a reload.
                let _ = window()
                    .location()
                    .set_href(&format!("/editor/{}", saved.id));
            }
            let _ = saved;
        }
    });

    // Leaving with unsaved changes asks first.
    #[cfg(feature = "hydrate")]
    {
        let listener = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if matches!(
                state.get_untracked(),
                SaveState::Unsaved
                    | SaveState::Saving
                    | SaveState::Failed(_)
                    | SaveState::Conflict(_)
            ) {
                ev.prevent_default();
                ev.set_return_value("You have unsaved changes.");
            }
        });
        on_cleanup(move || listener.remove());
    }

    let textarea: NodeRef<Textarea> = NodeRef::new();
    let upload_progress = RwSignal::new(None::<u32>);
    let upload_problem = RwSignal::new(None::<String>);
    let on_content = move |value: String| {
        content.set(value);
        changed();
        if let Some(handle) = preview_timer.get_value() {
            handle.clear();
        }
        preview_timer.set_value(
            set_timeout_with_handle(
                move || preview_source.set(content.get_untracked()),
                PREVIEW_AFTER,
            )
            .ok(),
        );
    };
    let shortcut = move |ev: leptos::ev::KeyboardEvent| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("s") {
            ev.prevent_default();
            dispatch_save(false);
        }
    };
    let error = move |field: &'static str| field_error(save.value(), field);
    let status_error = field_error(set_status.value(), "publish_at");
    let status_failed = move || match set_status.value().get() {
        Some(Err(err)) if err.field_message("publish_at").is_none() => Some(err.to_string()),
        _ => None,
    };

    view! {
        <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold tracking-tight">{move || format!("{} {noun}", if id.get().is_some() { "Edit" } else { "New" })}</h1>
            <SaveStatus state/>
        </div>
        <ConflictPanel state version title content excerpt on_keep=move || dispatch_save(false)/>
        <ActionForm action=save attr:class="grid gap-8 lg:grid-cols-2" on:keydown=shortcut>
            <div class="space-y-4">
                {move || id.get().map(|id| view! { <input type="hidden" name="id" value=id/> })}
                <input type="hidden" name="kind" value=post.kind.as_str()/>
                {move || id.get().map(|_| view! { <input type="hidden" name="version" value=version.get_untracked().to_string() prop:value=move || version.get().to_string()/> })}
                <div>
                    <label for="post-title" class="block text-sm font-medium">"Title"</label>
                    <input id="post-title" name="title" required maxlength="200" class=INPUT_CLASS
                        value=title.get_untracked() prop:value=title on:input=move |ev| { title.set(event_target_value(&ev)); changed(); }
                        aria-describedby="post-title-message"/>
                    <p id="post-title-message" class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error("title").get()}</p>
                </div>
                <SlugField slug id title page error=error("slug") on_change=changed/>
                <div>
                    <label for="post-content" class="block text-sm font-medium">"Text (markdown)"</label>
                    <Toolbar textarea on_change=on_content/>
                    <ImageButton textarea progress=upload_progress problem=upload_problem on_change=on_content/>
                    <textarea id="post-content" name="content" rows="20" node_ref=textarea
                        class=format!("{INPUT_CLASS} font-mono text-sm")
                        prop:value=content on:input=move |ev| on_content(event_target_value(&ev))
                        on:dragover=move |ev| ev.prevent_default()
                        on:drop=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                let files = file_list(ev.data_transfer().and_then(|d| d.files()));
                                if !files.is_empty() {
                                    ev.prevent_default();
                                    upload_into_text(files, textarea, upload_progress, upload_problem, on_content);
                                }
                            }
                            let _ = ev;
                        }
                        on:paste=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                let files = file_list(ev.clipboard_data().and_then(|d| d.files()));
                                if !files.is_empty() {
                                    ev.prevent_default();
                                    upload_into_text(files, textarea, upload_progress, upload_problem, on_content);
                                }
                            }
                            let _ = ev;
                        }
                        aria-describedby="post-content-message">{post.content.clone()}</textarea>
                    <UploadStatus progress=upload_progress problem=upload_problem/>
                    <p id="post-content-message" class="min-h-5 text-sm">
                        {move || match error("content").get() {
                            Some(message) => view! { <span class="text-red-600 dark:text-red-400">{message}</span> }.into_any(),
                            None => view! { <span class="text-slate-500 dark:text-slate-400">"Ctrl+S saves. Drafts also save themselves a few seconds after you stop typing."</span> }.into_any(),
                        }}
                    </p>
                </div>
                // A page is its title and text: it is in no list, feed, tag or category.
                {(!page).then(|| view! {
                    <TextInput id="post-excerpt" name="excerpt" label="Excerpt (optional; else the first paragraph)" value=excerpt error=error("excerpt") on_change=changed/>
                    <TextInput id="post-cover" name="cover_image" label="Cover image address (optional)" value=cover error=error("cover_image") on_change=changed/>
                    <TagsInput tags error=error("tags") on_change=changed/>
                    <CategoryChoice all=all_categories chosen=categories error=error("categories") on_change=changed/>
                    <TextInput id="post-canonical" name="canonical_url" label="First published at (canonical address, optional)" value=canonical error=error("canonical_url") on_change=changed/>
                })}
                <button type="submit" class=BUTTON_CLASS on:click=move |ev| { ev.prevent_default(); dispatch_save(false); }>
                    {move || if save.pending().get() { "Saving…" } else { "Save draft" }}
                </button>
            </div>
            <div>
                <h2 class="mb-2 text-sm font-medium">"Preview"</h2>
                <Preview source=preview_source first=preview_html/>
            </div>
        </ActionForm>
        {move || id.get().map(|post_id| view! {
            <PublishPanel post_id version status published_at set_status error=status_error failed=Signal::derive(status_failed) comments_open page time_zone=time_zone.clone()/>
        })}
        <Revisions post_id=id.into() version restore saves=Signal::derive(move || save.version().get())/>
    }
}

#[component]
fn SaveStatus(state: RwSignal<SaveState>) -> impl IntoView {
    view! {
        <p role="status" aria-live="polite" data-testid="save-state" class="text-sm font-medium">
            {move || match state.get() {
                SaveState::Unchanged => view! { <span class="text-slate-500 dark:text-slate-400">"No changes"</span> }.into_any(),
                SaveState::Unsaved => view! { <span class="text-amber-600">"Unsaved changes"</span> }.into_any(),
                SaveState::Saving => view! { <span class="text-slate-500 dark:text-slate-400">"Saving…"</span> }.into_any(),
                SaveState::Saved => view! { <span class="text-emerald-600">"Saved"</span> }.into_any(),
                SaveState::Failed(why) => view! { <span class="text-red-600 dark:text-red-400">"Not saved: "{why}</span> }.into_any(),
                SaveState::Conflict(_) => view! { <span class="text-red-600 dark:text-red-400">"Not saved: changed elsewhere"</span> }.into_any(),
            }}
        </p>
    }
}

/// Both versions side by side when the post changed elsewhere; the author picks.
#[component]
fn ConflictPanel(
    state: RwSignal<SaveState>,
    version: RwSignal<i64>,
    title: RwSignal<String>,
    content: RwSignal<String>,
    excerpt: RwSignal<String>,
    on_keep: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let SaveState::Conflict(theirs) = state.get() else {
            return ().into_any();
        };
        let theirs_text = theirs.content.clone();
        let theirs_for_use = theirs.clone();
        view! {
            <section role="alert" class="mb-6 rounded-xl border border-red-300 bg-red-50 p-4 dark:border-red-800 dark:bg-red-950">
                <h2 class="font-semibold">"This post was changed elsewhere since you opened it"</h2>
                <p class="text-sm">"Nothing was overwritten. Keep your version (it replaces theirs) or take theirs (yours is discarded)."</p>
                <div class="mt-3 grid gap-4 md:grid-cols-2">
                    <div>
                        <h3 class="text-sm font-medium">"Your version"</h3>
                        <pre class="max-h-64 overflow-auto whitespace-pre-wrap rounded bg-white p-2 text-xs dark:bg-slate-900">{move || content.get()}</pre>
                    </div>
                    <div>
                        <h3 class="text-sm font-medium">"Their version"</h3>
                        <pre class="max-h-64 overflow-auto whitespace-pre-wrap rounded bg-white p-2 text-xs dark:bg-slate-900">{theirs_text}</pre>
                    </div>
                </div>
                <div class="mt-3 flex gap-2">
                    <button type="button" class=BUTTON_CLASS on:click=move |_| {
                        version.set(theirs.version);
                        on_keep();
                    }>"Keep mine"</button>
                    <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| {
                        version.set(theirs_for_use.version);
                        title.set(theirs_for_use.title.clone());
                        content.set(theirs_for_use.content.clone());
                        excerpt.set(theirs_for_use.excerpt.clone());
                        state.set(SaveState::Saved);
                    }>"Take theirs"</button>
                </div>
            </section>
        }
        .into_any()
    }
}

#[component]
fn TextInput(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let message = format!("{id}-message");
    view! {
        <div>
            <label for=id class="block text-sm font-medium">{label}</label>
            <input id=id name=name class=INPUT_CLASS aria-describedby=message.clone()
                value=value.get_untracked() prop:value=value on:input=move |ev| { value.set(event_target_value(&ev)); on_change(); }/>
            <p id=message class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error.get()}</p>
        </div>
    }
}

/// Tags as text, with existing tags that start like the one being typed offered below.
#[component]
fn TagsInput(
    tags: RwSignal<String>,
    error: Signal<Option<String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let typing = Memo::new(move |_| {
        tags.get()
            .rsplit(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    let suggestions = reloaded(
        Some(Vec::new()),
        move || typing.get(),
        |prefix| async move {
            if prefix.is_empty() {
                return Vec::new();
            }
            // A failed lookup only means no suggestions.
            suggest_tags(prefix).await.unwrap_or_default()
        },
    );
    let pick = move |tag: String| {
        tags.update(|text| {
            let kept = text
                .rsplit_once(',')
                .map(|(head, _)| format!("{head}, "))
                .unwrap_or_default();
            *text = format!("{kept}{tag}, ");
        });
        on_change();
    };
    view! {
        <TextInput id="post-tags" name="tags" label="Tags, separated by commas" value=tags error on_change/>
        {move || {
            let found = suggestions.get().unwrap_or_default();
            (!found.is_empty()).then(|| view! {
                <div class="-mt-3 mb-2 flex flex-wrap items-center gap-1 text-xs" aria-label="Existing tags">
                    <span class="text-slate-500 dark:text-slate-400">"Existing:"</span>
                    {found.into_iter().map(|tag| {
                        let chosen = tag.clone();
                        view! {
                            <button type="button" class="rounded-full bg-slate-100 px-2 py-0.5 hover:bg-indigo-100 dark:bg-slate-800"
                                on:click=move |_| pick(chosen.clone())>{tag}</button>
                        }
                    }).collect_view()}
                </div>
            })
        }}
    }
}

/// The slug, filled from the title until the author types one, checked as they type.
#[component]
fn SlugField(
    slug: RwSignal<String>,
    id: RwSignal<Option<i64>>,
    title: RwSignal<String>,
    /// A page lives at `/{slug}`, a post at `/posts/{slug}`.
    page: bool,
    error: Signal<Option<String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let at = if page { "/" } else { "/posts/" };
    let typed = RwSignal::new(!slug.get_untracked().is_empty());
    let wanted = Memo::new(move |_| if typed.get() { slug.get() } else { title.get() });
    let check = reloaded(
        None,
        move || (wanted.get(), id.get()),
        move |(wanted, id)| async move {
            if wanted.trim().is_empty() {
                return Ok(None);
            }
            check_slug(wanted, id, Some(page)).await.map(Some)
        },
    );
    view! {
        <div>
            <label for="post-slug" class="block text-sm font-medium">"Address (slug)"</label>
            <input id="post-slug" name="slug" maxlength="100" class=INPUT_CLASS aria-describedby="post-slug-message"
                value=slug.get_untracked() prop:value=slug placeholder="made from the title"
                on:input=move |ev| { slug.set(event_target_value(&ev)); typed.set(true); on_change(); }/>
            <p id="post-slug-message" class="min-h-5 text-sm" aria-live="polite">
                {move || error.get().map(|m| view! { <span class="text-red-600 dark:text-red-400">{m}</span> })}
                {move || match check.get() {
                    Some(Ok(Some(c))) if c.available => view! { <span class="text-slate-500 dark:text-slate-400">"Will be at "{at}{c.slug}</span> }.into_any(),
                    Some(Ok(Some(c))) => view! { <span class="text-red-600 dark:text-red-400">{at}{c.slug}" is taken; choose another"</span> }.into_any(),
                    _ => ().into_any(),
                }}
            </p>
        </div>
    }
}

#[component]
fn CategoryChoice(
    all: Vec<Category>,
    chosen: RwSignal<Vec<CategoryId>>,
    error: Signal<Option<String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let joined = move || category_field(&chosen.get());
    view! {
        <fieldset>
            <legend class="text-sm font-medium">"Categories"</legend>
            <input type="hidden" name="categories" value=category_field(&chosen.get_untracked()) prop:value=joined/>
            <div class="mt-1 flex flex-wrap gap-3">
                {all.into_iter().map(|c| {
                    let box_id = format!("category-choice-{}", c.id);
                    let label_for = box_id.clone();
                    let cid = CategoryId(c.id);
                    view! {
                        <label for=label_for class="flex items-center gap-1.5 text-sm">
                            <input type="checkbox" id=box_id prop:checked=move || chosen.get().contains(&cid)
                                on:change=move |_| {
                                    chosen.update(|ids| if let Some(at) = ids.iter().position(|i| *i == cid) { ids.remove(at); } else { ids.push(cid); });
                                    on_change();
                                }/>
                            {c.name}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error.get()}</p>
        </fieldset>
    }
}

/// Buttons that wrap the selection in markdown.
#[component]
fn Toolbar(
    textarea: NodeRef<Textarea>,
    on_change: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let tools: [(&str, &str, &str, &str); 8] = [
        ("Bold", "B", "**", "**"),
        ("Italic", "I", "_", "_"),
        ("Link", "Link", "[", "](https://)"),
        ("Heading", "H", "## ", ""),
        ("Code", "</>", "```\n", "\n```"),
        ("Quote", "❝", "> ", ""),
        ("List", "•", "- ", ""),
        ("Image", "Image", "![", "](/media/)"),
    ];
    view! {
        <div role="toolbar" aria-label="Formatting" class="mt-1 flex flex-wrap gap-1">
            {tools.into_iter().map(|(name, face, before, after)| view! {
                <button type="button" aria-label=name title=name
                    class="rounded border border-slate-300 px-2 py-0.5 text-xs font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                    on:click=move |_| {
                        if let Some(area) = textarea.get() {
                            let value = area.value();
                            let start = area.selection_start().ok().flatten().unwrap_or(0) as usize;
                            let end = area.selection_end().ok().flatten().unwrap_or(0) as usize;
                            // Selection offsets count UTF-16 units.
                            let units: Vec<u16> = value.encode_utf16().collect();
                            let (start, end) = (start.min(units.len()), end.min(units.len()));
                            let selected = String::from_utf16_lossy(&units[start..end]);
                            let new_value = format!(
                                "{}{before}{selected}{after}{}",
                                String::from_utf16_lossy(&units[..start]),
                                String::from_utf16_lossy(&units[end..]),
                            );
                            area.set_value(&new_value);
                            let caret = (start + before.encode_utf16().count() + selected.encode_utf16().count()) as u32;
                            let _ = area.set_selection_range(caret, caret);
                            let _ = area.focus();
                            on_change(new_value);
                        }
                    }>{face}</button>
            }).collect_view()}
        </div>
    }
}

/// Choose pictures from the device; they are uploaded and written into the text.
#[component]
fn ImageButton(
    textarea: NodeRef<Textarea>,
    progress: RwSignal<Option<u32>>,
    problem: RwSignal<Option<String>>,
    on_change: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let chosen = move |ev: leptos::ev::Event| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                upload_into_text(
                    file_list(input.files()),
                    textarea,
                    progress,
                    problem,
                    on_change,
                );
                input.set_value("");
            }
        }
        let _ = (ev, textarea, progress, on_change);
    };
    view! {
        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
            <label for="image-upload" class="cursor-pointer rounded border border-slate-300 px-2 py-0.5 font-semibold text-slate-700 hover:bg-slate-100 focus-within:ring-2 focus-within:ring-indigo-500 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800">
                "Add image"
                <input id="image-upload" type="file" accept="image/png,image/jpeg,image/webp,image/gif" multiple class="sr-only" on:change=chosen/>
            </label>
            " or drop or paste pictures into the text"
        </p>
    }
}

#[component]
fn UploadStatus(
    progress: RwSignal<Option<u32>>,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="text-sm">
            {move || progress.get().map(|percent| view! {
                <label class="flex items-center gap-2 text-slate-600 dark:text-slate-300">
                    "Uploading image…"
                    <progress max="100" value=percent class="h-2 w-40"></progress>
                    {format!("{percent}%")}
                </label>
            })}
            {move || problem.get().map(|why| view! { <p class="text-red-600 dark:text-red-400">"Image not added: "{why}</p> })}
        </div>
    }
}

#[component]
fn Preview(source: RwSignal<String>, first: String) -> impl IntoView {
    let html = reloaded(Some(Ok(first)), move || source.get(), preview);
    view! {
        <div data-testid="preview" class="prose prose-slate min-h-64 max-w-none rounded-xl border border-slate-200 p-4 dark:prose-invert dark:border-slate-800">
            {move || match html.get() {
                // Rendered and sanitized on the server, as the post page will be.
                Some(Ok(html)) => view! { <div inner_html=html></div> }.into_any(),
                Some(Err(err)) => view! { <p class="text-red-600 dark:text-red-400">{err.to_string()}</p> }.into_any(),
                None => view! { <p class="text-slate-500 dark:text-slate-400">"Rendering…"</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PublishPanel(
    post_id: i64,
    version: RwSignal<i64>,
    status: RwSignal<PostStatus>,
    published_at: RwSignal<Option<chrono::DateTime<chrono::Utc>>>,
    set_status: ServerAction<SetPostStatus>,
    error: Signal<Option<String>>,
    failed: Signal<Option<String>>,
    comments_open: RwSignal<bool>,
    /// A page takes no comments: no switch.
    page: bool,
    time_zone: String,
) -> impl IntoView {
    let set_comments = ServerAction::<SetPostComments>::new();
    let comments_note = move || match set_comments.value().get() {
        Some(Err(err)) => Some((true, err.to_string())),
        Some(Ok(())) if comments_open.get() => Some((false, "Comments are open.".to_owned())),
        Some(Ok(())) => Some((
            false,
            "Comments are closed; the ones there stay readable.".to_owned(),
        )),
        None => None,
    };
    let describe = move || match (status.get(), published_at.get()) {
        (PostStatus::Published, Some(at)) => {
            format!("Published · {}", at.format("%Y-%m-%d %H:%M UTC"))
        }
        (PostStatus::Published, None) => "Published".to_owned(),
        (PostStatus::Draft, _) => "Draft".to_owned(),
        (PostStatus::Archived, _) => "Archived".to_owned(),
    };
    let change = move |to: PostStatus, publish_at: Option<String>| {
        set_status.dispatch(SetPostStatus {
            id: post_id,
            version: version.get_untracked(),
            status: to,
            publish_at,
        });
    };
    let when = RwSignal::new(String::new());
    view! {
        <section aria-labelledby="publish-heading" class="mt-10 rounded-xl border border-slate-200 p-4 dark:border-slate-800">
            <h2 id="publish-heading" class="font-semibold">"Publishing"</h2>
            <p data-testid="post-status" class="text-sm text-slate-600 dark:text-slate-300">{describe}</p>
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <button type="button" class=BUTTON_CLASS on:click=move |_| change(PostStatus::Published, None)>"Publish now"</button>
                <div>
                    <label for="publish-at" class="block text-sm font-medium">{format!("Or at ({time_zone})")}</label>
                    <input id="publish-at" type="datetime-local" class=INPUT_CLASS prop:value=when
                        on:input=move |ev| when.set(event_target_value(&ev)) aria-describedby="publish-at-message"/>
                </div>
                <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| change(PostStatus::Published, Some(when.get_untracked()))>"Schedule"</button>
                <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| change(PostStatus::Draft, None)>"Back to draft"</button>
                <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| change(PostStatus::Archived, None)>"Archive"</button>
            </div>
            <p id="publish-at-message" class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error.get().or(failed.get())}</p>
            {(!page).then(|| view! {
            <label class="mt-2 flex items-center gap-2 text-sm font-medium">
                <input type="checkbox" class="h-4 w-4" prop:checked=comments_open aria-describedby="comments-switch-message"
                    on:change=move |ev| {
                        let enabled = event_target_checked(&ev);
                        comments_open.set(enabled);
                        set_comments.dispatch(SetPostComments { id: post_id, enabled });
                    }/>
                "Readers may comment"
            </label>
            <p id="comments-switch-message" class="min-h-5 text-sm" role="status">
                {move || comments_note().map(|(failed, note)| view! {
                    <span class=if failed { "text-red-600 dark:text-red-400" } else { "text-slate-600 dark:text-slate-300" }>{note}</span>
                })}
            </p>
            })}
        </section>
    }
}

/// Rendered for a new post too, hidden until its first save.
#[component]
fn Revisions(
    post_id: Signal<Option<i64>>,
    version: RwSignal<i64>,
    restore: ServerAction<RestoreRevision>,
    saves: Signal<usize>,
) -> impl IntoView {
    // Loaded by the browser: a new post has none, and an old one's list is not urgent.
    let list = reloaded(
        None,
        move || (post_id.get(), saves.get()),
        |(post_id, _)| async move {
            match post_id {
                Some(post_id) => list_revisions(post_id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let shown = RwSignal::new(None::<i64>);
    let diff = reloaded(
        Some(Ok(None)),
        move || shown.get(),
        |id| async move {
            match id {
                Some(id) => revision_diff(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <section aria-labelledby="revisions-heading" hidden=move || post_id.get().is_none() class="mt-6 rounded-xl border border-slate-200 p-4 dark:border-slate-800">
            <h2 id="revisions-heading" class="font-semibold">"Revisions"</h2>
            {move || {
                let revisions = list.get().and_then(Result::ok).unwrap_or_default();
                view! {
                    <ol class="mt-2 space-y-1 text-sm">
                        {revisions.into_iter().map(|r| {
                            let rid = r.id;
                            let kind = match r.kind.as_str() { "PUBLISH" => "Published", "AUTOSAVE" => "Autosaved", _ => "Saved" };
                            view! {
                                <li class="flex flex-wrap items-center gap-2">
                                    <span>{kind}" · "{r.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</span>
                                    <button type="button" class="text-indigo-600 hover:underline dark:text-indigo-400" on:click=move |_| shown.set(Some(rid))>"Compare"</button>
                                    <button type="button" class="text-indigo-600 hover:underline dark:text-indigo-400" on:click=move |_| {
                                        restore.dispatch(RestoreRevision { revision_id: rid, version: version.get_untracked() });
                                    }>"Restore"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }
            }}
            {move || match diff.get() {
                Some(Ok(Some(lines))) => view! {
                    <pre aria-label="Differences from the current text" class="mt-3 max-h-96 overflow-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-900">
                        {lines.into_iter().map(|line| match line {
                            DiffLine::Same(t) => view! { <div>"  "{t}</div> }.into_any(),
                            DiffLine::Added(t) => view! { <div class="bg-emerald-100 dark:bg-emerald-950">"+ "{t}</div> }.into_any(),
                            DiffLine::Removed(t) => view! { <div class="bg-red-100 dark:bg-red-950">"- "{t}</div> }.into_any(),
                        }).collect_view()}
                    </pre>
                }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

/// Sends one picture to the server with progress; `done` gets the answer's JSON or a message.
#[cfg(feature = "hydrate")]
fn send_image(
    file: web_sys::File,
    progress: RwSignal<Option<u32>>,
    done: impl FnOnce(Result<serde_json::Value, String>) + 'static,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return done(Err("This browser cannot upload".to_owned()));
    };
    let Ok(form) = web_sys::FormData::new() else {
        return done(Err("This browser cannot upload".to_owned()));
    };
    if form
        .append_with_blob_and_filename("image", &file, &file.name())
        .is_err()
        || xhr.open("POST", "/editor/images").is_err()
    {
        return done(Err("This browser cannot upload".to_owned()));
    }
    let _ = xhr.set_request_header("Accept", "application/json");
    progress.set(Some(0));
    if let Ok(upload) = xhr.upload() {
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    progress.set(Some((ev.loaded() / ev.total() * 100.0) as u32));
                }
            });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let request = xhr.clone();
    let on_end = Closure::once_into_js(move || {
        progress.set(None);
        let body = request.response_text().ok().flatten().unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        match request.status() {
            Ok(201) => done(Ok(json)),
            Ok(413) => done(Err("The image is over 10 MB".to_owned())),
            _ => done(Err(json["error"]
                .as_str()
                .unwrap_or("The upload failed")
                .to_owned())),
        }
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    if xhr.send_with_opt_form_data(Some(&form)).is_err() {
        progress.set(None);
    }
}

/// Puts `text` at the cursor (or over the selection) of the text area.
#[cfg(feature = "hydrate")]
fn insert_at_cursor(area: &web_sys::HtmlTextAreaElement, text: &str) -> String {
    let value = area.value();
    let units: Vec<u16> = value.encode_utf16().collect();
    let start = (area
        .selection_start()
        .ok()
        .flatten()
        .unwrap_or(units.len() as u32) as usize)
        .min(units.len());
    let end = (area.selection_end().ok().flatten().unwrap_or(start as u32) as usize)
        .clamp(start, units.len());
    let new_value = format!(
        "{}{text}{}",
        String::from_utf16_lossy(&units[..start]),
        String::from_utf16_lossy(&units[end..])
    );
    area.set_value(&new_value);
    let caret = (start + text.encode_utf16().count()) as u32;
    let _ = area.set_selection_range(caret, caret);
    new_value
}

/// Uploads pictures chosen, dropped or pasted, and writes their markdown where the cursor is.
#[cfg(feature = "hydrate")]
fn upload_into_text(
    files: Vec<web_sys::File>,
    textarea: NodeRef<Textarea>,
    progress: RwSignal<Option<u32>>,
    problem: RwSignal<Option<String>>,
    on_change: impl Fn(String) + Copy + 'static,
) {
    for file in files {
        let placeholder = format!("![Uploading {}…]()", file.name().replace(['[', ']'], ""));
        if let Some(area) = textarea.get_untracked() {
            on_change(insert_at_cursor(&area, &placeholder));
        }
        send_image(file, progress, move |result| {
            let Some(area) = textarea.get_untracked() else {
                return;
            };
            let value = area.value();
            let replacement = match &result {
                Ok(json) => json["markdown"].as_str().unwrap_or_default().to_owned(),
                Err(_) => String::new(),
            };
            if let Err(why) = result {
                problem.set(Some(why));
            }
            let new_value = value.replacen(&placeholder, &replacement, 1);
            area.set_value(&new_value);
            on_change(new_value);
        });
    }
}

#[cfg(feature = "hydrate")]
fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
