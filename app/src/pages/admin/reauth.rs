//! The password again, when an operator's change finds the session's sign-in too old
//! (the server's `reauthentication_required`): a prompt above the area, and the change
//! sent again once the password (and code) is right.

use crate::client::{ClientError, Reply, use_client};
use crate::components::{FormMessage, FormState, SubmitButton, TextField};
use crate::errors::{FieldErrors, messages};
use crate::pages::me::Me;
use crate::task::spawn;
use leptos::prelude::*;

/// What the change's own form says while the prompt asks.
const ASKED: &str = "Confirm it's you (above) to go on.";

/// An operator's change, sent as often as it takes.
pub type Change = Callback<(), Reply<()>>;

#[derive(Clone, Copy)]
pub struct Reauth {
    /// The change waiting for the password, sent again once it is right.
    waiting: RwSignal<Option<Callback<()>>>,
}

impl Reauth {
    pub fn provide() -> Self {
        let reauth = Self {
            waiting: RwSignal::new(None),
        };
        provide_context(reauth);
        reauth
    }

    /// Sends `change`, showing its progress and outcome in `form`; `done` runs once it is
    /// made. If the server asks for the password first, the prompt asks, and the change
    /// goes again after.
    pub fn send(self, form: FormState, change: Change, done: Callback<()>) {
        // A change whose view is gone (the person moved on while the prompt asked) is
        // not sent.
        let Some(sent) = change.try_run(()) else {
            return;
        };
        if !form.begin(FieldErrors::default()) {
            return;
        }
        spawn(async move {
            match sent.await {
                // The area may be gone by now (the person went elsewhere): nothing to show.
                Ok(()) => {
                    form.done();
                    done.try_run(());
                }
                Err(ClientError::Reauthenticate) => {
                    form.done();
                    form.message.set(Some(ASKED.to_owned()));
                    let again = Callback::new(move |()| self.send(form, change, done));
                    self.waiting.set(Some(again));
                }
                Err(error) => form.fail(error),
            }
        });
    }
}

/// "Confirm it's you": shown while a change waits for the password.
#[component]
pub fn Prompt(reauth: Reauth) -> impl IntoView {
    let client = use_client();
    let me = expect_context::<Me>().0;
    let two_step = move || me.with(|a| a.as_ref().is_some_and(|a| a.totp_enabled));
    let form = FormState::new();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // The prompt comes after the page has loaded, where `autofocus` does nothing: it is
    // focused (and scrolled to) when it appears.
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = field.get() {
            let _ = input.focus();
            input.scroll_into_view();
        }
    });
    let clear = move || {
        password.set(String::new());
        code.set(String::new());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let (typed, typed_code) = (password.get_untracked(), code.get_untracked());
        let mut found = FieldErrors::default();
        if typed.is_empty() {
            found.add("password", messages::BLANK);
        }
        let typed_code = typed_code.trim().to_owned();
        if two_step() && typed_code.is_empty() {
            found.add("code", messages::BLANK);
        }
        if !form.begin(found) {
            return;
        }
        let code = (!typed_code.is_empty()).then_some(typed_code);
        spawn(async move {
            match client.reauthenticate(typed, code).await {
                Ok(()) => {
                    form.done();
                    clear();
                    if let Some(again) = reauth.waiting.try_get_untracked().flatten() {
                        reauth.waiting.set(None);
                        again.try_run(());
                    }
                }
                Err(error) => form.fail(error),
            }
        });
    };
    let cancel = move |_| {
        form.done();
        clear();
        reauth.waiting.set(None);
    };
    move || {
        reauth.waiting.with(Option::is_some).then(|| {
            view! {
                <section class="panel reauth" role="dialog" aria-labelledby="reauth-heading">
                    <h2 id="reauth-heading">"Confirm it's you"</h2>
                    <p>"Changes here need a recent sign-in. Enter your password to go on."</p>
                    <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                        <TextField
                            form
                            field="password"
                            id="reauth-password".to_owned()
                            label="Your password"
                            value=password
                            kind="password"
                            autocomplete="current-password"
                            node_ref=field
                        />
                        {move || two_step().then(|| view! {
                            <TextField
                                form
                                field="code"
                                id="reauth-code".to_owned()
                                label="Code from your authenticator app"
                                value=code
                                autocomplete="one-time-code"
                            />
                        })}
                        <FormMessage form />
                        <div class="actions">
                            <SubmitButton form label="Confirm" busy_label="Checking…" />
                            <button type="button" on:click=cancel>"Cancel"</button>
                        </div>
                    </form>
                </section>
            }
        })
    }
}
