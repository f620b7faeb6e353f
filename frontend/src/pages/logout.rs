//! Signing out: the tokens go first, so every open tab signs out at once through the
//! `storage` event; then the server is told to stop honouring the refresh token.

use crate::task::spawn;
use crate::{api, router, session};
use app::routes::ClientRoute;
use leptos::prelude::*;

#[component]
pub fn LogoutPage() -> impl IntoView {
    super::set_title("Signing out");
    let refresh = session::read().refresh;
    session::clear();
    spawn(async move {
        if let Some(refresh) = refresh {
            // Best effort: the tokens are gone from this browser either way.
            let _ = api::blacklist(refresh).await;
        }
        router::navigate(ClientRoute::Login.path(), true);
    });
    view! {
        <section class="panel narrow">
            <p class="checking" role="status" aria-live="polite">"Signing you out…"</p>
        </section>
    }
}
