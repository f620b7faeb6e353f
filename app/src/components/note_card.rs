//! One note in the list: read it, edit it in place, or delete it after an in-page
//! confirmation.

use super::{FormMessage, FormState, NoteForm, SubmitButton};
use crate::api::{Note, NoteInput};
use crate::client::{ClientError, use_client};
use crate::task::spawn;
use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsValue;

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
    let client = use_client();
    let mode = RwSignal::new(Mode::Reading);
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

    let form = FormState::new();
    let title = RwSignal::new(note.title.clone());
    let content = RwSignal::new(note.content.clone());
    let save = Callback::new(move |input: NoteInput| {
        spawn(async move {
            match client.update_note(id, input).await {
                Ok(saved) => {
                    // Back to reading here too: a save that changed nothing the list
                    // keys on leaves this card in place rather than replacing it.
                    form.done();
                    switch(Mode::Reading);
                    on_saved.run(saved);
                }
                Err(error) => form.fail(error),
            }
        });
    });
    let cancel = Callback::new(move |()| {
        form.done();
        switch(Mode::Reading);
    });

    let deletion = FormState::new();
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        deletion.busy.set(true);
        deletion.message.set(None);
        spawn(async move {
            match client.delete_note(id).await {
                Ok(()) => on_deleted.run(id),
                // The guard is already on its way to the sign-in page.
                Err(ClientError::SignedOut) => {}
                Err(error) => deletion.fail(error),
            }
        });
    };

    let heading_id = format!("note-{id}-heading");
    let labelled_by = heading_id.clone();
    let editing_id = heading_id.clone();
    let editing_title = note.title.clone();
    let created = local_time(&note.created_at);
    let updated = (note.updated_at != note.created_at).then(|| local_time(&note.updated_at));
    let reading = move || {
        let note = note.clone();
        view! {
            <h3 id=heading_id.clone()>{note.title}</h3>
            <p class="note-content">{note.content}</p>
            <p class="note-meta">
                "Written " <time datetime=note.created_at>{created.clone()}</time>
                {updated.clone().map(|u| view! { ", edited " <time datetime=note.updated_at>{u}</time> })}
            </p>
        }
    };

    view! {
        <li class="note" aria-labelledby=labelled_by>
            {move || match mode.get() {
                Mode::Editing => view! {
                    <h3 class="visually-hidden" id=editing_id.clone()>"Editing " {editing_title.clone()}</h3>
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
                Mode::Reading => view! {
                    {reading()}
                    <div class="actions">
                        <button type="button" node_ref=focus_target on:click=move |_| switch(Mode::Editing)>
                            "Edit"
                        </button>
                        <button type="button" class="danger" on:click=move |_| switch(Mode::ConfirmingDelete)>
                            "Delete"
                        </button>
                    </div>
                }
                .into_any(),
                Mode::ConfirmingDelete => view! {
                    {reading()}
                    <form class="confirm" on:submit=delete aria-label="Confirm deletion">
                        <p>"Delete this note? This cannot be undone."</p>
                        <FormMessage form=deletion />
                        <div class="actions">
                            <SubmitButton form=deletion label="Delete note" busy_label="Deleting…" />
                            <button type="button" node_ref=focus_target on:click=move |_| switch(Mode::Reading)>
                                "Keep it"
                            </button>
                        </div>
                    </form>
                }
                .into_any(),
            }}
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
