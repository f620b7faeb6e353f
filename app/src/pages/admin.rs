//! The operator area, a placeholder for now (prototype of code splitting). The page
//! itself is small and in the main module; everything it shows comes from
//! [`operator_area`], a split function that wasm-split moves into a wasm chunk of its own
//! (`split_admin-<hash>.wasm`, see scripts/post-build.mjs). The browser fetches that
//! chunk the first time the page is shown, never with the first download.

use crate::client::{ClientError, use_client};
use crate::components::RetryPanel;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

#[component]
pub fn AdminPage() -> impl IntoView {
    super::set_title("Operator area");
    // Not a Suspense (which the rest of the app does not use, and whose code would be in
    // the first download): the view arrives in a signal, taken out once to be shown.
    // `ProtectedRoute`'s Transition must not wait on the chunk either: its fallback,
    // `Renewing`, renews the session. The task runs under this page's owner, so the
    // area's code finds the app's context (the client).
    let owner = Owner::current().expect("a page renders under an owner");
    let area = RwSignal::new_local(None::<AnyView>);
    let failed = RwSignal::new(false);
    let load = Callback::new(move |()| {
        failed.set(false);
        owner.with(|| {
            spawn(ScopedFuture::new(async move {
                match operator_area().await {
                    Ok(view) => area.try_set(Some(view)).map(drop),
                    Err(SplitLoaderError { .. }) => failed.try_set(true).map(drop),
                };
            }));
        });
    });
    load.run(());
    move || {
        area.track();
        match area.try_update_untracked(Option::take).flatten() {
            Some(view) => view,
            None if failed.get() => view! {
                <RetryPanel
                    message="Could not load the operator area. Check your connection and try again."
                        .to_owned()
                    on_retry=load
                />
            }
            .into_any(),
            None => view! { <p class="checking" role="status">"Loading the operator area…"</p> }
                .into_any(),
        }
    }
}

/// The area's whole view, loaded on demand: in the browser build, calling it fetches and
/// instantiates its chunk first (once it succeeds); natively it is a plain `async fn`.
/// Leptos's own `#[lazy]` panics when the chunk cannot be fetched, which with
/// `panic = "abort"` traps in the middle of the app's executor: `fallible` (of the macro
/// `#[lazy]` expands to) makes that an error the page shows, with a way to try again.
#[wasm_split(admin, wasm_split_path = ::leptos::wasm_split, fallible)]
fn operator_area() -> Result<AnyView, SplitLoaderError> {
    Ok(view! {
        <section class="panel operator-area" aria-labelledby="operator-heading">
            <h1 id="operator-heading">"Operator area"</h1>
            <p>"What the operators of this server see. A placeholder while the area is built."</p>
            <Counter />
            <WhoAmI />
            <Accounts />
            <Settings />
            <AuditLog />
        </section>
    }
    .into_any())
}

/// A click handler that lives in the chunk.
#[component]
fn Counter() -> impl IntoView {
    let clicks = RwSignal::new(0_u32);
    view! {
        <p class="operator-counter">
            <button type="button" class="operator-click" on:click=move |_| clicks.update(|c| *c += 1)>
                "Count"
            </button>
            " "
            <output class="operator-clicks">{move || clicks.get()}</output>
            " clicks"
        </p>
    }
}

/// An asynchronous call started from the chunk: who the server says is signed in.
#[component]
fn WhoAmI() -> impl IntoView {
    let client = use_client();
    let answer = RwSignal::new(String::from("Asking the server…"));
    let ask = move || {
        spawn(async move {
            let said = match client.account().await {
                Ok(account) => format!("Signed in as {}.", account.username),
                Err(ClientError::SignedOut) => return,
                Err(error) => error.message(),
            };
            answer.set(said);
        });
    };
    ask();
    view! {
        <p class="operator-whoami" role="status">{move || answer.get()}</p>
        <button type="button" on:click=move |_| ask()>"Ask again"</button>
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: u32,
    username: String,
    notes: u32,
    sessions: u32,
    two_step: bool,
    locked: bool,
}

fn sample_accounts() -> Vec<Row> {
    const NAMES: [&str; 12] = [
        "ada", "brendan", "carol", "dennis", "edsger", "frances", "grace", "hedy", "ivan", "jean",
        "ken", "linus",
    ];
    (0..48)
        .map(|i: u32| Row {
            id: i + 1,
            username: format!("{}{}", NAMES[i as usize % NAMES.len()], i / 12),
            notes: (i * 37) % 101,
            sessions: (i * 7) % 5,
            two_step: i.is_multiple_of(3),
            locked: i.is_multiple_of(11),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Name,
    Notes,
    Sessions,
}

/// A table of accounts, filtered and sorted in the browser.
#[component]
fn Accounts() -> impl IntoView {
    let rows = RwSignal::new(sample_accounts());
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Name);
    let descending = RwSignal::new(false);
    let only_locked = RwSignal::new(false);
    let shown = Memo::new(move |_| {
        let needle = filter.get().to_lowercase();
        let mut shown: Vec<Row> = rows.with(|rows| {
            rows.iter()
                .filter(|r| needle.is_empty() || r.username.contains(&needle))
                .filter(|r| !only_locked.get() || r.locked)
                .cloned()
                .collect()
        });
        match sort.get() {
            SortBy::Name => shown.sort_by(|a, b| a.username.cmp(&b.username)),
            SortBy::Notes => shown.sort_by_key(|r| r.notes),
            SortBy::Sessions => shown.sort_by_key(|r| r.sessions),
        }
        if descending.get() {
            shown.reverse();
        }
        shown
    });
    let sort_by = move |by: SortBy| {
        if sort.get_untracked() == by {
            descending.update(|d| *d = !*d);
        } else {
            sort.set(by);
            descending.set(false);
        }
    };
    let toggle_lock = move |id: u32| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                row.locked = !row.locked;
            }
        });
    };
    let row = move |r: Row| {
        let id = r.id;
        view! {
            <tr class:locked=r.locked>
                <td>{r.id}</td>
                <th scope="row">{r.username}</th>
                <td>{r.notes}</td>
                <td>{r.sessions}</td>
                <td>{if r.two_step { "on" } else { "off" }}</td>
                <td>
                    <button type="button" on:click=move |_| toggle_lock(id)>
                        {if r.locked { "Unlock" } else { "Lock" }}
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <section aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">"Accounts"</h2>
            <p>
                <label>
                    "Find "
                    <input
                        type="search"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </label>
                " "
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || only_locked.get()
                        on:change=move |ev| only_locked.set(event_target_checked(&ev))
                    />
                    " Locked only"
                </label>
            </p>
            <p class="operator-count">
                {move || format!("{} of {} accounts", shown.with(Vec::len), rows.with(Vec::len))}
            </p>
            <table class="operator-accounts">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">
                            <button type="button" on:click=move |_| sort_by(SortBy::Name)>"Username"</button>
                        </th>
                        <th scope="col">
                            <button type="button" on:click=move |_| sort_by(SortBy::Notes)>"Notes"</button>
                        </th>
                        <th scope="col">
                            <button type="button" on:click=move |_| sort_by(SortBy::Sessions)>"Sessions"</button>
                        </th>
                        <th scope="col">"Two-step"</th>
                        <th scope="col">"Lock"</th>
                    </tr>
                </thead>
                <tbody>{move || shown.get().into_iter().map(row).collect_view()}</tbody>
            </table>
        </section>
    }
}

/// Settings an operator might change; here they only change signals.
#[component]
fn Settings() -> impl IntoView {
    let registration = RwSignal::new(true);
    let trash_days = RwSignal::new(30_u32);
    let access_minutes = RwSignal::new(15_u32);
    let refresh_days = RwSignal::new(7_u32);
    let banner = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    let number = move |label: &'static str, value: RwSignal<u32>, min: u32, max: u32| {
        view! {
            <p>
                <label>
                    {label}
                    " "
                    <input
                        type="number"
                        min=min
                        max=max
                        prop:value=move || value.get().to_string()
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<u32>() {
                                value.set(v.clamp(min, max));
                                saved.set(false);
                            }
                        }
                    />
                </label>
            </p>
        }
    };
    view! {
        <section aria-labelledby="settings-heading">
            <h2 id="settings-heading">"Settings"</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                saved.set(true);
            }>
                <p>
                    <label>
                        <input
                            type="checkbox"
                            prop:checked=move || registration.get()
                            on:change=move |ev| {
                                registration.set(event_target_checked(&ev));
                                saved.set(false);
                            }
                        />
                        " Anyone may register"
                    </label>
                </p>
                {number("Days a deleted note stays in the trash", trash_days, 1, 365)}
                {number("Minutes an access token lives", access_minutes, 1, 60)}
                {number("Days a session lives unused", refresh_days, 1, 90)}
                <p>
                    <label>
                        "Banner shown to everyone "
                        <input
                            type="text"
                            maxlength="200"
                            prop:value=move || banner.get()
                            on:input=move |ev| {
                                banner.set(event_target_value(&ev));
                                saved.set(false);
                            }
                        />
                    </label>
                </p>
                <p class="operator-preview">
                    {move || {
                        let text = banner.get();
                        if text.trim().is_empty() { "No banner.".to_owned() } else { format!("Banner: {text}") }
                    }}
                </p>
                <button type="submit">"Save"</button>
                <p class="status" role="status">
                    {move || {
                        saved
                            .get()
                            .then(|| {
                                format!(
                                    "Saved (not really): registration {}, trash {} days, access {} min, sessions {} days.",
                                    if registration.get() { "open" } else { "closed" },
                                    trash_days.get(),
                                    access_minutes.get(),
                                    refresh_days.get(),
                                )
                            })
                    }}
                </p>
            </form>
        </section>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SignIn,
    Failed,
    Export,
    Import,
    Deleted,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::SignIn => "signed in",
            Self::Failed => "sign-in refused",
            Self::Export => "exported notes",
            Self::Import => "imported notes",
            Self::Deleted => "deleted the account",
        }
    }
}

/// A made-up audit log with a filter by kind and paging.
#[component]
fn AuditLog() -> impl IntoView {
    const KINDS: [Kind; 5] = [
        Kind::SignIn,
        Kind::Failed,
        Kind::Export,
        Kind::Import,
        Kind::Deleted,
    ];
    const PER_PAGE: usize = 10;
    let entries: Vec<(u32, Kind, String)> = (0..120_u32)
        .map(|i| {
            (
                i,
                KINDS[(i as usize * 7) % KINDS.len()],
                format!(
                    "2026-12-{:02} {:02}:{:02}",
                    1 + i % 28,
                    i % 24,
                    (i * 13) % 60
                ),
            )
        })
        .collect();
    let entries = StoredValue::new(entries);
    let kind = RwSignal::new(None::<Kind>);
    let page = RwSignal::new(0_usize);
    let matching = Memo::new(move |_| {
        let wanted = kind.get();
        entries.with_value(|all| {
            all.iter()
                .filter(|(_, k, _)| wanted.is_none_or(|w| w == *k))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let pages = move || matching.with(Vec::len).div_ceil(PER_PAGE).max(1);
    view! {
        <section aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit log"</h2>
            <p>
                <label>
                    "Show "
                    <select on:change=move |ev| {
                        let value = event_target_value(&ev);
                        kind.set(KINDS.into_iter().find(|k| k.label() == value));
                        page.set(0);
                    }>
                        <option value="">"everything"</option>
                        {KINDS
                            .into_iter()
                            .map(|k| view! { <option value=k.label()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
            </p>
            <ol class="operator-log">
                {move || {
                    matching
                        .get()
                        .into_iter()
                        .skip(page.get() * PER_PAGE)
                        .take(PER_PAGE)
                        .map(|(id, k, at)| {
                            view! {
                                <li>
                                    <time>{at}</time>
                                    " · account "
                                    {id % 48 + 1}
                                    " "
                                    {k.label()}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <p>
                <button
                    type="button"
                    disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                >
                    "Newer"
                </button>
                " "
                {move || format!("Page {} of {}", page.get() + 1, pages())}
                " "
                <button
                    type="button"
                    disabled=move || page.get() + 1 >= pages()
                    on:click=move |_| page.update(|p| *p += 1)
                >
                    "Older"
                </button>
            </p>
        </section>
    }
}
