//! What this device keeps of the signed-in person's notes, so that the notes page opens
//! and takes changes without a network, per person (their id from the tokens):
//!
//! - the last copy of their notes and tags from the server, as two JSON documents in the
//!   browser's Cache Storage (`device-{id}`), beside the service worker's caches of the
//!   app's files: as large as IndexedDB allows, asynchronous, and reached through
//!   `web-sys` for a few hundred bytes of wasm (docs/spa.md compares the crates);
//! - the attachments it has shown, in the same cache under their URLs;
//! - the changes waiting for the server (`app::offline::Queue`), in `localStorage`
//!   (`queue:{id}`): small, and read and written at once, so that a change is kept before
//!   the page goes on, and every tab sees the same queue.

use crate::{js, session};
use app::api::{Note, TagCount};
use app::json;
use app::offline::Queue;
use app::task::spawn;
use futures::lock::Mutex;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Cache, CacheStorage, Response};

/// Where the copies are in the person's cache (any URL of this site will do as a key).
const NOTES: &str = "/device/notes.json";
const TAGS: &str = "/device/tags.json";

fn cache_name(user: i64) -> String {
    format!("device-{user}")
}

fn queue_key(user: i64) -> String {
    format!("queue:{user}")
}

thread_local! {
    /// The signed-in person's queue as the UI shows it.
    static QUEUE: ArcRwSignal<Queue> = ArcRwSignal::new(Queue::default());
    /// One change of the notes' copy at a time: each reads, changes and writes it whole.
    static WRITING: std::rc::Rc<Mutex<()>> = std::rc::Rc::new(Mutex::new(()));
    static WRITES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The browser's Cache Storage: absent where the page is not a secure context.
fn caches() -> Option<CacheStorage> {
    js_sys::Reflect::get(&window(), &"caches".into())
        .ok()
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into)
}

async fn open(user: i64) -> Result<Cache, JsValue> {
    let caches = caches().ok_or(JsValue::NULL)?;
    JsFuture::from(caches.open(&cache_name(user)))
        .await?
        .dyn_into()
}

/// What `cache` keeps under `key`.
async fn kept(cache: &Cache, key: &str) -> Option<Response> {
    // `undefined` when there is no copy yet: not a `Response`.
    JsFuture::from(cache.match_with_str(key))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

async fn read<T: DeserializeOwned>(user: i64, key: &str) -> Option<T> {
    let response = kept(&open(user).await.ok()?, key).await?;
    let text = JsFuture::from(response.text().ok()?).await.ok()?;
    json::from_str(&text.as_string()?)
}

/// Where the browser refuses (storage full, private mode), the device keeps no copy and
/// the page works online only, as before.
async fn write(user: i64, key: &str, value: &impl Serialize) {
    let (Some(text), Ok(cache)) = (json::to_string(value), open(user).await) else {
        return;
    };
    if let Ok(response) = Response::new_with_opt_str(Some(&text)) {
        let _ = JsFuture::from(cache.put_with_str(key, &response)).await;
    }
}

/// The person's notes as last copied from the server; `None` if there is no copy.
pub async fn notes(user: i64) -> Option<Vec<Note>> {
    read(user, NOTES).await
}

/// How many changes of single notes this tab has made to copies: a whole list asked for
/// before one of them is older than the copy.
pub fn writes() -> u32 {
    WRITES.get()
}

/// Keeps `notes`, all of the person's notes as the server had them when [`writes`] was
/// `since`; not if a note was changed in the copy since, nor once the person has gone.
pub async fn keep_notes(user: i64, notes: Vec<Note>, since: u32) {
    let lock = WRITING.with(Clone::clone);
    let _writing = lock.lock().await;
    if writes() == since && session::user_id() == Some(user) {
        write(user, NOTES, &notes).await;
    }
}

/// Changes the copy as a write the server took changed the note; nothing before there is
/// a copy (the next full copy has it), nor once the person has signed out.
pub fn change_notes(user: i64, change: impl FnOnce(&mut Vec<Note>) + 'static) {
    WRITES.set(WRITES.get().wrapping_add(1));
    spawn(async move {
        let lock = WRITING.with(Clone::clone);
        let _writing = lock.lock().await;
        if session::user_id() != Some(user) {
            return;
        }
        if let Some(mut notes) = read::<Vec<Note>>(user, NOTES).await {
            change(&mut notes);
            write(user, NOTES, &notes).await;
        }
    });
}

/// The copy with `note` as the server has it now.
pub fn keep_note(user: i64, note: Note) {
    change_notes(user, move |notes| {
        match notes.iter_mut().find(|n| n.id == note.id) {
            Some(slot) => *slot = note,
            None => notes.push(note),
        }
    });
}

pub fn drop_note(user: i64, id: i64) {
    change_notes(user, move |notes| notes.retain(|n| n.id != id));
}

pub async fn tags(user: i64) -> Option<Vec<TagCount>> {
    read(user, TAGS).await
}

pub fn keep_tags(user: i64, tags: Vec<TagCount>) {
    spawn(async move {
        if session::user_id() == Some(user) {
            write(user, TAGS, &tags).await;
        }
    });
}

/// The person's waiting changes, as stored now.
pub fn queue(user: i64) -> Queue {
    LocalStorage::raw()
        .get_item(&queue_key(user))
        .ok()
        .flatten()
        .and_then(|text| json::from_str(&text))
        .unwrap_or_default()
}

/// Changes the person's queue in storage (read afresh: another tab may have changed it).
/// `Err` when storage refuses it, so that the change is not taken for kept.
pub fn change_queue<R>(user: i64, change: impl FnOnce(&mut Queue) -> R) -> Result<R, ()> {
    let mut queue = queue(user);
    let answer = change(&mut queue);
    let storage = LocalStorage::raw();
    let stored = match queue.is_empty() {
        true => storage.remove_item(&queue_key(user)),
        false => match json::to_string(&queue) {
            Some(text) => storage.set_item(&queue_key(user), &text),
            None => Err(JsValue::NULL),
        },
    };
    show_queue();
    stored.map(|()| answer).map_err(drop)
}

/// The signed-in person's queue, for the UI; reading it in a reactive closure tracks it.
pub fn shown_queue() -> ArcRwSignal<Queue> {
    QUEUE.with(Clone::clone)
}

/// Brings the UI's queue in line with storage, for whoever is signed in now.
fn show_queue() {
    let current = session::user_id().map(queue).unwrap_or_default();
    let shown = shown_queue();
    if shown.with_untracked(|q| *q != current) {
        shown.set(current);
    }
}

/// Follows sign-in and sign-out, in this tab or another, and other tabs' changes of the
/// queue.
pub fn follow() {
    show_queue();
    Effect::new(|_| {
        session::tokens().track();
        show_queue();
    });
    window_event_listener(leptos::ev::storage, |event| {
        if event.key().is_none_or(|key| key.starts_with("queue:")) {
            show_queue();
        }
    });
}

/// An attachment (`path`, the URL it was fetched from) as [`keep_file`] kept it.
pub async fn file(user: i64, path: &str) -> Option<Blob> {
    let response = kept(&open(user).await.ok()?, path).await?;
    JsFuture::from(response.blob().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// Keeps attachment `path` for reading offline, unless this version of it (`etag`) is
/// kept already; not once the person has gone.
pub async fn keep_file(user: i64, path: &str, blob: &Blob, etag: Option<&str>) {
    let Ok(cache) = open(user).await else {
        return;
    };
    if let Some(kept) = kept(&cache, path).await
        && kept.headers().get("ETag").ok().flatten().as_deref() == etag
    {
        return;
    }
    // Built by name (`crate::js`): only the attachments' chunk keeps files.
    let headers = js::object(&[("ETag", etag.map_or(JsValue::UNDEFINED, JsValue::from_str))]);
    let response = js::new(
        "Response",
        &[blob.into(), js::object(&[("headers", headers)])],
    );
    if session::user_id() == Some(user)
        && let Ok(response) = response
    {
        let _ = JsFuture::from(cache.put_with_str(path, response.unchecked_ref())).await;
    }
}

/// Forgets everything this device keeps of `user`'s notes (and their attachments).
pub async fn forget(user: i64) {
    LocalStorage::delete(queue_key(user));
    show_queue();
    if let Some(caches) = caches() {
        let _ = JsFuture::from(caches.delete(&cache_name(user))).await;
    }
}
