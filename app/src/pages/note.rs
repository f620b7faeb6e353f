//! One note's page, `/notes/{id}`: the note whole, with what its card offers, and for its
//! owner the "Share" dialog. The page is a chunk of its own (see `lazy`), precached, and
//! the dialog another (`share`), fetched when it is first opened.

use crate::api::Note;
use crate::client::{ClientError, use_client};
use crate::components::{NoteCard, RetryPanel};
use crate::lazy::{LazyPage, Page};
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::{use_navigate, use_params_map};

/// The note the share dialog is about, for the dialog's chunk.
#[derive(Debug, Clone, Copy)]
pub struct Sharing(pub i64);

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
        load();
    });
    Effect::new(move |_| {
        let title = shown.with(|s| match s {
            Shown::Note(note) => note.title.clone(),
            _ => "Note".to_owned(),
        });
        super::set_title(&title);
    });
    let navigate = use_navigate();
    let on_saved = Callback::new(move |note: Note| shown.set(Shown::Note(note)));
    let on_deleted = Callback::new(move |_| super::replace_with(&navigate, paths::NOTES));

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
                    // Not one written offline and not yet on the server: it has no links.
                    let own = note.owner.is_none() && note.id > 0;
                    let id = note.id;
                    view! {
                        <h1 class="visually-hidden">{note.title.clone()}</h1>
                        <ul class="notes">
                            <NoteCard note focus=false whole=true on_saved on_deleted />
                        </ul>
                        {own.then(|| view! {
                            <div class="actions">
                                <button
                                    type="button"
                                    aria-expanded=move || sharing.get().to_string()
                                    on:click=move |_| sharing.update(|s| *s = !*s)
                                >
                                    "Share"
                                </button>
                            </div>
                        })}
                        {move || sharing.get().then(|| {
                            provide_context(Sharing(id));
                            view! { <LazyPage load=|| Box::pin(super::share::dialog()) what="sharing" /> }
                        })}
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
