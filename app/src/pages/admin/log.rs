//! The audit log: who did what to whom, from where, newest first, by person and action.

use super::lists::{paged_list, query_string, when};
use crate::api::{AuditAction, AuditEntry, paths};
use leptos::prelude::*;

const PAGE_SIZE: u64 = 50;

#[component]
pub fn AuditLog() -> impl IntoView {
    crate::pages::browser::set_title("Audit log");
    let user = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let path = move || {
        let query = query_string(&[
            ("user", user.get()),
            ("action", action.get()),
            ("page", page.get().to_string()),
            ("page_size", PAGE_SIZE.to_string()),
        ]);
        [paths::ADMIN_AUDIT, &query].concat()
    };
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
            {paged_list(path, page, PAGE_SIZE, "Nothing recorded.", table)}
        </section>
    }
}

fn table(lines: Vec<AuditEntry>) -> AnyView {
    view! {
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
            <tbody>{lines.into_iter().map(|line| view! { <Line line /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
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
