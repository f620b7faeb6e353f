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

/// Where storage is full or refused, the text is only on the page, as before: `false`.
pub fn keep(slot: &str, draft: Option<&NoteInput>) -> bool {
    let Some(key) = prefix().map(|p| p + slot) else {
        return false;
    };
    let storage = LocalStorage::raw();
    match draft.filter(|d| !d.title.is_empty() || !d.content.is_empty()) {
        Some(draft) => {
            json::to_string(draft).is_some_and(|text| storage.set_item(&key, &text).is_ok())
        }
        None => storage.remove_item(&key).is_ok(),
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

/// The slot of a queued edit (`seq`) of a shared note that the server refused (see
/// `sync`): one per edit, so a second never overwrites a first.
pub fn aside_slot(seq: u64) -> String {
    format!("{ASIDE}{seq}")
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
