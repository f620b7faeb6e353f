//! The stream of the person's changes, one per browser (a chunk of its own: see `live`).
//!
//! A browser speaking HTTP/1.1 opens at most 6 connections to a site, so a stream per tab
//! would freeze the app at the sixth tab. The tabs elect one that holds the stream with
//! the Web Locks API: each asks for one lock, the first holds it for as long as it is
//! open, and when it closes the browser hands the lock to the next at once. The holder
//! passes each event to the others on a `BroadcastChannel`, and every tab applies it
//! (`live::changed`).
//!
//! The holder reads `GET /api/events/` with `fetch` (`EventSource` cannot send the
//! token), resumes with `Last-Event-ID`, and reconnects when the stream ends: its token
//! expired (it is renewed first), the server restarted, or the network went. A session
//! ended elsewhere signs the browser out at once.

use crate::transport::{self, API_BASE};
use crate::{js, live, reachability, session};
use app::api::paths;
use app::claims::unverified_session;
use app::guard::Session;
use app::refresh::RefreshOutcome;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::window;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{BroadcastChannel, MessageEvent, ReadableStreamDefaultReader, Request, RequestInit};

/// The lock and the channel, by name: one per site, whoever is signed in.
const NAME: &str = "notes-events";

/// Where the browser keeps the last event heard, as `<user> <id>`: a page loaded again
/// resumes after it, and reloads only if something happened meanwhile.
const HEARD_KEY: &str = "events";

/// Waits before reconnecting: after a failure, doubling up to the last.
const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(30);
/// Closed to make room for the person's newer streams (more than 8 browsers): this one
/// comes back only after a while.
const REPLACED_WAIT: Duration = Duration::from_secs(60);

#[wasm_split(stream, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn start() -> Result<(), SplitLoaderError> {
    let Ok(channel) = BroadcastChannel::new(NAME) else {
        // No channel: each tab holds its own stream.
        app::task::spawn(hold(None));
        return Ok(());
    };
    let heard = Closure::<dyn Fn(MessageEvent)>::new(|message: MessageEvent| {
        if let Some(text) = message.data().as_string() {
            apply(&text);
        }
    });
    channel.set_onmessage(Some(heard.as_ref().unchecked_ref()));
    heard.forget();
    let locks = js::get(&window().navigator(), "locks");
    if locks.is_undefined() {
        app::task::spawn(hold(Some(channel)));
        return Ok(());
    }
    // Held, once granted, until the tab closes: the callback's promise never settles.
    let granted = Closure::once_into_js(move |_lock: JsValue| {
        future_to_promise(async move {
            hold(Some(channel)).await;
            Ok(JsValue::UNDEFINED)
        })
    });
    let _ = js::call(&locks, "request", &[NAME.into(), granted]);
    Ok(())
}

/// An event as tabs pass it on: `note <id> <version>`, or its name alone.
fn apply(text: &str) {
    let mut words = text.split(' ');
    let note = match (words.next(), words.next(), words.next()) {
        (Some("note"), Some(id), Some(version)) => id.parse().ok().zip(version.parse().ok()),
        _ => None,
    };
    live::changed(note);
}

/// What one event means here: the text passed on to the other tabs, if anything changed.
fn meaning(kind: &str, data: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct NoteEvent {
        id: i64,
        version: i64,
    }
    match kind {
        "note" => {
            let note: NoteEvent = app::json::from_str(data)?;
            Some(format!("note {} {}", note.id, note.version))
        }
        "tags" | "reset" | "account" => Some(kind.to_owned()),
        _ => None,
    }
}

/// The holder's loop: the stream, again and again, for as long as the tab is open.
async fn hold(channel: Option<BroadcastChannel>) {
    let mut last: Option<(i64, String)> = heard_before();
    let mut wait = FIRST_WAIT;
    loop {
        let tokens = session::read();
        let (Some(access), Some(user)) = (tokens.access.clone(), tokens.user_id()) else {
            // Nobody signed in: look again soon.
            pause(FIRST_WAIT).await;
            continue;
        };
        if tokens.session() == Session::NeedsRefresh {
            if transport::renew(Some(access)).await == RefreshOutcome::TryLater {
                pause(wait).await;
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            continue;
        }
        // Another person's place in the stream means nothing to this one.
        let resume = last
            .as_ref()
            .filter(|(whose, _)| *whose == user)
            .map(|(_, id)| id.clone());
        let keep = |id: &str| {
            let _ = LocalStorage::raw().set_item(HEARD_KEY, &format!("{user} {id}"));
        };
        match follow(&access, resume.as_deref(), channel.as_ref(), &keep).await {
            Ok(Stopped::Expired { last_id }) => {
                if let Some(id) = last_id {
                    last = Some((user, id));
                }
                wait = FIRST_WAIT;
                continue;
            }
            Ok(Stopped::Replaced) => wait = REPLACED_WAIT,
            Ok(Stopped::SessionEnded) => {
                // This browser's session, unless it has moved on to a new one since (a
                // password change ends the others and starts its own anew).
                let now = session::read().access;
                if now.as_deref().and_then(unverified_session) == unverified_session(&access) {
                    session::clear();
                }
                last = None;
                continue;
            }
            Ok(Stopped::Refused(401)) => {
                transport::renew(Some(access)).await;
                continue;
            }
            Ok(Stopped::Refused(_)) => wait = LONGEST_WAIT,
            Err(()) => reachability::found(false),
        }
        pause(wait).await;
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

/// The last event this browser heard, and whose.
fn heard_before() -> Option<(i64, String)> {
    let kept = LocalStorage::raw().get_item(HEARD_KEY).ok()??;
    let (user, id) = kept.split_once(' ')?;
    Some((user.parse().ok()?, id.to_owned()))
}

enum Stopped {
    /// The server closed it (its token expired, or the server restarted), after this id.
    Expired {
        last_id: Option<String>,
    },
    Replaced,
    SessionEnded,
    Refused(u16),
}

/// One stream, read to its end; `Err` when the server could not be reached.
async fn follow(
    access: &str,
    resume: Option<&str>,
    channel: Option<&BroadcastChannel>,
    keep: &dyn Fn(&str),
) -> Result<Stopped, ()> {
    let init = RequestInit::new();
    init.set_method("GET");
    let request =
        Request::new_with_str_and_init(&[API_BASE, paths::EVENTS].concat(), &init).map_err(drop)?;
    let headers = request.headers();
    headers
        .set("Authorization", &["Bearer ", access].concat())
        .map_err(drop)?;
    if let Some(id) = resume {
        headers.set("Last-Event-ID", id).map_err(drop)?;
    }
    let response: web_sys::Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(drop)?
        .unchecked_into();
    reachability::found(true);
    if response.status() != 200 {
        return Ok(Stopped::Refused(response.status()));
    }
    let reader: ReadableStreamDefaultReader =
        response.body().ok_or(())?.get_reader().unchecked_into();
    let mut buffer = Vec::new();
    let mut last_id = resume.map(str::to_owned);
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            // Cut off mid-stream: resume from the last event seen.
            return Ok(Stopped::Expired { last_id });
        };
        if js::get(&chunk, "done").as_bool() == Some(true) {
            return Ok(Stopped::Expired { last_id });
        }
        buffer.extend(js_sys::Uint8Array::new(&js::get(&chunk, "value")).to_vec());
        while let Some(end) = buffer.windows(2).position(|pair| pair == b"\n\n") {
            let block: Vec<u8> = buffer.drain(..end + 2).collect();
            let block = String::from_utf8_lossy(&block);
            let (mut kind, mut data) = ("message", "");
            for line in block.lines() {
                match line.split_once(": ") {
                    Some(("event", value)) => kind = value,
                    Some(("data", value)) => data = value,
                    Some(("id", value)) => {
                        keep(value);
                        last_id = Some(value.to_owned());
                    }
                    _ => {}
                }
            }
            match kind {
                "session" => return Ok(Stopped::SessionEnded),
                "closed" => return Ok(Stopped::Replaced),
                // Not resumed (this browser never heard an event, or it was another
                // person's): what changed between the pages' loading and now was not
                // heard, so they load again (quietly).
                "ready" if resume.is_none() => kind = "reset",
                _ => {}
            }
            if let Some(text) = meaning(kind, data) {
                apply(&text);
                if let Some(channel) = channel {
                    let _ = channel.post_message(&JsValue::from_str(&text));
                }
            }
        }
    }
}

async fn pause(wait: Duration) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            wait.as_millis() as i32,
        );
    });
    let _ = JsFuture::from(promise).await;
}
