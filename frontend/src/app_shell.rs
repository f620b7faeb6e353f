//! The application shell: header, the route table from `app::routes`, each route
//! behind its guard.

use crate::guard::Guarded;
use crate::pages::{LoginPage, LogoutPage, NotFoundPage, NotesPage, RegisterPage};
use crate::{renewal, session};
use app::guard::Session;
use app::routes::ClientRoute;
use leptos::prelude::*;
use leptos_router::StaticSegment;
use leptos_router::components::{Route, Router, Routes};

#[component]
pub fn App() -> impl IntoView {
    session::follow_other_tabs();
    renewal::keep_fresh();
    let tokens = session::tokens();
    let signed_in = move || tokens.with(|t| t.session() != Session::SignedOut);

    view! {
        <Router>
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
                <Routes fallback=NotFoundPage>
                    <Route path=segment(ClientRoute::Notes) view=|| guarded(ClientRoute::Notes, NotesPage) />
                    <Route path=segment(ClientRoute::Login) view=|| guarded(ClientRoute::Login, LoginPage) />
                    <Route path=segment(ClientRoute::Register) view=|| guarded(ClientRoute::Register, RegisterPage) />
                    <Route path=segment(ClientRoute::Logout) view=|| guarded(ClientRoute::Logout, LogoutPage) />
                </Routes>
            </main>
        </Router>
    }
}

/// The router's segment for a route of the shared table (`/` is the empty segment).
fn segment(route: ClientRoute) -> StaticSegment<&'static str> {
    StaticSegment(route.path().trim_start_matches('/'))
}

fn guarded<V: IntoView + 'static>(route: ClientRoute, page: fn() -> V) -> impl IntoView {
    view! { <Guarded route=route>{move || page()}</Guarded> }
}
