//! The title-and-content form, used to write a note and to edit one. What is typed is
//! kept on the device as it is typed (`Backend::keep_draft`) and given back when the form
//! opens again; `Ctrl`/`Cmd`+`Enter` saves from either field, `Esc` leaves an edit.
//! Files pasted or dropped into the content, or chosen with "Attach files", are uploaded
//! by `Backend::files`'s chunk, which writes their references into the text.

use super::form::{FieldError, FormMessage, FormState, SubmitButton, TextField};
use crate::api::NoteInput;
use crate::client::use_client;
use crate::errors::FieldErrors;
use crate::markdown::Markdown;
use crate::task::spawn;
use crate::validation::{NoteContent, NoteTitle, TITLE_MAX_CHARS};
use leptos::html::{Form, Input, Textarea};
use leptos::prelude::*;

/// Checks the fields with the server's rules and hands a valid note to `on_submit`,
/// which sends it and reports back through `form`.
#[component]
pub fn NoteForm(
    form: FormState,
    title: RwSignal<String>,
    content: RwSignal<String>,
    /// Makes the fields' ids unique on a page with several forms.
    id_prefix: String,
    submit_label: &'static str,
    busy_label: &'static str,
    on_submit: Callback<NoteInput>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
    /// `Esc` in the form: the caller asks before losing unsaved text.
    #[prop(optional)]
    on_escape: Option<Callback<()>>,
    #[prop(optional)] title_ref: Option<NodeRef<Input>>,
    /// Where the unsaved text is kept on this device; the caller forgets it once saved.
    draft_slot: String,
) -> impl IntoView {
    let client = use_client();
    if let Some(draft) = client.draft(&draft_slot) {
        title.set(draft.title);
        content.set(draft.content);
    }
    // On every keystroke, not in an effect: only what the person types is kept, never
    // the text a save or a cancel puts back.
    let keep_draft = move |_| {
        let draft = NoteInput {
            title: title.get_untracked(),
            content: content.get_untracked(),
            pinned: None,
        };
        client.keep_draft(&draft_slot, Some(&draft));
    };
    let form_ref = NodeRef::<Form>::new();
    let previewing = RwSignal::new(false);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if ev.ctrl_key() || ev.meta_key() => {
            ev.prevent_default();
            drop(form_ref.get_untracked().map(|form| form.request_submit()));
        }
        "Escape" => {
            if let Some(escape) = on_escape {
                ev.prevent_default();
                escape.run(());
            }
        }
        _ => {}
    };
    let title_ref = title_ref.unwrap_or_default();
    let content_ref = NodeRef::<Textarea>::new();
    let title_id = [&id_prefix, "-title"].concat();
    let content_id = [&id_prefix, "-content"].concat();
    let content_error = [&content_id, "-error"].concat();

    Effect::new(move |_| {
        let _ = match form.first_invalid(&["title", "content"]) {
            Some("title") => title_ref.get_untracked().map(|el| el.focus()),
            Some("content") => content_ref.get_untracked().map(|el| el.focus()),
            _ => None,
        };
    });

    // Files are taken by a chunk of their own (`Backend::files`), wired to the form the
    // first time one may come: the form focused (the picker, or the field to paste into)
    // or a file dragged over it.
    let wired = StoredValue::new(false);
    let owner = StoredValue::new(Owner::current());
    let wire = Callback::new(move |()| {
        let Some(field) = content_ref.get_untracked() else {
            return;
        };
        if wired.get_value() {
            return;
        }
        wired.set_value(true);
        spawn(async move {
            // The form may have gone meanwhile.
            match (client.files().await, owner.try_get_value().flatten()) {
                (Some(files), Some(owner)) => owner.with(|| (files.take)(field)),
                // Tried again at the next chance.
                _ => drop(wired.try_set_value(false)),
            }
        });
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let mut found = FieldErrors::default();
        let title = NoteTitle::parse(&title.get_untracked())
            .map_err(|e| found.extend("title", e))
            .ok();
        let content = NoteContent::parse(&content.get_untracked())
            .map_err(|e| found.extend("content", e))
            .ok();
        if form.begin(found)
            && let (Some(title), Some(content)) = (title, content)
        {
            on_submit.run(NoteInput {
                title: title.into_inner(),
                content: content.into_inner(),
                pinned: None,
            });
        }
    };

    view! {
        <form
            class="note-form"
            node_ref=form_ref
            on:submit=submit
            on:input=keep_draft
            on:keydown=on_keydown
            on:focusin=move |_| wire.run(())
            on:dragenter=move |_| wire.run(())
            novalidate
            aria-busy=move || form.busy.get().to_string()
        >
            <TextField
                form
                field="title"
                id=title_id
                label="Title"
                value=title
                maxlength=TITLE_MAX_CHARS
                node_ref=title_ref
            />
            <div class="field">
                <label for=content_id.clone()>"Content"</label>
                <textarea
                    id=content_id
                    name="content"
                    rows="5"
                    node_ref=content_ref
                    bind:value=content
                    aria-invalid=form.invalid("content")
                    aria-describedby=content_error.clone()
                ></textarea>
                <FieldError form field="content" id=content_error />
                <ul class="uploads" aria-live="polite"></ul>
            </div>
            {move || previewing.get().then(|| view! {
                <section class="preview" aria-label="Preview">
                    <Markdown text=content />
                </section>
            })}
            <FormMessage form />
            <div class="actions">
                <SubmitButton form label=submit_label busy_label />
                // The label is the picker's button; the input, hidden but for the
                // keyboard, takes the focus.
                <label class="button attach">
                    "Attach files"
                    <input type="file" multiple class="visually-hidden" />
                </label>
                <button
                    type="button"
                    aria-pressed=move || previewing.get().to_string()
                    on:click=move |_| previewing.update(|on| *on = !*on)
                >
                    "Preview"
                </button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
