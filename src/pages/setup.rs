//! `/setup?token=…`: the blog's first run, where its owner names it and makes the first admin
//! account (see `accounts::setup`). Gone (404) once the blog is set up.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::functions::{check_setup, SetUpBlog};
use crate::components::error_notice::{loaded, loading};
use crate::components::form::{
    field_error, form_error, FormStatus, KeepTyped, TextField, BUTTON_CLASS,
};

#[component]
pub fn SetupPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_setup(token.clone())
    });
    view! {
        <leptos_meta::Title text="Set up your blog"/>
        <section class="mx-auto max-w-md">
            <h1 class="mb-2 text-3xl font-bold tracking-tight">"Set up your blog"</h1>
            <p class="mb-6 text-slate-600 dark:text-slate-300">
                "Name your blog and make the account you will run it with. You can change everything later in Admin → Settings."
            </p>
            <Suspense fallback=loading>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        loaded(check.await, move |()| view! {
                            <div class="rounded-2xl border border-slate-200 p-6 shadow-sm dark:border-slate-800">
                                <SetupForm token/>
                            </div>
                        }.into_any())
                    })
                }}
            </Suspense>
        </section>
    }
}

#[island(lazy)]
fn SetupForm(token: String) -> impl IntoView {
    crate::components::island::register();
    let action = ServerAction::<SetUpBlog>::new();
    let value = action.value();
    view! {
        <ActionForm action=action attr:class="space-y-2" attr:novalidate=true>
            <KeepTyped action=action>
                <input type="hidden" name="token" value=token/>
                <TextField label="Blog name" name="title" required=true error=field_error(value, "title")/>
                <TextField label="Your email" name="email" kind="email" autocomplete="email" required=true error=field_error(value, "email")/>
                <TextField label="Username" name="username" autocomplete="username" required=true
                    hint="3–32 letters, digits, _ or -" error=field_error(value, "username")/>
                <TextField label="Password" name="password" kind="password" autocomplete="new-password" required=true
                    hint="At least 12 characters. A few random words make a good one." error=field_error(value, "password")/>
                <FormStatus error=form_error(value, &["title", "email", "username", "password"])/>
                <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Setting up…" } else { "Create the blog" }}
                </button>
            </KeepTyped>
        </ActionForm>
    }
}
