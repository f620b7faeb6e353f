//! The account page's sign-in sections: two-step sign-in (setting it up, the recovery
//! codes, turning it off), where one is signed in, and the account's recent activity.

use super::me::Me;
use crate::api::{ActiveSession, AuditAction, AuditEntry, RecoveryCodes, TotpSetup};
use crate::client::{ClientError, use_client};
use crate::components::{
    FormMessage, FormState, RetryPanel, SubmitButton, TextField, copy_text, in_reader_locale,
};
use crate::errors::{FieldErrors, messages};
use crate::routes::paths;
use crate::task::spawn;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// Where the two-step section is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// As the account says: on or off.
    Settled,
    /// A secret to give the app, waiting for its first code.
    SettingUp(TotpSetup),
    /// Codes to keep, shown this once.
    Codes(Vec<String>),
}

/// A form's one required field, checked before sending.
fn require(form: FormState, field: &'static str, value: &str) -> bool {
    let mut found = FieldErrors::default();
    if value.trim().is_empty() {
        found.add(field, messages::BLANK);
    }
    form.begin(found)
}

#[component]
pub fn TwoStep() -> impl IntoView {
    let me = expect_context::<Me>().0;
    let stage = RwSignal::new(Stage::Settled);
    let enabled = move || me.with(|a| a.as_ref().is_some_and(|a| a.totp_enabled));
    let set_enabled = move |on: bool| {
        me.update(|a| {
            if let Some(a) = a {
                a.totp_enabled = on;
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="two-step-heading">
            <h2 id="two-step-heading">"Two-step sign-in"</h2>
            {move || match stage.get() {
                Stage::Settled if enabled() => view! {
                    <TwoStepOn stage on_off=Callback::new(move |()| set_enabled(false)) />
                }
                .into_any(),
                Stage::Settled => view! {
                    <TwoStepOff stage already_on=Callback::new(move |()| set_enabled(true)) />
                }
                .into_any(),
                Stage::SettingUp(setup) => view! {
                    <SettingUp setup stage on_on=Callback::new(move |()| set_enabled(true)) />
                }
                .into_any(),
                Stage::Codes(codes) => view! { <ShowCodes codes stage /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TwoStepOff(stage: RwSignal<Stage>, already_on: Callback<()>) -> impl IntoView {
    let client = use_client();
    let form = FormState::new();
    let start = move |_| {
        if !form.begin(FieldErrors::default()) {
            return;
        }
        spawn(async move {
            match client.start_totp().await {
                Ok(setup) => {
                    form.done();
                    stage.set(Stage::SettingUp(setup));
                }
                // Turned on in another tab: show it as it is.
                Err(ClientError::Detail(detail)) if detail == messages::TOTP_ALREADY_ON => {
                    form.done();
                    already_on.run(());
                }
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <p>"Two-step sign-in is off."</p>
        <p>"With it on, signing in asks for a code from an authenticator app on your phone after your password, so your password alone is not enough."</p>
        <FormMessage form />
        <button type="button" class="primary" disabled=move || form.busy.get() on:click=start>
            "Set up two-step sign-in"
        </button>
    }
}

/// The secret as people copy it by hand: groups of four.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn SettingUp(setup: TotpSetup, stage: RwSignal<Stage>, on_on: Callback<()>) -> impl IntoView {
    let client = use_client();
    let form = FormState::new();
    let code = RwSignal::new(String::new());
    // The server's SVG, shown as an image: nothing of it runs or styles the page.
    let qr = [
        "data:image/svg+xml;base64,",
        &STANDARD.encode(&setup.qr_svg),
    ]
    .concat();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if form.busy.get_untracked() || !require(form, "code", &typed) {
            return;
        }
        spawn(async move {
            match client.confirm_totp(typed.trim().to_owned()).await {
                Ok(RecoveryCodes { recovery_codes }) => {
                    form.done();
                    on_on.run(());
                    stage.set(Stage::Codes(recovery_codes));
                }
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <ol class="steps">
            <li>"Scan this code with an authenticator app (such as Aegis, Google Authenticator or 1Password)."</li>
            <li>"Or type this key into the app: " <code id="totp-secret">{grouped(&setup.secret)}</code></li>
            <li>"Enter the 6-digit code the app shows."</li>
        </ol>
        <img class="qr" src=qr alt="QR code for your authenticator app" width="200" height="200" />
        <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
            <TextField
                form
                field="code"
                id="totp-code".to_owned()
                label="Code from the app"
                value=code
                autocomplete="one-time-code"
            />
            <FormMessage form />
            <div class="actions">
                <SubmitButton form label="Turn on" busy_label="Checking…" />
                <button type="button" on:click=move |_| stage.set(Stage::Settled)>"Cancel"</button>
            </div>
        </form>
    }
}

#[component]
fn ShowCodes(codes: Vec<String>, stage: RwSignal<Stage>) -> impl IntoView {
    let text = codes.join("\n") + "\n";
    let download = [
        "data:text/plain;charset=utf-8,",
        &utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string(),
    ]
    .concat();
    // Whether the clipboard took the codes, once it has answered.
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| copy_text(&text, copied);
    view! {
        <h3>"Your recovery codes"</h3>
        <p>"Each code signs you in once if you lose your phone. Keep them somewhere safe: they are not shown again."</p>
        <ol class="recovery-codes">
            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ol>
        <div class="actions">
            <button type="button" on:click=copy>"Copy codes"</button>
            <a class="button" href=download download="notes-recovery-codes.txt">"Download codes"</a>
            <button type="button" class="primary" on:click=move |_| stage.set(Stage::Settled)>
                "I have saved them"
            </button>
        </div>
        <p class="status" role="status" aria-live="polite">
            {move || copied.get().map(|taken| if taken {
                "Copied."
            } else {
                "This browser would not copy them: download them, or select and copy them."
            })}
        </p>
    }
}

#[component]
fn TwoStepOn(stage: RwSignal<Stage>, on_off: Callback<()>) -> impl IntoView {
    let client = use_client();
    let ways = expect_context::<super::identities::SignInWays>();
    let renew = FormState::new();
    let renew_code = RwSignal::new(String::new());
    let off = FormState::new();
    let password = RwSignal::new(String::new());
    let off_code = RwSignal::new(String::new());
    let make_codes = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = renew_code.get_untracked();
        if renew.busy.get_untracked() || !require(renew, "code", &typed) {
            return;
        }
        spawn(async move {
            match client.new_recovery_codes(typed.trim().to_owned()).await {
                Ok(RecoveryCodes { recovery_codes }) => {
                    renew.done();
                    stage.set(Stage::Codes(recovery_codes));
                }
                Err(error) => renew.fail(error),
            }
        });
    };
    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if off.busy.get_untracked() {
            return;
        }
        let (typed_password, typed_code) = (password.get_untracked(), off_code.get_untracked());
        let mut found = FieldErrors::default();
        let provider_proof = ways.proof_or_password(&mut found, "password", &typed_password);
        if typed_code.trim().is_empty() {
            found.add("code", messages::BLANK);
        }
        if !off.begin(found) {
            return;
        }
        spawn(async move {
            let code = typed_code.trim().to_owned();
            let turned_off = match provider_proof {
                Some(proof) => {
                    let path = crate::api::paths::TOTP;
                    super::identities::with_proof(client, "DELETE", path, proof, Some(code)).await
                }
                None => client.disable_totp(typed_password, code).await,
            };
            match turned_off {
                Ok(()) => {
                    off.done();
                    on_off.run(());
                }
                Err(error) => off.fail(error),
            }
        });
    };
    view! {
        <p>"Two-step sign-in is on. Signing in asks for a code from your authenticator app, or a recovery code."</p>
        <form on:submit=make_codes novalidate aria-busy=move || renew.busy.get().to_string()>
            <h3>"New recovery codes"</h3>
            <p>"The codes you have now stop working."</p>
            <TextField
                form=renew
                field="code"
                id="recovery-code".to_owned()
                label="Code from the app"
                value=renew_code
                autocomplete="one-time-code"
            />
            <FormMessage form=renew />
            <SubmitButton form=renew label="Make new recovery codes" busy_label="Making…" />
        </form>
        <form on:submit=turn_off novalidate aria-busy=move || off.busy.get().to_string()>
            <h3>"Turn it off"</h3>
            <super::identities::PasswordOrProof form=off field="password" id="totp-off-password" label="Your password" value=password />
            <TextField
                form=off
                field="code"
                id="totp-off-code".to_owned()
                label="Code from the app, or a recovery code"
                value=off_code
                autocomplete="one-time-code"
            />
            <FormMessage form=off />
            <SubmitButton form=off label="Turn off two-step sign-in" busy_label="Turning off…" class="danger" />
        </form>
    }
}

/// Where one is signed in; loaded again whenever `changed` fires.
#[component]
pub fn Sessions(changed: Trigger) -> impl IntoView {
    let client = use_client();
    let navigate = use_navigate();
    let sessions = RwSignal::new(None::<Result<Vec<ActiveSession>, ClientError>>);
    let load = move || {
        spawn(async move { sessions.set(Some(client.sessions().await)) });
    };
    Effect::new(move |_| {
        changed.track();
        load();
    });
    let end = Callback::new(move |session: ActiveSession| {
        let navigate = navigate.clone();
        spawn(async move {
            match client.end_session(session.id.clone()).await {
                // Signing this browser out goes through `/logout`, which forgets its tokens.
                Ok(()) if session.current => super::browser::replace_with(navigate, paths::LOGOUT),
                Ok(()) => sessions.update(|list| {
                    if let Some(Ok(list)) = list {
                        list.retain(|s| s.id != session.id);
                    }
                }),
                // Ended meanwhile, from another tab or by a new password: the list is old.
                Err(ClientError::NotFound) => load(),
                Err(ClientError::SignedOut) => {}
                Err(error) => sessions.set(Some(Err(error))),
            }
        });
    });
    view! {
        <section class="panel" aria-labelledby="where-heading">
            <h2 id="where-heading">"Where you're signed in"</h2>
            {move || match sessions.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="sessions">
                        {list.into_iter().map(|s| view! { <SessionRow session=s end /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn SessionRow(session: ActiveSession, end: Callback<ActiveSession>) -> impl IntoView {
    let device = crate::devices::describe(session.user_agent.as_deref());
    let last_used = in_reader_locale(&session.last_used_at, js_sys::Date::to_locale_string);
    let since = in_reader_locale(&session.created_at, js_sys::Date::to_locale_date_string);
    let label = [
        "Sign out ",
        &device,
        if session.current {
            " (this browser)"
        } else {
            ""
        },
    ]
    .concat();
    let current = session.current;
    let ip = session.ip.clone().unwrap_or_default();
    view! {
        <li class="session">
            <div>
                <strong class="device">{device}</strong>
                {current.then(|| view! { " " <span class="this-browser">"this browser"</span> })}
                <br />
                <span class="ip">{ip}</span>
                " · last active " {last_used} " · signed in " {since}
            </div>
            <button type="button" aria-label=label on:click=move |_| end.run(session.clone())>"Sign out"</button>
        </li>
    }
}

/// The account's latest security events, so a person can ask "was this me?".
#[component]
pub fn RecentActivity(changed: Trigger) -> impl IntoView {
    let client = use_client();
    let me = expect_context::<Me>().0;
    let lines = RwSignal::new(None::<Result<Vec<AuditEntry>, ClientError>>);
    let load = move || {
        spawn(async move { lines.set(Some(client.activity().await.map(|page| page.results))) });
    };
    Effect::new(move |_| {
        changed.track();
        load();
    });
    let row = move |line: AuditEntry| {
        let what = AuditAction::parse(&line.action)
            .map_or_else(|| line.action.clone(), |a| a.label().to_owned());
        let own = me.with_untracked(|a| a.as_ref().map(|a| a.username.clone()));
        let by = match &line.actor {
            None => " · from the server's command line".to_owned(),
            Some(actor) if Some(actor) != own.as_ref() => [" · by ", actor].concat(),
            Some(_) => String::new(),
        };
        let detail = line.detail.as_deref().map(|d| [" (", d, ")"].concat());
        let device = crate::devices::describe(line.user_agent.as_deref());
        let at = in_reader_locale(&line.at, js_sys::Date::to_locale_string);
        let ip = line.ip.clone().unwrap_or_default();
        view! {
            <li>
                <strong>{what}</strong>{detail}{by}<br />
                <span class="ip">{ip}</span> " · " {device} " · " {at}
            </li>
        }
    };
    view! {
        <section class="panel" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent activity"</h2>
            <p class="aside">"Sign-ins and changes to your account's security. Something you don't recognise? Change your password and sign out everywhere."</p>
            {move || match lines.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="activity">{list.into_iter().map(row).collect_view()}</ul>
                }
                .into_any(),
            }}
        </section>
    }
}
