//! The service worker (`/sw.js`, written by the post-build hook from
//! `frontend/service-worker.js`), which keeps this build's files so the app opens without
//! a network, and the newer build it finds after a deployment. A newer build waits until
//! the person chooses to load it ("A new version is ready · Reload"), so nothing changes
//! under their hands; the page looks for one when it comes back into view, when the
//! network returns, and every half hour.

use leptos::prelude::*;
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

const SCRIPT: &str = "/sw.js";
const LOOK_EVERY: Duration = Duration::from_secs(30 * 60);
const TAKE_OVER_WITHIN: Duration = Duration::from_secs(3);

thread_local! {
    static WAITING: ArcRwSignal<bool> = ArcRwSignal::new(false);
    // Set once the person chose to load the new build: only then does the worker's
    // taking over reload the page.
    static CHOSEN: Cell<bool> = const { Cell::new(false) };
}

/// Whether a newer build is installed and waiting; reading it in a reactive closure
/// tracks it.
pub fn new_version() -> bool {
    WAITING.with(|waiting| waiting.get())
}

fn container() -> Option<ServiceWorkerContainer> {
    // Absent where the page is not a secure context, or the browser has none (or is told
    // to have none: undefined).
    js_sys::Reflect::get(&window().navigator(), &"serviceWorker".into())
        .ok()
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into)
}

/// Registers the worker and watches for a newer build. A development build has no
/// `sw.js`, and the registration's failure is only that.
pub fn start() {
    let Some(container) = container() else {
        return;
    };
    let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
        if CHOSEN.with(Cell::get) {
            let _ = window().location().reload();
        }
    });
    container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    wasm_bindgen_futures::spawn_local(async move {
        // A browser that blocks workers may answer with nothing rather than refuse.
        let Some(registration) = JsFuture::from(container.register(SCRIPT))
            .await
            .ok()
            .filter(JsValue::is_object)
        else {
            return;
        };
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        watch(&registration);
        let look = move || {
            if let Ok(promise) = registration.update() {
                // Offline or a server that is down: the next look will do.
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = JsFuture::from(promise).await;
                });
            }
        };
        let every = look.clone();
        let _ = set_interval_with_handle(every, LOOK_EVERY);
        let online = look.clone();
        window_event_listener_untyped("online", move |_| online());
        window_event_listener_untyped("visibilitychange", move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                look();
            }
        });
    });
}

/// Marks a newer build as waiting once one is installed. The first worker ever installed
/// is not news: the page already runs its build, and there is no controller yet.
fn watch(registration: &ServiceWorkerRegistration) {
    if registration.waiting().is_some() && is_update() {
        WAITING.with(|waiting| waiting.set(true));
    }
    // The browser looks for a new worker as the page loads, so one may be installing
    // already, its `updatefound` gone before the app started.
    if let Some(installing) = registration.installing() {
        follow(&installing);
    }
    let found = registration.clone();
    let on_found = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if let Some(installing) = found.installing() {
            follow(&installing);
        }
    });
    registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
    on_found.forget();
}

/// Marks `installing` as a waiting newer build once it is installed, if it is an update.
fn follow(installing: &ServiceWorker) {
    let worker = installing.clone();
    let on_state = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if worker.state() == ServiceWorkerState::Installed && is_update() {
            WAITING.with(|waiting| waiting.set(true));
        }
    });
    installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
    on_state.forget();
}

/// Whether this page runs under a worker already: then a newly installed one is a newer
/// build.
fn is_update() -> bool {
    container().and_then(|c| c.controller()).is_some()
}

/// Loads the newer build: the waiting worker takes over, and its taking over reloads
/// the page (see `start`).
pub fn load_new_version() {
    CHOSEN.with(|chosen| chosen.set(true));
    let Some(container) = container() else {
        let _ = window().location().reload();
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let registration = JsFuture::from(container.get_registration())
            .await
            .ok()
            .and_then(|r| r.dyn_into::<ServiceWorkerRegistration>().ok());
        match registration.and_then(|r| r.waiting()) {
            Some(waiting) => {
                let _ = waiting.post_message(&"skip-waiting".into());
                // Should the worker never take over (replaced meanwhile by a newer one),
                // the choice still loads what the server has.
                set_timeout(
                    || {
                        let _ = window().location().reload();
                    },
                    TAKE_OVER_WITHIN,
                );
            }
            // Already taken over (another tab chose first): load what is there.
            None => {
                let _ = window().location().reload();
            }
        }
    });
}
