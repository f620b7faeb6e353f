//! Keeps the device and the server in step: the changes made offline are sent in order
//! when the server answers again, when the app starts, and when their person signs in
//! (never anyone else's: the queue is the signed-in person's); and the device's copy of
//! the notes is renewed from the server's whole list.
//!
//! Each change is sent as the person would have sent it online, through the same client,
//! so an expired access token is renewed first; a session that cannot be renewed stops the
//! replay with the queue kept. An edit goes over the version it was made on: the `ETag`
//! it was opened with, or else the server's note must still read as it did then. If it
//! does not, the edit waits for the person's choice (`Queue::conflict`) and never
//! overwrites. A change sent while another tab sends the queue is avoided with a lease
//! in `localStorage`.

use crate::api::{Call, authed, versioned};
use crate::{device, reachability, session};
use app::api::{Note, paths};
use app::client::ClientError;
use app::offline::{Change, Waiting, rewritten};
use app::task::spawn;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use std::cell::Cell;

/// How long a tab may hold the queue before another may take it over (it renews the
/// lease before each change).
const LEASE_MS: i64 = 30_000;

/// The whole list is copied again at most this often while nothing syncs: each write
/// this tab makes keeps the copy up to date meanwhile.
const COPY_EVERY_MS: f64 = 5.0 * 60_000.0;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static SENDING: Cell<Option<u64>> = const { Cell::new(None) };
    static COPIED_AT: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    static SYNCED: ArcRwSignal<u32> = ArcRwSignal::new(0);
}

/// The change on its way to the server, which new changes must not merge into.
pub fn sending() -> Option<u64> {
    SENDING.get()
}

/// Counts the replays that changed what the server has; reading it in a reactive
/// closure tracks it.
pub fn synced() -> u32 {
    SYNCED.with(|synced| synced.get())
}

pub fn start() {
    // At start, at each sign-in (a tokens change), and when the server answers again.
    Effect::new(|_| {
        session::tokens().track();
        if reachability::reachable() {
            replay();
        }
    });
}

/// Sends the waiting changes, unless this tab already is (then it looks again after).
pub fn replay() {
    if RUNNING.replace(true) {
        AGAIN.set(true);
        return;
    }
    spawn(async {
        loop {
            AGAIN.set(false);
            run().await;
            if !AGAIN.get() {
                break;
            }
        }
        RUNNING.set(false);
    });
}

fn lease_key(user: i64) -> String {
    format!("sync:{user}")
}

/// Takes or renews the lease on `user`'s queue, unless another tab holds it.
fn lease(user: i64, held: bool) -> bool {
    // Whole milliseconds: formatting and parsing floats would cost the wasm ~15 KB.
    let now = js_sys::Date::now() as i64;
    let storage = LocalStorage::raw();
    let until: Option<i64> = storage
        .get_item(&lease_key(user))
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok());
    if !held && until.is_some_and(|until| until > now) {
        return false;
    }
    storage
        .set_item(&lease_key(user), &(now + LEASE_MS).to_string())
        .is_ok()
}

enum Sent {
    Done,
    Conflict,
    /// The server cannot be reached, or the session is over: try at the next chance.
    Stop,
}

async fn run() {
    let Some(user) = session::user_id() else {
        return;
    };
    if device::queue(user).is_empty() || !lease(user, false) {
        return;
    }
    let mut changed = false;
    while session::user_id() == Some(user) && lease(user, true) {
        let Some(next) = device::queue(user).next_to_send().cloned() else {
            break;
        };
        SENDING.set(Some(next.seq));
        let outcome = send(user, &next).await;
        SENDING.set(None);
        match outcome {
            Sent::Done => {}
            Sent::Conflict => {
                if device::change_queue(user, |q| q.mark_conflict(next.seq)).is_err() {
                    break;
                }
            }
            Sent::Stop => break,
        }
        changed = true;
    }
    LocalStorage::delete(lease_key(user));
    if changed {
        copy_notes(true);
        SYNCED.with(|synced| synced.update(|n| *n += 1));
    }
}

/// Sends one change; once the server has it, it leaves the queue and the copy has it.
async fn send(user: i64, waiting: &Waiting) -> Sent {
    let seq = waiting.seq;
    // A queue that storage no longer takes would send the same change forever.
    let done = |saved: Option<Note>| {
        if device::change_queue(user, |q| q.remove(seq)).is_err() {
            return Sent::Stop;
        }
        if let Some(note) = saved {
            device::keep_note(user, note);
        }
        Sent::Done
    };
    match &waiting.change {
        Change::Create { id, note, .. } => {
            match authed::<Note>(Call::new("POST", paths::NOTES).body(note)).await {
                Ok(created) => {
                    let _ = device::change_queue(user, |q| q.created(*id, &created));
                    done(Some(created))
                }
                Err(_) => Sent::Stop,
            }
        }
        Change::Edit {
            id,
            patch,
            base,
            etag,
            ..
        } => {
            let mut version = etag.clone();
            if waiting.change.needs_version() && version.is_none() {
                match versioned(Call::new("GET", paths::note(*id))).await {
                    Ok(current)
                        if current.value.title == base.title
                            && current.value.content == base.content =>
                    {
                        version = current.etag;
                    }
                    Ok(_) => return Sent::Conflict,
                    Err(ClientError::NotFound) => return recreate(user, seq, base, patch).await,
                    Err(_) => return Sent::Stop,
                }
            }
            let call = Call::new("PATCH", paths::note(*id))
                .body(patch)
                .if_match(version);
            match versioned(call).await {
                Ok(saved) => done(Some(saved.value)),
                Err(ClientError::Changed) => Sent::Conflict,
                // A pin of a note deleted elsewhere is moot; words are kept.
                Err(ClientError::NotFound) if !waiting.change.needs_version() => done(None),
                Err(ClientError::NotFound) => recreate(user, seq, base, patch).await,
                Err(_) => Sent::Stop,
            }
        }
        Change::Delete { id } => match authed::<()>(Call::new("DELETE", paths::note(*id))).await {
            Ok(()) | Err(ClientError::NotFound) => {
                device::drop_note(user, *id);
                done(None)
            }
            Err(_) => Sent::Stop,
        },
    }
}

/// The note an edit was made on was deleted elsewhere meanwhile: the person's words
/// become a note again rather than being lost (its old version is in the trash).
async fn recreate(user: i64, seq: u64, base: &Note, patch: &app::api::NotePatch) -> Sent {
    let input = rewritten(base, patch);
    match authed::<Note>(Call::new("POST", paths::NOTES).body(&input)).await {
        Ok(created) => {
            if device::change_queue(user, |q| q.remove(seq)).is_err() {
                return Sent::Stop;
            }
            device::drop_note(user, base.id);
            device::keep_note(user, created);
            Sent::Done
        }
        Err(_) => Sent::Stop,
    }
}

/// Copies all of the person's notes from the server (the original's plain list) to the
/// device: when the list is loaded, at most every [`COPY_EVERY_MS`] unless `now`, and
/// only while no change waits (the copy is the server's side; the changes go on top).
pub fn copy_notes(now: bool) {
    let Some(user) = session::user_id() else {
        return;
    };
    let since = js_sys::Date::now() - COPIED_AT.get();
    if (!now && since < COPY_EVERY_MS) || !device::queue(user).is_empty() {
        return;
    }
    COPIED_AT.set(js_sys::Date::now());
    spawn(async move {
        match authed::<Vec<Note>>(Call::new("GET", paths::NOTES)).await {
            Ok(notes) if session::user_id() == Some(user) => device::keep_notes(user, notes).await,
            // Try again at the next load.
            _ => COPIED_AT.set(f64::NEG_INFINITY),
        }
    });
}
