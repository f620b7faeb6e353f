//! The application shell: header, the route table from `app::routes`, each route
//! behind its guard.

use crate::guard::Guarded;
use crate::pages::{LoginPage, LogoutPage, NotFoundPage, NotesPage, RegisterPage};
use crate::{renewal, router, session};
use app::guard::Session;
use app::routes::ClientRoute;
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    router::start();
    session::follow_other_tabs();
    renewal::keep_fresh();
    let tokens = session::tokens();
    let signed_in = move || tokens.with(|t| t.session() != Session::SignedOut);
    // The page changes with the route, not with the query.
    let location = router::location();
    let route = Memo::new(move |_| location.with(|l| ClientRoute::from_path(&l.path)));

    view! {
        <header class="site-header">
            <a href=ClientRoute::Notes.path() class="brand">"Notes"</a>
            <nav aria-label="Account">
                <Show
                    when=signed_in
                    fallback=|| view! {
                        <a href=ClientRoute::Login.path()>"Sign in"</a>
                        <a href=ClientRoute::Register.path()>"Register"</a>
                    }
                >
                    <a href=ClientRoute::Logout.path()>"Sign out"</a>
                </Show>
            </nav>
        </header>
        <main id="main" class="site-main">
            {move || match route.get() {
                Some(route) => view! { <Guarded route>{move || page(route)}</Guarded> }.into_any(),
                None => view! { <NotFoundPage /> }.into_any(),
            }}
        </main>
    }
}

/// Each route of the shared table and its page.
fn page(route: ClientRoute) -> AnyView {
    match route {
        ClientRoute::Notes => view! { <NotesPage /> }.into_any(),
        ClientRoute::Login => view! { <LoginPage /> }.into_any(),
        ClientRoute::Register => view! { <RegisterPage /> }.into_any(),
        ClientRoute::Logout => view! { <LogoutPage /> }.into_any(),
    }
}
