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

use crate::transport::{Call, authed, versioned};
use crate::{device, reachability, session};
use app::api::{Note, paths};
use app::client::ClientError;
use app::offline::{Change, Queue, Waiting, opened_on_device, rewritten};
use app::task::spawn;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use std::cell::Cell;

/// How long a tab may hold the queue before another may take it over (it renews the
/// lease before each change).
const LEASE_MS: i64 = 120_000;

/// How soon a tab that found another sending looks again.
const RETRY_BUSY: std::time::Duration = std::time::Duration::from_secs(5);

/// The whole list is copied again at most this often while nothing syncs: each write
/// this tab makes keeps the copy up to date meanwhile.
const COPY_EVERY_MS: f64 = 5.0 * 60_000.0;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static TAB: u32 = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    static COPIED_AT: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    static SYNCED: ArcRwSignal<u32> = ArcRwSignal::new(0);
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
    // A page that goes (a reload, a link out) while it sends lets go of the queue, or
    // the next page would wait out the lease before sending anything.
    window_event_listener_untyped("pagehide", |_| {
        if let Some(user) = session::user_id() {
            release(user);
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

/// This tab, in the lease (`{tab} {until}`).
fn tab() -> u32 {
    TAB.with(|tab| *tab)
}

/// Takes or renews the lease on `user`'s queue: `false` while another tab holds it.
fn lease(user: i64) -> bool {
    // Whole milliseconds: formatting and parsing floats would cost the wasm ~15 KB.
    let now = js_sys::Date::now() as i64;
    let storage = LocalStorage::raw();
    let held = storage.get_item(&lease_key(user)).ok().flatten();
    let holder = held.as_deref().and_then(|h| {
        let (tab, until) = h.split_once(' ')?;
        Some((tab.parse::<u32>().ok()?, until.parse::<i64>().ok()?))
    });
    if holder.is_some_and(|(other, until)| other != tab() && until > now) {
        return false;
    }
    let lease = [tab().to_string(), (now + LEASE_MS).to_string()].join(" ");
    storage.set_item(&lease_key(user), &lease).is_ok()
}

/// Lets go of the lease, if this tab still holds it. (Called from two places; one copy
/// in the wasm.)
#[inline(never)]
fn release(user: i64) {
    let storage = LocalStorage::raw();
    let held = storage.get_item(&lease_key(user)).ok().flatten();
    let mine = held
        .as_deref()
        .and_then(|h| h.split_once(' '))
        .is_some_and(|(holder, _)| holder.parse() == Ok(tab()));
    if mine {
        let _ = storage.remove_item(&lease_key(user));
    }
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
    if !device::queue(user).has_sendable() {
        return;
    }
    if !lease(user) {
        // Another tab is sending; should it stop before this tab's change, look again.
        set_timeout(replay, RETRY_BUSY);
        return;
    }
    let mut changed = false;
    while session::user_id() == Some(user) && lease(user) {
        // A change marked as sending by a tab that is gone (its lease ran out) is sent
        // again: a creation under its key, so the server makes the note once.
        let next = device::change_queue(user, Queue::start_sending);
        let Ok(Some(next)) = next else {
            break;
        };
        let outcome = send(user, &next).await;
        let settled = match outcome {
            Sent::Done => Ok(()),
            Sent::Conflict => device::change_queue(user, |q| q.mark_conflict(next.seq)),
            Sent::Stop => {
                let _ = device::change_queue(user, |q| q.sending = None);
                break;
            }
        };
        changed = true;
        if settled.is_err() {
            break;
        }
    }
    release(user);
    if changed {
        copy_notes(true);
        SYNCED.with(|synced| synced.update(|n| *n += 1));
    }
}

/// Sends one change, as `user` only; once the server has it, it leaves the queue and the
/// copy has it.
async fn send(user: i64, waiting: &Waiting) -> Sent {
    let seq = waiting.seq;
    let call = |method, path| Call::new(method, path).for_user(user);
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
        Change::Create { id, note, key, .. } => {
            let posting = call("POST", paths::NOTES.into()).body(note);
            match authed::<Note>(posting.once(key.clone())).await {
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
            key,
            ..
        } => {
            let mut version = etag.clone().filter(|e| opened_on_device(e).is_none());
            if waiting.change.needs_version() && version.is_none() {
                // The version the edit was made on, as the device had it: the server's
                // note must still be that one.
                let made_on = etag.as_deref().and_then(opened_on_device);
                match versioned(call("GET", paths::note(*id))).await {
                    Ok(current)
                        if made_on.map_or(
                            current.value.title == base.title
                                && current.value.content == base.content,
                            |at| current.value.updated_at == at,
                        ) =>
                    {
                        version = current.etag;
                    }
                    Ok(_) => return Sent::Conflict,
                    Err(ClientError::NotFound) if base.author != user => {
                        return set_aside(user, seq, base, patch);
                    }
                    Err(ClientError::NotFound) => {
                        return recreate(user, seq, base, patch, key).await;
                    }
                    Err(_) => return Sent::Stop,
                }
            }
            let patching = call("PATCH", paths::note(*id)).body(patch);
            match versioned(patching.if_match(version)).await {
                Ok(saved) => done(Some(saved.value)),
                Err(ClientError::Changed) => Sent::Conflict,
                // A pin of a note deleted elsewhere is moot; words are kept.
                Err(ClientError::NotFound) if !waiting.change.needs_version() => done(None),
                // Someone else's note, no longer shared with the person, or read only
                // now: their words are set aside, never made a note of their own.
                Err(ClientError::NotFound | ClientError::Forbidden(_)) if base.author != user => {
                    set_aside(user, seq, base, patch)
                }
                Err(ClientError::NotFound) => recreate(user, seq, base, patch, key).await,
                Err(_) => Sent::Stop,
            }
        }
        Change::Delete { id } => match authed::<()>(call("DELETE", paths::note(*id))).await {
            Ok(()) | Err(ClientError::NotFound) => {
                device::drop_note(user, *id);
                done(None)
            }
            Err(_) => Sent::Stop,
        },
    }
}

/// An edit of a note shared with the person that the server refuses: kept on the device
/// for the person to copy (`drafts::set_aside`), and the queue goes on.
fn set_aside(user: i64, seq: u64, base: &Note, patch: &app::api::NotePatch) -> Sent {
    // Kept, or the edit stays queued: the words are never dropped.
    let kept = crate::drafts::keep(
        &crate::drafts::aside_slot(seq),
        Some(&rewritten(base, patch)),
    );
    if !kept || device::change_queue(user, |q| q.remove(seq)).is_err() {
        return Sent::Stop;
    }
    device::drop_note(user, base.id);
    Sent::Done
}

/// The note an edit was made on was deleted elsewhere meanwhile: the person's words
/// become a note again rather than being lost (its old version is in the trash), and the
/// changes queued after the edit follow the new note.
async fn recreate(
    user: i64,
    seq: u64,
    base: &Note,
    patch: &app::api::NotePatch,
    key: &Option<String>,
) -> Sent {
    let input = rewritten(base, patch);
    let posting = Call::new("POST", paths::NOTES).for_user(user).body(&input);
    match authed::<Note>(posting.once(key.clone())).await {
        Ok(created) => {
            let settled = device::change_queue(user, |q| {
                q.created(base.id, &created);
                q.remove(seq);
            });
            if settled.is_err() {
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
/// only while no change waits to be sent (the copy is the server's side; the changes go
/// on top).
pub fn copy_notes(now: bool) {
    let Some(user) = session::user_id() else {
        return;
    };
    let since = js_sys::Date::now() - COPIED_AT.get();
    if (!now && since < COPY_EVERY_MS) || device::queue(user).has_sendable() {
        return;
    }
    COPIED_AT.set(js_sys::Date::now());
    // A write this tab makes to the copy meanwhile is newer than the list on its way.
    let writes = device::writes();
    spawn(async move {
        match authed::<Vec<Note>>(Call::new("GET", paths::NOTES).for_user(user)).await {
            Ok(mut notes) => {
                // And the notes others shared with the person, so that they open and can
                // be edited offline too (kept apart from the person's own by `owner`).
                let shared = Call::new("GET", paths::SHARED_NOTES).for_user(user);
                if let Ok(shared) = authed::<Vec<app::api::SharedNote>>(shared).await {
                    notes.extend(shared.into_iter().map(Note::from));
                }
                device::keep_notes(user, notes, writes).await;
            }
            // Try again at the next load.
            _ => COPIED_AT.set(f64::NEG_INFINITY),
        }
    });
}
