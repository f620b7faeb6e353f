//! One note's page, `/notes/{id}`: the note whole, with what its card offers, its
//! "History", and for its owner the "Share" dialog. The page is a chunk of its own (see
//! `lazy`), precached, and the dialog and the history others (`share`, `history`),
//! fetched when they are first opened.

use super::panels::{HistoryOf, Sharing};
use crate::api::Note;
use crate::client::{ClientError, use_client};
use crate::components::{BeingEdited, NoteCard, RetryPanel};
use crate::lazy::{LazyPage, Page};
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::{use_navigate, use_params_map};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Loading,
    Note(Note),
    Missing,
    Failed(String),
}

/// The route's page.
pub fn note_page() -> AnyView {
    view! { <LazyPage load=|| Box::pin(note()) what="the note" /> }.into_any()
}

#[wasm_split(note, wasm_split_path = ::leptos::wasm_split, fallible)]
fn note() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <NotePage /> }.into_any())
}

#[component]
fn NotePage() -> impl IntoView {
    let client = use_client();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())));
    let shown = RwSignal::new(Shown::Loading);
    let sharing = RwSignal::new(false);
    let history = RwSignal::new(false);
    // "Restored" said until the note changes again.
    let restored = RwSignal::new(false);
    let load = move || {
        let Some(id) = id.get_untracked() else {
            return shown.set(Shown::Missing);
        };
        shown.set(Shown::Loading);
        spawn(async move {
            let answer = match client.note(id).await {
                Ok(note) => Shown::Note(note.value),
                Err(ClientError::NotFound) => Shown::Missing,
                // The guard is already on its way to the sign-in page.
                Err(ClientError::SignedOut) => return,
                Err(error) => Shown::Failed(error.message()),
            };
            shown.try_set(answer);
        });
    };
    Effect::new(move |_| {
        id.track();
        sharing.set(false);
        history.set(false);
        restored.set(false);
        load();
    });
    // Saved on another device or in another tab (or the stream could not say what
    // changed: `heard` alone moves): the note as it is now, in place (an edit in progress
    // is told instead, and chooses: see `NoteCard`).
    let being_edited = BeingEdited::provide();
    Effect::new(move |before: Option<(u32, Option<i64>)>| {
        let heard = (client.heard(), id.get().and_then(|id| client.announced(id)));
        if before.is_some_and(|b| b != heard)
            && let Some(id) = id.get_untracked()
            && !being_edited.contains(id)
        {
            spawn(async move {
                if let Ok(note) = client.note(id).await
                    && matches!(shown.try_get_untracked(), Some(Shown::Note(_)))
                {
                    shown.set(Shown::Note(note.value));
                }
            });
        }
        heard
    });
    Effect::new(move |_| {
        let title = shown.with(|s| match s {
            Shown::Note(note) => note.title.clone(),
            _ => "Note".to_owned(),
        });
        super::browser::set_title(&title);
    });
    let navigate = use_navigate();
    let on_saved = Callback::new(move |note: Note| {
        restored.set(false);
        shown.set(Shown::Note(note));
    });
    let on_restored = Callback::new(move |note: Note| {
        history.set(false);
        restored.set(true);
        shown.set(Shown::Note(note));
    });
    let on_deleted = Callback::new(move |_| super::browser::replace_with(&navigate, paths::NOTES));

    view! {
        <div class="note-page">
            <p class="back"><a href=paths::NOTES>"← All notes"</a></p>
            {move || match shown.get() {
                Shown::Loading => view! { <p class="checking" role="status">"Loading the note…"</p> }
                    .into_any(),
                Shown::Missing => view! {
                    <section class="panel">
                        <h1>"Note not found"</h1>
                        <p>"It was deleted, or it is not shared with you (any more)."</p>
                    </section>
                }
                .into_any(),
                Shown::Failed(message) => view! {
                    <RetryPanel message on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Shown::Note(note) => {
                    // Not one written offline and not yet on the server: it has no links
                    // and no history.
                    let on_server = note.id > 0;
                    let own = note.owner.is_none() && on_server;
                    let restorable = note.writable();
                    let id = note.id;
                    view! {
                        <h1 class="visually-hidden">{note.title.clone()}</h1>
                        <ul class="notes">
                            <NoteCard note focus=false whole=true on_saved on_deleted />
                        </ul>
                        {on_server.then(|| view! {
                            <div class="actions">
                                <button
                                    type="button"
                                    aria-expanded=move || history.get().to_string()
                                    on:click=move |_| history.update(|h| *h = !*h)
                                >
                                    "History"
                                </button>
                                {own.then(|| view! {
                                    <button
                                        type="button"
                                        aria-expanded=move || sharing.get().to_string()
                                        on:click=move |_| sharing.update(|s| *s = !*s)
                                    >
                                        "Share"
                                    </button>
                                })}
                            </div>
                        })}
                        {move || restored.get().then(|| view! {
                            <p class="status" role="status">
                                "Restored. The text it replaced is kept in the history."
                            </p>
                        })}
                        {move || sharing.get().then(|| {
                            provide_context(Sharing(id));
                            view! { <LazyPage load=|| Box::pin(super::share::dialog()) what="sharing" /> }
                        })}
                        {move || history.get().then(|| {
                            provide_context(HistoryOf { id, restorable, restored: on_restored });
                            view! { <LazyPage load=|| Box::pin(super::history::panel()) what="the history" /> }
                        })}
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
