//! A note's "Share" dialog, a chunk of its own (see `lazy`): links anyone can open (made
//! for a day, a week, a month or until revoked; copied, counted, revoked) and the people
//! on this server it is shared with, each to read or to edit (changed, or ended). It
//! reaches the server through `Client::call` only.

use super::panels::Sharing;
use crate::api::{LinkRequest, NoteLink, Share, SharePatch, ShareRequest, paths};
use crate::client::{ClientError, request, use_client};
use crate::components::{
    FieldError, FormMessage, FormState, RetryPanel, SubmitButton, copy_text, in_reader_locale,
};
use crate::lazy::Page;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

#[wasm_split(share, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn dialog() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <ShareDialog /> }.into_any())
}

/// What a list of the dialog shows: not yet, a failure, or the items.
type Listed<T> = Option<Result<Vec<T>, String>>;

/// How long a new link works, as the dialog offers it: a name and days (0: until revoked).
const LIFETIMES: [(&str, &str, u32); 4] = [
    ("day", "A day", 1),
    ("week", "A week", 7),
    ("month", "A month", 30),
    ("forever", "Until revoked", 0),
];

fn time(at: &str) -> String {
    in_reader_locale(at, js_sys::Date::to_locale_string)
}

/// The JSON text of a request's body.
fn body(value: &impl serde::Serialize) -> Option<String> {
    crate::json::to_string(value)
}

#[component]
fn ShareDialog() -> impl IntoView {
    let Sharing(id) = expect_context::<Sharing>();
    let client = use_client();
    let links = RwSignal::new(Listed::<NoteLink>::None);
    let shares = RwSignal::new(Listed::<Share>::None);
    let load = move || {
        spawn(async move {
            let answer = request(client, "GET", paths::note_links(id), None).await;
            links.try_set(Some(answer.map_err(|e: ClientError| e.message())));
        });
        spawn(async move {
            let answer = request(client, "GET", paths::note_shares(id), None).await;
            shares.try_set(Some(answer.map_err(|e: ClientError| e.message())));
        });
    };
    load();
    let retry = Callback::new(move |()| load());

    view! {
        <section class="panel share-dialog" aria-labelledby="share-heading">
            <h2 id="share-heading">"Share this note"</h2>
            <Links links retry />
            <People shares retry />
        </section>
    }
}

/// Changes a loaded list in place (one not loaded, or failed, is left as it is).
fn change_list<T: Send + Sync + 'static>(
    list: RwSignal<Listed<T>>,
    change: impl FnOnce(&mut Vec<T>),
) {
    list.update(|l| {
        if let Some(Ok(items)) = l {
            change(items);
        }
    });
}

/// A list as it stands: loading, failed with "Try again", or each item as `row` shows it.
fn listed<T: Clone + Send + Sync + 'static>(
    list: RwSignal<Listed<T>>,
    retry: Callback<()>,
    nothing: &'static str,
    row: impl Fn(T) -> AnyView + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || match list.get() {
        None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
        Some(Err(message)) => view! { <RetryPanel message on_retry=retry /> }.into_any(),
        Some(Ok(items)) if items.is_empty() => view! { <p>{nothing}</p> }.into_any(),
        Some(Ok(items)) => {
            view! { <ul>{items.into_iter().map(row).collect_view()}</ul> }.into_any()
        }
    }
}

#[component]
fn Links(links: RwSignal<Listed<NoteLink>>, retry: Callback<()>) -> impl IntoView {
    let Sharing(id) = expect_context::<Sharing>();
    let client = use_client();
    let form = FormState::new();
    let lifetime = RwSignal::new("week".to_owned());
    let make = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if !form.begin(Default::default()) {
            return;
        }
        let days = LIFETIMES
            .iter()
            .find(|(name, ..)| *name == lifetime.get_untracked())
            .map_or(0, |(.., days)| *days);
        let expires_at = (days > 0).then(|| {
            let at = js_sys::Date::now() + f64::from(days) * 86_400_000.0;
            String::from(js_sys::Date::new(&at.into()).to_iso_string())
        });
        spawn(async move {
            let made = request::<NoteLink>(
                client,
                "POST",
                paths::note_links(id),
                body(&LinkRequest { expires_at }),
            )
            .await;
            match made {
                Ok(link) => {
                    form.done();
                    change_list(links, |list| list.push(link));
                }
                Err(error) => form.fail(error),
            }
        });
    };
    let row = move |link: NoteLink| {
        let copied = RwSignal::new(None::<bool>);
        let url = link.url.clone();
        let until = link.expires_at.as_deref().map_or_else(
            || "until revoked".to_owned(),
            |at| ["until ", &time(at)].concat(),
        );
        let revoking = FormState::new();
        let revoke = move |_| {
            revoking.busy.set(true);
            spawn(async move {
                match request::<()>(client, "DELETE", paths::note_link(id, link.id), None).await {
                    Ok(()) | Err(ClientError::NotFound) => {
                        change_list(links, |list| list.retain(|kept| kept.id != link.id));
                    }
                    Err(error) => revoking.fail(error),
                }
            });
        };
        let views = match link.views {
            1 => "1 view".to_owned(),
            n => format!("{n} views"),
        };
        view! {
            <li>
                <input class="link-url" readonly value=url.clone() aria-label="Link" />
                <button type="button" on:click=move |_| copy_text(&url, copied)>"Copy"</button>
                <span>{views} " · " {until}</span>
                {move || copied.get().map(|taken| if taken { "Copied." } else { "Select it and copy it." })}
                <button type="button" class="danger" disabled=move || revoking.busy.get() on:click=revoke>
                    "Revoke"
                </button>
                <FormMessage form=revoking />
            </li>
        }
        .into_any()
    };
    view! {
        <h3>"Anyone with the link"</h3>
        <p class="hint">"Opens the note as it is now, read only, without an account, until it expires or you revoke it."</p>
        {listed(links, retry, "No links yet.", row)}
        <form class="inline-form" on:submit=make novalidate>
            <label for="link-lifetime">"Works for"</label>
            <select id="link-lifetime" on:change:target=move |e| lifetime.set(e.target().value())>
                {LIFETIMES
                    .iter()
                    .map(|(name, label, _)| view! { <option value=*name selected=*name == "week">{*label}</option> })
                    .collect_view()}
            </select>
            <SubmitButton form label="Make a link" busy_label="Making…" class="" />
            <FieldError form field="expires_at" id="link-expires-error".to_owned() />
            <FormMessage form />
        </form>
    }
}

#[component]
fn People(shares: RwSignal<Listed<Share>>, retry: Callback<()>) -> impl IntoView {
    let Sharing(id) = expect_context::<Sharing>();
    let client = use_client();
    let form = FormState::new();
    let username = RwSignal::new(String::new());
    let permission = RwSignal::new("read".to_owned());
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        let mut found = crate::errors::FieldErrors::default();
        if name.is_empty() {
            found.add("username", "Whom to share it with: their username.");
        }
        if !form.begin(found) {
            return;
        }
        let wanted = ShareRequest {
            username: name,
            permission: permission.get_untracked(),
        };
        spawn(async move {
            match request::<Share>(client, "POST", paths::note_shares(id), body(&wanted)).await {
                Ok(share) => {
                    form.done();
                    username.set(String::new());
                    change_list(shares, |list| list.push(share));
                }
                Err(error) => form.fail(error),
            }
        });
    };
    let row = move |share: Share| {
        let state = FormState::new();
        let share_id = share.id;
        let change = move |value: String| {
            state.busy.set(true);
            let patch = SharePatch { permission: value };
            spawn(async move {
                let path = paths::note_share(id, share_id);
                match request::<Share>(client, "PATCH", path, body(&patch)).await {
                    Ok(changed) => {
                        state.done();
                        change_list(shares, |list| {
                            for kept in list.iter_mut().filter(|s| s.id == share_id) {
                                *kept = changed.clone();
                            }
                        });
                    }
                    Err(error) => state.fail(error),
                }
            });
        };
        let remove = move |_| {
            state.busy.set(true);
            spawn(async move {
                match request::<()>(client, "DELETE", paths::note_share(id, share_id), None).await {
                    Ok(()) | Err(ClientError::NotFound) => {
                        change_list(shares, |list| list.retain(|kept| kept.id != share_id));
                    }
                    Err(error) => state.fail(error),
                }
            });
        };
        let select_id = format!("share-{share_id}-permission");
        let edit = share.permission == "edit";
        view! {
            <li>
                <strong>{share.username.clone()}</strong>
                <label class="visually-hidden" for=select_id.clone()>
                    "What " {share.username} " may do"
                </label>
                <select id=select_id disabled=move || state.busy.get() on:change:target=move |e| change(e.target().value())>
                    <option value="read" selected=!edit>"Can read"</option>
                    <option value="edit" selected=edit>"Can edit"</option>
                </select>
                <button type="button" class="danger" disabled=move || state.busy.get() on:click=remove>
                    "Remove"
                </button>
                <FormMessage form=state />
            </li>
        }
        .into_any()
    };
    view! {
        <h3>"People on this server"</h3>
        {listed(shares, retry, "Not shared with anyone yet.", row)}
        <form class="inline-form" on:submit=add novalidate>
            <div class="field">
                <label for="share-username">"Username"</label>
                <input
                    id="share-username"
                    name="username"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    bind:value=username
                    aria-invalid=form.invalid("username")
                    aria-describedby="share-username-error"
                />
                <FieldError form field="username" id="share-username-error".to_owned() />
            </div>
            <label for="share-permission">"May"</label>
            <select id="share-permission" on:change:target=move |e| permission.set(e.target().value())>
                <option value="read" selected>"Read"</option>
                <option value="edit">"Edit"</option>
            </select>
            <SubmitButton form label="Share" busy_label="Sharing…" class="" />
            <FieldError form field="permission" id="share-permission-error".to_owned() />
            <FormMessage form />
        </form>
    }
}
