//! Signing out: the tokens go first, so every open tab signs out at once, then the server
//! is told to stop honouring the refresh token, then on to the sign-in page.

use crate::client::use_client;
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn LogoutPage() -> impl IntoView {
    super::set_title("Signing out");
    let client = use_client();
    let navigate = use_navigate();
    // Once this page has replaced the one signed out from: that page's guard, seeing the
    // tokens go while it is still on screen, would send the person to sign in and back
    // to `/logout`.
    Effect::new(move |_| {
        let signing_out = client.sign_out();
        let navigate = navigate.clone();
        spawn(async move {
            signing_out.await;
            super::replace_with(navigate, paths::LOGIN);
        });
    });
    view! {
        <section class="panel narrow">
            <p class="checking" role="status" aria-live="polite">"Signing you out…"</p>
        </section>
    }
}
