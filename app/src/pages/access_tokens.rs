//! "Access tokens" on the account page: make one for a script (shown once, to copy),
//! see when each was last used, revoke one. Part of the account page's chunk.

use crate::api::{AccessToken, CreatedAccessToken, NewAccessToken, TokenScope, paths};
use crate::client::{ClientError, request, use_client};
use crate::components::{
    FieldError, FormMessage, FormState, RetryPanel, SubmitButton, TextField, copy_text,
    in_reader_locale,
};
use crate::errors::FieldErrors;
use crate::task::spawn;
use crate::validation::TokenName;
use leptos::prelude::*;

/// The lifetimes offered: the value sent as `expires_in_days`, and its words.
const LIFETIMES: [(&str, &str); 4] = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("366", "a year"),
    ("", "never expires"),
];

fn when(at: &str) -> String {
    in_reader_locale(at, js_sys::Date::to_locale_date_string)
}

#[component]
pub fn AccessTokens() -> impl IntoView {
    let client = use_client();
    let tokens = RwSignal::new(None::<Result<Vec<AccessToken>, ClientError>>);
    let load = move || {
        spawn(async move {
            let answer = request(client, "GET", paths::ACCESS_TOKENS.into(), None).await;
            tokens.try_set(Some(answer));
        })
    };
    load();
    let made = RwSignal::new(None::<CreatedAccessToken>);
    let revoke = move |token: AccessToken| {
        spawn(async move {
            let path = paths::ACCESS_TOKEN.replace("{id}", &token.id.to_string());
            match request::<()>(client, "DELETE", path, None).await {
                Ok(()) | Err(ClientError::NotFound) => load(),
                Err(ClientError::SignedOut) => {}
                Err(error) => tokens.set(Some(Err(error))),
            }
        });
    };
    let row = move |token: AccessToken| {
        let scope = match token.scope {
            TokenScope::Read => "read only",
            TokenScope::Write => "read and write",
        };
        let expires = token.expires_at.as_deref().map_or_else(
            || "never expires".to_owned(),
            |at| ["expires ", &when(at)].concat(),
        );
        let used = token.last_used_at.as_deref().map_or_else(
            || "never used".to_owned(),
            |at| ["last used ", &when(at)].concat(),
        );
        let label = ["Revoke ", &token.name].concat();
        let name = token.name.clone();
        view! {
            <li class="session">
                <div>
                    <strong>{name}</strong> " · " {scope}
                    <br />
                    "made " {when(&token.created_at)} " · " {expires} " · " {used}
                </div>
                <button type="button" aria-label=label on:click=move |_| revoke(token.clone())>
                    "Revoke"
                </button>
            </li>
        }
    };
    view! {
        <section class="panel" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"Access tokens"</h2>
            <p>
                "A token lets a script read your notes, or write them too, without your password. "
                "It cannot change your password, sessions or tokens, share a note or delete one for good. "
                "It stops when you revoke it, when it expires, and when your password changes."
            </p>
            {move || match tokens.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"No tokens yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="sessions">{list.into_iter().map(row).collect_view()}</ul>
                }
                .into_any(),
            }}
            {move || match made.get() {
                Some(token) => view! { <ShowToken token made /> }.into_any(),
                None => view! { <MakeToken made on_made=Callback::new(move |()| load()) /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn MakeToken(made: RwSignal<Option<CreatedAccessToken>>, on_made: Callback<()>) -> impl IntoView {
    let client = use_client();
    let form = FormState::new();
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new(TokenScope::Read);
    let days = RwSignal::new(LIFETIMES[1].0.to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let mut found = FieldErrors::default();
        let parsed = TokenName::parse(&name.get_untracked())
            .map_err(|errors| found.extend("name", errors))
            .ok();
        if !form.begin(found) {
            return;
        }
        let Some(parsed) = parsed else { return };
        let wanted = NewAccessToken {
            name: parsed.into_inner(),
            scope: scope.get_untracked(),
            expires_in_days: days.get_untracked().parse().ok(),
        };
        let body = crate::json::to_string(&wanted);
        spawn(async move {
            let answer = request(client, "POST", paths::ACCESS_TOKENS.into(), body).await;
            match answer {
                Ok(token) => {
                    form.done();
                    name.set(String::new());
                    made.set(Some(token));
                    on_made.run(());
                }
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
            <h3>"Make a token"</h3>
            <TextField form field="name" id="token-name".to_owned() label="What it is for" value=name maxlength=100 />
            <div class="field">
                <label for="token-scope">"It may"</label>
                <select
                    id="token-scope"
                    on:change:target=move |e| {
                        scope.set(TokenScope::parse(&e.target().value()).unwrap_or(TokenScope::Read))
                    }
                >
                    <option value="read" selected>"Read notes"</option>
                    <option value="write">"Read and write notes"</option>
                </select>
            </div>
            <div class="field">
                <label for="token-lifetime">"Works for"</label>
                <select id="token-lifetime" on:change:target=move |e| days.set(e.target().value())>
                    {LIFETIMES
                        .iter()
                        .map(|(value, label)| view! { <option value=*value selected=*value == "90">{*label}</option> })
                        .collect_view()}
                </select>
                <FieldError form field="expires_in_days" id="token-lifetime-error".to_owned() />
            </div>
            <FormMessage form />
            <SubmitButton form label="Make token" busy_label="Making…" />
        </form>
    }
}

/// The new token, this once, to copy.
#[component]
fn ShowToken(
    token: CreatedAccessToken,
    made: RwSignal<Option<CreatedAccessToken>>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let secret = token.token.clone();
    let copy = move |_| copy_text(&secret, copied);
    view! {
        <h3>"Your new token “" {token.name} "”"</h3>
        <p>"Copy it now: it is not shown again. Send it as " <code>"Authorization: Bearer …"</code> "."</p>
        <p><code class="new-token">{token.token}</code></p>
        <div class="actions">
            <button type="button" on:click=copy>"Copy token"</button>
            <button type="button" class="primary" on:click=move |_| made.set(None)>"Done"</button>
        </div>
        <p class="status" role="status" aria-live="polite">
            {move || copied.get().map(|taken| if taken {
                "Copied."
            } else {
                "This browser would not copy it: select it and copy it."
            })}
        </p>
    }
}
