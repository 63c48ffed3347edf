//! Asking again for the link that confirms one's address (the settings page, and the comment
//! form of a blog where commenting needs a confirmed address).

use leptos::prelude::*;

use crate::accounts::functions::SendConfirmation;
use crate::components::form::{form_error, FormStatus, SECONDARY_BUTTON_CLASS};

/// A button that mails the signed-in user's address a new confirmation link, and says so.
#[component]
pub fn SendConfirmationForm() -> impl IntoView {
    let send = ServerAction::<SendConfirmation>::new();
    let value = send.value();
    let sent = Signal::derive(move || value.get().and_then(Result::ok));
    view! {
        <ActionForm action=send attr:class="space-y-2">
            <FormStatus error=form_error(value, &[]) success=sent/>
            <button type="submit" class=SECONDARY_BUTTON_CLASS disabled=move || send.pending().get()>
                {move || if send.pending().get() { "Sending…" } else { "Send the confirmation link again" }}
            </button>
        </ActionForm>
    }
}
