//! `/admin`: the moderation queue for moderators; users, categories, the overview and the
//! audit log for admins. Every piece of data comes from a server function that checks the
//! caller's role itself: the page only decides what to show.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::accounts::functions::{list_invitations, Invite, SetUserActive, SetUserRole};
use crate::accounts::{InvitationInfo, InvitationState, Role};
use crate::categories::functions::{manage_categories, DeleteCategory, SaveCategory};
use crate::categories::Category;
use crate::components::error_notice::{loaded, loading};
use crate::components::form::{
    field_error, form_error, typed, FormStatus, KeepTyped, TextArea, TextField, BUTTON_CLASS,
    INPUT_CLASS, SECONDARY_BUTTON_CLASS,
};
use crate::components::island::reloaded;
use crate::components::post_card::{format_date, Avatar};
use crate::mail::functions::get_mail_overview;
use crate::mail::MailOverview;
use crate::moderation::functions::{
    admin_users, audit_log, get_overview, moderation_queue, ApproveAllFrom, HideUserComments,
    Moderate,
};
use crate::moderation::{AdminUser, Overview, QueueItem};
use crate::pages::categories::ColorDot;
use crate::posts::functions::{pinned_posts, FeaturePost};
use crate::posts::PostCard;
use crate::redirects::functions::{list_redirects, AddRedirect, DeleteRedirect};
use crate::redirects::Redirect;
use crate::site::functions::{load_site_settings, RemoveSiteImage, SaveSiteSettings};
use crate::site::{Publishing, Registration, SiteSettings};
use crate::subscriptions::functions::load_subscribers;
use crate::subscriptions::{Follows, SubscribersPage};

const TABS: &[(&str, &str)] = &[
    ("queue", "Moderation queue"),
    ("overview", "Overview"),
    ("users", "Users"),
    ("invitations", "Invitations"),
    ("subscribers", "Subscribers"),
    ("categories", "Categories"),
    ("home", "Home page"),
    ("menu", "Menu"),
    ("settings", "Settings"),
    ("redirects", "Redirects"),
    ("import", "Import"),
    ("audit", "Audit log"),
];

#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let tab = move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "queue".to_owned())
    };
    let users_tab = move || {
        let q = query.read();
        view! { <Users search=q.get("search").unwrap_or_default() role=q.get("role") active=q.get("active")/> }
    };
    view! {
        <Title text="Admin"/>
        <Meta name="robots" content="noindex"/>
        <h1 class="mb-4 text-3xl font-bold tracking-tight">"Admin"</h1>
        <nav aria-label="Admin sections" class="mb-8 flex flex-wrap gap-2 border-b border-slate-200 pb-3 dark:border-slate-800">
            {TABS.iter().map(|(key, label)| view! {
                <a href=format!("/admin?tab={key}")
                    aria-current=move || (tab() == *key).then_some("page")
                    class="rounded-full px-3 py-1 text-sm font-medium text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-indigo-600 aria-[current=page]:text-white dark:text-slate-300 dark:hover:bg-slate-800">
                    {*label}
                </a>
            }).collect_view()}
        </nav>
        {move || match tab().as_str() {
            "overview" => view! { <OverviewTab/> }.into_any(),
            "users" => users_tab().into_any(),
            "categories" => view! { <Categories/> }.into_any(),
            "redirects" => view! { <Redirects/> }.into_any(),
            "home" => view! { <Featured/> }.into_any(),
            "menu" => view! { <crate::pages::menu_editor::MenuTab/> }.into_any(),
            "invitations" => view! { <Invitations/> }.into_any(),
            "subscribers" => {
                let q = query.read();
                view! {
                    <Subscribers
                        search=q.get("search").unwrap_or_default()
                        before=q.get("before").and_then(|b| b.parse().ok())
                        imported=q.get("imported").map(|added| format!(
                            "Imported {added} new subscribers ({} already here, {} lines skipped).",
                            q.get("present").unwrap_or_default(),
                            q.get("skipped").unwrap_or_default()
                        ))
                        import_error=q.get("import_error")
                    />
                }.into_any()
            }
            "settings" => view! { <Settings just_saved=query.read().get("saved").is_some()/> }.into_any(),
            "audit" => view! { <AuditTab/> }.into_any(),
            "import" => view! { <crate::pages::import_tab::ImportTab error=query.read().get("error")/> }.into_any(),
            _ => view! { <Queue/> }.into_any(),
        }}
    }
}

/// The tabs with actions are islands, each fetched only when its tab opens, and given its
/// first data by the page (see `reloaded`); the overview and the audit log are server HTML.
#[component]
fn Queue() -> impl IntoView {
    let queue = Resource::new(|| (), |_| moderation_queue());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(queue.await, |items| view! { <QueueTab items/> }.into_any())
            })}
        </Suspense>
    }
}

#[island(lazy)]
fn QueueTab(items: Vec<QueueItem>) -> impl IntoView {
    crate::components::island::register();
    let decide = ServerAction::<Moderate>::new();
    let approve_user = ServerAction::<ApproveAllFrom>::new();
    let queue = reloaded(
        Some(Ok(items)),
        move || (decide.version().get(), approve_user.version().get()),
        |_| moderation_queue(),
    );
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let decide_selected = move |approve: bool| {
        let ids: Vec<String> = selected.get().iter().map(i64::to_string).collect();
        if !ids.is_empty() {
            decide.dispatch(Moderate {
                ids: ids.join(","),
                approve,
            });
            selected.set(BTreeSet::new());
        }
    };
    let failed = form_error(decide.value(), &[]);
    view! {
        <section aria-labelledby="queue-heading">
            <h2 id="queue-heading" class="sr-only">"Moderation queue"</h2>
            <FormStatus error=failed/>
            <div class="mb-4 flex flex-wrap items-center gap-2">
                <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| decide_selected(true)
                    disabled=move || selected.get().is_empty()>"Approve selected"</button>
                <button type="button" class=SECONDARY_BUTTON_CLASS on:click=move |_| decide_selected(false)
                    disabled=move || selected.get().is_empty()>"Reject selected"</button>
                <span class="text-sm text-slate-500 dark:text-slate-400" aria-live="polite">{move || format!("{} selected", selected.get().len())}</span>
            </div>
            {move || match queue.get() {
                None => loading().into_any(),
                Some(items) => loaded(items, move |items| {
                    if items.is_empty() {
                        return view! { <p role="status" class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-slate-500 dark:border-slate-700 dark:text-slate-400">"Nothing waits for a decision."</p> }.into_any();
                    }
                    view! {
                        <ol class="space-y-4" aria-label="Comments waiting">
                            {items.into_iter().map(|item| view! { <QueueEntry item decide approve_user selected/> }).collect_view()}
                        </ol>
                    }.into_any()
                }),
            }}
        </section>
    }
}

#[component]
fn QueueEntry(
    item: QueueItem,
    decide: ServerAction<Moderate>,
    approve_user: ServerAction<ApproveAllFrom>,
    selected: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let id = item.id;
    let check_id = format!("select-{id}");
    let author = item.author.display_name.clone();
    let approve_label = format!("Approve the comment by {author}");
    let reject_label = format!("Reject the comment by {author}");
    let approve_all_label = format!("Approve all from {author}");
    view! {
        <li class="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
            <article aria-label=format!("Comment by {author}")>
                <div class="flex flex-wrap items-center gap-2 text-sm">
                    <input type="checkbox" id=check_id.clone() class="h-4 w-4"
                        prop:checked=move || selected.get().contains(&id)
                        on:change=move |_| selected.update(|s| if !s.remove(&id) { s.insert(id); })/>
                    <label for=check_id class="sr-only">{format!("Select the comment by {author}")}</label>
                    <Avatar name=author.clone() url=item.author.avatar_url.clone()/>
                    <a href=format!("/u/{}", item.author.username) class="font-medium hover:underline">{author.clone()}</a>
                    <span class="text-slate-500 dark:text-slate-400">{format!("{} approved · {} rejected", item.author_approved, item.author_rejected)}</span>
                    <span class="text-slate-500 dark:text-slate-400">"· on "</span>
                    <a href=format!("/posts/{}#comment-{id}", item.post_slug) class="text-indigo-600 hover:underline dark:text-indigo-400">{item.post_title.clone()}</a>
                    <span class="text-slate-500 dark:text-slate-400">"· "{format_date(&item.created_at)}</span>
                    {if item.pending {
                        view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100">"Pending"</span> }.into_any()
                    } else {
                        view! { <span class="rounded-full bg-rose-100 px-2 py-0.5 text-xs font-medium text-rose-900 dark:bg-rose-900 dark:text-rose-100">"Reported"</span> }.into_any()
                    }}
                </div>
                {item.parent_excerpt.clone().map(|parent| view! {
                    <blockquote class="mt-2 border-l-4 border-slate-300 pl-3 text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">"In reply to: "{parent}</blockquote>
                })}
                <div class="prose prose-sm prose-slate mt-2 max-w-none dark:prose-invert" inner_html=item.content_html.clone()></div>
                {(!item.reports.is_empty()).then(|| view! {
                    <ul class="mt-2 space-y-1 text-sm text-rose-800 dark:text-rose-200" aria-label="Reports">
                        {item.reports.iter().map(|r| view! { <li>{format!("@{}: {}", r.reporter, r.reason)}</li> }).collect_view()}
                    </ul>
                })}
                <div class="mt-3 flex flex-wrap gap-2">
                    <ActionForm action=decide>
                        <input type="hidden" name="ids" value=id/>
                        <input type="hidden" name="approve" value="true"/>
                        <button type="submit" class=BUTTON_CLASS aria-label=approve_label>"Approve"</button>
                    </ActionForm>
                    <ActionForm action=decide>
                        <input type="hidden" name="ids" value=id/>
                        <input type="hidden" name="approve" value="false"/>
                        <button type="submit" class="rounded-lg bg-red-600 px-4 py-2 font-medium text-white hover:bg-red-500" aria-label=reject_label>"Reject"</button>
                    </ActionForm>
                    {item.pending.then(|| view! {
                        <ActionForm action=approve_user>
                            <input type="hidden" name="user_id" value=item.author_id/>
                            <button type="submit" class=SECONDARY_BUTTON_CLASS>{approve_all_label}</button>
                        </ActionForm>
                    })}
                </div>
            </article>
        </li>
    }
}

#[component]
fn OverviewTab() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    let mail = Resource::new(|| (), |_| get_mail_overview());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(overview.await, |o| view! { <OverviewView o/> }.into_any())
            })}
            {move || Suspend::new(async move {
                loaded(mail.await, |mail| view! { <MailView mail/> }.into_any())
            })}
        </Suspense>
    }
}

/// Where mail goes, what waits and what failed: so an admin learns that mail is not set up,
/// or that the mail server is down, here rather than from readers.
#[component]
fn MailView(mail: MailOverview) -> impl IntoView {
    let stats = [
        ("Waiting to go", mail.queued),
        ("Being retried", mail.retrying),
        ("Sent in 24 hours", mail.sent_last_day),
        ("Given up on in 7 days", mail.failed_last_week),
    ];
    let notice_class = if mail.sending {
        "mb-4 text-sm text-slate-600 dark:text-slate-300"
    } else {
        "mb-4 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    };
    view! {
        <section class="mt-10" aria-labelledby="mail-heading" data-testid="mail-overview">
            <h2 id="mail-heading" class="mb-2 text-xl font-semibold">"Mail"</h2>
            <p class=notice_class role=(!mail.sending).then_some("status")>{format!("Mail is {}.", mail.transport)}</p>
            <dl class="grid grid-cols-2 gap-4 sm:grid-cols-4">
                {stats.into_iter().map(|(label, value)| view! {
                    <div class="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
                        <dt class="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
                        <dd class="text-2xl font-bold">{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
            {(!mail.recent_failures.is_empty()).then(|| view! {
                <div class="mt-4 overflow-x-auto">
                    <table class="w-full text-left text-sm">
                        <caption class="mb-2 text-left font-semibold">"Messages given up on"</caption>
                        <thead class="text-slate-500 dark:text-slate-400">
                            <tr><th scope="col" class="py-1 pr-4">"To"</th><th scope="col" class="py-1 pr-4">"Subject"</th><th scope="col" class="py-1 pr-4">"Tries"</th><th scope="col" class="py-1 pr-4">"Why"</th><th scope="col" class="py-1">"When"</th></tr>
                        </thead>
                        <tbody>
                            {mail.recent_failures.into_iter().map(|failed| view! {
                                <tr class="border-t border-slate-200 dark:border-slate-800">
                                    <td class="py-1 pr-4">{failed.recipient}</td>
                                    <td class="py-1 pr-4">{failed.subject}</td>
                                    <td class="py-1 pr-4">{failed.attempts}</td>
                                    <td class="py-1 pr-4 break-all">{failed.error}</td>
                                    <td class="py-1 whitespace-nowrap">{format_date(&failed.failed_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}

#[component]
fn OverviewView(o: Overview) -> impl IntoView {
    let stats = [
        ("Users", o.users),
        ("Published posts", o.published),
        ("Drafts", o.drafts),
        ("Archived", o.archived),
        ("Comments pending", o.pending_comments),
        ("Approved in 7 days", o.approved_comments_7d),
    ];
    let peak = o
        .views_by_day
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1);
    let total: i64 = o.views_by_day.iter().map(|(_, n)| n).sum();
    view! {
        <dl class="grid grid-cols-2 gap-4 sm:grid-cols-3">
            {stats.into_iter().map(|(label, value)| view! {
                <div class="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
                    <dt class="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
                    <dd class="text-2xl font-bold">{value}</dd>
                </div>
            }).collect_view()}
        </dl>
        <figure class="mt-8">
            <figcaption class="mb-2 font-semibold">{format!("Views in the last 30 days: {total}")}</figcaption>
            <div class="flex h-32 items-end gap-1" role="img" aria-label=format!("Views per day over 30 days, {total} in all")>
                {o.views_by_day.into_iter().map(|(day, n)| {
                    let height = (n * 100 / peak).max(1);
                    view! { <div class="flex-1 rounded-t bg-indigo-500" style=format!("height: {height}%") title=format!("{day}: {n}")></div> }
                }).collect_view()}
            </div>
        </figure>
    }
}

/// The filters come from the address (a plain GET form): `role` and `active` as written there.
#[component]
fn Users(search: String, role: Option<String>, active: Option<String>) -> impl IntoView {
    let role = role.and_then(|r| Role::parse(&r));
    let active = active.and_then(|a| match a.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    });
    let users = Resource::new(|| (), {
        let search = search.clone();
        move |_| admin_users(search.clone(), role, active)
    });
    view! {
        <Suspense fallback=loading>
            {move || {
                let search = search.clone();
                Suspend::new(async move {
                    loaded(users.await, |users| view! { <UsersTab search role active users/> }.into_any())
                })
            }}
        </Suspense>
    }
}

#[island(lazy)]
fn UsersTab(
    search: String,
    role: Option<Role>,
    active: Option<bool>,
    users: Vec<AdminUser>,
) -> impl IntoView {
    crate::components::island::register();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let hide = ServerAction::<HideUserComments>::new();
    let users = reloaded(
        Some(Ok(users)),
        move || set_role.version().get() + set_active.version().get() + hide.version().get(),
        {
            let search = search.clone();
            move |_| admin_users(search.clone(), role, active)
        },
    );
    let failed = Signal::derive(move || {
        form_error(set_role.value(), &[])
            .get()
            .or(form_error(set_active.value(), &[]).get())
            .or(form_error(hide.value(), &[]).get())
    });
    let hidden = move || match hide.value().get() {
        Some(Ok(n)) => Some(format!("{n} comments hidden.")),
        _ => None,
    };
    view! {
        <form action="/admin" method="get" role="search" class="mb-6 flex flex-wrap items-end gap-3">
            <input type="hidden" name="tab" value="users"/>
            <div>
                <label for="user-search" class="block text-sm font-medium">"Name or email"</label>
                <input id="user-search" name="search" type="search" class=INPUT_CLASS value=search/>
            </div>
            <div>
                <label for="user-role" class="block text-sm font-medium">"Role"</label>
                <select id="user-role" name="role" class=INPUT_CLASS>
                    <option value="">"Any"</option>
                    <option value="USER">"User"</option>
                    <option value="AUTHOR">"Author"</option>
                    <option value="MODERATOR">"Moderator"</option>
                    <option value="ADMIN">"Admin"</option>
                </select>
            </div>
            <div>
                <label for="user-active" class="block text-sm font-medium">"Active"</label>
                <select id="user-active" name="active" class=INPUT_CLASS>
                    <option value="">"Any"</option>
                    <option value="yes">"Active"</option>
                    <option value="no">"Deactivated"</option>
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Find users"</button>
        </form>
        <FormStatus error=failed success=Signal::derive(hidden)/>
        {move || match users.get() {
            None => loading().into_any(),
            Some(users) => loaded(users, move |users| view! {
                <table class="w-full text-left text-sm">
                    <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                        <th scope="col" class="py-2">"User"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {users.into_iter().map(|user| view! { <UserRow user set_role set_active hide/> }).collect_view()}
                    </tbody>
                </table>
            }.into_any()),
        }}
    }
}

#[component]
fn UserRow(
    user: AdminUser,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
    hide: ServerAction<HideUserComments>,
) -> impl IntoView {
    let role_id = format!("role-{}", user.id);
    let role_label = format!("Role of {}", user.username);
    let save_label = format!("Save the role of {}", user.username);
    let active_label = if user.is_active {
        format!("Deactivate {}", user.username)
    } else {
        format!("Reactivate {}", user.username)
    };
    let hide_label = format!("Hide comments of {}", user.username);
    view! {
        <tr class="border-b border-slate-100 align-top dark:border-slate-900">
            <td class="py-2">
                <a href=format!("/u/{}", user.username) class="font-medium hover:underline">{user.display_name.clone()}</a>
                <div class="text-slate-500 dark:text-slate-400">"@"{user.username.clone()}" · joined "{format_date(&user.created_at)}</div>
            </td>
            <td class="py-2">{user.email.clone()}</td>
            <td class="py-2">
                <ActionForm action=set_role attr:class="flex items-center gap-2">
                    <input type="hidden" name="user_id" value=user.id/>
                    <label for=role_id.clone() class="sr-only">{role_label}</label>
                    <select id=role_id name="role" class="rounded border border-slate-300 bg-transparent px-2 py-1 dark:border-slate-700">
                        {Role::ALL.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=role == user.role>{role.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class=SECONDARY_BUTTON_CLASS aria-label=save_label>"Save"</button>
                </ActionForm>
            </td>
            <td class="py-2">{if user.is_active { "Active" } else { "Deactivated" }}</td>
            <td class="flex flex-wrap gap-2 py-2">
                <ActionForm action=set_active>
                    <input type="hidden" name="user_id" value=user.id/>
                    <input type="hidden" name="active" value=(!user.is_active).to_string()/>
                    <button type="submit" class=SECONDARY_BUTTON_CLASS>
                        {active_label}
                    </button>
                </ActionForm>
                <ActionForm action=hide>
                    <input type="hidden" name="user_id" value=user.id/>
                    <button type="submit" class=SECONDARY_BUTTON_CLASS>{hide_label}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn Categories() -> impl IntoView {
    let categories = Resource::new(|| (), |_| manage_categories());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(categories.await, |categories| view! { <CategoriesTab categories/> }.into_any())
            })}
        </Suspense>
    }
}

#[island(lazy)]
fn CategoriesTab(categories: Vec<Category>) -> impl IntoView {
    crate::components::island::register();
    let save = ServerAction::<SaveCategory>::new();
    let delete = ServerAction::<DeleteCategory>::new();
    let categories = reloaded(
        Some(Ok(categories)),
        move || (save.version().get(), delete.version().get()),
        |_| manage_categories(),
    );
    view! {
        <section aria-labelledby="new-category" class="mb-10 max-w-xl">
            <h2 id="new-category" class="mb-3 text-xl font-semibold">"New category"</h2>
            <CategoryForm save category=None/>
        </section>
        <h2 class="mb-3 text-xl font-semibold">"Categories"</h2>
        {move || match categories.get() {
            None => loading().into_any(),
            Some(categories) => loaded(categories, move |categories| view! {
                <ul class="space-y-3">
                    {categories.into_iter().map(|category| {
                        let id = category.id;
                        view! {
                            <li class="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
                                <details>
                                    <summary class="flex cursor-pointer items-center gap-2 font-medium">
                                        <ColorDot color=category.color.clone()/>{category.name.clone()}
                                        <span class="text-sm text-slate-500 dark:text-slate-400">"/categories/"{category.slug.clone()}" · "{category.post_count}" posts"</span>
                                    </summary>
                                    <div class="mt-4 max-w-xl">
                                        <CategoryForm save category=Some(category)/>
                                        <ActionForm action=delete attr:class="mt-3">
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="text-sm text-red-600 hover:underline dark:text-red-400">"Delete this category"</button>
                                        </ActionForm>
                                    </div>
                                </details>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()),
        }}
    }
}

#[component]
fn CategoryForm(save: ServerAction<SaveCategory>, category: Option<Category>) -> impl IntoView {
    let prefix = category
        .as_ref()
        .map(|c| format!("category-{}", c.id))
        .unwrap_or_else(|| "category-new".to_owned());
    let id = category.as_ref().map(|c| c.id);
    let (name, slug, description, color) = category
        .map(|c| (c.name, c.slug, c.description, c.color))
        .unwrap_or_default();
    let color = if color.is_empty() {
        "#6366f1".to_owned()
    } else {
        color
    };
    let field = move |suffix: &str| format!("{prefix}-{suffix}");
    let error = move |name: &'static str| field_error(save.value(), name);
    view! {
        <ActionForm action=save attr:class="space-y-3">
            <KeepTyped action=save scope=id.map(|id| format!("category-{id}"))>
                {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
                <div>
                    <label for=field("name") class="block text-sm font-medium">"Name"</label>
                    <input id=field("name") name="name" value=typed("name").unwrap_or(name) required class=INPUT_CLASS/>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error("name").get()}</p>
                </div>
                <div>
                    <label for=field("slug") class="block text-sm font-medium">"Address (slug; empty: from the name)"</label>
                    <input id=field("slug") name="slug" value=typed("slug").unwrap_or(slug) class=INPUT_CLASS/>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error("slug").get()}</p>
                </div>
                <div>
                    <label for=field("description") class="block text-sm font-medium">"Description"</label>
                    <textarea id=field("description") name="description" rows="2" class=INPUT_CLASS>{typed("description").unwrap_or(description)}</textarea>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error("description").get()}</p>
                </div>
                <div>
                    <label for=field("color") class="block text-sm font-medium">"Colour"</label>
                    <input id=field("color") name="color" type="color" value=typed("color").unwrap_or(color) class="h-10 w-20"/>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || error("color").get()}</p>
                </div>
                <button type="submit" class=BUTTON_CLASS>{if id.is_some() { "Save category" } else { "Create category" }}</button>
            </KeepTyped>
        </ActionForm>
    }
}

#[component]
fn Settings(just_saved: bool) -> impl IntoView {
    let settings = Resource::new(|| (), |_| load_site_settings());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(settings.await, move |settings| view! {
                    <SiteImages logo=settings.logo.clone() icon=settings.icon.clone()/>
                    <SettingsTab settings just_saved zones=crate::site::dates::zone_names()/>
                }.into_any())
            })}
        </Suspense>
    }
}

/// The logo and the icon: plain upload forms (they work without JavaScript), each with what
/// is there now and a way to remove it. How an upload went comes back in the address.
#[component]
fn SiteImages(logo: String, icon: String) -> impl IntoView {
    let query = use_query_map();
    let said = move |field: &str| {
        let query = query.read_untracked();
        let error = query.get(&format!("{field}_error"));
        let saved = query.get(field).is_some().then(|| "Saved.".to_owned());
        (error, saved)
    };
    let remove = ServerAction::<RemoveSiteImage>::new();
    let item = |field: &'static str,
                label: &'static str,
                hint: &'static str,
                current: Option<String>,
                said: (Option<String>, Option<String>)| {
        let id = format!("field-{field}");
        let message_id = format!("{id}-message");
        view! {
            <div class="flex flex-wrap items-start gap-4">
                <div class="flex h-16 w-32 items-center justify-center rounded-lg border border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-900">
                    {match current.clone() {
                        Some(src) => view! { <img src=src alt=format!("The blog's current {field}") class="max-h-14 max-w-28 object-contain"/> }.into_any(),
                        None => view! { <span class="text-xs text-slate-500 dark:text-slate-400">"None yet"</span> }.into_any(),
                    }}
                </div>
                <form method="post" action=format!("/admin/site/{field}") enctype="multipart/form-data" class="flex flex-1 flex-col gap-2">
                    <label for=id.clone() class="text-sm font-medium text-slate-700 dark:text-slate-200">{label}</label>
                    <input id=id name=field type="file" accept="image/png,image/jpeg,image/webp,image/gif" required=true
                        aria-describedby=message_id.clone() class="text-sm"/>
                    <p id=message_id class="text-sm text-slate-500 dark:text-slate-400">{hint}</p>
                    <FormStatus error=Signal::stored(said.0) success=Signal::stored(said.1)/>
                    <div class="flex gap-2">
                        <button type="submit" class=SECONDARY_BUTTON_CLASS>{format!("Upload the {field}")}</button>
                    </div>
                </form>
                {current.is_some().then(|| view! {
                    <ActionForm action=remove>
                        <input type="hidden" name="which" value=field/>
                        <button type="submit" class=SECONDARY_BUTTON_CLASS>{format!("Remove the {field}")}</button>
                    </ActionForm>
                })}
            </div>
        }
    };
    view! {
        <section aria-labelledby="settings-images" class="mb-10 max-w-2xl space-y-6">
            <h2 id="settings-images" class="text-xl font-semibold">"Logo and icon"</h2>
            {item("logo", "Logo", "PNG, JPEG, WebP or GIF, at most 5 MB: shown before the title in the header", (!logo.is_empty()).then_some(logo), said("logo"))}
            {item("icon", "Icon", "A square picture works best: the browser tab's icon and a phone's home screen icon are made from it", (!icon.is_empty()).then(|| format!("{icon}-192.png")), said("icon"))}
        </section>
    }
}

/// The blog's settings: a plain form (it saves without JavaScript too). After a save the page
/// is loaded again, since the header and footer around the tab show the old settings.
#[island(lazy)]
fn SettingsTab(settings: SiteSettings, just_saved: bool, zones: Vec<String>) -> impl IntoView {
    crate::components::island::register();
    let save = ServerAction::<SaveSiteSettings>::new();
    let value = save.value();
    // Effects run only in the browser.
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            let _ = window().location().set_href("/admin?tab=settings&saved=1");
        }
    });
    let saved = Signal::derive(move || just_saved.then(|| "Settings saved.".to_owned()));
    let failed = form_error(
        value,
        &[
            "title",
            "description",
            "language",
            "footer",
            "registration",
            "publishing",
            "accent_color",
            "social_links",
            "time_zone",
        ],
    );
    let choice = "mt-1 flex items-start gap-2 text-sm";
    view! {
        <ActionForm action=save attr:class="max-w-2xl space-y-4" attr:novalidate=true>
            <KeepTyped action=save>
                <section aria-labelledby="settings-identity" class="space-y-2">
                    <h2 id="settings-identity" class="text-xl font-semibold">"The blog"</h2>
                    <TextField label="Title" name="title" value=settings.title required=true
                        hint="In the header, the page titles, the feeds and link previews" error=field_error(value, "title")/>
                    <TextArea label="Description" name="description" value=settings.description rows=2
                        hint="A sentence under the title: in search results, link previews and the feeds" error=field_error(value, "description")/>
                    <TextField label="Language" name="language" value=settings.language required=true
                        hint="A language tag such as en, fr or pt-BR: how browsers and screen readers read the pages" error=field_error(value, "language")/>
                    <div>
                        <label for="field-time_zone" class="block text-sm font-medium text-slate-700 dark:text-slate-200">"Time zone"</label>
                        <select id="field-time_zone" name="time_zone" aria-describedby="field-time_zone-message" class=INPUT_CLASS>
                            {zones.into_iter().map(|zone| {
                                let chosen = zone == settings.time_zone;
                                let label = zone.clone();
                                view! { <option value=zone selected=chosen>{label}</option> }
                            }).collect_view()}
                        </select>
                        <p id="field-time_zone-message" class="min-h-5 text-sm">
                            {move || match field_error(value, "time_zone").get() {
                                Some(message) => view! { <span class="text-red-600 dark:text-red-400">{message}</span> }.into_any(),
                                None => view! { <span class="text-slate-500 dark:text-slate-400">"The dates on the pages, and the time the editor schedules posts at"</span> }.into_any(),
                            }}
                        </p>
                    </div>
                    <TextArea label="Footer" name="footer" value=settings.footer rows=2
                        hint="A line under every page, such as a copyright or a contact" error=field_error(value, "footer")/>
                    <TextArea label="Social links" name="social_links" value=settings.social_links.join("\n") rows=3
                        hint="One address per line, like https://github.com/you or your Mastodon profile: linked from the footer" error=field_error(value, "social_links")/>
                    <div>
                        <label for="field-accent_color" class="block text-sm font-medium text-slate-700 dark:text-slate-200">"Accent colour"</label>
                        <div class="mt-1 flex items-center gap-3">
                            <input id="field-accent_color" name="accent_color" type="color" value=settings.accent_color
                                aria-describedby="field-accent_color-message"
                                class="h-10 w-16 cursor-pointer rounded-lg border border-slate-300 bg-white p-1 dark:border-slate-700 dark:bg-slate-900"/>
                            <span class="text-sm text-slate-600 dark:text-slate-300">"Buttons and links; darkened where white text on it would be hard to read"</span>
                        </div>
                        <p id="field-accent_color-message" class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || field_error(value, "accent_color").get()}</p>
                    </div>
                    <label class=choice>
                        <input type="checkbox" name="powered_by" value="on" checked=settings.powered_by class="mt-0.5 h-4 w-4"/>
                        <span>"Show “Powered by quire” in the footer"</span>
                    </label>
                </section>
                <fieldset class="space-y-1">
                    <legend class="text-xl font-semibold">"Who may sign up"</legend>
                    <label class=choice>
                        <input type="radio" name="registration" value="open" checked=settings.registration == Registration::Open class="mt-0.5 h-4 w-4"/>
                        <span>"Anybody: readers create their own accounts"</span>
                    </label>
                    <label class=choice>
                        <input type="radio" name="registration" value="invite" checked=settings.registration == Registration::Invite class="mt-0.5 h-4 w-4"/>
                        <span>"By invitation: people an admin invited (Invitations tab)"</span>
                    </label>
                    <label class=choice>
                        <input type="radio" name="registration" value="closed" checked=settings.registration == Registration::Closed class="mt-0.5 h-4 w-4"/>
                        <span>"Nobody: admins create accounts"</span>
                    </label>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || field_error(value, "registration").get()}</p>
                </fieldset>
                <fieldset class="space-y-1">
                    <legend class="text-xl font-semibold">"Who may write"</legend>
                    <label class=choice>
                        <input type="radio" name="publishing" value="authors" checked=settings.publishing == Publishing::Authors class="mt-0.5 h-4 w-4"/>
                        <span>"Authors, moderators and admins; other users read, comment and like"</span>
                    </label>
                    <label class=choice>
                        <input type="radio" name="publishing" value="everyone" checked=settings.publishing == Publishing::Everyone class="mt-0.5 h-4 w-4"/>
                        <span>"Every signed-in user"</span>
                    </label>
                    <p class="min-h-5 text-sm text-red-600 dark:text-red-400">{move || field_error(value, "publishing").get()}</p>
                </fieldset>
                <fieldset class="space-y-1">
                    <legend class="text-xl font-semibold">"Comments"</legend>
                    <label class=choice>
                        <input type="checkbox" name="comments_enabled" value="on" checked=settings.comments_enabled class="mt-0.5 h-4 w-4"/>
                        <span>"Readers may comment (turned off, the comments already there stay readable)"</span>
                    </label>
                    <label class=choice>
                        <input type="checkbox" name="comments_need_confirmed_email" value="on" checked=settings.comments_need_confirmed_email class="mt-0.5 h-4 w-4"/>
                        <span>"New accounts confirm their email address before they comment (by the link mailed at sign-up; accounts made by admins count as confirmed)"</span>
                    </label>
                </fieldset>
                <FormStatus error=failed success=saved/>
                <button type="submit" class=BUTTON_CLASS disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
}

#[component]
fn Invitations() -> impl IntoView {
    let invitations = Resource::new(|| (), |_| list_invitations());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(invitations.await, |invitations| view! { <InvitationsTab invitations/> }.into_any())
            })}
        </Suspense>
    }
}

/// Invitations by link: the new link is shown once, to copy; the list says where each stands.
#[island(lazy)]
fn InvitationsTab(invitations: Vec<InvitationInfo>) -> impl IntoView {
    crate::components::island::register();
    let invite = ServerAction::<Invite>::new();
    let invitations = reloaded(
        Some(Ok(invitations)),
        move || invite.version().get(),
        |_| list_invitations(),
    );
    let value = invite.value();
    let failed = form_error(value, &["email", "role"]);
    view! {
        <section aria-labelledby="new-invitation" class="mb-10 max-w-xl">
            <h2 id="new-invitation" class="mb-1 text-xl font-semibold">"Invite somebody"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300">
                "The link works once, for 7 days: the person who opens it picks a username and a password."
            </p>
            <ActionForm action=invite attr:class="space-y-2" attr:novalidate=true>
                <KeepTyped action=invite>
                    <div>
                        <label for="invitation-role" class="block text-sm font-medium">"Role"</label>
                        <select id="invitation-role" name="role" class=INPUT_CLASS>
                            <option value="USER">"User: reads, comments and likes"</option>
                            <option value="AUTHOR" selected=true>"Author: also writes"</option>
                            <option value="MODERATOR">"Moderator: also moderates comments"</option>
                            <option value="ADMIN">"Admin: runs the blog"</option>
                        </select>
                    </div>
                    <TextField label="Their email (optional)" name="email" kind="email"
                        hint="When given, the link is mailed there and the account must use this address" error=field_error(value, "email")/>
                    <FormStatus error=failed/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || invite.pending().get()>"Make an invitation link"</button>
                </KeepTyped>
            </ActionForm>
            {move || match value.get() {
                Some(Ok(made)) => Some(view! {
                    <div class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 dark:border-emerald-900 dark:bg-emerald-950">
                        <label for="invitation-link" class="block text-sm font-medium">
                            {match &made.email {
                                Some(email) => format!("Mailed to {email}; you may also send this link (it is shown only now)"),
                                None => "Send this link (it is shown only now)".to_owned(),
                            }}
                        </label>
                        <input id="invitation-link" data-testid="invitation-link" readonly=true value=made.url class=INPUT_CLASS/>
                    </div>
                }),
                _ => None,
            }}
        </section>
        <h2 class="mb-3 text-xl font-semibold">"Invitations"</h2>
        {move || match invitations.get() {
            None => loading().into_any(),
            Some(invitations) => loaded(invitations, move |invitations| {
                if invitations.is_empty() {
                    return view! { <p class="text-slate-500 dark:text-slate-400">"No invitations yet."</p> }.into_any();
                }
                view! {
                    <table class="w-full text-left text-sm">
                        <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                            <th scope="col" class="py-2">"Made"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"For"</th>
                            <th scope="col">"By"</th>
                            <th scope="col">"Status"</th>
                        </tr></thead>
                        <tbody>
                            {invitations.into_iter().map(|invitation| view! {
                                <tr class="border-b border-slate-100 dark:border-slate-900">
                                    <td class="py-2">{format_date(&invitation.created_at)}</td>
                                    <td>{invitation.role.as_str()}</td>
                                    <td>{invitation.email.clone().unwrap_or_else(|| "anybody with the link".to_owned())}</td>
                                    <td>{invitation.invited_by.clone().map(|name| format!("@{name}")).unwrap_or_default()}</td>
                                    <td>{match invitation.state {
                                        InvitationState::Used => format!("Used by @{}", invitation.used_by.clone().unwrap_or_default()),
                                        InvitationState::Expired => "Expired".to_owned(),
                                        InvitationState::Open => format!("Open until {}", format_date(&invitation.expires_at)),
                                    }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }),
        }}
    }
}

#[component]
fn Featured() -> impl IntoView {
    let posts = Resource::new(|| (), |_| pinned_posts());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(posts.await, |posts| view! { <FeaturedTab posts/> }.into_any())
            })}
        </Suspense>
    }
}

/// The posts pinned to the top of the home page (the newest pins, at most three shown).
#[island(lazy)]
fn FeaturedTab(posts: Vec<PostCard>) -> impl IntoView {
    crate::components::island::register();
    let pin = ServerAction::<FeaturePost>::new();
    let posts = reloaded(
        Some(Ok(posts)),
        move || pin.version().get(),
        |_| pinned_posts(),
    );
    let value = pin.value();
    let done = Signal::derive(move || {
        matches!(value.get(), Some(Ok(()))).then(|| "The home page is updated.".to_owned())
    });
    view! {
        <section aria-labelledby="pin-heading" class="mb-10 max-w-xl">
            <h2 id="pin-heading" class="mb-1 text-xl font-semibold">"Pin a post"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300">
                "Pinned posts open the home page, the newest pin first (three at most)."
            </p>
            <ActionForm action=pin attr:class="space-y-2" attr:novalidate=true>
                <KeepTyped action=pin>
                    <input type="hidden" name="featured" value="true"/>
                    <TextField label="Post address or slug" name="post" required=true
                        hint="Like /posts/my-post, or my-post" error=field_error(value, "post")/>
                    <FormStatus error=form_error(value, &["post"]) success=done/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || pin.pending().get()>"Pin to the home page"</button>
                </KeepTyped>
            </ActionForm>
        </section>
        <h2 class="mb-3 text-xl font-semibold">"Pinned now"</h2>
        {move || match posts.get() {
            None => loading().into_any(),
            Some(posts) => loaded(posts, move |posts| {
                if posts.is_empty() {
                    return view! { <p class="text-slate-500 dark:text-slate-400">"No post is pinned."</p> }.into_any();
                }
                view! {
                    <ul class="space-y-2">
                        {posts.into_iter().map(|post| {
                            let label = format!("Unpin {}", post.title);
                            view! {
                                <li class="flex items-center justify-between gap-3 rounded-xl border border-slate-200 p-3 dark:border-slate-800">
                                    <a href=format!("/posts/{}", post.slug) class="font-medium hover:underline">{post.title.clone()}</a>
                                    <ActionForm action=pin>
                                        <input type="hidden" name="post" value=post.slug.clone()/>
                                        <input type="hidden" name="featured" value="false"/>
                                        <button type="submit" class=SECONDARY_BUTTON_CLASS aria-label=label>"Unpin"</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }),
        }}
    }
}

#[component]
fn Redirects() -> impl IntoView {
    let redirects = Resource::new(|| (), |_| list_redirects());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(redirects.await, |redirects| view! { <RedirectsTab redirects/> }.into_any())
            })}
        </Suspense>
    }
}

/// Moved addresses: the ones quire made when a published post's address changed, and the
/// admins' own. A redirect answers only where nothing else does.
#[island(lazy)]
fn RedirectsTab(redirects: Vec<Redirect>) -> impl IntoView {
    crate::components::island::register();
    let add = ServerAction::<AddRedirect>::new();
    let delete = ServerAction::<DeleteRedirect>::new();
    let redirects = reloaded(
        Some(Ok(redirects)),
        move || (add.version().get(), delete.version().get()),
        |_| list_redirects(),
    );
    let value = add.value();
    let added = Signal::derive(move || match value.get() {
        Some(Ok(redirect)) => Some(format!(
            "{} now leads to {}.",
            redirect.from_path, redirect.to_target
        )),
        _ => None,
    });
    let failed = Signal::derive(move || {
        form_error(value, &["from_path", "to_target"])
            .get()
            .or(form_error(delete.value(), &[]).get())
    });
    view! {
        <section aria-labelledby="new-redirect" class="mb-10 max-w-xl">
            <h2 id="new-redirect" class="mb-1 text-xl font-semibold">"New redirect"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300">
                "Readers who open the old path are sent on (301) where nothing else answers there. A published post whose address changes gets one by itself."
            </p>
            <ActionForm action=add attr:class="space-y-2" attr:novalidate=true>
                <KeepTyped action=add>
                    <TextField label="Old path" name="from_path" required=true
                        hint="On this blog, like /2019/05/old-post" error=field_error(value, "from_path")/>
                    <TextField label="New address" name="to_target" required=true
                        hint="A path here, like /posts/new-post, or https://…" error=field_error(value, "to_target")/>
                    <FormStatus error=failed success=added/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || add.pending().get()>"Add redirect"</button>
                </KeepTyped>
            </ActionForm>
        </section>
        <h2 class="mb-3 text-xl font-semibold">"Redirects"</h2>
        {move || match redirects.get() {
            None => loading().into_any(),
            Some(redirects) => loaded(redirects, move |redirects| {
                if redirects.is_empty() {
                    return view! { <p class="text-slate-500 dark:text-slate-400">"No redirects yet."</p> }.into_any();
                }
                view! {
                    <table class="w-full text-left text-sm">
                        <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                            <th scope="col" class="py-2">"Old path"</th>
                            <th scope="col">"Leads to"</th>
                            <th scope="col">"Made"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {redirects.into_iter().map(|redirect| {
                                let label = format!("Delete the redirect from {}", redirect.from_path);
                                view! {
                                    <tr class="border-b border-slate-100 align-top dark:border-slate-900">
                                        <td class="break-all py-2 font-mono">{redirect.from_path.clone()}</td>
                                        <td class="break-all py-2 font-mono">{redirect.to_target.clone()}</td>
                                        <td class="py-2">
                                            {if redirect.automatic { "When the post moved, " } else { "By an admin, " }}
                                            {format_date(&redirect.created_at)}
                                        </td>
                                        <td class="py-2">
                                            <ActionForm action=delete>
                                                <input type="hidden" name="from_path" value=redirect.from_path.clone()/>
                                                <button type="submit" class=SECONDARY_BUTTON_CLASS aria-label=label>"Delete"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }),
        }}
    }
}

#[component]
fn AuditTab() -> impl IntoView {
    let query = use_query_map();
    let log = Resource::new(
        move || {
            query
                .read()
                .get("before")
                .and_then(|b| b.parse::<i64>().ok())
        },
        audit_log,
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                loaded(log.await, |lines| {
                    let older = lines.last().map(|l| format!("/admin?tab=audit&before={}", l.id));
                    view! {
                        <table class="w-full text-left text-sm">
                            <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                                <th scope="col" class="py-2">"When"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"What"</th>
                                <th scope="col">"On"</th>
                                <th scope="col">"Detail"</th>
                            </tr></thead>
                            <tbody>
                                {lines.into_iter().map(|line| view! {
                                    <tr class="border-b border-slate-100 dark:border-slate-900">
                                        <td class="py-2"><time datetime=line.created_at.to_rfc3339()>{line.created_at.format("%Y-%m-%d %H:%M").to_string()}</time></td>
                                        <td>"@"{line.actor_name}</td>
                                        <td>{line.action}</td>
                                        <td>{format!("{} {}", line.target_type, line.target_id.map(|id| id.to_string()).unwrap_or_default())}</td>
                                        <td>{line.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {older.map(|href| view! { <a href=href rel="next" class="mt-4 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Older entries →"</a> })}
                    }.into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn Subscribers(
    search: String,
    before: Option<i64>,
    imported: Option<String>,
    import_error: Option<String>,
) -> impl IntoView {
    let page = Resource::new(|| (), {
        let search = search.clone();
        move |_| load_subscribers(search.clone(), before)
    });
    view! {
        <Suspense fallback=loading>
            {move || {
                let (search, imported, import_error) = (search.clone(), imported.clone(), import_error.clone());
                Suspend::new(async move {
                    loaded(page.await, move |page| view! { <SubscribersView page search imported import_error/> }.into_any())
                })
            }}
        </Suspense>
    }
}

/// Who follows the blog by email, how the sends went, and the way in and out (CSV). Plain
/// forms: the tab works without JavaScript.
#[component]
fn SubscribersView(
    page: SubscribersPage,
    search: String,
    imported: Option<String>,
    import_error: Option<String>,
) -> impl IntoView {
    let stats = [
        ("Following", page.confirmed),
        ("Waiting to confirm", page.waiting),
        ("Unsubscribed", page.unsubscribed),
    ];
    let next = page.next.map(|before| {
        format!(
            "/admin?tab=subscribers&search={}&before={before}",
            crate::components::post_card::encode_component(&search)
        )
    });
    view! {
        <dl class="mb-8 grid grid-cols-3 gap-4" data-testid="subscriber-counts">
            {stats.into_iter().map(|(label, value)| view! {
                <div class="rounded-xl border border-slate-200 p-4 dark:border-slate-800">
                    <dt class="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
                    <dd class="text-2xl font-bold">{value}</dd>
                </div>
            }).collect_view()}
        </dl>
        {(!page.sends.is_empty()).then(|| view! {
            <section class="mb-8" aria-labelledby="sends-heading">
                <h2 id="sends-heading" class="mb-2 text-xl font-semibold">"Posts sent by email"</h2>
                <table class="w-full text-left text-sm">
                    <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                        <th scope="col" class="py-2">"Post"</th><th scope="col">"Started"</th>
                        <th scope="col">"Sent"</th><th scope="col">"Failed"</th>
                    </tr></thead>
                    <tbody>
                        {page.sends.into_iter().map(|send| view! {
                            <tr class="border-b border-slate-100 dark:border-slate-900">
                                <td class="py-2"><a href=format!("/posts/{}", send.post_slug) class="hover:underline">{send.post_title}</a></td>
                                <td>{format_date(&send.started_at)}</td>
                                <td>{format!("{} of {}", send.sent, send.recipients)}</td>
                                <td>{send.failed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
        <section aria-labelledby="subscribers-heading">
            <h2 id="subscribers-heading" class="mb-2 text-xl font-semibold">"Subscribers"</h2>
            <form method="get" action="/admin" class="mb-4 flex flex-wrap items-end gap-2" role="search">
                <input type="hidden" name="tab" value="subscribers"/>
                <div>
                    <label for="subscriber-search" class="block text-sm font-medium">"Address contains"</label>
                    <input id="subscriber-search" name="search" type="search" value=search.clone() class=INPUT_CLASS/>
                </div>
                <button type="submit" class=SECONDARY_BUTTON_CLASS>"Search"</button>
                <a href="/admin/subscribers.csv" class=SECONDARY_BUTTON_CLASS download="subscribers.csv">"Export CSV"</a>
            </form>
            {if page.subscribers.is_empty() {
                view! { <p class="text-slate-500 dark:text-slate-400">"No subscribers yet."</p> }.into_any()
            } else {
                view! {
                    <table class="w-full text-left text-sm">
                        <thead><tr class="border-b border-slate-200 dark:border-slate-800">
                            <th scope="col" class="py-2">"Address"</th><th scope="col">"Follows"</th>
                            <th scope="col">"Standing"</th><th scope="col">"Since"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {page.subscribers.into_iter().map(|subscriber| {
                                let follows = match &subscriber.follows {
                                    Follows::Blog => "the blog".to_owned(),
                                    Follows::Author(name) => format!("@{name}"),
                                    Follows::Tag(tag) => format!("#{tag}"),
                                };
                                let standing = match (subscriber.confirmed, subscriber.unsubscribed) {
                                    (_, true) => "unsubscribed",
                                    (true, false) => "following",
                                    (false, false) => "waiting to confirm",
                                };
                                let label = format!("Remove {}", subscriber.email);
                                view! {
                                    <tr class="border-b border-slate-100 dark:border-slate-900">
                                        <td class="py-2 break-all">{subscriber.email}</td>
                                        <td>{follows}</td>
                                        <td>{standing}</td>
                                        <td>{format_date(&subscriber.created_at)}</td>
                                        <td class="text-right">
                                            <form method="post" action="/rpc/subscriptions/remove">
                                                <input type="hidden" name="id" value=subscriber.id/>
                                                <button type="submit" class=SECONDARY_BUTTON_CLASS aria-label=label>"Remove"</button>
                                            </form>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {next.map(|href| view! { <p class="mt-4"><a href=href class=SECONDARY_BUTTON_CLASS>"Older subscribers"</a></p> })}
                }.into_any()
            }}
        </section>
        <section class="mt-10 max-w-xl" aria-labelledby="import-heading">
            <h2 id="import-heading" class="mb-1 text-xl font-semibold">"Import subscribers"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300">
                "A CSV file (the address in its first column) or one address a line, from a newsletter you ran elsewhere. They follow the whole blog at once, without a confirmation mail: import only people who asked for your posts."
            </p>
            <form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="flex flex-col gap-2">
                <label for="subscribers-file" class="text-sm font-medium">"File"</label>
                <input id="subscribers-file" name="file" type="file" accept=".csv,.txt,text/csv,text/plain" required=true class="text-sm" aria-describedby="subscribers-file-status"/>
                <div id="subscribers-file-status">
                    <FormStatus error=Signal::stored(import_error) success=Signal::stored(imported)/>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Import"</button>
            </form>
        </section>
    }
}
