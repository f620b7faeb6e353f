//! The signed-in home: write a note, find one by what it says (`/?q=`) or by its #tag
//! (`/?tag=`), and read, edit, pin or delete the ones written, pinned first and then
//! newest first, a page at a time.

use crate::api::{Note, NoteInput, TagCount};
use crate::client::{ClientError, PAGE_SIZE, first_pages, merge_page, pages_for, use_client};
use crate::components::{BeingEdited, FormState, NoteCard, NoteForm, RetryPanel};
use crate::offline::in_list_order;
use crate::task::spawn;
use crate::unsaved::warn_before_losing;
use leptos::html::{H2, Input};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::time::Duration;

/// How long typing must pause before the search goes out.
const SEARCH_DELAY: Duration = Duration::from_millis(300);

/// Where the composer's unsaved text is kept (`Backend::keep_draft`).
const COMPOSER_DRAFT: &str = "new";

/// How long "Undo" is offered after a delete (the trash keeps the note far longer).
const UNDO_FOR: Duration = Duration::from_secs(8);

/// The list's address for a search and a tag, either of which may be empty.
fn list_url(terms: &str, tag: &str) -> String {
    let mut query = Vec::new();
    for (name, value) in [("q", terms.trim()), ("tag", tag)] {
        if !value.is_empty() {
            query.push(
                [
                    name,
                    "=",
                    &String::from(js_sys::encode_uri_component(value)),
                ]
                .concat(),
            );
        }
    }
    match query.is_empty() {
        true => "/".to_owned(),
        false => ["/?", &query.join("&")].concat(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Listing {
    Loading,
    /// What is shown so far, newest first, and how many notes match in all.
    Loaded {
        notes: Vec<Note>,
        count: u64,
    },
    Failed(String),
}

impl Listing {
    /// How many notes are shown, and how many match in all, once loaded.
    fn progress(&self) -> Option<(u64, u64)> {
        match self {
            Self::Loaded { notes, count } => Some((notes.len() as u64, *count)),
            _ => None,
        }
    }
}

#[component]
pub fn NotesPage() -> impl IntoView {
    super::browser::set_title("Your notes");
    let client = use_client();
    let query = use_query_map();
    // The search is the URL's `q`, so a reload or Back brings it back.
    let search = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    // The tag chosen, as in `/?tag=work`: from the strip, or a tag in a note.
    let tag = Memo::new(move |_| query.with(|q| q.get("tag").unwrap_or_default()));
    let tags = RwSignal::new(Vec::<TagCount>::new());
    let load_tags = move || {
        spawn(async move {
            if let Ok(counts) = client.tags().await {
                drop(tags.try_set(counts));
            }
        })
    };
    let typed = RwSignal::new(search.get_untracked());
    let listing = RwSignal::new(Listing::Loading);
    let loading_more = RwSignal::new(false);
    // A quiet reload and "Show more" take turns, or the one that lands last would undo
    // the other: "Show more" waits (disabled) while a reload runs, and a reload asked for
    // while more are loading runs after them.
    let reloading = RwSignal::new(false);
    let reload_after_more = StoredValue::new(false);
    let status = RwSignal::new(String::new());
    let just_saved = RwSignal::new(None::<i64>);
    let list_heading = NodeRef::<H2>::new();
    let new_title = NodeRef::<Input>::new();
    // Answers to a search that has since changed are dropped.
    let generation = StoredValue::new(0u32);
    let being_edited = BeingEdited::provide();

    // `quiet`: the list stays on screen until the new one is in (cards that did not
    // change stay as they are, an open edit included).
    let fetch = move |quiet: bool| {
        if quiet && loading_more.get_untracked() {
            reload_after_more.set_value(true);
            return;
        }
        let (search, tag) = (search.get_untracked(), tag.get_untracked());
        let this = generation.get_value() + 1;
        generation.set_value(this);
        if !quiet {
            listing.set(Listing::Loading);
        }
        // Quietly, as many pages as are shown: a change heard from elsewhere must not
        // take away the pages one asked for.
        let pages = if quiet {
            // (`try_` and `flatten` as in `load_more`: one copy of the code in the wasm.)
            listing
                .try_with_untracked(Listing::progress)
                .flatten()
                .map_or(1, |(shown, _)| pages_for(shown))
        } else {
            1
        };
        reloading.set(quiet);
        spawn(async move {
            let page = first_pages(
                pages,
                |number| client.notes(search.clone(), tag.clone(), number),
                |note| note.id,
            )
            .await;
            // Also when the page has gone meanwhile (signed out, say): its state with it.
            if generation.try_get_value() != Some(this) {
                return;
            }
            reloading.set(false);
            match page {
                Ok(mut page) => {
                    // A card being edited keeps its note as it was: the edit stays open.
                    if let Listing::Loaded { notes: shown, .. } = listing.get_untracked() {
                        for note in &mut page.results {
                            if let Some(before) = shown.iter().find(|before| {
                                before.id == note.id && being_edited.contains(note.id)
                            }) {
                                note.clone_from(before);
                            }
                        }
                    }
                    listing.set(Listing::Loaded {
                        notes: page.results,
                        count: page.count,
                    })
                }
                // The guard is already on its way to the sign-in page.
                Err(ClientError::SignedOut) => {}
                Err(error) if !quiet => listing.set(Listing::Failed(error.message())),
                Err(_) => {}
            }
        });
    };
    let load = move || fetch(false);
    // Whenever the search or tag in the URL changes (typed or chosen here, or Back and
    // Forward), and when changes made offline were sent: then the list as the server has
    // it now, kept on screen meanwhile (a choice about an overtaken edit opens in its
    // card).
    // A change heard from the server (made on another device or in another tab) reloads
    // the same way.
    Effect::new(move |before: Option<(u32, String, String)>| {
        let now = (
            client.synced().wrapping_add(client.heard()),
            search.get(),
            tag.get(),
        );
        let synced = before.is_some_and(|b| b.0 != now.0 && b.1 == now.1 && b.2 == now.2);
        // The box follows the URL (Back, a tag), but not a reload heard while one types:
        // that would take back the keys not yet in the URL.
        if !synced && typed.get_untracked() != now.1 {
            typed.set(now.1.clone());
        }
        fetch(synced);
        if synced {
            load_tags();
        }
        now
    });

    // The URL follows the box once typing pauses, replacing the entry: Back leaves the
    // search rather than stepping through every keystroke.
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_search_input = move |text: String| {
        typed.set(text);
        if let Some(timer) = pending.get_value() {
            timer.clear();
        }
        let navigate = navigate.clone();
        let timer = set_timeout_with_handle(
            move || {
                let (Some(text), Some(search)) =
                    (typed.try_get_untracked(), search.try_get_untracked())
                else {
                    return;
                };
                if text.trim() != search.trim() {
                    let url = list_url(&text, &tag.get_untracked());
                    let options = NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    };
                    navigate(&url, options);
                }
            },
            SEARCH_DELAY,
        );
        pending.set_value(timer.ok());
    };

    let load_more = move |_| {
        let this = generation.get_value();
        loading_more.set(true);
        let done = move || {
            loading_more.try_set(false);
            if reload_after_more.try_get_value() == Some(true) {
                reload_after_more.set_value(false);
                fetch(true);
            }
        };
        spawn(async move {
            // The next note is the one after those shown. Page numbers count from what
            // the server holds now, which notes added or deleted here have shifted, so a
            // page may overlap the list (merged by id) and bring only a few new ones:
            // then the page after it comes too.
            let mut added = 0;
            for _ in 0..2 {
                let Some((shown, count)) = listing.try_with_untracked(Listing::progress).flatten()
                else {
                    break;
                };
                if added >= PAGE_SIZE || shown >= count {
                    break;
                }
                let page = shown / PAGE_SIZE + 1;
                let answer = client
                    .notes(search.get_untracked(), tag.get_untracked(), page)
                    .await;
                if generation.try_get_value() != Some(this) {
                    break;
                }
                match answer {
                    Ok(more) => listing.update(|l| {
                        if let Listing::Loaded { notes, count } = l {
                            let before = notes.len();
                            merge_page((notes, count), more, |note| note.id);
                            added += (notes.len() - before) as u64;
                        }
                    }),
                    Err(ClientError::SignedOut) => break,
                    // Past the end: someone deleted notes elsewhere; what is shown is all.
                    Err(ClientError::NotFound) => {
                        listing.update(|l| {
                            if let Listing::Loaded { notes, count } = l {
                                *count = notes.len() as u64;
                            }
                        });
                        break;
                    }
                    Err(error) => {
                        status.set(error.message());
                        break;
                    }
                }
            }
            done();
        });
    };

    let edit_list = move |change: &dyn Fn(&mut Vec<Note>, &mut u64)| {
        listing.update(|l| {
            if let Listing::Loaded { notes, count } = l {
                change(notes, count);
                in_list_order(notes);
            }
        });
        // Any change of a note may change the tags' counts.
        load_tags();
    };
    load_tags();

    let form = FormState::new();
    let title = RwSignal::new(String::new());
    let content = RwSignal::new(String::new());
    warn_before_losing(move || !title.with(String::is_empty) || !content.with(String::is_empty));
    let create: Callback<NoteInput> = Callback::new(move |input: NoteInput| {
        spawn(async move {
            match client.create_note(input).await {
                Ok(note) => {
                    edit_list(&|notes, count| {
                        notes.insert(0, note.clone());
                        *count += 1;
                    });
                    title.set(String::new());
                    content.set(String::new());
                    client.keep_draft(COMPOSER_DRAFT, None);
                    form.done();
                    status.set("Note added.".into());
                    drop(new_title.try_get_untracked().flatten().map(|el| el.focus()));
                }
                Err(error) => form.fail(error),
            }
        });
    });

    let on_saved: Callback<Note> = Callback::new(move |saved: Note| {
        just_saved.set(Some(saved.id));
        edit_list(&|notes, _| {
            if let Some(slot) = notes.iter_mut().find(|n| n.id == saved.id) {
                *slot = saved.clone();
            }
        });
        status.set("Note saved.".into());
    });
    // The note last deleted, while it can still be undone from here.
    let undoable = RwSignal::new(None::<i64>);
    let undo_timer = StoredValue::new(None::<TimeoutHandle>);
    // The offer's clock stops while the pointer or focus is on it (WCAG 2.2.1), and with
    // the page.
    let stop_undo_clock = move || {
        if let Some(timer) = undo_timer.try_update_value(Option::take).flatten() {
            timer.clear();
        }
    };
    let start_undo_clock = move || {
        stop_undo_clock();
        let timer = set_timeout_with_handle(
            move || {
                undoable.try_set(None);
            },
            UNDO_FOR,
        );
        undo_timer.set_value(timer.ok());
    };
    on_cleanup(stop_undo_clock);
    let forget_undo = move || {
        stop_undo_clock();
        undoable.set(None);
    };
    let on_deleted: Callback<i64> = Callback::new(move |id: i64| {
        edit_list(&|notes, count| {
            let before = notes.len();
            notes.retain(|n| n.id != id);
            *count -= (before - notes.len()) as u64;
        });
        status.set(String::new());
        // Undo restores from the server's trash: not offered for a deletion that waits
        // to reach it.
        if !client.waiting(id) && client.reachable() {
            undoable.set(Some(id));
            start_undo_clock();
        }
        drop(
            list_heading
                .try_get_untracked()
                .flatten()
                .map(|el| el.focus()),
        );
    });

    let undo = move |_| {
        let Some(id) = undoable.get_untracked() else {
            return;
        };
        forget_undo();
        spawn(async move {
            match client.restore_note(id).await {
                Ok(note) => {
                    just_saved.set(Some(note.id));
                    // Back in place when the whole unfiltered list is shown; otherwise
                    // the server says where it belongs (if it shows here at all).
                    let whole = listing
                        .with_untracked(Listing::progress)
                        .is_some_and(|(shown, count)| shown == count);
                    let filtered = !search.get_untracked().trim().is_empty()
                        || !tag.get_untracked().is_empty();
                    if whole && !filtered {
                        edit_list(&|notes, count| {
                            notes.push(note.clone());
                            *count += 1;
                        });
                    } else {
                        load();
                        load_tags();
                    }
                    status.set("Note restored.".into());
                }
                Err(ClientError::SignedOut) => {}
                Err(error) => status.set(error.message()),
            }
        });
    };

    let notes = move || match listing.get() {
        Listing::Loaded { notes, .. } => notes,
        _ => Vec::new(),
    };
    let count = move || match listing
        .with(Listing::progress)
        .map_or(0, |(_, count)| count)
    {
        0 => String::new(),
        n => format!("({n})"),
    };
    let heading = move || match (search.get().trim(), tag.get().as_str()) {
        ("", "") => "Your notes ".to_owned(),
        ("", tag) => ["Notes tagged #", tag, " "].concat(),
        (terms, "") => ["Notes matching “", terms, "” "].concat(),
        (terms, tag) => ["Notes tagged #", tag, " matching “", terms, "” "].concat(),
    };
    // Collapsed to the title until someone writes in it or moves into it.
    let composing = RwSignal::new(false);
    let collapsed =
        move || !composing.get() && title.with(String::is_empty) && content.with(String::is_empty);
    let tag_strip = move || {
        let chosen = tag.get();
        let counts = tags.get();
        (!counts.is_empty() || !chosen.is_empty()).then(|| {
            let all = chosen.is_empty();
            view! {
                <nav class="tag-strip" aria-label="Tags">
                    <a href=move || list_url(&search.get(), "") aria-current=all.then_some("page")>"All notes"</a>
                    {counts.into_iter().map(|t| {
                        // ASCII only: Unicode case tables would cost the wasm more than a
                        // highlight is worth; the strip's own links spell tags exactly.
                        let current = t.name.eq_ignore_ascii_case(&chosen);
                        let href = list_url(&search.get_untracked(), &t.name);
                        view! {
                            <a href=href aria-current=current.then_some("page")>
                                "#" {t.name} " " <span class="count">{t.count}</span>
                            </a>
                        }
                    }).collect_view()}
                </nav>
            }
        })
    };
    let shown = move || {
        listing
            .with(Listing::progress)
            .filter(|(shown, count)| shown < count)
    };

    view! {
        <div class="notes-page">
            <section
                class="panel composer"
                class:collapsed=collapsed
                aria-labelledby="new-note-heading"
                on:focusin=move |_| composing.set(true)
                on:focusout=move |_| composing.set(false)
            >
                <h1 id="new-note-heading">"New note"</h1>
                <NoteForm
                    draft_slot=COMPOSER_DRAFT.to_owned()
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
                <div class="list-header">
                    <h2 id="notes-heading" tabindex="-1" node_ref=list_heading>
                        {heading} <span class="count">{count}</span>
                    </h2>
                    <form class="search" role="search" on:submit=|ev| ev.prevent_default()>
                        <label for="search">"Search your notes"</label>
                        <input
                            id="search"
                            type="search"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || typed.get()
                            on:input=move |ev| on_search_input(event_target_value(&ev))
                        />
                    </form>
                </div>
                {tag_strip}
                {move || {
                    let waiting = match client.unsynced() {
                        0 => String::new(),
                        1 => "1 change is waiting to sync.".to_owned(),
                        n => format!("{n} changes are waiting to sync."),
                    };
                    let offline = !client.reachable();
                    (offline || !waiting.is_empty()).then(|| view! {
                        <p class="sync-state">
                            {offline.then_some("You are offline: these are the notes kept on this device, and what you change waits here until the connection returns. ")}
                            {waiting}
                        </p>
                    })
                }}
                <p class="status" role="status" aria-live="polite">
                    {move || status.get()}
                    {move || undoable.get().map(|_| view! {
                        <span
                            class="undo"
                            on:mouseenter=move |_| stop_undo_clock()
                            on:mouseleave=move |_| start_undo_clock()
                            on:focusin=move |_| stop_undo_clock()
                            on:focusout=move |_| start_undo_clock()
                        >
                            "Note deleted · " <button type="button" on:click=undo>"Undo"</button>
                        </span>
                    })}
                </p>
                {move || match listing.get() {
                    Listing::Loading => view! {
                        <p class="checking" role="status">"Loading your notes…"</p>
                    }.into_any(),
                    Listing::Failed(message) => view! {
                        <RetryPanel message on_retry=Callback::new(move |()| load()) />
                    }.into_any(),
                    Listing::Loaded { notes, .. } if notes.is_empty() => {
                        let (first, second) = match search.get_untracked().trim() {
                            "" if !tag.get_untracked().is_empty() => (
                                ["No notes tagged #", &tag.get_untracked(), "."].concat(),
                                "Write the tag in a note's text, like #this, and the note shows here.",
                            ),
                            "" => (
                                "No notes yet.".to_owned(),
                                "Write your first one above: it will be kept here, visible only to you.",
                            ),
                            terms => (
                                ["No notes match “", terms, "”."].concat(),
                                "Every word you type must appear in a note's title or content.",
                            ),
                        };
                        view! {
                            <div class="empty" role="status">
                                <p>{first}</p>
                                <p>{second}</p>
                            </div>
                        }.into_any()
                    }
                    Listing::Loaded { .. } => ().into_any(),
                }}
                <SetAside />
                <ul class="notes">
                    <For
                        each=notes
                        key=|n| (n.id, n.title.clone(), n.content.clone(), n.updated_at.clone(), n.pinned)
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
                {move || shown().map(|(shown, count)| view! {
                    <div class="more">
                        <p>"Showing " {shown} " of " {count} "."</p>
                        <button type="button" on:click=load_more disabled=move || loading_more.get() || reloading.get()>
                            {move || if loading_more.get() { "Loading…" } else { "Show more" }}
                        </button>
                    </div>
                })}
            </section>
        </div>
    }
}

/// Edits of notes shared with the person that the server refused once it could be
/// reached (the share ended, or became read only): their words, to copy or discard, one
/// at a time (an `Option`, whose view the page has already, rather than a list's).
#[component]
fn SetAside() -> impl IntoView {
    let client = use_client();
    let discarded = RwSignal::new(0u32);
    move || {
        discarded.track();
        client.set_aside().map(|(slot, draft)| {
            let discard = move |_| {
                client.keep_draft(&slot, None);
                discarded.update(|n| *n += 1);
            };
            view! {
                <div class="conflict" role="alert">
                    <p>
                        <strong>"Your edit of “" {draft.title} "” was not saved"</strong>
                        ": the note is no longer shared with you to edit. Copy your text before you discard it:"
                    </p>
                    <textarea readonly rows="6" aria-label="Your text">{draft.content}</textarea>
                    <div class="actions">
                        <button type="button" on:click=discard>"Discard"</button>
                    </div>
                </div>
            }
        })
    }
}
