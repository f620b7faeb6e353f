//! A note's history, a chunk of its own (see `lazy`), opened from the note's page: the
//! versions the server kept, newest first under the current text, with when, by whom
//! and how much changed; a chosen one shown as its text (Markdown, as the note is) or as
//! what changed from it to the current text, line by line with the changed words
//! marked; and, for who may edit the note, "Restore this version". The list, the diff's
//! rendering and the restore are all here: the note's page holds only the button that
//! loads this chunk.

use super::panels::HistoryOf;
use crate::api::{
    CurrentText, DiffLine, DiffSide, Hunk, LineOp, Note, Revision, RevisionDiff, Span,
};
use crate::client::{ClientError, Versioned, use_client};
use crate::components::{ConfirmForm, FormState, RetryPanel, in_reader_locale};
use crate::lazy::Page;
use crate::markdown::Markdown;
use crate::offline::opened_on_device;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

#[wasm_split(history, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn panel() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <History /> }.into_any())
}

/// The versions listed: the note as it is now (with its `ETag`, which a restore goes
/// over) and the kept versions loaded so far, and how many pages of them.
#[derive(Debug, Clone)]
struct Listing {
    current: Versioned<Note>,
    kept: Vec<Revision>,
    pages: u64,
    more: bool,
}

/// The version chosen in the list.
#[derive(Debug, Clone, PartialEq)]
enum Chosen {
    Current,
    Kept(Revision),
}

/// What the chosen version shows.
#[derive(Debug, Clone)]
enum Shown {
    Loading,
    Text { title: String, content: String },
    Changes(RevisionDiff),
    Failed(String),
}

fn time(at: &str) -> String {
    in_reader_locale(at, js_sys::Date::to_locale_string)
}

/// "Version 3": a saved text, by the note's version that had it.
fn label(revision: &Revision) -> String {
    format!("Version {}", revision.version.unwrap_or(revision.revision))
}

#[component]
fn History() -> impl IntoView {
    let HistoryOf {
        id,
        restorable,
        restored,
    } = expect_context::<HistoryOf>();
    let client = use_client();
    let listing = RwSignal::new(None::<Result<Listing, String>>);
    let chosen = RwSignal::new(None::<Chosen>);
    let loading_more = RwSignal::new(false);
    let more_failed = RwSignal::new(None::<String>);

    let load = move || {
        listing.set(None);
        chosen.set(None);
        more_failed.set(None);
        spawn(async move {
            let answer = async {
                // The note first: a save between the two requests then shows as a kept
                // version under a current text that is older than its own, rather than
                // missing from the list.
                let current = client.note(id).await?;
                let page = client.revisions(id, 1).await?;
                Ok::<_, ClientError>(Listing {
                    current,
                    more: page.next.is_some(),
                    kept: page.results,
                    pages: 1,
                })
            };
            listing.try_set(Some(answer.await.map_err(|e| e.message())));
        });
    };
    load();
    let reload = Callback::new(move |()| load());

    // The next page, counted against what the server holds now: versions kept meanwhile
    // push older ones down a page, so one already listed may come again (merged by
    // number) and none is missed.
    let load_more = move |_| {
        let Some(next) = listing.with_untracked(|l| match l {
            Some(Ok(l)) => Some(l.pages + 1),
            _ => None,
        }) else {
            return;
        };
        loading_more.set(true);
        more_failed.set(None);
        spawn(async move {
            let answer = client.revisions(id, next).await;
            loading_more.try_set(false);
            match answer {
                Ok(page) => drop(listing.try_update(|l| {
                    if let Some(Ok(l)) = l {
                        let newer = l.kept.last().map_or(i64::MAX, |r| r.revision);
                        l.kept
                            .extend(page.results.into_iter().filter(|r| r.revision < newer));
                        l.pages = next;
                        l.more = page.next.is_some();
                    }
                })),
                Err(ClientError::SignedOut) => {}
                Err(error) => drop(more_failed.try_set(Some(error.message()))),
            }
        });
    };

    let entries = move || {
        let Some(Ok(l)) = listing.get() else {
            return ().into_any();
        };
        let current = l.current.value;
        let entry =
            move |what: Chosen, name: AnyView, at: String, who: Option<String>, how: String| {
                let is_chosen = {
                    let what = what.clone();
                    move || chosen.with(|c| c.as_ref() == Some(&what))
                };
                view! {
                    <li>
                        <button
                            type="button"
                            aria-current=move || is_chosen().then_some("true")
                            on:click=move |_| chosen.set(Some(what.clone()))
                        >
                            <span>{name}</span>
                            <span class="hint">
                                <time datetime=at.clone()>{time(&at)}</time>
                                {who.map(|who| view! { " · " {who} })}
                            </span>
                            <span class="hint">{how}</span>
                        </button>
                    </li>
                }
                .into_any()
            };
        let now = entry(
            Chosen::Current,
            "Current version".into_any(),
            current.updated_at.clone(),
            None,
            format!("{} characters", current.content.chars().count()),
        );
        let kept = l.kept.into_iter().map(move |r| {
            let name = match r.set_aside() {
                true => view! { <span class="badge">"Set aside"</span> }.into_any(),
                false => label(&r).into_any(),
            };
            let how = format!(
                "+{} \u{2212}{} lines · {} characters",
                r.lines_added, r.lines_removed, r.chars
            );
            entry(
                Chosen::Kept(r.clone()),
                name,
                r.saved_at.clone(),
                Some(r.saved_by.username.clone()),
                how,
            )
        });
        view! {
            <ol class="versions" aria-label="Versions, newest first">
                {now}
                {kept.collect_view()}
            </ol>
            {l.more.then(|| view! {
                <button type="button" class="more-versions" on:click=load_more disabled=move || loading_more.get()>
                    {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                </button>
            })}
            {move || more_failed.get().map(|message| view! { <p class="form-message" role="alert">{message}</p> })}
        }
        .into_any()
    };

    // Whether the list is in: what the panel shows changes with it, not with each page
    // loaded, which only the list shows.
    let state = Memo::new(move |_| {
        listing.with(|l| {
            l.as_ref()
                .map(|l| l.as_ref().map(drop).map_err(Clone::clone))
        })
    });
    view! {
        <section class="panel history" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            {move || match state.get() {
                None => view! { <p class="checking" role="status">"Loading the history…"</p> }.into_any(),
                Some(Err(message)) => view! { <RetryPanel message on_retry=reload /> }.into_any(),
                Some(Ok(())) => view! {
                    <div class="history-body">
                        <div>{entries}</div>
                        {move || match chosen.get() {
                            None => view! {
                                <p class="hint">"Choose a version to see its text, or what changed from it to the current text."</p>
                            }
                            .into_any(),
                            Some(what) => {
                                let current = listing.with_untracked(|l| match l {
                                    Some(Ok(l)) => Some(l.current.clone()),
                                    _ => None,
                                });
                                current.map(|current| view! {
                                    <Version what current restorable restored reload />
                                })
                                .into_any()
                            }
                        }}
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

/// One version: its heading, its text or its changes, and the restore.
#[component]
fn Version(
    what: Chosen,
    current: Versioned<Note>,
    restorable: bool,
    restored: Callback<Note>,
    reload: Callback<()>,
) -> impl IntoView {
    let HistoryOf { id, .. } = expect_context::<HistoryOf>();
    let client = use_client();
    let kept = match &what {
        Chosen::Kept(r) => Some(r.clone()),
        Chosen::Current => None,
    };
    // What changed from a kept version, at first; the text of the current one.
    let changes = RwSignal::new(kept.is_some());
    let shown = RwSignal::new(Shown::Loading);
    let number = kept.as_ref().map(|r| r.revision);
    let now = current.value.clone();
    Effect::new(move |_| {
        let wanted = changes.get();
        let Some(number) = number else {
            shown.set(Shown::Text {
                title: now.title.clone(),
                content: now.content.clone(),
            });
            return;
        };
        shown.set(Shown::Loading);
        spawn(async move {
            let answer = match wanted {
                true => client
                    .revision_diff(id, number, DiffSide::Current(CurrentText::Current))
                    .await
                    .map(Shown::Changes),
                false => client.revision(id, number).await.map(|r| Shown::Text {
                    title: r.title,
                    content: r.content.unwrap_or_default(),
                }),
            };
            // Toggled again meanwhile: the later answer is the one to show.
            if changes.try_get_untracked() != Some(wanted) {
                return;
            }
            match answer {
                Ok(found) => drop(shown.try_set(found)),
                Err(ClientError::SignedOut) => {}
                Err(error) => drop(shown.try_set(Shown::Failed(error.message()))),
            }
        });
    });
    let retry = Callback::new(move |()| changes.update(|_| {}));

    let (heading, meta) = match &kept {
        Some(r) => (
            match r.set_aside() {
                true => "Text set aside".to_owned(),
                false => label(r),
            },
            view! {
                <p class="note-meta">
                    <time datetime=r.saved_at.clone()>{time(&r.saved_at)}</time>
                    " · " {r.saved_by.username.clone()}
                    {r.set_aside().then_some(
                        " · kept when another version was taken in its place; it was never the note's text",
                    )}
                </p>
            }
            .into_any(),
        ),
        None => (
            "Current version".to_owned(),
            view! {
                <p class="note-meta">
                    <time datetime=current.value.updated_at.clone()>{time(&current.value.updated_at)}</time>
                </p>
            }
            .into_any(),
        ),
    };
    let restore = kept
        .filter(|_| restorable)
        .map(|r| view! { <Restore number=r.revision current restored reload /> });

    view! {
        <section class="version" aria-labelledby="version-heading">
            <h3 id="version-heading">{heading}</h3>
            {meta}
            {number.map(|_| view! {
                <div class="actions" role="group" aria-label="Show">
                    <button type="button" aria-pressed=move || changes.get().to_string() on:click=move |_| changes.set(true)>
                        "Changes"
                    </button>
                    <button type="button" aria-pressed=move || (!changes.get()).to_string() on:click=move |_| changes.set(false)>
                        "Text"
                    </button>
                </div>
            })}
            <div class="version-shown">
                {move || match shown.get() {
                    Shown::Loading => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                    Shown::Failed(message) => view! { <RetryPanel message on_retry=retry /> }.into_any(),
                    Shown::Text { title, content } => view! {
                        <p class="version-title">{title}</p>
                        <Markdown text=content />
                    }
                    .into_any(),
                    Shown::Changes(diff) => changes_view(diff),
                }}
            </div>
            {restore}
        </section>
    }
}

/// "Restore this version", asked again, then sent over the current version the history
/// was loaded with: if the note changed since, the server refuses and the person reloads
/// the history to see what they would replace.
#[component]
fn Restore(
    number: i64,
    current: Versioned<Note>,
    restored: Callback<Note>,
    reload: Callback<()>,
) -> impl IntoView {
    let HistoryOf { id, .. } = expect_context::<HistoryOf>();
    let client = use_client();
    let form = FormState::new();
    let asking = RwSignal::new(false);
    let stale = RwSignal::new(false);
    // Only a version the server named: the device's copy (offline, or a change still
    // waiting to be sent) is no version to restore over.
    let etag = current
        .etag
        .filter(|e| opened_on_device(e).is_none() && !client.waiting(id));
    let confirm = Callback::new(move |()| {
        let Some(etag) = etag.clone() else {
            return form.fail(ClientError::Detail(
                "This note has changes that have not reached the server yet. Restore a version once they have.".into(),
            ));
        };
        spawn(async move {
            match client.restore_revision(id, number, Some(etag)).await {
                Ok(saved) => {
                    form.done();
                    restored.run(saved.value);
                }
                Err(ClientError::Changed) => {
                    stale.set(true);
                    form.fail(ClientError::Detail(
                        "The note changed meanwhile; reload the history.".into(),
                    ));
                }
                Err(ClientError::SignedOut) => {}
                Err(error) => form.fail(error),
            }
        });
    });
    let cancel = Callback::new(move |()| {
        form.done();
        asking.set(false);
    });

    move || {
        match asking.get() {
        false => view! {
            <div class="actions">
                <button type="button" on:click=move |_| asking.set(true)>"Restore this version"</button>
            </div>
        }
        .into_any(),
        true => view! {
            <ConfirmForm
                form
                question="Make this version the note's text again? The current text stays in the history."
                label="Restore"
                busy_label="Restoring…"
                cancel_label="Keep the current text"
                on_confirm=confirm
                on_cancel=cancel
            />
            {move || stale.get().then(|| view! {
                <div class="actions">
                    <button type="button" on:click=move |_| reload.run(())>"Reload the history"</button>
                </div>
            })}
        }
        .into_any(),
    }
    }
}

/// What changed from a kept version to the current text: the title, then each stretch of
/// changed lines with its context. A line is marked by its sign (`+` only in the current
/// text, `−` only in this version), by `<ins>` and `<del>` and by words for screen
/// readers, not by colour alone; the words changed within a line are `<mark>`ed.
fn changes_view(diff: RevisionDiff) -> AnyView {
    let title = (diff.title.from != diff.title.to).then(|| {
        view! {
            <p class="diff-title">
                "Title: " <del>{diff.title.from}</del> " → " <ins>{diff.title.to}</ins>
            </p>
        }
    });
    let body = match diff.hunks.is_empty() {
        true => view! { <p>"The text is the same as the current text."</p> }.into_any(),
        false => view! {
            <p class="hint">
                "Lines marked + are in the current text only; lines marked − only in this version."
            </p>
            <div class="diff">{diff.hunks.into_iter().map(hunk_view).collect_view()}</div>
        }
        .into_any(),
    };
    view! { {title} {body} }.into_any()
}

fn hunk_view(hunk: Hunk) -> impl IntoView {
    view! {
        <div class="hunk">
            <p class="hunk-head">
                "Line " {hunk.old_start} " of this version, " {hunk.new_start} " of the current text"
            </p>
            {hunk.lines.into_iter().map(line_view).collect_view()}
        </div>
    }
}

fn line_view(line: DiffLine) -> AnyView {
    let text = marked(&line.text, &line.spans)
        .into_iter()
        .map(|(piece, changed)| match changed {
            true => view! { <mark>{piece}</mark> }.into_any(),
            false => piece.into_any(),
        })
        .collect_view();
    match line.op {
        LineOp::Equal => view! {
            <div class="line">
                <span class="sign" aria-hidden="true"></span>
                <span>{text}</span>
            </div>
        }
        .into_any(),
        LineOp::Insert => view! {
            <div class="line insert">
                <span class="sign" aria-hidden="true">"+"</span>
                <ins><span class="visually-hidden">"Added: "</span>{text}</ins>
            </div>
        }
        .into_any(),
        LineOp::Delete => view! {
            <div class="line delete">
                <span class="sign" aria-hidden="true">"−"</span>
                <del><span class="visually-hidden">"Removed: "</span>{text}</del>
            </div>
        }
        .into_any(),
    }
}

/// `text` cut at the edges of `spans` (ranges of characters, not bytes, in order), each
/// piece with whether a span holds it. Spans past the end, overlapping or out of order
/// are clamped rather than trusted.
fn marked(text: &str, spans: &[Span]) -> Vec<(String, bool)> {
    let byte = |at: usize| text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
    let mut pieces = Vec::new();
    let mut from = 0;
    for span in spans {
        let start = byte(span.start).max(from);
        let end = byte(span.end).max(start);
        if start > from {
            pieces.push((text[from..start].to_owned(), false));
        }
        if end > start {
            pieces.push((text[start..end].to_owned(), true));
        }
        from = end;
    }
    if from < text.len() || pieces.is_empty() {
        pieces.push((text[from..].to_owned(), false));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(ranges: &[(usize, usize)]) -> Vec<Span> {
        ranges
            .iter()
            .map(|&(start, end)| Span { start, end })
            .collect()
    }

    fn pieces(text: &str, ranges: &[(usize, usize)]) -> Vec<(String, bool)> {
        marked(text, &spans(ranges))
    }

    fn owned(expected: &[(&str, bool)]) -> Vec<(String, bool)> {
        expected.iter().map(|&(s, m)| (s.to_owned(), m)).collect()
    }

    #[test]
    fn marks_the_changed_words() {
        assert_eq!(
            pieces("Eggs, flour, milk", &[(6, 11)]),
            owned(&[("Eggs, ", false), ("flour", true), (", milk", false)])
        );
        assert_eq!(
            pieces("abc def", &[(0, 3), (4, 7)]),
            owned(&[("abc", true), (" ", false), ("def", true)])
        );
        assert_eq!(pieces("plain", &[]), owned(&[("plain", false)]));
        assert_eq!(pieces("", &[]), owned(&[("", false)]));
    }

    #[test]
    fn counts_characters_not_bytes() {
        // "ü" and "€" are two and three bytes: the span is of characters.
        assert_eq!(
            pieces("Müsli 3 €, Tee", &[(8, 9)]),
            owned(&[("Müsli 3 ", false), ("€", true), (", Tee", false)])
        );
        assert_eq!(
            pieces("日本語のノート", &[(3, 4)]),
            owned(&[("日本語", false), ("の", true), ("ノート", false)])
        );
    }

    #[test]
    fn clamps_spans_it_cannot_trust() {
        assert_eq!(
            pieces("short", &[(3, 99)]),
            owned(&[("sho", false), ("rt", true)])
        );
        assert_eq!(pieces("short", &[(9, 12)]), owned(&[("short", false)]));
        // Overlapping, then backwards: nothing is marked twice or cut out of order.
        assert_eq!(
            pieces("abcdef", &[(1, 4), (2, 5), (3, 1)]),
            owned(&[("a", false), ("bcd", true), ("e", true), ("f", false)])
        );
    }
}
