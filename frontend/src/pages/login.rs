use crate::components::{FieldError, FormMessage, FormState};
use crate::{api, session};
use app::api::Credentials;
use app::errors::{FieldErrors, messages};
use app::routes::{ClientRoute, safe_next};

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    super::set_title("Sign in");
    let query = use_query_map();
    let next = move || query.with_untracked(|q| q.get("next"));
    let navigate = use_navigate();
    let form = FormState::new();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username_ref = NodeRef::<Input>::new();
    let password_ref = NodeRef::<Input>::new();

    Effect::new(
        move |_| match form.first_invalid(&["username", "password"]) {
            Some("username") => drop(username_ref.get_untracked().map(|el| el.focus())),
            Some("password") => drop(password_ref.get_untracked().map(|el| el.focus())),
            _ => {}
        },
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let mut found = FieldErrors::default();
        // Registration stored the normalised name, so sign-in sends that form too.
        let name = super::parse_username(&username.get_untracked())
            .map_err(|e| found.extend("username", e))
            .ok();
        let password = password.get_untracked();
        if password.is_empty() {
            found.add("password", messages::BLANK);
        }
        let (true, Some(name)) = (form.begin(found), name) else {
            return;
        };
        let destination = safe_next(next().as_deref()).to_owned();
        let navigate = navigate.clone();
        spawn_local(async move {
            let credentials = Credentials {
                username: name.into_inner(),
                password,
            };
            match api::sign_in(&credentials).await {
                Ok(pair) => {
                    session::store(&pair);
                    navigate(&destination, Default::default());
                }
                Err(error) => form.fail(error),
            }
        });
    };

    let register_href = move || match next() {
        Some(next) => format!("{}?next={}", ClientRoute::Register.path(), encode(&next)),
        None => ClientRoute::Register.path().to_owned(),
    };

    view! {
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <div class="field">
                    <label for="username">"Username"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        autofocus
                        node_ref=username_ref
                        bind:value=username
                        aria-invalid=form.invalid("username")
                        aria-describedby="username-error"
                    />
                    <FieldError form field="username" id="username-error".to_owned() />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        node_ref=password_ref
                        bind:value=password
                        aria-invalid=form.invalid("password")
                        aria-describedby="password-error"
                    />
                    <FieldError form field="password" id="password-error".to_owned() />
                </div>
                <FormMessage form />
                <button type="submit" class="primary wide" disabled=move || form.busy.get()>
                    {move || if form.busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="aside">"No account yet? " <A href=register_href>"Register"</A></p>
        </section>
    }
}

/// Percent-encodes a `next` path for a query string, as `login_url` does.
pub(super) fn encode(path: &str) -> String {
    app::routes::login_url(path)
        .trim_start_matches("/login?next=")
        .to_owned()
}
