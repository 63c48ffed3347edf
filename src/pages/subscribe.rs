//! `/subscribe`: new posts by email (the blog's, or with `?author=` or `?tag=` one author's or
//! one tag's, for signed-in readers), and `/subscribe/confirm?token=…`, the link in the
//! confirmation mail.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::form::{
    field_error, form_error, FormStatus, KeepTyped, TextField, BUTTON_CLASS,
};
use crate::pages::sign_in::{link_refusal, AuthCard, LINK_CLASS};
use crate::subscriptions::functions::{check_subscription, ConfirmSubscription, Subscribe};
use crate::subscriptions::{Follows, CHECK_YOUR_INBOX};

#[component]
pub fn SubscribePage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let sent = query.get("sent").is_some();
    let author = query.get("author").filter(|a| !a.is_empty());
    let tag = query.get("tag").filter(|t| !t.is_empty());
    let site = crate::site::current();
    let follows = match (&author, &tag) {
        (Some(author), _) => Follows::Author(author.clone()),
        (None, Some(tag)) => Follows::Tag(tag.clone()),
        (None, None) => Follows::Blog,
    };
    let what = follows.described(&site.title);
    let needs_account = follows != Follows::Blog;
    view! {
        <AuthCard title="Get new posts by email">
            {if sent {
                view! {
                    <p role="status" data-testid="subscribe-sent" class="text-slate-700 dark:text-slate-200">{CHECK_YOUR_INBOX}</p>
                }.into_any()
            } else {
                view! {
                    {needs_account.then(|| view! {
                        <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">
                            "Following one author or tag is for readers with an account: "
                            <a href="/signin" class=LINK_CLASS>"sign in"</a>" first. Anybody may "
                            <a href="/subscribe" class=LINK_CLASS>"follow the whole blog"</a>"."
                        </p>
                    })}
                    <SubscribeForm what author=author.unwrap_or_default() tag=tag.unwrap_or_default()/>
                }.into_any()
            }}
        </AuthCard>
    }
}

#[island(lazy)]
fn SubscribeForm(what: String, author: String, tag: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<Subscribe>::new();
    let value = action.value();
    view! {
        <p class="mb-4 text-slate-600 dark:text-slate-300">
            {format!("Get {what} in your inbox, the whole post in each mail. Every mail has a link to stop them.")}
        </p>
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <KeepTyped action=action>
                <input type="hidden" name="author" value=author/>
                <input type="hidden" name="tag" value=tag/>
                <TextField label="Email" name="email" kind="email" autocomplete="email" required=true error=field_error(value, "email")/>
                <FormStatus error=form_error(value, &["email"])/>
                <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Subscribe" }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
}

/// The confirmation link: a button (mail scanners open links), then `?done=1`.
#[component]
pub fn ConfirmSubscriptionPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let done = query.get("done").is_some();
    let token = query.get("token").unwrap_or_default();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_subscription(token.clone())
    });
    view! {
        <AuthCard title="Confirm your subscription">
            {if done {
                view! {
                    <p role="status" data-testid="subscription-confirmed" class="text-slate-700 dark:text-slate-200">
                        "You are subscribed. New posts will come to your inbox."
                    </p>
                    <p class="mt-6 text-sm"><a href="/" class=LINK_CLASS>"Back to the blog"</a></p>
                }.into_any()
            } else {
                view! {
                    <Suspense fallback=crate::components::error_notice::loading>
                        {move || {
                            let token = token.clone();
                            Suspend::new(async move {
                                match check.await {
                                    Ok(what) => view! { <ConfirmSubscriptionForm token what/> }.into_any(),
                                    Err(error) => view! {
                                        <p role="alert" class="text-red-700 dark:text-red-300">
                                            {link_refusal(&error, "Subscribe again to get a new one.")}
                                        </p>
                                        <p class="mt-6 text-sm"><a href="/subscribe" class=LINK_CLASS>"Subscribe"</a></p>
                                    }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                }.into_any()
            }}
        </AuthCard>
    }
}

#[island(lazy)]
fn ConfirmSubscriptionForm(token: String, what: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<ConfirmSubscription>::new();
    let value = action.value();
    view! {
        <p class="mb-4 text-slate-700 dark:text-slate-200">{format!("Get {what} by email?")}</p>
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <FormStatus error=form_error(value, &[])/>
            <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Confirming…" } else { "Yes, subscribe me" }}
            </button>
        </ActionForm>
    }
}
