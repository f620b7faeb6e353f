//! One note, in the list or on its own page: read it (Markdown, whose task boxes can be
//! ticked; in the list, a long one's first lines and "Show all"), pin it, edit it in
//! place, or delete it after an in-page confirmation. Editing starts from the note as the
//! server has it now and saves over exactly that version; if someone saved it elsewhere
//! meanwhile (another tab, or a person it is shared with), the person sees their version
//! and chooses between keeping their own text and taking theirs. A note shared with the
//! person says whose it is; read only, it has no Edit, and only its owner deletes it.

use super::form::{ConfirmForm, FormMessage, FormState};
use super::note_form::NoteForm;
use crate::api::{Note, NoteInput, NotePatch, SetAside};
use crate::client::{ClientError, Versioned, use_client};
use crate::markdown::Markdown;
use crate::offline::opened_on_device;
use crate::routes::paths;
use crate::task::spawn;
use crate::unsaved::warn_before_losing;
use leptos::html::{Button, Input};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Reading,
    /// Fetching the note as it is now, to edit that.
    Opening,
    Editing,
    ConfirmingDelete,
}

/// The notes whose cards are being edited, for a page that reloads its notes when a
/// change is heard: it keeps such a card's note as it was, so the edit stays open (the
/// card says the note changed elsewhere, and the person chooses).
#[derive(Debug, Clone, Copy)]
pub struct BeingEdited(pub RwSignal<Vec<i64>>);

impl BeingEdited {
    pub fn provide() -> Self {
        let this = Self(RwSignal::new(Vec::new()));
        provide_context(this);
        this
    }

    pub fn contains(self, id: i64) -> bool {
        self.0.with_untracked(|ids| ids.contains(&id))
    }
}

#[component]
pub fn NoteCard(
    note: Note,
    /// Focus this card's Edit button when it appears (it replaces the card just saved).
    focus: bool,
    on_saved: Callback<Note>,
    on_deleted: Callback<i64>,
    /// On the note's own page: shown whole, and its title is not a link to itself.
    #[prop(optional)]
    whole: bool,
) -> impl IntoView {
    let id = note.id;
    let (writable, own) = (note.writable(), note.owner.is_none());
    // "Show all" for a long note in the list: its first lines until asked.
    let long = !whole && is_long(&note.content);
    let expanded = RwSignal::new(false);
    let client = use_client();
    let draft_slot = StoredValue::new(format!("note-{id}"));
    let mode = RwSignal::new(Mode::Reading);
    // Errors of the card's own requests (opening for edit, deleting).
    let deletion = FormState::new();
    // Whichever control should have focus once the card has re-rendered: the first
    // field when editing, "Keep it" when confirming, the Edit button otherwise.
    let focus_target = NodeRef::<Button>::new();
    let title_input = NodeRef::<Input>::new();
    let wants_focus = StoredValue::new(focus);
    Effect::new(move |_| {
        let editing = mode.get() == Mode::Editing;
        let (button, input) = (focus_target.get(), title_input.get());
        if wants_focus.get_value() {
            let _ = match editing {
                true => input.map(|el| el.focus()),
                false => button.map(|el| el.focus()),
            };
        }
    });
    let switch = move |to: Mode| {
        wants_focus.set_value(true);
        mode.set(to);
    };
    if let Some(BeingEdited(ids)) = use_context::<BeingEdited>() {
        Effect::new(move |_| {
            let editing = mode.get() == Mode::Editing;
            ids.update(|ids| match (editing, ids.contains(&id)) {
                (true, false) => ids.push(id),
                (false, true) => ids.retain(|other| *other != id),
                _ => {}
            });
        });
        on_cleanup(move || {
            ids.try_update(|ids| ids.retain(|other| *other != id));
        });
    }

    let shown = note.clone();
    let form = FormState::new();
    // Setting the person's text aside when they take the saved version (`take_theirs`).
    let keeping = FormState::new();
    let title = RwSignal::new(note.title.clone());
    let content = RwSignal::new(note.content.clone());
    // The version being edited: what the fields held when editing began, and its `ETag`.
    let base = RwSignal::new(Versioned {
        value: note.clone(),
        etag: None,
    });
    // Someone else's version, saved while this person was editing.
    let theirs = RwSignal::new(None::<Versioned<Note>>);
    let unsaved = move || {
        base.with(|b| {
            title.with(|t| *t != b.value.title) || content.with(|c| *c != b.value.content)
        })
    };
    warn_before_losing(move || mode.get() == Mode::Editing && unsaved());
    let start_from = move |version: Versioned<Note>| {
        title.set(version.value.title.clone());
        content.set(version.value.content.clone());
        base.set(version);
    };

    let open = move |_| {
        mode.set(Mode::Opening);
        spawn(async move {
            match client.note(id).await {
                Ok(current) => {
                    start_from(current);
                    theirs.set(None);
                    switch(Mode::Editing);
                }
                Err(ClientError::NotFound) => drop(on_deleted.try_run(id)),
                Err(ClientError::SignedOut) => {}
                Err(error) => {
                    mode.set(Mode::Reading);
                    deletion.fail(error);
                }
            }
        });
    };

    // Saved, or the saved version taken: the card reads it, the list shows it.
    let forget_draft = move || draft_slot.with_value(|slot| client.keep_draft(slot, None));
    let settle = move |version: Versioned<Note>| {
        forget_draft();
        form.done();
        keeping.done();
        theirs.set(None);
        start_from(version.clone());
        switch(Mode::Reading);
        on_saved.try_run(version.value);
    };
    let save = Callback::new(move |input: NoteInput| {
        let etag = base.with_untracked(|b| b.etag.clone());
        spawn(async move {
            match client.update_note(id, input, etag).await {
                // Back to reading here too: a save that changed nothing the list keys
                // on leaves this card in place rather than replacing it.
                Ok(saved) => settle(saved),
                // Saving again goes over the version shown, and no other.
                Err(ClientError::Changed) => match client.note(id).await {
                    Ok(current) => {
                        form.done();
                        base.update(|b| b.etag.clone_from(&current.etag));
                        theirs.set(Some(current));
                    }
                    Err(error) => form.fail(error),
                },
                Err(ClientError::NotFound) => form.fail(ClientError::Detail(
                    "This note was deleted elsewhere. Your text is still here: copy it, or add it as a new note above.".into(),
                )),
                Err(error) => form.fail(error),
            }
        });
    });
    // A save elsewhere, heard while editing (`Backend::announced`): said at once, rather
    // than at this save's conflict. Not while this card's own save is on its way: its
    // answer is that very version.
    let changed_elsewhere = move || {
        let editing = mode.get() == Mode::Editing && theirs.with(Option::is_none);
        let editing_version = base.with(|b| {
            let etag = b.etag.as_deref()?;
            etag.trim_matches('"').parse::<i64>().ok()
        });
        editing
            && !form.busy.get()
            && client
                .announced(id)
                .zip(editing_version)
                .is_some_and(|(heard, editing)| heard > editing)
    };
    let show_changes = move |_| {
        spawn(async move {
            if let Ok(current) = client.note(id).await {
                // Saving now goes over it, as after a conflict.
                base.update(|b| b.etag.clone_from(&current.etag));
                theirs.set(Some(current));
            }
        })
    };
    // Taking the saved version discards the person's text, so it is first set aside in
    // the note's history (a `set_aside` revision), unless it is a text the history has
    // anyway (unchanged, or the saved version's) or blank. Without the server (offline, or a
    // refusal) the choice stays open with the reason, the text in the form and in its
    // draft: nothing is discarded that was not kept.
    let take_theirs = move |_| {
        let Some(current) = theirs.get_untracked() else {
            return;
        };
        // A title cleared in the form is kept under the saved version's; a blank text
        // holds nothing to keep.
        let mut mine = SetAside {
            title: title.get_untracked(),
            content: content.get_untracked(),
        };
        if mine.title.trim().is_empty() {
            mine.title.clone_from(&current.value.title);
        }
        let kept = |n: &Note| n.title == mine.title && n.content == mine.content;
        let needless = mine.content.trim().is_empty()
            || kept(&current.value)
            || base.with_untracked(|b| kept(&b.value));
        if !keeping.begin(Default::default()) {
            return;
        }
        spawn(async move {
            let answer = match needless {
                true => Ok(()),
                false => client.keep_set_aside(id, &mine).await,
            };
            match answer {
                Ok(()) => {
                    client.forget_waiting(id);
                    settle(current);
                }
                Err(ClientError::SignedOut) => {}
                Err(error) => keeping.fail(ClientError::Detail(
                    [
                        "Your text could not be kept in the note's history, so it is still here: ",
                        &error.message(),
                    ]
                    .concat(),
                )),
            }
        });
    };
    let cancel = Callback::new(move |()| {
        forget_draft();
        form.done();
        keeping.done();
        theirs.set(None);
        switch(Mode::Reading);
        // Opening fetched a newer version than the list showed: show that one now.
        let opened = base.with_untracked(|b| b.value.clone());
        if opened != shown {
            on_saved.try_run(opened);
        }
    });

    let delete = Callback::new(move |()| {
        spawn(async move {
            match client.delete_note(id).await {
                Ok(()) => drop(on_deleted.try_run(id)),
                // The guard is already on its way to the sign-in page.
                Err(ClientError::SignedOut) => {}
                Err(error) => deletion.fail(error),
            }
        });
    });
    let keep = Callback::new(move |()| switch(Mode::Reading));
    let escape = Callback::new(move |()| {
        let discard = !unsaved()
            || window()
                .confirm_with_message("Discard your changes to this note?")
                .unwrap_or(false);
        if discard {
            cancel.run(());
        }
    });

    // A change made from the reading card (a pin, a tick): the list shows what was saved.
    let show_answer = move |answer: Result<Versioned<Note>, ClientError>| match answer {
        Ok(saved) => drop(on_saved.try_run(saved.value)),
        Err(ClientError::NotFound) => drop(on_deleted.try_run(id)),
        Err(ClientError::SignedOut) => {}
        Err(error) => deletion.fail(error),
    };
    // A pin changes nothing else, so it needs no version: it goes over whatever is there.
    let pinned = note.pinned;
    let toggle_pin = move |_| {
        let patch = NotePatch {
            pinned: Some(!pinned),
            ..Default::default()
        };
        spawn(async move { show_answer(client.patch_note(id, patch, None).await) });
    };
    // Ticking a task saves the note as shown, and only that version of it: if it changed
    // elsewhere, the card shows it as it is now and nothing is ticked.
    let shown_content = note.content.clone();
    let tick = Callback::new(move |task: usize| {
        let shown_content = shown_content.clone();
        spawn(async move {
            let changed_elsewhere = || {
                ClientError::Detail(
                    "This note was changed elsewhere; it now shows the saved version. Tick the task again if you still want to."
                        .into(),
                )
            };
            let current = match client.note(id).await {
                Ok(current) => current,
                Err(ClientError::NotFound) => {
                    on_deleted.try_run(id);
                    return;
                }
                Err(ClientError::SignedOut) => return,
                Err(error) => return deletion.fail(error),
            };
            let ticked = match current.value.content == shown_content {
                true => client.toggle_task(shown_content, task).await,
                false => None,
            };
            let Some(content) = ticked else {
                deletion.fail(changed_elsewhere());
                on_saved.try_run(current.value);
                return;
            };
            let patch = NotePatch {
                content: Some(content),
                ..Default::default()
            };
            match client.patch_note(id, patch, current.etag).await {
                Err(ClientError::Changed) => deletion.fail(changed_elsewhere()),
                answer => show_answer(answer),
            }
        });
    });
    let has_draft = draft_slot.with_value(|slot| client.draft(slot).is_some());
    // An edit made offline that the server's version overtook meanwhile: the same choice
    // as when it happens while editing, with the person's text in the form.
    // Tried again when the server answers again: the choice needs its version.
    Effect::new(move |_| {
        let Some((made_on, mine)) = client.conflict(id) else {
            return;
        };
        if !client.reachable() || mode.get_untracked() != Mode::Reading {
            return;
        }
        mode.set(Mode::Opening);
        spawn(async move {
            match client.note(id).await {
                // Only the server's version (with its `ETag`) is one to choose against.
                Ok(current)
                    if current
                        .etag
                        .as_deref()
                        .is_some_and(|e| opened_on_device(e).is_none()) =>
                {
                    title.set(mine.title);
                    content.set(mine.content);
                    base.set(Versioned {
                        value: made_on,
                        etag: current.etag.clone(),
                    });
                    theirs.set(Some(current));
                    switch(Mode::Editing);
                }
                Ok(_) | Err(ClientError::Network) => drop(mode.try_set(Mode::Reading)),
                // Deleted elsewhere: nothing to choose between.
                Err(ClientError::NotFound) => {
                    client.forget_waiting(id);
                    on_deleted.try_run(id);
                }
                Err(error) => {
                    mode.set(Mode::Reading);
                    deletion.fail(error);
                }
            }
        });
    });

    let heading_id = format!("note-{id}-heading");
    let labelled_by = heading_id.clone();
    let editing_id = heading_id.clone();
    let editing_title = note.title.clone();
    let local_time =
        |rfc3339| super::readable::in_reader_locale(rfc3339, js_sys::Date::to_locale_string);
    let created = local_time(&note.created_at);
    let updated = (note.updated_at != note.created_at).then(|| local_time(&note.updated_at));
    let reading = move || {
        let note = note.clone();
        let title = match whole {
            true => note.title.into_any(),
            false => view! { <a href=paths::note(id)>{note.title}</a> }.into_any(),
        };
        let whose = note.owner.map(|owner| {
            let can = if writable { "can edit" } else { "read only" };
            view! { <p class="note-meta">"Shared by " <strong>{owner.username}</strong> " · " {can}</p> }
        });
        view! {
            <h3 id=heading_id.clone()>
                {pinned.then(|| view! { <span class="pin-mark" title="Pinned">"Pinned · "</span> })}
                {title}
                {note.shared.then(|| view! { " " <span class="badge">"Shared"</span> })}
            </h3>
            {whose}
            <div class="note-body" class:clamped=move || long && !expanded.get()>
                <Markdown text=note.content on_toggle=writable.then_some(tick) />
            </div>
            {long.then(|| view! {
                <button type="button" class="link show-all" aria-expanded=move || expanded.get().to_string() on:click=move |_| expanded.update(|e| *e = !*e)>
                    {move || if expanded.get() { "Show less" } else { "Show all" }}
                </button>
            })}
            <p class="note-meta">
                "Written " <time datetime=note.created_at>{created.clone()}</time>
                {updated.clone().map(|u| view! { ", edited " <time datetime=note.updated_at>{u}</time> })}
                {move || client.waiting(id).then(|| view! { " · " <span class="waiting">"Waiting to sync"</span> })}
            </p>
        }
    };

    view! {
        <li class="note" aria-labelledby=labelled_by>
            {move || match mode.get() {
                Mode::Editing => view! {
                    <h3 class="visually-hidden" id=editing_id.clone()>"Editing " {editing_title.clone()}</h3>
                    {move || changed_elsewhere().then(|| view! {
                        <p class="changed-elsewhere" role="status">
                            "Changed on another device · "
                            <button type="button" class="link" on:click=show_changes>"Show changes"</button>
                        </p>
                    })}
                    {move || theirs.get().map(|current| view! {
                        <div class="conflict" role="alert">
                            <p><strong>"This note was changed elsewhere while you were editing it."</strong></p>
                            <p>"The version saved now:"</p>
                            <blockquote>
                                <p class="conflict-title">{current.value.title}</p>
                                <p class="note-content">{current.value.content}</p>
                            </blockquote>
                            <p>"Your text is still in the form below. Save it over that version, or take that version instead: yours is then kept in the note's history."</p>
                            <FormMessage form=keeping />
                            <div class="actions">
                                <button type="button" on:click=take_theirs disabled=move || keeping.busy.get()>
                                    {move || if keeping.busy.get() { "Keeping your text…" } else { "Take the saved version" }}
                                </button>
                            </div>
                        </div>
                    })}
                    <NoteForm
                        form
                        title
                        content
                        id_prefix=format!("note-{id}")
                        submit_label=if theirs.with(Option::is_some) { "Save mine over it" } else { "Save" }
                        busy_label="Saving…"
                        on_submit=save
                        on_cancel=cancel
                        on_escape=escape
                        title_ref=title_input
                        draft_slot=draft_slot.get_value()
                    />
                }
                .into_any(),
                Mode::Reading | Mode::Opening => view! {
                    {reading()}
                    <FormMessage form=deletion />
                    {has_draft.then(|| view! {
                        <p class="draft-note">"Unsaved changes to this note are kept on this device."</p>
                    })}
                    <div class="actions">
                        <button type="button" node_ref=focus_target on:click=open hidden=!writable disabled=move || mode.get() == Mode::Opening>
                            {move || match (mode.get() == Mode::Opening, has_draft) {
                                (true, _) => "Opening…",
                                (false, true) => "Resume editing",
                                (false, false) => "Edit",
                            }}
                        </button>
                        <button type="button" aria-pressed=pinned.to_string() on:click=toggle_pin>
                            {if pinned { "Unpin" } else { "Pin" }}
                        </button>
                        <button type="button" class="danger" hidden=!own on:click=move |_| switch(Mode::ConfirmingDelete)>
                            "Delete"
                        </button>
                    </div>
                }
                .into_any(),
                Mode::ConfirmingDelete => view! {
                    {reading()}
                    <ConfirmForm
                        form=deletion
                        question="Move this note to the trash? You can restore it from there."
                        label="Delete note"
                        busy_label="Deleting…"
                        cancel_label="Keep it"
                        on_confirm=delete
                        on_cancel=keep
                        cancel_ref=focus_target
                    />
                }
                .into_any(),
            }}
        </li>
    }
}

/// More than fits in a card's first lines: the list shows those and "Show all".
fn is_long(content: &str) -> bool {
    content.len() > 900 || content.lines().count() > 14
}
