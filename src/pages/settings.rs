use leptos::prelude::*;

use crate::components::address::SendConfirmationForm;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::functions::{
    get_settings, list_sessions, ChangeEmail, ChangePassword, DeleteAccount, EndSessions,
    SaveNotifications, UpdateProfile,
};
use crate::accounts::{AccountSettings, SessionInfo, BIO_MAX};
use crate::components::error_notice::{loaded, ErrorNotice};
use crate::components::form::{
    field_error, form_error, FormStatus, KeepTyped, TextArea, TextField, BUTTON_CLASS,
    DANGER_BUTTON_CLASS, SECONDARY_BUTTON_CLASS,
};
use crate::components::island::reloaded;
use crate::components::post_card::{format_date, Avatar};
use crate::error::AppError;

#[component]
pub fn SettingsPage() -> impl IntoView {
    // What the picture upload (a plain form) reports back in the address.
    let query = use_query_map();
    let avatar_saved = query.read_untracked().get("avatar").is_some();
    let avatar_error = query.read_untracked().get("avatar_error");
    // The sessions travel with the forms' island (see `reloaded`).
    let settings = Resource::new(
        || (),
        |_| async { Ok::<_, AppError>((get_settings().await?, list_sessions().await?)) },
    );
    view! {
        <Title text="Settings"/>
        <h1 class="mb-8 text-3xl font-bold tracking-tight">"Settings"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || {
                let avatar_error = avatar_error.clone();
                Suspend::new(async move {
                loaded(settings.await, |(settings, sessions)| view! { <SettingsForms settings sessions avatar_saved avatar_error/> }.into_any())
            })}}
        </Suspense>
    }
}

#[component]
fn Section(title: &'static str, children: Children) -> impl IntoView {
    let id = title.to_lowercase().replace(' ', "-");
    let heading_id = id.clone();
    view! {
        <section aria-labelledby=id.clone() class="mb-10 rounded-2xl border border-slate-200 p-6 dark:border-slate-800">
            <h2 id=heading_id class="mb-4 text-xl font-semibold">{title}</h2>
            {children()}
        </section>
    }
}

/// "Saved" once the action has succeeded.
fn saved<T, S>(value: S, message: &'static str) -> Signal<Option<String>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || matches!(value.get(), Some(Ok(_))).then(|| message.to_owned()))
}

/// One island for the forms, fetched only when the settings page opens.
#[island(lazy)]
fn SettingsForms(
    settings: AccountSettings,
    sessions: Vec<SessionInfo>,
    avatar_saved: bool,
    avatar_error: Option<String>,
) -> impl IntoView {
    crate::components::island::register();
    let update_profile = ServerAction::<UpdateProfile>::new();
    let change_email = ServerAction::<ChangeEmail>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let delete_account = ServerAction::<DeleteAccount>::new();
    let save_notifications = ServerAction::<SaveNotifications>::new();
    let notifications_value = save_notifications.value();
    let wants = settings.notifications;
    let avatar_status = avatar_saved.then(|| "Your new picture is saved.".to_owned());
    let profile_value = update_profile.value();
    let email_value = change_email.value();
    let password_value = change_password.value();
    let delete_value = delete_account.value();
    view! {
        <Section title="Profile">
            <div class="mb-6 flex flex-col gap-4 sm:flex-row sm:items-center">
                <Avatar name=settings.username.clone() url=settings.avatar_url.clone() size=96/>
                <form method="post" action="/settings/avatar" enctype="multipart/form-data" class="flex flex-col gap-2">
                    <label for="field-avatar" class="text-sm font-medium text-slate-700 dark:text-slate-200">"Profile picture"</label>
                    <input id="field-avatar" name="avatar" type="file" accept="image/png,image/jpeg,image/webp,image/gif" required=true
                        aria-describedby="field-avatar-message" class="text-sm"/>
                    <p id="field-avatar-message" class="text-sm text-slate-500 dark:text-slate-400">"PNG, JPEG, WebP or GIF, at most 5 MB. It is cropped to a square."</p>
                    <FormStatus error=Signal::stored(avatar_error) success=Signal::stored(avatar_status)/>
                    <button type="submit" class=BUTTON_CLASS>"Upload picture"</button>
                </form>
            </div>
            <ActionForm action=update_profile attr:class="space-y-2">
                <KeepTyped action=update_profile>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField label="First name" name="first_name" value=settings.first_name.clone() autocomplete="given-name" error=field_error(profile_value, "firstName")/>
                        <TextField label="Last name" name="last_name" value=settings.last_name.clone() autocomplete="family-name" error=field_error(profile_value, "lastName")/>
                    </div>
                    <TextArea label="Bio" name="bio" value=settings.bio.clone() rows=4 hint="A few words about you, shown on your profile." error=field_error(profile_value, "bio")/>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{format!("At most {BIO_MAX} characters.")}</p>
                    <FormStatus error=form_error(profile_value, &["firstName", "lastName", "bio"]) success=saved(profile_value, "Profile saved.")/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || update_profile.pending().get()>
                        {move || if update_profile.pending().get() { "Saving…" } else { "Save profile" }}
                    </button>
                </KeepTyped>
            </ActionForm>
            <p class="mt-4 text-sm">
                <a href=format!("/u/{}", settings.username) class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"View your public profile"</a>
            </p>
        </Section>

        <Section title="Email">
            {(!settings.email_confirmed).then(|| view! {
                <div class="mb-4 space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                    <p data-testid="address-unconfirmed">{format!("{} is not confirmed yet: open the link we mailed there.", settings.email)}</p>
                    <SendConfirmationForm/>
                </div>
            })}
            <ActionForm action=change_email attr:class="space-y-2">
                <KeepTyped action=change_email>
                    <TextField label="Email" name="email" kind="email" value=settings.email.clone() autocomplete="email" error=field_error(email_value, "email")/>
                    <TextField label="Current password" name="current_password" kind="password" autocomplete="current-password" error=field_error(email_value, "currentPassword")/>
                    <FormStatus error=form_error(email_value, &["email", "currentPassword"]) success=Signal::derive(move || match email_value.get() {
                        Some(Ok(address)) => Some(format!("We sent a link to {address}. Your address changes when you open it (within a day).")),
                        _ => None,
                    })/>
                    <button type="submit" class=BUTTON_CLASS>"Change email"</button>
                </KeepTyped>
            </ActionForm>
        </Section>

        <Section title="Email notifications">
            <ActionForm action=save_notifications attr:class="space-y-2">
                <fieldset class="space-y-2">
                    <legend class="text-sm text-slate-600 dark:text-slate-300">"Email me when:"</legend>
                    {[
                        ("approved", "my comment is approved", wants.approved),
                        ("replies", "someone replies to my comment", wants.replies),
                        ("comments", "someone comments on my post", wants.comments),
                        ("moderation", "comments wait for moderation (moderators, at most every half hour)", wants.moderation),
                    ].into_iter().map(|(name, label, checked)| view! {
                        <label class="flex items-start gap-2">
                            <input type="checkbox" name=name value="on" checked=checked class="mt-1 h-4 w-4"/>
                            <span>{label}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <FormStatus error=form_error(notifications_value, &[]) success=saved(notifications_value, "Saved.")/>
                <button type="submit" class=BUTTON_CLASS>"Save notifications"</button>
            </ActionForm>
        </Section>

        <Section title="Password">
            <ActionForm action=change_password attr:class="space-y-2">
                <TextField label="Current password" name="current_password" kind="password" autocomplete="current-password" error=field_error(password_value, "currentPassword")/>
                <TextField label="New password" name="new_password" kind="password" autocomplete="new-password" hint="At least 12 characters. Changing it signs you out everywhere else." error=field_error(password_value, "newPassword")/>
                <FormStatus error=form_error(password_value, &["currentPassword", "newPassword"]) success=saved(password_value, "Password changed; your other sessions have ended.")/>
                <button type="submit" class=BUTTON_CLASS>"Change password"</button>
            </ActionForm>
        </Section>

        <Section title="Sessions">
            <Sessions first=sessions/>
        </Section>

        <Section title="Delete account">
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">
                "This deletes your account with all your posts, comments and likes. It cannot be undone."
            </p>
            <ActionForm action=delete_account attr:class="space-y-2">
                <KeepTyped action=delete_account>
                    <TextField label="Type your username to confirm" name="confirm" autocomplete="off" error=field_error(delete_value, "confirm")/>
                    <TextField label="Current password" name="current_password" kind="password" autocomplete="current-password" error=field_error(delete_value, "currentPassword")/>
                    <FormStatus error=form_error(delete_value, &["confirm", "currentPassword"])/>
                    <button type="submit" class=DANGER_BUTTON_CLASS>"Delete my account"</button>
                </KeepTyped>
            </ActionForm>
        </Section>
    }
}

#[component]
fn Sessions(first: Vec<SessionInfo>) -> impl IntoView {
    let end = ServerAction::<EndSessions>::new();
    let sessions = reloaded(
        Some(Ok(first)),
        move || end.version().get(),
        |_| list_sessions(),
    );
    move || match sessions.get() {
        None => view! { <p class="text-slate-500 dark:text-slate-400">"Loading…"</p> }.into_any(),
        Some(Ok(list)) => {
            let others = list.iter().filter(|s| !s.is_current).count();
            view! {
                <ul class="divide-y divide-slate-200 dark:divide-slate-800">
                    {list.into_iter().map(|session| view! { <SessionRow session end/> }).collect_view()}
                </ul>
                {(others > 0).then(|| view! {
                    <ActionForm action=end attr:class="mt-4">
                        <button type="submit" class=DANGER_BUTTON_CLASS>"Sign out all other sessions"</button>
                    </ActionForm>
                })}
            }
            .into_any()
        }
        Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
    }
}

#[component]
fn SessionRow(session: SessionInfo, end: ServerAction<EndSessions>) -> impl IntoView {
    let device = session
        .user_agent
        .clone()
        .unwrap_or_else(|| "Unknown browser".to_owned());
    let device_title = device.clone();
    let seen = format_date(&session.last_seen_at);
    let started = format_date(&session.created_at);
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3">
            <div class="min-w-0">
                <p class="truncate text-sm font-medium" title=device_title>{device}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    {format!("Signed in {started} · last active {seen}")}
                    {session.ip_address.map(|ip| format!(" · {ip}"))}
                </p>
            </div>
            {if session.is_current {
                view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"This browser"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=end>
                        <input type="hidden" name="handle" value=session.handle/>
                        <button type="submit" class=SECONDARY_BUTTON_CLASS aria-label="Sign out this session">"Sign out"</button>
                    </ActionForm>
                }
                .into_any()
            }}
        </li>
    }
}
