//! The token store. Tokens live in `localStorage` under `access` and `refresh`, as plain
//! strings like the original React app keeps them, so every tab shares one pair. Storage
//! is the truth: requests read it each time, and the reactive copy here only tells the UI
//! when it changed, in this tab or (through the `storage` event) in another one.

use app::api::TokenPair;
use app::claims::unverified_lifetime;
use app::guard::Session;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

pub const ACCESS_KEY: &str = "access";
pub const REFRESH_KEY: &str = "refresh";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub access: Option<String>,
    pub refresh: Option<String>,
}

impl Tokens {
    pub fn session(&self) -> Session {
        Session::from_tokens(
            self.access.as_deref().and_then(unverified_lifetime),
            self.refresh.is_some(),
            now(),
        )
    }

    /// Whose tokens these are.
    pub fn user_id(&self) -> Option<i64> {
        let token = self.refresh.as_deref().or(self.access.as_deref())?;
        unverified_lifetime(token)?.user_id
    }

    pub fn access_expiry(&self) -> Option<i64> {
        self.access
            .as_deref()
            .and_then(unverified_lifetime)
            .map(|l| l.exp)
    }
}

thread_local! {
    // An `Arc` signal needs no reactive owner, so the API client can update it from any
    // task; it lives as long as the tab.
    static TOKENS: ArcRwSignal<Tokens> = ArcRwSignal::new(read());
}

/// The tokens as the UI sees them; reading it in an effect tracks sign-in and sign-out.
pub fn tokens() -> ArcRwSignal<Tokens> {
    TOKENS.with(Clone::clone)
}

/// What is in storage right now.
pub fn read() -> Tokens {
    let storage = LocalStorage::raw();
    let get = |key| {
        storage
            .get_item(key)
            .ok()
            .flatten()
            .filter(|t| !t.is_empty())
    };
    Tokens {
        access: get(ACCESS_KEY),
        refresh: get(REFRESH_KEY),
    }
}

pub fn store(pair: &TokenPair) {
    let storage = LocalStorage::raw();
    // Refresh first: a tab woken by the `access` event then finds a matching pair.
    let _ = storage.set_item(REFRESH_KEY, &pair.refresh);
    let _ = storage.set_item(ACCESS_KEY, &pair.access);
    sync();
}

pub fn clear() {
    // Refresh first: a tab woken by its removal still holds a good access token, not a
    // stale-looking session that it would set out to refresh.
    LocalStorage::delete(REFRESH_KEY);
    LocalStorage::delete(ACCESS_KEY);
    sync();
}

/// Brings the reactive copy in line with storage, notifying only on a real change.
pub fn sync() {
    let current = read();
    let signal = tokens();
    if signal.with_untracked(|t| *t != current) {
        signal.set(current);
    }
}

/// Follows other tabs: they sign in, refresh and sign out through the same storage, and
/// the browser tells this tab with a `storage` event (never for its own writes).
pub fn follow_other_tabs() {
    // The listener lives as long as the tab, so its handle is not kept.
    window_event_listener(leptos::ev::storage, |event| match event.key() {
        Some(key) if key != ACCESS_KEY && key != REFRESH_KEY => {}
        // `None` means storage was cleared as a whole.
        _ => sync(),
    });
}

/// The signed-in person's id, read from the stored tokens (either will do: a refresh
/// token outlives its access token); `None` when nobody is signed in.
pub fn user_id() -> Option<i64> {
    read().user_id()
}

/// Seconds since the Unix epoch, by the browser's clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}
