//! One note in the list: read it, edit it in place, or delete it after an in-page
//! confirmation.

use super::{FormState, NoteForm};
use crate::api::{self, ApiError};
use app::api::{Note, NoteInput};
use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Reading,
    Editing,
    ConfirmingDelete,
}

#[component]
pub fn NoteCard(
    note: Note,
    /// Focus this card's Edit button when it appears (it replaces the card just saved).
    focus: bool,
    on_saved: Callback<Note>,
    on_deleted: Callback<i64>,
) -> impl IntoView {
    let id = note.id;
    let mode = RwSignal::new(Mode::Reading);
    let edit_button = NodeRef::<Button>::new();
    let delete_button = NodeRef::<Button>::new();
    let keep_button = NodeRef::<Button>::new();
    let title_input = NodeRef::<Input>::new();
    // Where focus goes when the card is back to reading: the button that left it.
    let return_to = RwSignal::new(focus.then_some(Mode::Editing));

    Effect::new(move |_| match mode.get() {
        Mode::Editing => drop(title_input.get().map(|el| el.focus())),
        Mode::ConfirmingDelete => drop(keep_button.get().map(|el| el.focus())),
        Mode::Reading => match return_to.get_untracked() {
            Some(Mode::Editing) => drop(edit_button.get().map(|el| el.focus())),
            Some(Mode::ConfirmingDelete) => drop(delete_button.get().map(|el| el.focus())),
            _ => {}
        },
    });
    let back = move |from: Mode| {
        return_to.set(Some(from));
        mode.set(Mode::Reading);
    };

    let form = FormState::new();
    let title = RwSignal::new(note.title.clone());
    let content = RwSignal::new(note.content.clone());
    let save: Callback<NoteInput> = Callback::new(move |input: NoteInput| {
        spawn_local(async move {
            match api::update_note(id, &input).await {
                Ok(saved) => on_saved.run(saved),
                Err(error) => form.fail(error),
            }
        });
    });
    let cancel: Callback<()> = Callback::new(move |()| {
        form.done();
        back(Mode::Editing);
    });

    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    let delete = move |_| {
        deleting.set(true);
        delete_error.set(None);
        spawn_local(async move {
            match api::delete_note(id).await {
                Ok(()) => on_deleted.run(id),
                Err(ApiError::SignedOut) => {}
                Err(error) => {
                    deleting.set(false);
                    delete_error.set(Some(error.message()));
                }
            }
        });
    };

    let heading_id = format!("note-{id}-heading");
    let labelled_by = heading_id.clone();
    let created = local_time(&note.created_at);
    let updated = (note.updated_at != note.created_at).then(|| local_time(&note.updated_at));
    let note_title = note.title.clone();

    view! {
        <li class="note" aria-labelledby=labelled_by>
            {move || match mode.get() {
                Mode::Editing => view! {
                    <h3 class="visually-hidden" id=heading_id.clone()>"Editing " {note.title.clone()}</h3>
                    <NoteForm
                        form
                        title
                        content
                        id_prefix=format!("note-{id}")
                        submit_label="Save"
                        busy_label="Saving…"
                        on_submit=save
                        on_cancel=cancel
                        title_ref=title_input
                    />
                }
                .into_any(),
                Mode::Reading | Mode::ConfirmingDelete => view! {
                    <h3 id=heading_id.clone()>{note.title.clone()}</h3>
                    <p class="note-content">{note.content.clone()}</p>
                    <p class="note-meta">
                        "Written " <time datetime=note.created_at.clone()>{created.clone()}</time>
                        {updated.clone().map(|u| view! { ", edited " <time datetime=note.updated_at.clone()>{u}</time> })}
                    </p>
                }
                .into_any(),
            }}
            <Show when=move || mode.get() == Mode::Reading>
                <div class="actions">
                    <button type="button" node_ref=edit_button on:click=move |_| mode.set(Mode::Editing)>
                        "Edit"
                    </button>
                    <button type="button" class="danger" node_ref=delete_button on:click=move |_| mode.set(Mode::ConfirmingDelete)>
                        "Delete"
                    </button>
                </div>
            </Show>
            <Show when=move || mode.get() == Mode::ConfirmingDelete>
                <div class="confirm" role="group" aria-label="Confirm deletion">
                    <p>"Delete “" {note_title.clone()} "”? This cannot be undone."</p>
                    <p class="form-message" role="alert" class:is-empty=move || delete_error.with(Option::is_none)>
                        {move || delete_error.get()}
                    </p>
                    <div class="actions">
                        <button type="button" class="danger" disabled=move || deleting.get() on:click=delete>
                            {move || if deleting.get() { "Deleting…" } else { "Delete note" }}
                        </button>
                        <button type="button" node_ref=keep_button disabled=move || deleting.get()
                            on:click=move |_| back(Mode::ConfirmingDelete)>
                            "Keep it"
                        </button>
                    </div>
                </div>
            </Show>
        </li>
    }
}

/// An RFC 3339 time in the reader's locale and time zone.
fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    date.to_locale_string("default", &JsValue::UNDEFINED).into()
}
