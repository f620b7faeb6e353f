//! Signing out: the tokens go first, so every open tab signs out at once, then the server
//! is told to stop honouring the refresh token, then on to the sign-in page. Changes made
//! offline that have not reached the server would go with this device's copy of the
//! notes, so the person is asked first.

use crate::client::use_client;
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn LogoutPage() -> impl IntoView {
    super::browser::set_title("Signing out");
    let client = use_client();
    let navigate = use_navigate();
    let unsynced = client.unsynced();
    let confirmed = RwSignal::new(unsynced == 0);
    // Once this page has replaced the one signed out from: that page's guard, seeing the
    // tokens go while it is still on screen, would send the person to sign in and back
    // to `/logout`.
    let leave = navigate.clone();
    Effect::new(move |_| {
        if !confirmed.get() {
            return;
        }
        let signing_out = client.sign_out();
        let navigate = leave.clone();
        spawn(async move {
            signing_out.await;
            super::browser::replace_with(navigate, paths::LOGIN);
        });
    });
    let stay = move |_| super::browser::replace_with(&navigate, paths::NOTES);
    let question = match unsynced {
        1 => "1 change has not synced yet.".to_owned(),
        n => format!("{n} changes have not synced yet."),
    };
    view! {
        <section class="panel narrow">
            {move || match confirmed.get() {
                true => view! {
                    <p class="checking" role="status" aria-live="polite">"Signing you out…"</p>
                }.into_any(),
                false => view! {
                    <h1>"Sign out?"</h1>
                    <p role="alert"><strong>{question.clone()}</strong></p>
                    <p>"They are kept only on this device, which could not reach the server to send them. Signing out deletes them, with this device's copy of your notes."</p>
                    <div class="actions">
                        <button type="button" class="danger" on:click=move |_| confirmed.set(true)>"Sign out anyway"</button>
                        <button type="button" on:click=stay.clone()>"Stay signed in"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
