//! "Shared with me", `/shared`: the notes other people shared with the person, newest
//! first, searchable, each with its owner's name and whether it can be edited; a note
//! opens on its own page, and a share can be left. A chunk of its own (see `lazy`); the
//! list comes from the device's copy when the server cannot be reached.

use crate::api::{Note, Page as ListPage, paths as api_paths};
use crate::client::{ClientError, PAGE_SIZE, request, use_client};
use crate::components::{FormMessage, FormState, RetryPanel};
use crate::lazy::{LazyPage, Page};
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

/// The route's page.
pub fn shared_page() -> AnyView {
    view! { <LazyPage load=|| Box::pin(shared()) what="notes shared with you" /> }.into_any()
}

#[wasm_split(shared, wasm_split_path = ::leptos::wasm_split, fallible)]
fn shared() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <SharedPage /> }.into_any())
}

#[component]
fn SharedPage() -> impl IntoView {
    super::browser::set_title("Shared with me");
    let client = use_client();
    let search = RwSignal::new(String::new());
    let asked = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let listing = RwSignal::new(None::<Result<ListPage<Note>, ClientError>>);
    let load = move || {
        let (terms, number) = (asked.get(), page.get());
        spawn(async move {
            let answer = client.shared_notes(terms.clone(), number).await;
            // Only the answer to the latest question is shown.
            if asked.try_get_untracked() == Some(terms) && page.try_get_untracked() == Some(number)
            {
                listing.set(Some(answer));
            }
        });
    };
    // Again at a change on another device or tab.
    Effect::new(move |_| {
        client.heard();
        load()
    });
    let find = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        page.set(1);
        asked.set(search.get_untracked().trim().to_owned());
    };
    let left = move |id: i64| {
        listing.update(|l| {
            if let Some(Ok(found)) = l {
                found.results.retain(|n| n.id != id);
                found.count = found.count.saturating_sub(1);
            }
        });
    };

    view! {
        <section class="shared-page">
            <h1>"Shared with me"</h1>
            <form role="search" class="inline-form" on:submit=find>
                <div class="field">
                    <label for="shared-search">"Search"</label>
                    <input id="shared-search" type="search" bind:value=search />
                </div>
                <button type="submit">"Search"</button>
            </form>
            {move || match listing.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(found)) if found.results.is_empty() => view! {
                    <div class="empty" role="status">
                        <p>{if asked.get_untracked().is_empty() { "Nothing is shared with you yet." } else { "No shared note matches." }}</p>
                        <p>"When someone on this server shares a note with you, it shows here."</p>
                    </div>
                }
                .into_any(),
                Some(Ok(found)) => {
                    let pages = found.count.div_ceil(PAGE_SIZE).max(1);
                    view! {
                        <ul class="notes">
                            {found.results.into_iter().map(|note| view! { <SharedItem note on_left=Callback::new(left) /> }).collect_view()}
                        </ul>
                        {(pages > 1).then(|| view! {
                            <div class="pager">
                                <button type="button" disabled=move || page.get() <= 1 on:click=move |_| page.update(|p| *p -= 1)>"Previous"</button>
                                <span>{move || format!("Page {} of {pages}", page.get())}</span>
                                <button type="button" disabled=move || page.get() >= pages on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                            </div>
                        })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// One shared note: its title (to its page), whose it is, what the person may do, the
/// start of its text, and "Leave".
#[component]
fn SharedItem(note: Note, on_left: Callback<i64>) -> impl IntoView {
    let client = use_client();
    let state = FormState::new();
    let id = note.id;
    let leave = move |_| {
        state.busy.set(true);
        spawn(async move {
            match request::<()>(client, "DELETE", api_paths::shared_note(id), None).await {
                Ok(()) | Err(ClientError::NotFound) => on_left.run(id),
                Err(error) => state.fail(error),
            }
        });
    };
    let can = if note.writable() {
        "can edit"
    } else {
        "read only"
    };
    let owner = note.owner.map(|o| o.username).unwrap_or_default();
    let start: String = note.content.chars().take(240).collect();
    view! {
        <li class="note">
            <h3>
                {note.pinned.then(|| view! { <span class="pin-mark">"Pinned · "</span> })}
                <a href=paths::note(id)>{note.title}</a>
            </h3>
            <p class="note-meta">"Shared by " <strong>{owner}</strong> " · " {can}</p>
            <p class="note-content">{start}</p>
            <div class="actions">
                <button type="button" disabled=move || state.busy.get() on:click=leave>"Leave"</button>
            </div>
            <FormMessage form=state />
        </li>
    }
}
