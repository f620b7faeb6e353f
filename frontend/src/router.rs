//! The router. The app has four routes (`app::routes::ClientRoute`) and a not-found
//! page, none with parameters, so the browser's History API is all it needs: the
//! current path and query in a signal, `navigate` (push or replace), the back and
//! forward buttons (`popstate`), and clicks on this site's links handled without a
//! page load. It does what `leptos_router` did for this app, in a fraction of the wasm.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlAnchorElement, MouseEvent, Url, UrlSearchParams};

/// Where the tab is: the path, and the query with its `?` (or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub search: String,
}

thread_local! {
    // Owner-free, like the token signal: it lives as long as the tab.
    static LOCATION: ArcRwSignal<Location> = ArcRwSignal::new(current());
}

fn current() -> Location {
    let location = window().location();
    Location {
        path: location.pathname().unwrap_or_default(),
        search: location.search().unwrap_or_default(),
    }
}

/// The current location; reading it in a reactive closure tracks navigation.
pub fn location() -> ArcRwSignal<Location> {
    LOCATION.with(Clone::clone)
}

/// Brings the signal in line with the address bar, notifying only on a real change.
fn sync() {
    let now = current();
    let signal = location();
    if signal.with_untracked(|l| *l != now) {
        signal.set(now);
    }
}

/// Goes to `url` (a path of this site, with its query) without a page load; `replace`
/// rewrites the current history entry instead of adding one.
pub fn navigate(url: &str, replace: bool) {
    let window = window();
    if let Ok(history) = window.history() {
        let here = location().with_untracked(|l| [l.path.as_str(), &l.search].concat());
        let _ = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(url))
        } else if url != here {
            history.push_state_with_url(&JsValue::NULL, "", Some(url))
        } else {
            Ok(())
        };
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
    sync();
}

/// One parameter of the current query, decoded.
pub fn query(key: &str) -> Option<String> {
    let search = location().with_untracked(|l| l.search.clone());
    UrlSearchParams::new_with_str(&search).ok()?.get(key)
}

/// Follows the back and forward buttons and this site's links, for the tab's lifetime.
pub fn start() {
    window_event_listener(leptos::ev::popstate, |_| sync());
    window_event_listener(leptos::ev::click, follow_link);
}

/// A plain click on a link to this site navigates in the app. Anything else (another
/// site, a new tab or window, a download, modifier keys) is left to the browser.
fn follow_link(ev: MouseEvent) {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return;
    }
    let Some(anchor) = ev
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
        .and_then(|element| element.closest("a").ok().flatten())
        .and_then(|element| element.dyn_into::<HtmlAnchorElement>().ok())
    else {
        return;
    };
    let href = anchor.href();
    let external = anchor
        .get_attribute("rel")
        .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "external"));
    if href.is_empty()
        || !anchor.target().is_empty()
        || anchor.has_attribute("download")
        || external
    {
        return;
    }
    let Ok(url) = Url::new(&href) else {
        return;
    };
    if window().location().origin().ok() != Some(url.origin()) {
        return;
    }
    ev.prevent_default();
    navigate(&[url.pathname(), url.search(), url.hash()].concat(), false);
}
