//! What the area's lists share: a page of rows asked for as the filters say, its pager,
//! the filters as a query string, and times as people read them.

use crate::api::Page as ListPage;
use crate::client::{ClientError, request};
use crate::components::RetryPanel;
use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// `?name=value&…` of the values that are set, each percent-encoded.
pub(super) fn query_string(pairs: &[(&str, String)]) -> String {
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
pub(super) fn paged_list<T: DeserializeOwned + Clone + Send + Sync + 'static>(
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
pub(super) fn when(at: Option<&str>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| crate::components::in_reader_locale(at, js_sys::Date::to_locale_string),
    )
}
