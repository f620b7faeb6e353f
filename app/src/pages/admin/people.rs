//! Every account, searched, filtered, sorted and paged: what operators see of people is
//! their account and counts, never what they wrote.

use super::lists::{paged_list, query_string, when};
use crate::api::{AdminUser, paths};
use leptos::prelude::*;

const PAGE_SIZE: u64 = 20;

#[component]
pub fn People() -> impl IntoView {
    crate::pages::browser::set_title("People");
    let search = RwSignal::new(String::new());
    let active = RwSignal::new(String::new());
    let operators = RwSignal::new(String::new());
    let ordering = RwSignal::new("username".to_owned());
    let page = RwSignal::new(1u64);
    let path = move || {
        let query = query_string(&[
            ("search", search.get()),
            ("is_active", active.get()),
            ("is_admin", operators.get()),
            ("ordering", ordering.get()),
            ("page", page.get().to_string()),
            ("page_size", PAGE_SIZE.to_string()),
        ]);
        [paths::ADMIN_USERS, &query].concat()
    };
    // A new filter starts from the first page.
    let filter = move |signal: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            page.set(1);
        }
    };
    view! {
        <section class="panel" aria-labelledby="people-heading">
            <h2 id="people-heading">"People"</h2>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label>"Username " <input type="search" on:input=filter(search) /></label>
                <label>
                    "State "
                    <select on:change=filter(active)>
                        <option value="">"Any"</option>
                        <option value="true">"Active"</option>
                        <option value="false">"Deactivated"</option>
                    </select>
                </label>
                <label>
                    "Role "
                    <select on:change=filter(operators)>
                        <option value="">"Anyone"</option>
                        <option value="true">"Operators"</option>
                        <option value="false">"Not operators"</option>
                    </select>
                </label>
                <label>
                    "Sort by "
                    <select on:change=filter(ordering)>
                        <option value="username">"Username"</option>
                        <option value="-last_login">"Last sign-in"</option>
                        <option value="-date_joined">"Newest"</option>
                        <option value="-notes">"Most notes"</option>
                    </select>
                </label>
            </form>
            {paged_list(path, page, PAGE_SIZE, "Nobody matches.", table)}
        </section>
    }
}

fn table(people: Vec<AdminUser>) -> AnyView {
    view! {
        <table class="admin-table">
            <thead>
                <tr>
                    <th scope="col">"Username"</th>
                    <th scope="col">"Last sign-in"</th>
                    <th scope="col">"Joined"</th>
                    <th scope="col">"Notes"</th>
                    <th scope="col">"Sessions"</th>
                    <th scope="col">"State"</th>
                </tr>
            </thead>
            <tbody>{people.into_iter().map(|person| view! { <Row person /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Row(person: AdminUser) -> impl IntoView {
    let href = format!("/admin?person={}", person.id);
    view! {
        <tr>
            <th scope="row"><a href=href>{person.username}</a></th>
            <td>{when(person.last_login.as_deref())}</td>
            <td>{when(Some(&person.date_joined))}</td>
            <td>{person.notes}</td>
            <td>{person.sessions}</td>
            <td><States person=(person.is_active, person.is_admin, person.totp_enabled) /></td>
        </tr>
    }
}

/// An account's state in words: deactivated, an operator, with two-step sign-in.
#[component]
pub fn States(person: (bool, bool, bool)) -> impl IntoView {
    let (active, admin, two_step) = person;
    view! {
        <span class="badges">
            {(!active).then(|| view! { <span class="badge warn">"Deactivated"</span> })}
            {admin.then(|| view! { <span class="badge">"Operator"</span> })}
            {two_step.then(|| view! { <span class="badge">"Two-step"</span> })}
        </span>
    }
}
