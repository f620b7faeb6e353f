//! The operator's area, `/admin`: the people (`people`, `person`), who may register and
//! the invitations (`registration`), and the audit log (`log`). None of it is in the
//! first download: [`AdminPage`], in the main module, calls [`operator_area`], a split
//! function that wasm-split moves with everything only it reaches into a wasm chunk
//! of its own (`split_admin-<hash>.wasm`, see scripts/post-build.mjs), fetched the first
//! time an operator opens the page; people who are not operators never fetch it. The
//! area reaches the server only through [`Client::call`](crate::client::Backend::call),
//! decoding its own types, so no method of the client's is there for it alone. An
//! operator's change that the server finds too far from a sign-in asks for the password
//! again (`reauth`).

mod log;
mod people;
mod person;
mod reauth;
mod registration;

use crate::client::{Client, ClientError};
use crate::components::RetryPanel;
use crate::pages::Me;
use crate::routes::paths;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;

pub use reauth::Reauth;

/// Where the chunk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loading {
    /// Not asked for: the account is not known yet, or it is not an operator's.
    NotYet,
    Fetching,
    Failed,
}

/// The route's page: the account first (people who are not operators are told so and
/// fetch nothing), then the area's chunk. Not a `Suspense`, whose code the rest of the
/// app does not use and would be in the first download: the view arrives in a signal,
/// taken out once to be shown.
#[component]
pub fn AdminPage() -> impl IntoView {
    super::set_title("Operator's area");
    let me = expect_context::<Me>().0;
    let operator = Memo::new(move |_| me.with(|a| a.as_ref().map(|a| a.is_admin)));
    // The task runs under this page's owner, so the area finds the app's context.
    let owner = Owner::current().expect("a page renders under an owner");
    let area = RwSignal::new_local(None::<AnyView>);
    let loading = RwSignal::new(Loading::NotYet);
    let load = Callback::new(move |()| {
        loading.set(Loading::Fetching);
        owner.with(|| {
            spawn(ScopedFuture::new(async move {
                match operator_area().await {
                    Ok(view) => area.try_set(Some(view)).map(drop),
                    Err(SplitLoaderError { .. }) => loading.try_set(Loading::Failed).map(drop),
                };
            }));
        });
    });
    Effect::new(move |_| {
        if operator.get() == Some(true) && loading.get_untracked() == Loading::NotYet {
            load.run(());
        }
    });
    move || {
        area.track();
        if let Some(view) = area.try_update_untracked(Option::take).flatten() {
            return view;
        }
        match (operator.get(), loading.get()) {
            (Some(false), _) => view! {
                <section class="panel">
                    <h1>"Operator's area"</h1>
                    <p>"This area is for the server's operators."</p>
                </section>
            }
            .into_any(),
            (_, Loading::Failed) => view! {
                <RetryPanel
                    message="Could not load the operator's area. Check your connection and try again."
                        .to_owned()
                    on_retry=load
                />
            }
            .into_any(),
            _ => view! { <p class="checking" role="status">"Loading the operator's area…"</p> }
                .into_any(),
        }
    }
}

/// The whole area, loaded on demand: in the browser build, calling it fetches and
/// instantiates its chunk first (once that succeeds); natively it is a plain `async fn`.
/// Not Leptos's `#[lazy]`, which panics when the chunk cannot be fetched (with
/// `panic = "abort"`, a trap in the middle of the app's executor): `fallible` makes that
/// an error the page shows, with a way to try again.
#[wasm_split(admin, wasm_split_path = ::leptos::wasm_split, fallible)]
fn operator_area() -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AdminArea /> }.into_any())
}

/// The area, whichever of its parts the URL names: `?person=<id>`, `?tab=registration`,
/// `?tab=log`, or the people.
#[component]
fn AdminArea() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| query.with(|q| q.get("tab").unwrap_or_default()));
    let person =
        Memo::new(move |_| query.with(|q| q.get("person").and_then(|id| id.parse::<i64>().ok())));
    let reauth = Reauth::provide();
    let current = move |name: &'static str| {
        move || (person.get().is_none() && tab.get() == name).then_some("page")
    };
    view! {
        <div class="admin-page">
            <h1>"Operator's area"</h1>
            <nav class="tabs" aria-label="Operator's area">
                <a href=paths::ADMIN aria-current=current("")>"People"</a>
                <a href="/admin?tab=registration" aria-current=current("registration")>"Registration"</a>
                <a href="/admin?tab=log" aria-current=current("log")>"Audit log"</a>
            </nav>
            <reauth::Prompt reauth />
            {move || match (person.get(), tab.get().as_str()) {
                (Some(id), _) => view! { <person::Person id /> }.into_any(),
                (None, "registration") => view! { <registration::Registration /> }.into_any(),
                (None, "log") => view! { <log::AuditLog /> }.into_any(),
                _ => view! { <people::People /> }.into_any(),
            }}
        </div>
    }
}

/// A request of the area, its answer read as `T` (`()` for an empty one).
async fn request<T: DeserializeOwned>(
    client: Client,
    method: &'static str,
    path: String,
    body: Option<String>,
) -> Result<T, ClientError> {
    let text = client.call(method, path, body).await?;
    crate::json::from_str(if text.is_empty() { "null" } else { &text }).ok_or_else(|| {
        ClientError::Detail("The server sent an answer this app cannot read.".into())
    })
}

/// `?name=value&…` of the values that are set, each percent-encoded.
fn query_string(pairs: &[(&str, String)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let mut query = String::new();
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        query.push(if query.is_empty() { '?' } else { '&' });
        query.push_str(name);
        query.push('=');
        query.push_str(&utf8_percent_encode(value, NON_ALPHANUMERIC).to_string());
    }
    query
}

/// "Page 2 of 5" with the buttons to the pages around it.
#[component]
fn Pager(page: RwSignal<u64>, count: u64, size: u64) -> impl IntoView {
    let pages = count.div_ceil(size).max(1);
    view! {
        <div class="pager">
            <button type="button" disabled=move || page.get() <= 1 on:click=move |_| page.update(|p| *p -= 1)>
                "Previous"
            </button>
            <span>{move || format!("Page {} of {pages} · {count} in all", page.get())}</span>
            <button type="button" disabled=move || page.get() >= pages on:click=move |_| page.update(|p| *p += 1)>
                "Next"
            </button>
        </div>
    }
}

/// A time from the server in the reader's locale, or "never".
fn when(at: Option<&str>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| crate::components::in_reader_locale(at, js_sys::Date::to_locale_string),
    )
}
