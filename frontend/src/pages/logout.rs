//! Signing out: the tokens go first, so every open tab signs out at once through the
//! `storage` event; then the server is told to stop honouring the refresh token.

use crate::task::spawn;
use crate::{api, session};
use app::routes::ClientRoute;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

#[component]
pub fn LogoutPage() -> impl IntoView {
    super::set_title("Signing out");
    let navigate = use_navigate();
    let refresh = session::read().refresh;
    session::clear();
    spawn(async move {
        if let Some(refresh) = refresh {
            // Best effort: the tokens are gone from this browser either way.
            let _ = api::blacklist(refresh).await;
        }
        navigate(
            ClientRoute::Login.path(),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
    view! {
        <section class="panel narrow">
            <p class="checking" role="status" aria-live="polite">"Signing you out…"</p>
        </section>
    }
}
