//! The audit log: who did what to whom, from where, newest first, by person and action.

use super::{Pager, query_string, request, when};
use crate::api::{AuditAction, AuditEntry, Page, paths};
use crate::client::{ClientError, use_client};
use crate::components::RetryPanel;
use crate::task::spawn;
use leptos::prelude::*;

const PAGE_SIZE: u64 = 50;

#[component]
pub fn AuditLog() -> impl IntoView {
    crate::pages::set_title("Audit log");
    let client = use_client();
    let user = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let listing = RwSignal::new(None::<Result<Page<AuditEntry>, ClientError>>);
    let asked = StoredValue::new(0u32);
    let load = move || {
        let query = query_string(&[
            ("user", user.get()),
            ("action", action.get()),
            ("page", page.get().to_string()),
            ("page_size", PAGE_SIZE.to_string()),
        ]);
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        spawn(async move {
            let answer = request(client, "GET", [paths::ADMIN_AUDIT, &query].concat(), None).await;
            if asked.get_value() == this {
                listing.set(Some(answer));
            }
        });
    };
    Effect::new(move |_| load());
    view! {
        <section class="panel" aria-labelledby="log-heading">
            <h2 id="log-heading">"Audit log"</h2>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label>
                    "Person "
                    <input
                        type="search"
                        on:change=move |ev| {
                            user.set(event_target_value(&ev).trim().to_owned());
                            page.set(1);
                        }
                    />
                </label>
                <label>
                    "What "
                    <select on:change=move |ev| {
                        action.set(event_target_value(&ev));
                        page.set(1);
                    }>
                        <option value="">"Everything"</option>
                        {AuditAction::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{a.label()}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            {move || match listing.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(found)) if found.results.is_empty() => {
                    view! { <p role="status">"Nothing recorded."</p> }.into_any()
                }
                Some(Ok(found)) => view! {
                    <table class="admin-table">
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"What"</th>
                                <th scope="col">"Whose account"</th>
                                <th scope="col">"From"</th>
                            </tr>
                        </thead>
                        <tbody>{found.results.into_iter().map(|line| view! { <Line line /> }).collect_view()}</tbody>
                    </table>
                    <Pager page count=found.count size=PAGE_SIZE />
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Line(line: AuditEntry) -> impl IntoView {
    let what =
        AuditAction::parse(&line.action).map_or(line.action.clone(), |a| a.label().to_owned());
    let what = match &line.detail {
        Some(detail) => [&what, " (", detail, ")"].concat(),
        None => what,
    };
    let from = [
        line.ip.as_deref().unwrap_or(""),
        " · ",
        &crate::devices::describe(line.user_agent.as_deref()),
    ]
    .concat();
    view! {
        <tr>
            <td>{when(Some(&line.at))}</td>
            <td>{line.actor.unwrap_or_else(|| "command line".to_owned())}</td>
            <td>{what}</td>
            <td>{line.target.unwrap_or_default()}</td>
            <td>{from}</td>
        </tr>
    }
}
