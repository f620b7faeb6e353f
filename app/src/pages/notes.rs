//! The signed-in home: write a note, and read, edit or delete the ones written, newest
//! first.

use crate::api::{Note, NoteInput};
use crate::client::{ClientError, use_client};
use crate::components::{FormState, NoteCard, NoteForm};
use crate::task::spawn;
use leptos::html::{H2, Input};
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Listing {
    Loading,
    Loaded(Vec<Note>),
    Failed(String),
}

#[component]
pub fn NotesPage() -> impl IntoView {
    super::set_title("Your notes");
    let client = use_client();
    let listing = RwSignal::new(Listing::Loading);
    let status = RwSignal::new(String::new());
    let just_saved = RwSignal::new(None::<i64>);
    let list_heading = NodeRef::<H2>::new();
    let new_title = NodeRef::<Input>::new();

    let load = move || {
        listing.set(Listing::Loading);
        spawn(async move {
            match client.notes().await {
                Ok(notes) => listing.set(Listing::Loaded(notes)),
                // The guard is already on its way to the sign-in page.
                Err(ClientError::SignedOut) => {}
                Err(error) => listing.set(Listing::Failed(error.message())),
            }
        });
    };
    load();

    let edit_list = move |change: &dyn Fn(&mut Vec<Note>)| {
        listing.update(|l| {
            if let Listing::Loaded(notes) = l {
                change(notes);
            }
        })
    };

    let form = FormState::new();
    let title = RwSignal::new(String::new());
    let content = RwSignal::new(String::new());
    let create: Callback<NoteInput> = Callback::new(move |input: NoteInput| {
        spawn(async move {
            match client.create_note(input).await {
                Ok(note) => {
                    edit_list(&|notes| notes.insert(0, note.clone()));
                    title.set(String::new());
                    content.set(String::new());
                    form.done();
                    status.set("Note added.".into());
                    drop(new_title.get_untracked().map(|el| el.focus()));
                }
                Err(error) => form.fail(error),
            }
        });
    });

    let on_saved: Callback<Note> = Callback::new(move |saved: Note| {
        just_saved.set(Some(saved.id));
        edit_list(&|notes| {
            if let Some(slot) = notes.iter_mut().find(|n| n.id == saved.id) {
                *slot = saved.clone();
            }
        });
        status.set("Note saved.".into());
    });
    let on_deleted: Callback<i64> = Callback::new(move |id: i64| {
        edit_list(&|notes| notes.retain(|n| n.id != id));
        status.set("Note deleted.".into());
        drop(list_heading.get_untracked().map(|el| el.focus()));
    });

    let notes = move || match listing.get() {
        Listing::Loaded(notes) => notes,
        _ => Vec::new(),
    };
    let count = move || match listing.with(|l| match l {
        Listing::Loaded(notes) => notes.len(),
        _ => 0,
    }) {
        0 => String::new(),
        1 => "(1)".to_owned(),
        n => format!("({n})"),
    };

    view! {
        <div class="notes-page">
            <section class="panel" aria-labelledby="new-note-heading">
                <h1 id="new-note-heading">"New note"</h1>
                <NoteForm
                    form
                    title
                    content
                    id_prefix="new-note".to_owned()
                    submit_label="Add note"
                    busy_label="Adding…"
                    on_submit=create
                    title_ref=new_title
                />
            </section>
            <section aria-labelledby="notes-heading">
                <h2 id="notes-heading" tabindex="-1" node_ref=list_heading>
                    "Your notes " <span class="count">{count}</span>
                </h2>
                <p class="status" role="status" aria-live="polite">{move || status.get()}</p>
                {move || match listing.get() {
                    Listing::Loading => view! {
                        <p class="checking" role="status">"Loading your notes…"</p>
                    }.into_any(),
                    Listing::Failed(message) => view! {
                        <div class="panel" role="alert">
                            <p>{message}</p>
                            <button type="button" on:click=move |_| load()>"Try again"</button>
                        </div>
                    }.into_any(),
                    Listing::Loaded(notes) if notes.is_empty() => view! {
                        <div class="empty">
                            <p>"No notes yet."</p>
                            <p>"Write your first one above: it will be kept here, visible only to you."</p>
                        </div>
                    }.into_any(),
                    Listing::Loaded(_) => ().into_any(),
                }}
                <ul class="notes">
                    <For
                        each=notes
                        key=|n| (n.id, n.title.clone(), n.content.clone(), n.updated_at.clone())
                        let(note)
                    >
                        <NoteCard
                            focus=just_saved.get_untracked() == Some(note.id)
                            note
                            on_saved
                            on_deleted
                        />
                    </For>
                </ul>
            </section>
        </div>
    }
}
