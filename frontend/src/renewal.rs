//! Renews the access token before anyone needs it: shortly ahead of its expiry, and
//! when the tab comes back into view (timers sleep in background tabs, and another tab
//! may have signed out or renewed the pair meanwhile).

use crate::{session, transport};
use app::guard::Session;
use app::refresh::{MAX_JITTER_MS, proactive_delay_ms};
use app::task::spawn;
use leptos::prelude::*;
use std::time::Duration;

pub fn keep_fresh() {
    let tokens = session::tokens();
    // Tabs draw different delays, so the first to renew hands its pair to the others
    // through storage rather than each renewing its own.
    let jitter = (js_sys::Math::random() * f64::from(MAX_JITTER_MS)) as u32;
    Effect::new(move |previous: Option<Option<TimeoutHandle>>| {
        if let Some(Some(timer)) = previous {
            timer.clear();
        }
        let (access, expiry) = tokens.with(|t| (t.access.clone(), t.access_expiry()));
        let delay = proactive_delay_ms(expiry, session::now(), jitter)?;
        set_timeout_with_handle(
            move || {
                spawn(async move {
                    let _ = transport::renew(access).await;
                })
            },
            Duration::from_millis(delay),
        )
        .ok()
    });

    window_event_listener(leptos::ev::focus, |_| on_return());
    window_event_listener_untyped("visibilitychange", |_| {
        if document().visibility_state() == web_sys::VisibilityState::Visible {
            on_return();
        }
    });
}

fn on_return() {
    session::sync();
    let tokens = session::read();
    if tokens.session() == Session::NeedsRefresh {
        spawn(async move {
            let _ = transport::renew(tokens.access).await;
        });
    }
}
