//! The trash: deleted notes, most recently deleted first, each restored or deleted for
//! good, and the whole trash emptied after a question.

use crate::api::TrashedNote;
use crate::client::{ClientError, PAGE_SIZE, first_pages, merge_page, pages_for, use_client};
use crate::components::{ConfirmForm, FormState, RetryPanel, in_reader_locale};
use crate::lazy::{LazyPage, Page};
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Listing {
    Loading,
    Loaded { notes: Vec<TrashedNote>, count: u64 },
    Failed(String),
}

/// The route's page: the trash's code is a chunk of its own, fetched when the page is
/// first opened (see `lazy`).
pub fn trash_page() -> AnyView {
    view! { <LazyPage load=|| Box::pin(trash()) what="the trash" /> }.into_any()
}

#[wasm_split(trash, wasm_split_path = ::leptos::wasm_split, fallible)]
fn trash() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <TrashPage /> }.into_any())
}

#[component]
fn TrashPage() -> impl IntoView {
    super::browser::set_title("Trash");
    let client = use_client();
    let listing = RwSignal::new(Listing::Loading);
    let status = RwSignal::new(String::new());
    let loading_more = RwSignal::new(false);

    // Page 1 afresh, or (`more`) the page after those shown. Restores and deletes here
    // shift the server's pages, so the page is counted from what is shown and merged
    // by id; past the end, what is shown is all. `quiet`: what is shown stays until the
    // new page is in.
    let load = move |more: bool, quiet: bool| {
        let shown = match listing.get_untracked() {
            Listing::Loaded { notes, .. } => notes.len() as u64,
            _ => 0,
        };
        // Quietly, as many pages as are shown, so a change elsewhere keeps them open.
        let pages = if quiet { pages_for(shown) } else { 1 };
        if more {
            loading_more.set(true);
        } else if !quiet {
            listing.set(Listing::Loading);
        }
        spawn(async move {
            let answer = if more {
                client.trash(shown / PAGE_SIZE + 1).await
            } else {
                first_pages(pages, |number| client.trash(number), |note| note.id).await
            };
            loading_more.try_set(false);
            match answer {
                Ok(page) => listing.update(|l| match l {
                    Listing::Loaded { notes, count } if more => {
                        merge_page((notes, count), page, |note| note.id);
                    }
                    _ => {
                        *l = Listing::Loaded {
                            notes: page.results,
                            count: page.count,
                        }
                    }
                }),
                Err(ClientError::SignedOut) => {}
                Err(ClientError::NotFound) if more => listing.update(|l| {
                    if let Listing::Loaded { notes, count } = l {
                        *count = notes.len() as u64;
                    }
                }),
                Err(error) if more => status.set(error.message()),
                Err(error) => listing.set(Listing::Failed(error.message())),
            }
        });
    };
    load(false, false);
    // A change on another device or tab: the trash as it is now.
    Effect::new(move |before: Option<u32>| {
        let now = client.heard();
        if before.is_some_and(|b| b != now) {
            load(false, true);
        }
        now
    });

    let remove = move |id: i64, said: &'static str| {
        listing.update(|l| {
            if let Listing::Loaded { notes, count } = l {
                let before = notes.len();
                notes.retain(|n| n.id != id);
                *count -= (before - notes.len()) as u64;
            }
        });
        status.set(said.into());
    };
    let restore = move |id: i64| {
        spawn(async move {
            match client.restore_note(id).await {
                Ok(_) => remove(id, "Note restored: it is back among your notes."),
                Err(ClientError::NotFound) => remove(id, "That note is no longer in the trash."),
                Err(ClientError::SignedOut) => {}
                Err(error) => status.set(error.message()),
            }
        });
    };
    let purge = move |id: i64| {
        let sure = window()
            .confirm_with_message("Delete this note for good? It cannot be restored.")
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn(async move {
            match client.purge_note(id).await {
                Ok(()) | Err(ClientError::NotFound) => remove(id, "Note deleted for good."),
                Err(ClientError::SignedOut) => {}
                Err(error) => status.set(error.message()),
            }
        });
    };

    let emptying = RwSignal::new(false);
    let empty_form = FormState::new();
    let empty = Callback::new(move |()| {
        spawn(async move {
            match client.empty_trash().await {
                Ok(()) => {
                    empty_form.done();
                    emptying.set(false);
                    listing.set(Listing::Loaded {
                        notes: Vec::new(),
                        count: 0,
                    });
                    status.set("The trash is empty.".into());
                }
                Err(ClientError::SignedOut) => {}
                Err(error) => empty_form.fail(error),
            }
        });
    });
    let keep = Callback::new(move |()| emptying.set(false));

    let card = move |t: TrashedNote| {
        let id = t.id;
        let deleted = in_reader_locale(&t.deleted_at, js_sys::Date::to_locale_string);
        view! {
            <li class="note">
                <h3>{t.title}</h3>
                <p class="note-meta">"Deleted " {deleted}</p>
                <p class="note-content">{t.content}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| restore(id)>"Restore"</button>
                    <button type="button" class="danger" on:click=move |_| purge(id)>"Delete for good"</button>
                </div>
            </li>
        }
    };

    view! {
        <section class="panel trash-page" aria-labelledby="trash-heading">
            <h1 id="trash-heading">"Trash"</h1>
            <p>"Deleted notes wait here for a while before they are deleted for good. Restore one to bring it back as it was."</p>
            <p class="status" role="status" aria-live="polite">{move || status.get()}</p>
            {move || match listing.get() {
                Listing::Loading => view! { <p class="checking" role="status">"Loading the trash…"</p> }.into_any(),
                Listing::Failed(message) => view! {
                    <RetryPanel message on_retry=Callback::new(move |()| load(false, false)) />
                }.into_any(),
                Listing::Loaded { notes, .. } if notes.is_empty() => view! {
                    <div class="empty"><p>"The trash is empty."</p></div>
                }.into_any(),
                Listing::Loaded { notes, count } => {
                    let more = (notes.len() as u64) < count;
                    view! {
                        {move || match emptying.get() {
                            false => view! {
                                <button type="button" class="danger" on:click=move |_| emptying.set(true)>"Empty trash…"</button>
                            }.into_any(),
                            true => view! {
                                <ConfirmForm
                                    form=empty_form
                                    question="Delete every note in the trash for good?"
                                    label="Empty trash"
                                    busy_label="Emptying…"
                                    cancel_label="Keep them"
                                    on_confirm=empty
                                    on_cancel=keep
                                />
                            }.into_any(),
                        }}
                        <ul class="notes">{notes.into_iter().map(card).collect_view()}</ul>
                        {more.then(|| view! {
                            <button type="button" on:click=move |_| load(true, false) disabled=move || loading_more.get()>
                                {move || if loading_more.get() { "Loading…" } else { "Show more" }}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}
