//! The application: its header and the route tree. The frontend mounts [`App`] with a
//! [`Client`] in context; the server builds the same tree natively, without one, only to
//! list its routes with leptos_axum.

use crate::client::{Client, Theme};
use crate::guard::Session;
use crate::pages::{
    AdminPage, LoginPage, LogoutPage, Me, NotFoundPage, NotesPage, RegisterPage, account_page,
    note_page, shared_page, trash_page,
};
use crate::protect::{self, Renewing};
use crate::routes::{Access, paths};
use crate::task::spawn;
use crate::unsaved::{self, LeaveDialog};
use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, ProtectedRoute, Route, Router};
use leptos_router::{ParamSegment, StaticSegment};

#[component]
pub fn App() -> impl IntoView {
    unsaved::provide();
    view! {
        <Router>
            <Shell />
        </Router>
    }
}

#[component]
fn Shell() -> impl IntoView {
    protect::replace_on_redirect();
    provide_context(Me(RwSignal::new(None)));
    view! {
        <Header />
        <main id="main" class="site-main">
            <FlatRoutes fallback=NotFoundPage>
                <Guarded path=paths::NOTES access=Access::Protected page=|| NotesPage().into_any() />
                <Guarded
                    path=paths::ACCOUNT
                    access=Access::Protected
                    page=account_page
                />
                <Guarded path=paths::TRASH access=Access::Protected page=trash_page />
                <Guarded path=paths::SHARED access=Access::Protected page=shared_page />
                // Guarded as the others, with the same page, condition and redirect types:
                // only the path's differs, so little of the router is compiled twice.
                <ProtectedRoute
                    path=(StaticSegment("notes"), ParamSegment("id"))
                    view={note_page as Page}
                    condition=protect::allows(Access::Protected, paths::NOTE)
                    redirect_path=protect::redirect(Access::Protected)
                    fallback=Renewing
                />
                <Guarded path=paths::ADMIN access=Access::Protected page=|| AdminPage().into_any() />
                <Guarded path=paths::LOGIN access=Access::GuestsOnly page=|| LoginPage().into_any() />
                <Guarded
                    path=paths::REGISTER
                    access=Access::GuestsOnly
                    page=|| RegisterPage().into_any()
                />
                <Route path=segment(paths::LOGOUT) view=LogoutPage />
            </FlatRoutes>
        </main>
        <LeaveDialog />
        <NewVersion />
    }
}

/// "A new version is ready · Reload", once a deployment's build is installed beside this
/// page's: the page keeps running its own build until the person chooses.
#[component]
fn NewVersion() -> impl IntoView {
    let client = use_context::<Client>();
    let ready = move || client.is_some_and(|c| c.new_version());
    let reload = move |_| {
        if let Some(client) = client {
            client.load_new_version();
        }
    };
    // A closure rather than `<Show>`, whose machinery the rest of the app does not use.
    move || {
        ready().then(|| {
            view! {
                <p class="new-version" role="status">
                    "A new version is ready · "
                    <button type="button" on:click=reload>"Reload"</button>
                </p>
            }
        })
    }
}

/// A page and how it is reached.
type Page = fn() -> AnyView;

/// The tree's segment for one of `paths` (all of them one segment deep).
fn segment(path: &'static str) -> StaticSegment<&'static str> {
    StaticSegment(path.trim_start_matches('/'))
}

/// A route behind its guard. Every guarded route is this one `ProtectedRoute` type, so
/// its machinery is compiled into the wasm once rather than once per page.
#[component(transparent)]
fn Guarded(
    path: &'static str,
    access: Access,
    page: Page,
) -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ProtectedRoute
            path=segment(path)
            view=page
            condition=protect::allows(access, path)
            redirect_path=protect::redirect(access)
            fallback=Renewing
        />
    }
    .into_inner()
}

/// "Dark theme", pressed or not: the switch between the stylesheet's two themes, which
/// starts at the system's and remembers a choice on this device.
#[component]
fn ThemeSwitch(client: Client) -> impl IntoView {
    let theme = RwSignal::new(client.theme());
    let switch = move |_| {
        let next = theme.get_untracked().other();
        client.choose_theme(next);
        theme.set(next);
    };
    view! {
        <button
            type="button"
            class="theme-switch"
            aria-pressed=move || (theme.get() == Theme::Dark).to_string()
            on:click=switch
        >
            "Dark theme"
        </button>
    }
}

#[component]
fn Header() -> impl IntoView {
    // Absent only in the server's native build of the tree, which shows the signed-out
    // header to no one.
    let client = use_context::<Client>();
    let session_active = move || client.is_some_and(|c| c.session() != Session::SignedOut);
    // The links change when the answer does, not at every renewal of the tokens (which
    // would rebuild them under a focused link).
    let signed_in = Memo::new(move |_| session_active());
    let me = expect_context::<Me>().0;
    // Who is signed in, fetched once per sign-in (here or in another tab), and again at
    // the next change of the tokens if fetching failed.
    Effect::new(move |_| match (session_active(), client) {
        (true, Some(client)) if me.with_untracked(Option::is_none) => spawn(async move {
            if let Ok(account) = client.account().await {
                me.set(Some(account));
            }
        }),
        (true, _) => {}
        (false, _) => me.set(None),
    });
    let name = move || {
        me.with(|a| {
            a.as_ref()
                .map_or_else(|| "Account".to_owned(), |a| a.username.clone())
        })
    };
    let operator = move || me.with(|a| a.as_ref().is_some_and(|a| a.is_admin));
    view! {
        <header class="site-header">
            <a href=paths::NOTES class="brand">"Notes"</a>
            {move || {
                client
                    .is_some_and(|c| !c.reachable())
                    .then(|| {
                        view! {
                            <span class="offline" role="status" title="The server cannot be reached">
                                "Offline"
                            </span>
                        }
                    })
            }}
            <nav aria-label="Account">
                {client.map(|client| view! { <ThemeSwitch client /> })}
                {move || match signed_in.get() {
                    true => view! {
                        {move || operator().then(|| view! { <a href=paths::ADMIN>"Admin"</a> })}
                        <a href=paths::SHARED>"Shared with me"</a>
                        <a href=paths::TRASH>"Trash"</a>
                        <a href=paths::ACCOUNT class="who" title="Your account">{name}</a>
                        <a href=paths::LOGOUT>"Sign out"</a>
                    }
                    .into_any(),
                    false => view! {
                        <a href=paths::LOGIN>"Sign in"</a>
                        <a href=paths::REGISTER>"Register"</a>
                    }
                    .into_any(),
                }}
            </nav>
        </header>
    }
}
