//! The operator's area, `/admin`: the people (`people`, `person`), who may register and
//! the invitations (`registration`), and the audit log (`log`). None of it is in the
//! first download: [`AdminPage`], in the main module, loads [`operator_area`] (see
//! `lazy`) the first time an operator opens the page; people who are not operators never
//! fetch it, and the service worker does not keep it for them. The
//! area reaches the server only through [`Client::call`](crate::client::Backend::call),
//! decoding its own types, so no method of the client's is there for it alone. An
//! operator's change that the server finds too far from a sign-in asks for the password
//! again (`reauth`).

mod lists;
mod log;
mod people;
mod person;
mod reauth;
mod registration;

use crate::lazy::{LazyPage, Page};
use crate::pages::me::Me;
use crate::routes::paths;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::use_query_map;

pub use reauth::Reauth;

/// The route's page: the account first (people who are not operators are told so and
/// fetch nothing), then the area's chunk.
#[component]
pub fn AdminPage() -> impl IntoView {
    crate::pages::browser::set_title("Operator's area");
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
