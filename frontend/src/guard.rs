//! Applies `app::guard` to a route: decides once when the page opens (refreshing a
//! stale access token first where the route needs one), and afterwards follows the
//! tokens, whichever tab changed them: a protected page goes to sign-in when they
//! disappear, a guest page moves on when they appear.

use crate::task::spawn;
use crate::{api, router, session};
use app::guard::{Decision, Session, decide};
use app::refresh::RefreshOutcome;
use app::routes::{Access, ClientRoute, login_url, safe_next};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Deciding,
    Refreshing,
    Unreachable,
    Ready,
}

/// Renders `children` only once `route`'s guard allows it.
#[component]
pub fn Guarded(route: ClientRoute, children: ChildrenFn) -> impl IntoView {
    let access = route.access();
    let tokens = session::tokens();
    let go = |path: &str| router::navigate(path, true);

    // Decided before the first paint, so an allowed page shows no flash of "checking".
    let first = decide(access, session::read().session());
    let phase = RwSignal::new(if first == Decision::Render {
        Phase::Ready
    } else {
        Phase::Deciding
    });

    let refresh = move || {
        phase.set(Phase::Refreshing);
        let stale = session::read().access;
        spawn(async move {
            match api::renew(stale).await {
                RefreshOutcome::Renewed => phase.set(Phase::Ready),
                // The tokens are cleared; the effect below sends the person to sign in.
                RefreshOutcome::SignedOut => {}
                RefreshOutcome::TryLater => phase.set(Phase::Unreachable),
            }
        });
    };

    Effect::new(move |_| {
        let session = tokens.with(|t| t.session());
        match phase.get_untracked() {
            // Decided already; only a sign-out, here or in another tab, changes it.
            Phase::Ready | Phase::Refreshing | Phase::Unreachable => {
                // The check for the path matters when this page is being left: `/logout`
                // clears the tokens while this guard's effect still lives, and must not
                // be answered with `/login?next=/logout`.
                let still_here = ClientRoute::from_path(&path()) == Some(route);
                if access == Access::Protected && session == Session::SignedOut && still_here {
                    go(&login_url(&here()));
                }
                // Signed in, here or in another tab, while a guest page is open: on to
                // where signing in here would have led.
                if access == Access::GuestsOnly && session == Session::Active && still_here {
                    go(safe_next(router::query("next").as_deref()));
                }
            }
            Phase::Deciding => match decide(access, session) {
                Decision::Render => phase.set(Phase::Ready),
                Decision::RefreshFirst => refresh(),
                Decision::SignIn => go(&login_url(&here())),
                Decision::GoHome => go(ClientRoute::Notes.path()),
            },
        }
    });

    move || match phase.get() {
        Phase::Ready => children().into_any(),
        Phase::Deciding | Phase::Refreshing => view! {
            <p class="checking" role="status" aria-live="polite">"Checking your session…"</p>
        }
        .into_any(),
        Phase::Unreachable => view! {
            <div class="panel" role="alert">
                <p>"Could not reach the server to renew your session."</p>
                <button type="button" on:click=move |_| refresh()>"Try again"</button>
            </div>
        }
        .into_any(),
    }
}

fn path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// This page's path and query, for `/login?next=…`.
fn here() -> String {
    let search = window().location().search().unwrap_or_default();
    path() + &search
}
