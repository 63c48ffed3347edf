//! The admin page's Menu tab: the header's and the footer's links, in order. Each link has a
//! visible name and an address (a page, tag, category or author of this blog, offered as the
//! admin types, or any https:// address); links move up and down with buttons, so the order
//! is set by keyboard as easily as by pointer.

use leptos::prelude::*;

use crate::components::error_notice::{loaded, loading};
use crate::components::form::{BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON_CLASS};
use crate::error::AppError;
use crate::site::functions::{load_menus, SaveMenus};
use crate::site::menu::MenuChoices;
use crate::site::{MenuLink, Menus};

#[component]
pub fn MenuTab() -> impl IntoView {
    let menus = Resource::new(|| (), |_| load_menus());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(menus.await, |(menus, choices)| view! { <MenuEditor menus choices/> }.into_any())
            })}
        </Suspense>
    }
}

/// A link being edited; `key` stays with it while it moves.
#[derive(Clone, Copy)]
struct Row {
    key: u64,
    label: RwSignal<String>,
    target: RwSignal<String>,
}

#[island(lazy)]
fn MenuEditor(menus: Menus, choices: MenuChoices) -> impl IntoView {
    crate::components::island::register();
    let next_key = StoredValue::new(0_u64);
    let row = move |link: MenuLink| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Row {
            key,
            label: RwSignal::new(link.label),
            target: RwSignal::new(link.target),
        }
    };
    let header = RwSignal::new(menus.header.into_iter().map(row).collect::<Vec<_>>());
    let footer = RwSignal::new(menus.footer.into_iter().map(row).collect::<Vec<_>>());
    let save = ServerAction::<SaveMenus>::new();
    let value = save.value();
    let outcome = Signal::derive(move || value.get());
    let links = move |rows: RwSignal<Vec<Row>>| {
        rows.get_untracked()
            .iter()
            .map(|row| MenuLink {
                label: row.label.get_untracked(),
                target: row.target.get_untracked(),
            })
            .collect()
    };
    let on_save = move |_| {
        save.dispatch(SaveMenus {
            menus: Menus {
                header: links(header),
                footer: links(footer),
            },
        });
    };
    let status = move || match value.get() {
        Some(Ok(_)) => Some((false, "Menus saved: every page shows them now.".to_owned())),
        Some(Err(AppError::Invalid { message, .. })) => {
            Some((true, format!("Not saved: {message}")))
        }
        Some(Err(err)) => Some((true, format!("Not saved: {err}"))),
        None => None,
    };
    let choices = StoredValue::new(choices.links);
    view! {
        <p class="mb-6 max-w-2xl text-sm text-slate-600 dark:text-slate-300">
            "The header's links show beside the search box (behind a menu button on a phone), the footer's under every page. Type a name and an address: a page, tag, category or author of this blog is offered as you type the address, or give any https:// address."
        </p>
        <datalist id="menu-choices">
            {choices.get_value().into_iter().map(|(label, path)| view! { <option value=path>{label}</option> }).collect_view()}
        </datalist>
        <div class="grid gap-10 lg:grid-cols-2">
            <MenuList place="header" title="Header" rows=header row choices value=outcome/>
            <MenuList place="footer" title="Footer" rows=footer row choices value=outcome/>
        </div>
        <div class="mt-6 flex flex-wrap items-center gap-3">
            <button type="button" class=BUTTON_CLASS disabled=move || save.pending().get() on:click=on_save>
                {move || if save.pending().get() { "Saving…" } else { "Save menus" }}
            </button>
            <p role="status" data-testid="menu-status" class="text-sm">
                {move || status().map(|(failed, text)| view! {
                    <span class=if failed { "text-red-600 dark:text-red-400" } else { "text-green-700 dark:text-green-400" }>{text}</span>
                })}
            </p>
        </div>
    }
}

#[component]
fn MenuList(
    place: &'static str,
    title: &'static str,
    rows: RwSignal<Vec<Row>>,
    row: impl Fn(MenuLink) -> Row + Copy + Send + Sync + 'static,
    choices: StoredValue<Vec<(String, String)>>,
    value: Signal<Option<Result<Menus, AppError>>>,
) -> impl IntoView {
    let heading = format!("menu-{place}");
    let labelled_by = heading.clone();
    let move_by = move |key: u64, step: isize| {
        rows.update(|rows| {
            if let Some(at) = rows.iter().position(|r| r.key == key) {
                let to = at as isize + step;
                if (0..rows.len() as isize).contains(&to) {
                    rows.swap(at, to as usize);
                }
            }
        });
    };
    view! {
        <section aria-labelledby=labelled_by>
            <h2 id=heading class="mb-3 text-xl font-semibold">{title}</h2>
            <ol class="space-y-3">
                <For each=move || rows.get() key=|r| r.key let:r>
                    {
                        let index = move || rows.with(|rows| rows.iter().position(|x| x.key == r.key).unwrap_or(0));
                        let error = move |field: &'static str| {
                            value.with(|value| match value {
                                Some(Err(err)) => err.field_message(&format!("{place}.{}.{field}", index())),
                                _ => None,
                            })
                        };
                        let label_id = format!("menu-{place}-{}-label", r.key);
                        let target_id = format!("menu-{place}-{}-target", r.key);
                        let message_id = format!("menu-{place}-{}-message", r.key);
                        let name = move || {
                            let label = r.label.get();
                            if label.is_empty() { format!("link {}", index() + 1) } else { label }
                        };
                        view! {
                            <li class="rounded-xl border border-slate-200 p-3 dark:border-slate-800">
                                <div class="grid gap-2 sm:grid-cols-2">
                                    <div>
                                        <label for=label_id.clone() class="block text-sm font-medium">"Name"</label>
                                        <input id=label_id type="text" maxlength="40" class=INPUT_CLASS value=r.label.get_untracked() prop:value=r.label
                                            aria-describedby=message_id.clone() aria-invalid=move || error("label").is_some().to_string()
                                            on:input=move |ev| r.label.set(event_target_value(&ev))/>
                                    </div>
                                    <div>
                                        <label for=target_id.clone() class="block text-sm font-medium">"Address"</label>
                                        <input id=target_id type="text" list="menu-choices" class=INPUT_CLASS value=r.target.get_untracked() prop:value=r.target
                                            placeholder="/about" aria-describedby=message_id.clone() aria-invalid=move || error("target").is_some().to_string()
                                            on:input=move |ev| {
                                                let target = event_target_value(&ev);
                                                // Picking a page or tag names the link, unless it has a name.
                                                if r.label.get_untracked().trim().is_empty() {
                                                    let chosen = choices.with_value(|choices| choices.iter().find(|(_, path)| *path == target).map(|(label, _)| label.clone()));
                                                    if let Some(label) = chosen {
                                                        let label = label.split_once(": ").map_or(label.clone(), |(_, name)| name.to_owned());
                                                        r.label.set(label);
                                                    }
                                                }
                                                r.target.set(target);
                                            }/>
                                    </div>
                                </div>
                                <p id=message_id class="min-h-5 text-sm text-red-600 dark:text-red-400">
                                    {move || error("label").or_else(|| error("target"))}
                                </p>
                                <div class="flex flex-wrap gap-2">
                                    <button type="button" class=SECONDARY_BUTTON_CLASS aria-label=move || format!("Move {} up", name())
                                        disabled=move || index() == 0 on:click=move |_| move_by(r.key, -1)>"Up"</button>
                                    <button type="button" class=SECONDARY_BUTTON_CLASS aria-label=move || format!("Move {} down", name())
                                        disabled=move || index() + 1 == rows.with(Vec::len) on:click=move |_| move_by(r.key, 1)>"Down"</button>
                                    <button type="button" class=SECONDARY_BUTTON_CLASS aria-label=move || format!("Remove {}", name())
                                        on:click=move |_| rows.update(|rows| rows.retain(|x| x.key != r.key))>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            {move || rows.with(Vec::is_empty).then(|| view! {
                <p class="text-sm text-slate-500 dark:text-slate-400">"No links: this menu is not shown."</p>
            })}
            <p class="min-h-5 text-sm text-red-600 dark:text-red-400">
                {move || value.with(|value| match value {
                    Some(Err(err)) => err.field_message(place),
                    _ => None,
                })}
            </p>
            <button type="button" class=format!("{SECONDARY_BUTTON_CLASS} mt-2")
                on:click=move |_| rows.update(|rows| rows.push(row(MenuLink::default())))>
                {format!("Add a link to the {}", title.to_lowercase())}
            </button>
        </section>
    }
}
