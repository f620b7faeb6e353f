//! The notes as the pages ask for them: from the server while it answers, and from the
//! device when it does not. A read the server cannot answer shows the device's copy with
//! the waiting changes on top; a write it cannot take waits in the queue and shows at once
//! as made. A note that already has a change waiting (or was written offline and has no
//! server id yet) takes its next change into the queue too, behind the first, so that
//! changes reach the server in the order they were made.

use crate::transport::{Call, authed, versioned};
use crate::{device, session, sync};
use app::api::{Note, NoteInput, NotePatch, Page, TagCount, paths, query};
use app::client::{ClientError, PAGE_SIZE, Versioned};
use app::offline::{
    Change, Queue, as_patch, device_version, edited, listing, opened_on_device, rewritten,
};
use leptos::prelude::With;

/// The person signed in, whose device copy and queue these are.
fn user() -> Result<i64, ClientError> {
    session::user_id().ok_or(ClientError::SignedOut)
}

fn now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// The notes as this device shows them: the copy with the waiting changes made.
async fn on_device(user: i64) -> Option<Vec<Note>> {
    let queue = device::queue(user);
    let mut notes = match device::notes(user).await {
        Some(notes) => notes,
        None if !queue.is_empty() => Vec::new(),
        None => return None,
    };
    queue.overlay(&mut notes, user);
    Some(notes)
}

async fn note_on_device(user: i64, id: i64) -> Result<Note, ClientError> {
    let notes = on_device(user).await.ok_or(ClientError::Network)?;
    notes
        .into_iter()
        .find(|n| n.id == id)
        .ok_or(ClientError::NotFound)
}

/// Whether a change of note `id` must wait behind one already waiting (an edit the
/// person is choosing about does not hold the next save back: that save is the choice).
fn queued(user: i64, id: i64) -> bool {
    let queue = device::queue(user);
    id < 0
        || queue
            .changes
            .iter()
            .any(|w| !w.conflict && w.change.note_id() == id)
}

/// Keeps `change` in the queue and sends it when it can.
fn wait(user: i64, change: impl FnOnce(&Queue) -> Change) -> Result<i64, ClientError> {
    let kept = device::change_queue(user, |queue| {
        let change = change(queue);
        let id = change.note_id();
        queue.push(change);
        id
    });
    sync::replay();
    kept.map_err(|()| {
        ClientError::Detail(
            "The server cannot be reached and this device has no room to keep the change.".into(),
        )
    })
}

pub async fn list(search: String, tag: String, page: u64) -> Result<Page<Note>, ClientError> {
    let (number, size) = (page.to_string(), PAGE_SIZE.to_string());
    let mut path = [
        paths::NOTES,
        "?",
        query::PAGE,
        "=",
        &number,
        "&",
        query::PAGE_SIZE,
        "=",
        &size,
    ]
    .concat();
    if !search.trim().is_empty() {
        let terms = String::from(js_sys::encode_uri_component(&search));
        path += &["&", query::SEARCH, "=", &terms].concat();
    }
    if !tag.is_empty() {
        let tag = String::from(js_sys::encode_uri_component(&tag));
        path += &["&", query::TAG, "=", &tag].concat();
    }
    match authed(Call::new("GET", path)).await {
        Err(ClientError::Network) => {
            let mut notes = on_device(user()?).await.ok_or(ClientError::Network)?;
            // A note shared with the person, kept since it was opened or saved here, is
            // not one of theirs: the list online would not show it either.
            notes.retain(|n| n.owner.is_none());
            listing(notes, &search, &tag, page, PAGE_SIZE).ok_or(ClientError::NotFound)
        }
        answer => {
            if answer.is_ok() && page == 1 && search.trim().is_empty() && tag.is_empty() {
                sync::copy_notes(false);
            }
            answer
        }
    }
}

/// Page `page` of the notes others shared with the person that hold every term of
/// `search`; from the device's copy (see `sync::copy_notes`) when the server cannot be
/// reached.
pub async fn shared(search: String, page: u64) -> Result<Page<Note>, ClientError> {
    let terms = String::from(js_sys::encode_uri_component(search.trim()));
    let path = [
        paths::SHARED_NOTES,
        "?page=",
        &page.to_string(),
        "&page_size=",
        &PAGE_SIZE.to_string(),
        "&search=",
        &terms,
    ]
    .concat();
    match authed::<Page<app::api::SharedNote>>(Call::new("GET", path)).await {
        Ok(found) => Ok(Page {
            count: found.count,
            next: found.next,
            previous: found.previous,
            results: found.results.into_iter().map(Note::from).collect(),
        }),
        Err(ClientError::Network) => {
            let mut notes = on_device(user()?).await.ok_or(ClientError::Network)?;
            notes.retain(|n| n.owner.is_some());
            listing(notes, &search, "", page, PAGE_SIZE).ok_or(ClientError::NotFound)
        }
        Err(error) => Err(error),
    }
}

pub async fn tags() -> Result<Vec<TagCount>, ClientError> {
    match authed::<Vec<TagCount>>(Call::new("GET", paths::TAGS)).await {
        Ok(tags) => {
            device::keep_tags(user()?, tags.clone());
            Ok(tags)
        }
        Err(ClientError::Network) => device::tags(user()?).await.ok_or(ClientError::Network),
        Err(error) => Err(error),
    }
}

pub async fn note(id: i64) -> Result<Versioned<Note>, ClientError> {
    let user = user()?;
    let answer = match queued(user, id) {
        true => Err(ClientError::Network),
        false => versioned(Call::new("GET", paths::note(id))).await,
    };
    match answer {
        // Named by its device version, so that an edit made from it goes over no other.
        Err(ClientError::Network) => {
            let value = note_on_device(user, id).await?;
            let etag = (!queued(user, id)).then(|| device_version(&value));
            Ok(Versioned { value, etag })
        }
        Ok(current) => {
            // An edit opened from this version and saved offline is made over it.
            device::keep_note(user, current.value.clone());
            Ok(current)
        }
        Err(error) => Err(error),
    }
}

/// A key for one creation (`Idempotency-Key`): the person's own keys must not collide,
/// and nobody gains by guessing one, so the page's random numbers are enough.
pub fn creation_key() -> String {
    let draw = || (js_sys::Math::random() * 2f64.powi(52)) as u64;
    format!("{:013x}{:013x}", draw(), draw())
}

pub async fn create(input: NoteInput) -> Result<Note, ClientError> {
    let user = user()?;
    // Kept with the change if no answer comes: the server may have the note already.
    let key = creation_key();
    let posting = Call::new("POST", paths::NOTES).body(&input);
    match authed::<Note>(posting.once(Some(key.clone()))).await {
        Ok(note) => {
            device::keep_note(user, note.clone());
            Ok(note)
        }
        Err(ClientError::Network) => {
            let id = wait(user, |queue| Change::Create {
                id: queue.temporary_id(js_sys::Date::now() as i64),
                note: input,
                at: now(),
                key: Some(key),
                // The request may have reached the server before the answer was lost.
                sent: true,
            })?;
            note_on_device(user, id).await
        }
        Err(error) => Err(error),
    }
}

/// A save of the whole note (`PUT` its `input`) or of some fields (`PATCH`): the
/// server's answer, or the change kept.
async fn change(
    id: i64,
    input: Option<NoteInput>,
    patch: NotePatch,
    etag: Option<String>,
) -> Result<Versioned<Note>, ClientError> {
    let user = user()?;
    // Words written over a version the server was not asked for (opened offline, or
    // without one) wait too, so that the sync checks that version first.
    let unversioned = (patch.title.is_some() || patch.content.is_some())
        && etag
            .as_deref()
            .is_none_or(|e| opened_on_device(e).is_some());
    let answer = match (queued(user, id) || unversioned, &input) {
        (true, _) => Err(ClientError::Network),
        (false, Some(input)) => {
            let call = Call::new("PUT", paths::note(id)).body(input);
            versioned(call.if_match(etag.clone())).await
        }
        (false, None) => {
            let call = Call::new("PATCH", paths::note(id)).body(&patch);
            versioned(call.if_match(etag.clone())).await
        }
    };
    match answer {
        Ok(saved) => {
            device::keep_note(user, saved.value.clone());
            // The whole text saved over the server's version: an edit the person was
            // choosing about is settled by it (a pin or a tick settles nothing).
            if input.is_some() && device::queue(user).conflict(id).is_some() {
                let _ = device::change_queue(user, |q| q.forget(id));
            }
            Ok(saved)
        }
        Err(ClientError::Network) => {
            let base = note_on_device(user, id).await?;
            let at = now();
            let shown = edited(base.clone(), &patch, &at);
            wait(user, |queue| Change::Edit {
                id,
                // Behind a change of the note, the version named then is not this one:
                // the edit merges into that change, which keeps its own.
                etag: etag.filter(|_| !queue.holds(id)),
                patch,
                base,
                at,
                key: Some(creation_key()),
            })?;
            Ok(Versioned {
                value: shown,
                etag: None,
            })
        }
        Err(error) => Err(error),
    }
}

pub async fn update(
    id: i64,
    input: NoteInput,
    etag: Option<String>,
) -> Result<Versioned<Note>, ClientError> {
    change(id, Some(input.clone()), as_patch(input), etag).await
}

pub async fn patch(
    id: i64,
    patch: NotePatch,
    etag: Option<String>,
) -> Result<Versioned<Note>, ClientError> {
    change(id, None, patch, etag).await
}

/// Kept version `revision` made note `id`'s text again, over the version `etag` names;
/// online only (a history is read from the server). The device's copy keeps the answer.
pub async fn restore_revision(
    id: i64,
    revision: i64,
    etag: Option<String>,
) -> Result<Versioned<Note>, ClientError> {
    let user = user()?;
    let call = Call::new("POST", paths::revision_restore(id, revision)).if_match(etag);
    let restored = versioned(call).await?;
    device::keep_note(user, restored.value.clone());
    Ok(restored)
}

pub async fn delete(id: i64) -> Result<(), ClientError> {
    let user = user()?;
    let answer = match queued(user, id) {
        true => Err(ClientError::Network),
        false => authed::<()>(Call::new("DELETE", paths::note(id))).await,
    };
    match answer {
        // Gone: so is any question about an edit of it.
        Ok(()) | Err(ClientError::NotFound) if device::queue(user).holds(id) => {
            let _ = device::change_queue(user, |q| q.forget(id));
            device::drop_note(user, id);
            answer
        }
        Ok(()) => {
            device::drop_note(user, id);
            Ok(())
        }
        Err(ClientError::Network) => wait(user, |_| Change::Delete { id }).map(drop),
        Err(error) => Err(error),
    }
}

/// The person's edit of note `id` that the server's version overtook: the version it
/// was made on, and the text it would save.
pub fn conflict(id: i64) -> Option<(Note, NoteInput)> {
    device::shown_queue().with(|queue| match queue.conflict(id) {
        Some(Change::Edit { base, patch, .. }) => Some((base.clone(), rewritten(base, patch))),
        _ => None,
    })
}

/// The person took the server's version of note `id`.
pub fn forget_waiting(id: i64) {
    if let Some(user) = session::user_id() {
        let _ = device::change_queue(user, |q| q.forget(id));
    }
}
