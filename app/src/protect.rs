//! How the route tree applies `guard::decide`: each guarded route is a leptos_router
//! `ProtectedRoute` whose condition, redirect and pending view come from here.

use crate::client::use_client;
use crate::components::RetryPanel;
use crate::guard::{Decision, decide};
use crate::refresh::RefreshOutcome;
use crate::routes::{Access, login_url, safe_next};
use crate::task::spawn;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The `ProtectedRoute` condition of the route at `path`: `Some(true)` renders the page,
/// `Some(false)` redirects, `None` shows [`Renewing`] while a stale access token is
/// renewed. It follows the tokens, whichever tab changes them: a protected page goes to
/// sign-in when they disappear, a guest page moves on when they appear.
pub fn allows(
    access: Access,
    path: &'static str,
) -> impl Fn() -> Option<bool> + Clone + Send + Sync + 'static {
    // `ProtectedRoute` renders its page afresh each time the condition runs: a memo runs
    // it only when the answer changes, not whenever the tokens do.
    let answer = Memo::new(move |previous: Option<&Option<bool>>| {
        // A page being left keeps its answer. `/logout` clears the tokens before the
        // page it was opened from is gone, and that page's guard must not answer with
        // `/login?next=/logout`.
        let here = use_location().pathname.with(|p| is_at(p, path));
        match (here, previous) {
            (false, Some(previous)) => *previous,
            _ => match decide(access, use_client().session()) {
                Decision::Render => Some(true),
                // A page already shown stays while its token is renewed (its requests
                // renew it themselves): say, when the network returns to a page opened
                // offline, whose renewal had to wait.
                Decision::RefreshFirst if previous == Some(&Some(true)) => Some(true),
                Decision::RefreshFirst => None,
                Decision::SignIn | Decision::GoHome => Some(false),
            },
        }
    });
    move || answer.get()
}

/// Whether `pathname` is `path`, a trailing slash aside.
/// Whether `pathname` is the route at `path`; a `path` ending in `/` is a prefix, the
/// route's parameter after it (`/notes/` for `/notes/7`).
fn is_at(pathname: &str, path: &str) -> bool {
    pathname == path
        || pathname.strip_suffix('/') == Some(path)
        || (path.len() > 1 && path.ends_with('/') && pathname.starts_with(path))
}

/// Where a refused person goes: to sign in and back here, or on from a guest page to
/// where signing in leads.
pub fn redirect(access: Access) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || {
        let location = use_location();
        if access == Access::Protected {
            let search = location.search.get_untracked();
            let here = match search.as_str() {
                "" => location.pathname.get_untracked(),
                query => [location.pathname.get_untracked().as_str(), "?", query].concat(),
            };
            login_url(&here)
        } else {
            location
                .query
                .with_untracked(|q| safe_next(q.get_str("next")).to_owned())
        }
    }
}

/// leptos_router's `<Redirect/>`, which `ProtectedRoute` renders, adds a history entry;
/// the one hook it offers is the redirect function a server integration provides. The
/// browser build provides one that takes the refused page's own entry instead, so Back
/// never returns to a page whose guard would only send the person off again. A page
/// reached by a link in the app has no entry yet when its guard refuses it (the router
/// adds it once the page is ready): then the redirect adds one, after the page the link
/// was on. Call it inside `<Router>`.
pub fn replace_on_redirect() {
    #[cfg(feature = "csr")]
    {
        use leptos_router::NavigateOptions;
        use leptos_router::components::provide_server_redirect;
        let navigate = leptos_router::hooks::use_navigate();
        let location = use_location();
        provide_server_redirect(move |path| {
            let refused = [
                location.pathname.get_untracked(),
                location.search.get_untracked(),
            ];
            let address = window().location();
            let shown = [
                address.pathname().unwrap_or_default(),
                address
                    .search()
                    .unwrap_or_default()
                    .trim_start_matches('?')
                    .to_owned(),
            ];
            let options = NavigateOptions {
                replace: shown == refused,
                ..Default::default()
            };
            navigate(path, options)
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Renewing,
    Unreachable,
}

/// Shown while a protected page waits for its stale access token to be renewed. A renewed
/// pair or a refused one changes the tokens, and with them the route's condition; a
/// server out of reach leaves the person here with a way to try again.
#[component]
pub fn Renewing() -> impl IntoView {
    let client = use_client();
    let phase = RwSignal::new(Phase::Renewing);
    let renew = move || {
        phase.set(Phase::Renewing);
        let renewal = client.renew();
        spawn(async move {
            if renewal.await == RefreshOutcome::TryLater {
                phase.set(Phase::Unreachable);
            }
        });
    };
    renew();
    move || match phase.get() {
        Phase::Renewing => view! {
            <p class="checking" role="status" aria-live="polite">"Checking your session…"</p>
        }
        .into_any(),
        Phase::Unreachable => view! {
            <RetryPanel
                message="Could not reach the server to renew your session.".to_owned()
                on_retry=Callback::new(move |()| renew())
            />
        }
        .into_any(),
    }
}
