//! The operator's area, `/admin`: the people (`people`, `person`), who may register and
//! the invitations (`registration`), and the audit log (`log`). None of it is in the
//! first download: [`AdminPage`], in the main module, loads [`operator_area`] (see
//! `lazy`) the first time an operator opens the page; people who are not operators never
//! fetch it, and the service worker does not keep it for them. The
//! area reaches the server only through [`Client::call`](crate::client::Backend::call),
//! decoding its own types, so no method of the client's is there for it alone. An
//! operator's change that the server finds too far from a sign-in asks for the password
//! again (`reauth`).

mod log;
mod people;
mod person;
mod reauth;
mod registration;

use crate::api::Page as ListPage;
use crate::client::ClientError;
use crate::components::RetryPanel;
use crate::lazy::{LazyPage, Page};
use crate::pages::Me;
use crate::routes::paths;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;

pub(crate) use crate::client::request;

pub use reauth::Reauth;

/// The route's page: the account first (people who are not operators are told so and
/// fetch nothing), then the area's chunk.
#[component]
pub fn AdminPage() -> impl IntoView {
    super::set_title("Operator's area");
    let me = expect_context::<Me>().0;
    let operator = Memo::new(move |_| me.with(|a| a.as_ref().map(|a| a.is_admin)));
    move || match operator.get() {
        Some(true) => view! {
            <LazyPage load=|| Box::pin(operator_area()) what="the operator's area" />
        }
        .into_any(),
        Some(false) => view! {
            <section class="panel">
                <h1>"Operator's area"</h1>
                <p>"This area is for the server's operators."</p>
            </section>
        }
        .into_any(),
        None => view! { <p class="checking" role="status">"Loading the operator's area…"</p> }
            .into_any(),
    }
}

/// The whole area, loaded on demand (see `lazy`).
#[wasm_split(admin, wasm_split_path = ::leptos::wasm_split, fallible)]
fn operator_area() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <AdminArea /> }.into_any())
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

/// A page of one of the area's lists, asked for again whenever what `path` reads changes
/// (filters, the page): "Loading…", a failure with "Try again", `nothing` in words, or
/// the rows as `table` shows them with the pager. An answer to a question asked before
/// the latest is dropped.
fn paged_list<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    path: impl Fn() -> String + Copy + Send + Sync + 'static,
    page: RwSignal<u64>,
    size: u64,
    nothing: &'static str,
    table: fn(Vec<T>) -> AnyView,
) -> impl IntoView {
    let client = crate::client::use_client();
    let listing = RwSignal::new(None::<Result<ListPage<T>, ClientError>>);
    let asked = StoredValue::new(0u32);
    let load = move || {
        let path = path();
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        crate::task::spawn(async move {
            let answer = request(client, "GET", path, None).await;
            // The list may be gone by now (the person went elsewhere), or asked again.
            if asked.try_get_value() == Some(this) {
                listing.set(Some(answer));
            }
        });
    };
    Effect::new(move |_| load());
    move || match listing.get() {
        None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
        }
        .into_any(),
        Some(Ok(found)) if found.results.is_empty() => {
            view! { <p role="status">{nothing}</p> }.into_any()
        }
        Some(Ok(found)) => view! {
            {table(found.results)}
            <Pager page count=found.count size />
        }
        .into_any(),
    }
}

/// "Page 2 of 5" with the buttons to the pages around it.
#[component]
fn Pager(page: RwSignal<u64>, count: u64, size: u64) -> impl IntoView {
    let pages = count.div_ceil(size).max(1);
    view! {
        <div class="pager">
            <button type="button" disabled=move || { page.get() <= 1 } on:click=move |_| page.update(|p| *p -= 1)>
                "Previous"
            </button>
            <span>{move || format!("Page {} of {pages} · {count} in all", page.get())}</span>
            <button type="button" disabled=move || { page.get() >= pages } on:click=move |_| page.update(|p| *p += 1)>
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
