//! Unsaved text, kept in `localStorage` as it is typed so that a reload, a crash or a
//! closed tab gives it back: `draft:{user id}:{slot}` holds the title and content as
//! JSON. Keys carry the person's id, so someone else signing in on this browser never
//! sees them; signing out forgets the person's drafts.

use crate::session;
use app::api::NoteInput;
use app::json;
use gloo_storage::{LocalStorage, Storage};

/// The prefix of the signed-in person's drafts; `None` when nobody is signed in.
fn prefix() -> Option<String> {
    Some(format!("draft:{}:", session::user_id()?))
}

pub fn get(slot: &str) -> Option<NoteInput> {
    let key = prefix()? + slot;
    let text = LocalStorage::raw().get_item(&key).ok()??;
    json::from_str(&text)
}

/// Where storage is full or refused, the text is only on the page, as before.
pub fn keep(slot: &str, draft: Option<&NoteInput>) {
    let Some(key) = prefix().map(|p| p + slot) else {
        return;
    };
    let storage = LocalStorage::raw();
    match draft.filter(|d| !d.title.is_empty() || !d.content.is_empty()) {
        Some(draft) => {
            if let Some(text) = json::to_string(draft) {
                let _ = storage.set_item(&key, &text);
            }
        }
        None => drop(storage.remove_item(&key)),
    }
}

/// Forgets every draft of the signed-in person.
pub fn forget_all() {
    let Some(prefix) = prefix() else {
        return;
    };
    let storage = LocalStorage::raw();
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(&prefix))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}

/// The slot of an edit of shared note `id` that the server refused (see `sync`).
pub fn aside_slot(id: i64) -> String {
    format!("{ASIDE}{id}")
}

const ASIDE: &str = "aside-";

/// One of the person's edits set aside, and its slot.
pub fn set_aside() -> Option<(String, NoteInput)> {
    let prefix = prefix()?;
    let storage = LocalStorage::raw();
    let count = storage.length().unwrap_or(0);
    (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter_map(|key| key.strip_prefix(&prefix).map(str::to_owned))
        .filter(|slot| slot.starts_with(ASIDE))
        .find_map(|slot| get(&slot).map(|draft| (slot, draft)))
}
