//! Whether the server can be reached: what the last request found (an answer of any
//! status, or none), and the browser's `offline` event. While it cannot be, the server's
//! health probe is tried every few seconds and at the browser's `online` event, so the
//! app learns that it is back without anyone having to click.

use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::time::Duration;

/// How often an unreachable server is probed: short enough that the "Offline" mark goes
/// soon after the network returns, long enough to cost nothing.
const PROBE_EVERY: Duration = Duration::from_secs(5);

thread_local! {
    static REACHABLE: ArcRwSignal<bool> = ArcRwSignal::new(true);
    static PROBING: RefCell<Option<IntervalHandle>> = const { RefCell::new(None) };
    /// What asks the server whether it is there (`transport::probe`, which reports back
    /// through [`found`]): given at start-up, since the transport is built on this.
    static PROBE: Cell<fn()> = const { Cell::new(|| {}) };
}

/// Whether the server answered the last request; reading it in a reactive closure tracks
/// it.
pub fn reachable() -> bool {
    REACHABLE.with(|reachable| reachable.get())
}

/// Records what a request found: an answer, or none.
pub fn found(answered: bool) {
    REACHABLE.with(|reachable| {
        if reachable.get_untracked() != answered {
            reachable.set(answered);
        }
    });
    PROBING.with(|probing| {
        let mut probing = probing.borrow_mut();
        match (answered, probing.is_some()) {
            (true, true) => {
                if let Some(interval) = probing.take() {
                    interval.clear();
                }
            }
            (false, false) => {
                *probing = set_interval_with_handle(probe, PROBE_EVERY).ok();
            }
            _ => {}
        }
    });
}

/// Follows the browser's `online` and `offline` events; `asks` asks the server.
pub fn watch(asks: fn()) {
    PROBE.with(|given| given.set(asks));
    if !window().navigator().on_line() {
        found(false);
    }
    window_event_listener_untyped("offline", |_| found(false));
    window_event_listener_untyped("online", |_| probe());
}

fn probe() {
    PROBE.with(Cell::get)();
}
