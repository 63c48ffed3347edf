use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::functions::{
    check_email_change, check_invitation, check_reset, ConfirmEmail, ForgotPassword, ResetPassword,
    SignIn, SignUp,
};
use crate::accounts::validation::PASSWORD_MIN_DEFAULT;
use crate::accounts::{AddressLink, Role};
use crate::components::form::{
    field_error, form_error, FormStatus, KeepTyped, TextField, BUTTON_CLASS,
};
use crate::mail::functions::unsubscribe_topic;

#[component]
pub(crate) fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="mx-auto max-w-md">
            <h1 class="mb-6 text-3xl font-bold tracking-tight">{title}</h1>
            <div class="rounded-2xl border border-slate-200 p-6 shadow-sm dark:border-slate-800">{children()}</div>
        </section>
    }
}

const PASSWORD_HINT: &str = if PASSWORD_MIN_DEFAULT == 12 {
    "At least 12 characters. A few random words make a good one."
} else {
    "A few random words make a good one."
};

/// Where to go after signing in: the page that sent the visitor here, if any.
fn next_from_query() -> String {
    use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let after_reset = use_query_map().read_untracked().get("reset").is_some();
    view! {
        <AuthCard title="Sign in">
            {after_reset.then(|| view! {
                <p role="status" class="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
                    "Your new password is set, and you were signed out everywhere. Sign in with it."
                </p>
            })}
            <SignInForm next=next_from_query()/>
        </AuthCard>
    }
}

/// An island, so that a wrong password is said next to the field without a reload.
#[island(lazy)]
fn SignInForm(next: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    let sign_up = format!("/signup?next={next}");
    view! {
            <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
                <KeepTyped action=action>
                    <input type="hidden" name="next" value=next/>
                    <TextField label="Email or username" name="login" autocomplete="username" required=true error=field_error(value, "login")/>
                    <TextField label="Password" name="password" kind="password" autocomplete="current-password" required=true error=field_error(value, "password")/>
                    <p class="text-sm">
                        <a href="/forgot-password" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Forgot your password?"</a>
                    </p>
                    <FormStatus error=form_error(value, &["login", "password"])/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </KeepTyped>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                "New here? "
                <a href=sign_up class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Create an account"</a>
            </p>
    }
}

/// `/signup`, and `/signup?invitation=…` from an invitation link: the form when the blog's
/// registration rule lets this visitor in, else why not.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let site = crate::site::current();
    let token = use_query_map()
        .read_untracked()
        .get("invitation")
        .filter(|token| !token.trim().is_empty());
    let invited = token.is_some();
    let refusal = site.registration.require_open(invited).err();
    let offer = Resource::new(|| (), {
        let token = token.clone();
        move |_| {
            let token = token.clone();
            async move {
                match token {
                    Some(token) => check_invitation(token).await.map(Some),
                    None => Ok(None),
                }
            }
        }
    });
    let next = next_from_query();
    let blog = site.title.clone();
    view! {
        <AuthCard title="Create your account">
            {match refusal {
                Some(refusal) => view! {
                    <p role="status" class="text-slate-700 dark:text-slate-200">
                        {refusal.to_string()}". If you have an account, "
                        <a href="/signin" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"sign in"</a>"."
                    </p>
                }.into_any(),
                None => view! {
                    <Suspense fallback=crate::components::error_notice::loading>
                        {move || {
                            let (token, next, blog) = (token.clone(), next.clone(), blog.clone());
                            Suspend::new(async move {
                                match offer.await {
                                    Ok(offer) => view! {
                                        {offer.as_ref().map(|offer| view! {
                                            <p data-testid="invitation" class="mb-4 rounded-lg bg-indigo-50 p-3 text-sm text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
                                                {format!("You are invited to join {blog} as {}.", role_name(offer.role))}
                                            </p>
                                        })}
                                        <SignUpForm next invitation=token.unwrap_or_default()
                                            email=offer.and_then(|offer| offer.email).unwrap_or_default()/>
                                    }.into_any(),
                                    Err(error) => view! {
                                        <p role="alert" class="text-red-700 dark:text-red-300">
                                            {error.field_message("invitation").unwrap_or_else(|| error.to_string())}
                                        </p>
                                    }.into_any(),
                                }
                            })
                        }}
                    </Suspense>
                }.into_any(),
            }}
        </AuthCard>
    }
}

/// "an author", as a sentence says a role.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "a reader",
        Role::Author => "an author",
        Role::Moderator => "a moderator",
        Role::Admin => "an admin",
    }
}

#[island(lazy)]
fn SignUpForm(next: String, invitation: String, email: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<SignUp>::new();
    let value = action.value();
    let sign_in = format!("/signin?next={next}");
    view! {
            <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
                <KeepTyped action=action>
                    <input type="hidden" name="next" value=next/>
                    {(!invitation.is_empty()).then(|| view! { <input type="hidden" name="invitation" value=invitation/> })}
                    <TextField label="Email" name="email" kind="email" value=email autocomplete="email" required=true error=field_error(value, "email")/>
                    <TextField label="Username" name="username" autocomplete="username" required=true
                        hint="3–32 letters, digits, _ or -; shown in your profile's address" error=field_error(value, "username")/>
                    <TextField label="Password" name="password" kind="password" autocomplete="new-password" required=true
                        hint=PASSWORD_HINT error=field_error(value, "password")/>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField label="First name (optional)" name="first_name" autocomplete="given-name" error=field_error(value, "firstName")/>
                        <TextField label="Last name (optional)" name="last_name" autocomplete="family-name" error=field_error(value, "lastName")/>
                    </div>
                    <FormStatus error=form_error(value, &["email", "username", "password", "firstName", "lastName"])/>
                    <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                    </button>
                </KeepTyped>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                "Already have an account? "
                <a href=sign_in class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Sign in"</a>
            </p>
    }
}

/// Why a mailed link does not work: used or expired (said by the server), or never a link
/// at all (mistyped, cut short by a mail client).
pub(crate) fn link_refusal(error: &crate::error::AppError, again: &str) -> String {
    match error {
        crate::error::AppError::NotFound => format!("This link is not valid. {again}"),
        _ => error
            .field_message("token")
            .unwrap_or_else(|| error.to_string()),
    }
}

pub(crate) const LINK_CLASS: &str =
    "font-medium text-indigo-600 hover:underline dark:text-indigo-400";

/// `/forgot-password`: asks for the account's address and mails a link; then, at
/// `?sent=1`, says what happens next (the same whether or not an account uses it).
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <AuthCard title="Reset your password">
            {if sent {
                view! {
                    <p role="status" data-testid="reset-requested" class="text-slate-700 dark:text-slate-200">
                        {crate::accounts::REQUESTED_RESET}
                    </p>
                    <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                        "Nothing came? Look in your spam folder, or "
                        <a href="/forgot-password" class=LINK_CLASS>"ask again"</a>"."
                    </p>
                }.into_any()
            } else {
                view! { <ForgotPasswordForm/> }.into_any()
            }}
        </AuthCard>
    }
}

#[island(lazy)]
fn ForgotPasswordForm() -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<ForgotPassword>::new();
    let value = action.value();
    view! {
        <p class="mb-4 text-slate-600 dark:text-slate-300">
            "Give the email address of your account, and we will send you a link to choose a new password."
        </p>
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <KeepTyped action=action>
                <TextField label="Email" name="email" kind="email" autocomplete="email" required=true error=field_error(value, "email")/>
                <FormStatus error=form_error(value, &["email"])/>
                <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Email me a link" }}
                </button>
            </KeepTyped>
        </ActionForm>
        <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
            "Remembered it? "
            <a href="/signin" class=LINK_CLASS>"Sign in"</a>
        </p>
    }
}

/// `/reset-password?token=…`, from the mail: the new password, or why the link no longer
/// works and the way to a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_reset(token.clone())
    });
    view! {
        <AuthCard title="Choose a new password">
            <Suspense fallback=crate::components::error_notice::loading>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match check.await {
                            Ok(()) => view! { <ResetPasswordForm token/> }.into_any(),
                            Err(error) => view! {
                                <p role="alert" data-testid="reset-refused" class="text-red-700 dark:text-red-300">
                                    {link_refusal(&error, "Ask for a new one below.")}
                                </p>
                                <p class="mt-6 text-sm">
                                    <a href="/forgot-password" class=LINK_CLASS>"Send me a new link"</a>
                                </p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}

#[island(lazy)]
fn ResetPasswordForm(token: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<ResetPassword>::new();
    let value = action.value();
    view! {
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <KeepTyped action=action>
                <input type="hidden" name="token" value=token/>
                <TextField label="New password" name="password" kind="password" autocomplete="new-password" required=true
                    hint=PASSWORD_HINT error=field_error(value, "password")/>
                <FormStatus error=form_error(value, &["password"])/>
                {move || value.get().and_then(|result| result.err()).and_then(|error| error.field_message("token")).map(|_| view! {
                    <p class="text-sm"><a href="/forgot-password" class=LINK_CLASS>"Send me a new link"</a></p>
                })}
                <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Set the new password" }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
}

/// `/confirm-email?token=…`, from the mail sent at sign-up or to a new address: a button to
/// confirm it (a button, not the visit itself, since mail scanners open links), then
/// `?done=confirmed` or `?done=changed`.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let done = query.get("done");
    let token = query.get("token").unwrap_or_default();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_email_change(token.clone())
    });
    view! {
        <AuthCard title="Confirm your address">
            {if let Some(done) = done {
                view! {
                    <p role="status" data-testid="email-confirmed" class="text-slate-700 dark:text-slate-200">
                        {if done == "confirmed" {
                            "Thanks: your address is confirmed."
                        } else {
                            "Your address is changed. Mail for your account goes there from now on."
                        }}
                    </p>
                    <p class="mt-6 text-sm"><a href="/settings" class=LINK_CLASS>"Your account's settings"</a></p>
                }.into_any()
            } else {
                view! {
                    <Suspense fallback=crate::components::error_notice::loading>
                        {move || {
                            let token = token.clone();
                            Suspend::new(async move {
                                match check.await {
                                    Ok(link) => view! { <ConfirmEmailForm token link/> }.into_any(),
                                    Err(error) => view! {
                                        <p role="alert" data-testid="email-refused" class="text-red-700 dark:text-red-300">
                                            {link_refusal(&error, "Change your address again in your account's settings.")}
                                        </p>
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
fn ConfirmEmailForm(token: String, link: AddressLink) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<ConfirmEmail>::new();
    let value = action.value();
    let address = link.address;
    let question = if link.is_current {
        format!("Is {address} your address? Confirm it to finish setting up your account.")
    } else {
        format!("Use {address} for your account from now on?")
    };
    view! {
        <p class="mb-4 text-slate-700 dark:text-slate-200">{question}</p>
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <FormStatus error=form_error(value, &[])/>
            <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Confirming…" } else { "Confirm this address" }}
            </button>
        </ActionForm>
    }
}

/// `/unsubscribe?token=…`, from the link at the foot of a mail: a button that turns that kind
/// of mail off (the same POST a mail client's one-click unsubscribe sends), then `?done=1`.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    let done = query.get("done").is_some();
    let token = query.get("token").unwrap_or_default();
    let topic = Resource::new(|| (), {
        let token = token.clone();
        move |_| unsubscribe_topic(token.clone())
    });
    view! {
        <AuthCard title="Unsubscribe">
            {if done {
                view! {
                    <p role="status" data-testid="unsubscribed" class="text-slate-700 dark:text-slate-200">
                        "Done: you will not get these emails any more."
                    </p>
                    <p class="mt-6 text-sm">
                        <a href="/settings" class=LINK_CLASS>"Choose which emails you get"</a>
                    </p>
                }.into_any()
            } else {
                view! {
                    <Suspense fallback=crate::components::error_notice::loading>
                        {move || {
                            let token = token.clone();
                            Suspend::new(async move {
                                match topic.await {
                                    Ok(described) => view! {
                                        <form method="post" action=format!("/unsubscribe?token={token}")>
                                            <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                                            <p class="mb-4 text-slate-700 dark:text-slate-200">{format!("Stop getting {described}?")}</p>
                                            <button type="submit" class=BUTTON_CLASS>"Unsubscribe"</button>
                                        </form>
                                    }.into_any(),
                                    Err(error) => view! {
                                        <p role="alert" class="text-red-700 dark:text-red-300">
                                            {link_refusal(&error, "Choose which emails you get in your account's settings.")}
                                        </p>
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
