//! Who may register (open, by invitation, closed), and the invitations: made with a note
//! of whom each is for, their links copied, their use seen, deleted.

use super::lists::when;
use super::reauth::Reauth;
use crate::api::{Invite, InviteRequest, RegistrationMode, SiteSettings, paths};
use crate::client::request;
use crate::client::{ClientError, Reply, use_client};
use crate::components::{FormMessage, FormState, RetryPanel, SubmitButton, TextField, copy_text};
use crate::task::spawn;
use futures::FutureExt;
use leptos::prelude::*;

#[component]
pub fn Registration() -> impl IntoView {
    crate::pages::browser::set_title("Registration");
    let client = use_client();
    let invites = RwSignal::new(None::<Result<Vec<Invite>, ClientError>>);
    let load = move || {
        spawn(async move {
            invites.set(Some(
                request(client, "GET", paths::ADMIN_INVITES.to_owned(), None).await,
            ));
        });
    };
    load();
    view! {
        <Setting />
        <MakeInvite made=Callback::new(move |()| load()) />
        <section class="panel" aria-labelledby="invites-heading">
            <h2 id="invites-heading">"Invitations"</h2>
            {move || match invites.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
                }
                .into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"None yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="invites">
                        {list.into_iter().map(|invite| view! { <InviteRow invite deleted=Callback::new(move |()| load()) /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Setting() -> impl IntoView {
    let client = use_client();
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let mode = RwSignal::new(None::<RegistrationMode>);
    let status = RwSignal::new("");
    spawn(async move {
        match request::<SiteSettings>(client, "GET", paths::ADMIN_SETTINGS.to_owned(), None).await {
            Ok(settings) => mode.set(Some(settings.registration)),
            Err(error) => form.fail(error),
        }
    });
    let choose = move |chosen: RegistrationMode| {
        let body = crate::json::to_string(&SiteSettings {
            registration: chosen,
        });
        let change = Callback::new(move |()| -> Reply<()> {
            request::<SiteSettings>(
                client,
                "PUT",
                paths::ADMIN_SETTINGS.to_owned(),
                body.clone(),
            )
            .map(move |answer| match answer {
                Ok(settings) => {
                    mode.set(Some(settings.registration));
                    Ok(())
                }
                Err(error) => {
                    // The radio the person clicked shows the setting again, not the click.
                    mode.notify();
                    Err(error)
                }
            })
            .boxed_local()
        });
        reauth.send(form, change, Callback::new(move |()| status.set("Saved.")));
    };
    let option = move |value: RegistrationMode, label: &'static str, hint: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="registration"
                    value=value.as_str()
                    prop:checked=move || mode.get() == Some(value)
                    on:change=move |_| choose(value)
                />
                <strong>{label}</strong>
                <span class="hint">{hint}</span>
            </label>
        }
    };
    view! {
        <section class="panel" aria-labelledby="registration-heading">
            <h2 id="registration-heading">"Who may register"</h2>
            <fieldset disabled=move || form.busy.get() || mode.get().is_none()>
                <legend class="visually-hidden">"Registration"</legend>
                {option(RegistrationMode::Open, "Anyone", "Anyone who finds this server can make an account.")}
                {option(RegistrationMode::Invite, "By invitation", "Only people with an invitation's link below.")}
                {option(RegistrationMode::Closed, "Nobody", "The register page says registration is closed.")}
            </fieldset>
            <FormMessage form />
            <p class="status" role="status" aria-live="polite">{move || status.get()}</p>
        </section>
    }
}

#[component]
fn MakeInvite(made: Callback<()>) -> impl IntoView {
    let client = use_client();
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let note = RwSignal::new(String::new());
    let days = RwSignal::new("7".to_owned());
    let latest = RwSignal::new(None::<Invite>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let asked = InviteRequest {
            expires_in_days: days.get_untracked().parse().ok(),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        let body = crate::json::to_string(&asked);
        let change = Callback::new(move |()| -> Reply<()> {
            request::<Invite>(
                client,
                "POST",
                paths::ADMIN_INVITES.to_owned(),
                body.clone(),
            )
            .map(move |answer| answer.map(move |invite| latest.set(Some(invite))))
            .boxed_local()
        });
        let finished = Callback::new(move |()| {
            note.set(String::new());
            made.try_run(());
        });
        reauth.send(form, change, finished);
    };
    view! {
        <section class="panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <TextField form field="note" id="invite-note".to_owned() label="For whom (a note for you)" value=note maxlength=200 />
                <div class="field">
                    <label for="invite-days">"Valid for"</label>
                    <select id="invite-days" on:change=move |ev| days.set(event_target_value(&ev))>
                        <option value="1">"a day"</option>
                        <option value="7" selected>"a week"</option>
                        <option value="30">"a month"</option>
                        <option value="90">"three months"</option>
                    </select>
                </div>
                <FormMessage form />
                <SubmitButton form label="Make an invitation" busy_label="Making…" />
            </form>
            {move || latest.get().map(|invite| view! {
                <div class="made-invite" role="status">
                    <p>"Send this link; it registers one account:"</p>
                    <Link url=invite.url />
                </div>
            })}
        </section>
    }
}

/// An invitation's link, and a button that copies it.
#[component]
fn Link(url: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = url.clone();
    let copy = move |_| copy_text(&text, copied);
    view! {
        <span class="invite-link">
            <code>{url}</code>
            " "
            <button type="button" on:click=copy>"Copy link"</button>
            {move || copied.get().map(|taken| if taken { " Copied." } else { " Select it and copy it." })}
        </span>
    }
}

#[component]
fn InviteRow(invite: Invite, deleted: Callback<()>) -> impl IntoView {
    let client = use_client();
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let id = invite.id;
    let expired =
        js_sys::Date::new(&invite.expires_at.as_str().into()).get_time() < js_sys::Date::now();
    let state = match (&invite.used_by, expired) {
        (Some(who), _) => ["Used by ", who, " on ", &when(invite.used_at.as_deref())].concat(),
        (None, true) => ["Expired on ", &when(Some(&invite.expires_at))].concat(),
        (None, false) => ["Open until ", &when(Some(&invite.expires_at))].concat(),
    };
    let open = invite.used_by.is_none() && !expired;
    let delete = move |_| {
        let change = Callback::new(move |()| -> Reply<()> {
            request::<()>(client, "DELETE", paths::admin_invite(id), None).boxed_local()
        });
        reauth.send(form, change, deleted);
    };
    view! {
        <li class="invite">
            <strong>{invite.note.clone().unwrap_or_else(|| "An invitation".to_owned())}</strong>
            " · " {state}
            " · made by " {invite.created_by.clone().unwrap_or_default()}
            {open.then(|| view! { <br /><Link url=invite.url.clone() /> })}
            " "
            <button type="button" disabled=move || form.busy.get() on:click=delete>"Delete"</button>
            <FormMessage form />
        </li>
    }
}
