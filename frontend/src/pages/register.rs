use super::login::encode;
use crate::components::{FieldError, FormMessage, FormState};
use crate::{api, session};
use app::api::Credentials;
use app::errors::FieldErrors;
use app::routes::{ClientRoute, safe_next};
use app::validation::{Password, Username};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn RegisterPage() -> impl IntoView {
    super::set_title("Register");
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
        let raw_name = username.get_untracked();
        let name = super::parse_username(&raw_name)
            .map_err(|e| found.extend("username", e))
            .ok();
        let similar_to = name.as_ref().map_or(raw_name.trim(), Username::as_str);
        let password = Password::parse(&password.get_untracked(), similar_to)
            .map_err(|e| found.extend("password", e))
            .ok();
        let (true, Some(name), Some(password)) = (form.begin(found), name, password) else {
            return;
        };
        let destination = safe_next(next().as_deref()).to_owned();
        let navigate = navigate.clone();
        spawn_local(async move {
            let credentials = Credentials {
                username: name.into_inner(),
                password: password.expose().to_owned(),
            };
            // A new account signs straight in: nobody registers to see a sign-in form.
            let signed_in = match api::register(&credentials).await {
                Ok(_) => api::sign_in(&credentials).await,
                Err(error) => Err(error),
            };
            match signed_in {
                Ok(pair) => {
                    session::store(&pair);
                    navigate(&destination, Default::default());
                }
                Err(error) => form.fail(error),
            }
        });
    };

    let login_href = move || match next() {
        Some(next) => format!("{}?next={}", ClientRoute::Login.path(), encode(&next)),
        None => ClientRoute::Login.path().to_owned(),
    };

    view! {
        <section class="panel narrow">
            <h1>"Register"</h1>
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
                        aria-describedby="username-hint username-error"
                    />
                    <p class="hint" id="username-hint">"Letters, digits and @ . + - _ only."</p>
                    <FieldError form field="username" id="username-error".to_owned() />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        node_ref=password_ref
                        bind:value=password
                        aria-invalid=form.invalid("password")
                        aria-describedby="password-hint password-error"
                    />
                    <p class="hint" id="password-hint">"At least 8 characters, not only digits, not a common password."</p>
                    <FieldError form field="password" id="password-error".to_owned() />
                </div>
                <FormMessage form />
                <button type="submit" class="primary wide" disabled=move || form.busy.get()>
                    {move || if form.busy.get() { "Creating your account…" } else { "Register" }}
                </button>
            </form>
            <p class="aside">"Already registered? " <A href=login_href>"Sign in"</A></p>
        </section>
    }
}
