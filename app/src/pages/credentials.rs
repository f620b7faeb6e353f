//! The sign-in and registration pages: one form, since both send a username and a
//! password and then store the pair they get. Storing it is what moves the person on:
//! the page's guard sends the signed-in on to where signing in leads. An account with
//! two-step sign-in is asked for a code as a second step on the same page.

use crate::api::{Credentials, NewAccount, RegistrationMode};
use crate::client::{ClientError, SignIn, use_client};
use crate::components::{FormMessage, FormState, SubmitButton, TextField};
use crate::errors::{FieldErrors, messages};
use crate::lazy::{LazyPage, Page};
use crate::routes::{login_url, paths};
use crate::task::spawn;
use crate::validation::{Password, Username};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::use_query_map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    SignIn,
    Register,
}

#[component]
pub fn LoginPage() -> impl IntoView {
    credentials_page(Purpose::SignIn)
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    credentials_page(Purpose::Register)
}

fn credentials_page(purpose: Purpose) -> impl IntoView {
    let registering = purpose == Purpose::Register;
    let (title, label, busy_label) = if registering {
        ("Register", "Register", "Creating your account…")
    } else {
        ("Sign in", "Sign in", "Signing in…")
    };
    super::browser::set_title(title);
    let client = use_client();
    let (next, invite) = use_query_map().with_untracked(|q| (q.get("next"), q.get("invite")));
    let invited = invite.is_some();
    let invite = StoredValue::new(invite);
    // Who may register, asked before anyone types (by the page's chunk, `providers`);
    // `None` until the server says.
    let mode = RwSignal::new(None::<RegistrationMode>);
    let form = FormState::new();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username_ref = NodeRef::<Input>::new();
    let password_ref = NodeRef::<Input>::new();
    // Set once a right password is answered with a request for a code.
    let challenge = RwSignal::new(None::<String>);
    let signed_in = move |answer: Result<SignIn, ClientError>| match answer {
        Ok(SignIn::Done) => {}
        Ok(SignIn::CodeRequired(asked)) => {
            form.done();
            challenge.set(Some(asked));
        }
        Err(error) => form.fail(error),
    };
    // "Sign in with …", where the server has a provider, the way back from it, and who may
    // register: a chunk of its own, fetched as the page comes up (a failed fetch leaves
    // the password form alone).
    provide_context(super::providers::Back {
        form,
        signed_in: Callback::new(signed_in),
        mode: registering.then_some(mode),
    });
    let provider_links = RwSignal::new_local(None::<AnyView>);
    let owner = Owner::current().expect("a page renders under an owner");
    spawn(async move {
        // Built only while the page is still shown (a person sent on meanwhile has none).
        if let Ok(build) = super::providers::links().await
            && provider_links.try_with_untracked(|_| ()).is_some()
        {
            provider_links.try_set(Some(owner.with(build)));
        }
    });

    Effect::new(move |_| {
        let field = match form.first_invalid(&["username", "password"]) {
            Some("username") => username_ref,
            Some("password") => password_ref,
            _ => return,
        };
        if let Some(input) = field.get_untracked() {
            let _ = input.focus();
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let mut found = FieldErrors::default();
        let raw_name = username.get_untracked();
        let name = Username::parse(&raw_name)
            .map_err(|e| found.extend("username", e))
            .ok();
        let raw_password = password.get_untracked();
        if registering {
            // The similarity rule compares with the name as the server will store it.
            let similar_to = name.as_ref().map_or(raw_name.trim(), Username::as_str);
            if let Err(e) = Password::parse(&raw_password, similar_to) {
                found.extend("password", e);
            }
        } else if raw_password.is_empty() {
            // Signing in checks only presence: an old password may predate today's rules.
            found.add("password", messages::BLANK);
        }
        let (true, Some(name)) = (form.begin(found), name) else {
            return;
        };
        let credentials = Credentials {
            username: name.into_inner(),
            password: raw_password,
        };
        let invite = invite.get_value();
        spawn(async move {
            // A new account signs straight in: nobody registers to see a sign-in form.
            let registered = match registering {
                true => {
                    let account = NewAccount {
                        username: credentials.username.clone(),
                        password: credentials.password.clone(),
                        invite,
                    };
                    client.register(account).await.map(drop)
                }
                false => Ok(()),
            };
            signed_in(match registered {
                Ok(()) => client.sign_in(credentials).await,
                Err(error) => Err(error),
            });
        });
    };

    // The other page keeps the way back.
    let (other, other_label, other_text) = if registering {
        (paths::LOGIN, "Sign in", "Already registered? ")
    } else {
        (paths::REGISTER, "Register", "No account yet? ")
    };
    let other_href = match &next {
        Some(next) => login_url(next).replacen(paths::LOGIN, other, 1),
        None => other.to_owned(),
    };

    // Back from the second step: the password again, with why when the challenge ran out.
    let start_again = Callback::new(move |why: Option<String>| {
        password.set(String::new());
        form.message.set(why);
        challenge.set(None);
    });

    // What the server's setting means for this page: a word before the form, or instead
    // of it when nobody here can register.
    let notice = move || match mode.get() {
        Some(RegistrationMode::Closed) => Some((
            "Registration is closed on this server. Ask whoever runs it for an account.",
            false,
        )),
        Some(RegistrationMode::Invite) if !invited => Some((
            "Registration here is by invitation: open the link you were sent.",
            false,
        )),
        Some(RegistrationMode::Invite) => Some((
            "You have an invitation: choose a username and a password.",
            true,
        )),
        _ => None,
    };
    let form_shown = move || notice().is_none_or(|(_, form)| form);

    let password_step = move || {
        super::browser::set_title(title);
        view! {
        <section class="panel narrow">
            <h1>{title}</h1>
            {move || notice().map(|(text, _)| view! { <p class="notice" role="status">{text}</p> })}
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string() hidden=move || !form_shown()>
                <TextField
                    form
                    field="username"
                    id="username".to_owned()
                    label="Username"
                    value=username
                    autocomplete="username"
                    hint=registering.then_some("Letters, digits and @ . + - _ only.")
                    autofocus=true
                    node_ref=username_ref
                />
                <TextField
                    form
                    field="password"
                    id="password".to_owned()
                    label="Password"
                    value=password
                    kind="password"
                    autocomplete=if registering { "new-password" } else { "current-password" }
                    hint=registering.then_some("At least 8 characters, not only digits, not a common password.")
                    node_ref=password_ref
                />
                <FormMessage form />
                <SubmitButton form label busy_label />
            </form>
            {move || {
                provider_links.track();
                provider_links.try_update_untracked(Option::take).flatten()
            }}
            <p class="aside">{other_text} <a href=other_href.clone()>{other_label}</a></p>
        </section>
        }
    };
    provide_context(Asked {
        challenge,
        start_again,
    });
    move || match challenge.get() {
        None => password_step().into_any(),
        // Its code is a chunk of its own, fetched when an account asks for a code.
        Some(_) => view! { <LazyPage load=|| Box::pin(second_step()) what="two-step sign-in" /> }
            .into_any(),
    }
}

/// A right password's request for a code: the challenge, and the way back to the password.
#[derive(Clone, Copy)]
struct Asked {
    challenge: RwSignal<Option<String>>,
    start_again: Callback<Option<String>>,
}

#[wasm_split(second_step, wasm_split_path = ::leptos::wasm_split, fallible)]
fn second_step() -> Result<Page, SplitLoaderError> {
    Ok(|| {
        let Asked {
            challenge,
            start_again,
        } = expect_context::<Asked>();
        let challenge = challenge.get_untracked().unwrap_or_default();
        view! { <SecondStep challenge start_again /> }.into_any()
    })
}

/// Sign-in's second step: a code from the authenticator app, or a recovery code.
#[component]
fn SecondStep(challenge: String, start_again: Callback<Option<String>>) -> impl IntoView {
    super::browser::set_title("Two-step sign-in");
    let client = use_client();
    let form = FormState::new();
    let code = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let typed = code.get_untracked().trim().to_owned();
        let mut found = FieldErrors::default();
        if typed.is_empty() {
            found.add("code", messages::BLANK);
        }
        if !form.begin(found) {
            return;
        }
        let challenge = challenge.clone();
        spawn(async move {
            match client.sign_in_with_code(challenge, typed).await {
                Ok(()) => {}
                Err(ClientError::Fields(fields)) if !fields.get("challenge").is_empty() => {
                    start_again.run(Some(messages::CHALLENGE_EXPIRED.to_owned()));
                }
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <section class="panel narrow">
            <h1>"Two-step sign-in"</h1>
            <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <TextField
                    form
                    field="code"
                    id="code".to_owned()
                    label="Code"
                    value=code
                    autocomplete="one-time-code"
                    autofocus=true
                />
                <FormMessage form />
                <div class="actions">
                    <SubmitButton form label="Verify" busy_label="Checking…" />
                    <button type="button" on:click=move |_| start_again.run(None)>"Start again"</button>
                </div>
            </form>
        </section>
    }
}
