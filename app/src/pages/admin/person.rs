//! One person: their account's state and counts, and what an operator can do to it, each
//! asked about first.

use super::lists::when;
use super::people::States;
use super::reauth::{Change, Reauth};
use crate::api::{AdminUser, AdminUserPatch, MAX_STORAGE_QUOTA_MB, NewPassword, paths};
use crate::client::{Client, ClientError, Reply, request, use_client};
use crate::components::{
    ConfirmForm, FormMessage, FormState, RetryPanel, SubmitButton, TextField, in_bytes,
};
use crate::errors::FieldErrors;
use crate::routes::paths as pages;
use crate::task::spawn;
use crate::validation::Password;
use futures::FutureExt;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Person(id: i64) -> impl IntoView {
    let client = use_client();
    let person = RwSignal::new(None::<Result<AdminUser, ClientError>>);
    // What the last change did: outlives the view of the person it redraws.
    let status = RwSignal::new(String::new());
    let load = move || {
        spawn(async move {
            person.set(Some(
                request(client, "GET", paths::admin_user(id), None).await,
            ));
        });
    };
    load();
    view! {
        <p><a href=pages::ADMIN>"← All people"</a></p>
        {move || match person.get() {
            None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
            Some(Err(ClientError::NotFound)) => view! {
                <section class="panel"><p role="alert">"There is no such account (any more)."</p></section>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <RetryPanel message=error.message() on_retry=Callback::new(move |()| load()) />
            }
            .into_any(),
            Some(Ok(shown)) => view! { <Shown shown person status /> }.into_any(),
        }}
    }
}

/// A change answered with the person as it now is.
fn patch(
    client: Client,
    id: i64,
    patch: AdminUserPatch,
    person: RwSignal<Option<Result<AdminUser, ClientError>>>,
) -> Change {
    Callback::new(move |()| -> Reply<()> {
        let body = crate::json::to_string(&patch);
        async move {
            let changed: AdminUser = request(client, "PATCH", paths::admin_user(id), body).await?;
            person.set(Some(Ok(changed)));
            Ok(())
        }
        .boxed_local()
    })
}

/// A change with nothing to show but that it was made.
fn plain(client: Client, method: &'static str, path: String) -> Change {
    Callback::new(move |()| -> Reply<()> {
        request::<()>(client, method, path.clone(), None).boxed_local()
    })
}

#[component]
fn Shown(
    shown: AdminUser,
    person: RwSignal<Option<Result<AdminUser, ClientError>>>,
    status: RwSignal<String>,
) -> impl IntoView {
    crate::pages::browser::set_title(&shown.username);
    let client = use_client();
    let id = shown.id;
    let said = move |text: &'static str| Callback::new(move |()| status.set(text.to_owned()));
    let reload = move |text: &'static str| {
        Callback::new(move |()| {
            status.set(text.to_owned());
            spawn(async move {
                if let Ok(again) = request(client, "GET", paths::admin_user(id), None).await {
                    person.set(Some(Ok(again)));
                }
            });
        })
    };
    let navigate = use_navigate();
    let gone = Callback::new(move |()| navigate(pages::ADMIN, Default::default()));
    let toggle = |is_active: Option<bool>, is_admin: Option<bool>| {
        patch(
            client,
            id,
            AdminUserPatch {
                is_active,
                is_admin,
                ..Default::default()
            },
            person,
        )
    };
    view! {
        <section class="panel" aria-labelledby="person-heading">
            <h2 id="person-heading">{shown.username.clone()}</h2>
            <States person=(shown.is_active, shown.is_admin, shown.totp_enabled) />
            <dl class="facts">
                <dt>"Joined"</dt><dd>{when(Some(&shown.date_joined))}</dd>
                <dt>"Last sign-in"</dt><dd>{when(shown.last_login.as_deref())}</dd>
                <dt>"Notes"</dt><dd>{shown.notes}</dd>
                <dt>"Live sessions"</dt><dd>{shown.sessions}</dd>
                <dt>"Two-step sign-in"</dt><dd>{if shown.totp_enabled { "on" } else { "off" }}</dd>
            </dl>
            <p class="status" role="status" aria-live="polite">{move || status.get()}</p>
        </section>
        <section class="panel" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"What you can do"</h2>
            {if shown.is_active {
                view! {
                    <Action
                        label="Deactivate"
                        question="Deactivate this account? They are signed out everywhere now and cannot sign in until reactivated."
                        change=toggle(Some(false), None)
                        done=said("Deactivated: they are signed out everywhere.")
                    />
                }
                .into_any()
            } else {
                view! {
                    <Action
                        label="Reactivate"
                        question="Reactivate this account? They can sign in again."
                        change=toggle(Some(true), None)
                        done=said("Reactivated.")
                    />
                }
                .into_any()
            }}
            {if shown.is_admin {
                view! {
                    <Action
                        label="Remove operator rights"
                        question="Take this person's operator rights away? They lose this area at once."
                        change=toggle(None, Some(false))
                        done=said("No longer an operator.")
                    />
                }
                .into_any()
            } else {
                view! {
                    <Action
                        label="Make an operator"
                        question="Make this person an operator? They can do everything this area does."
                        change=toggle(None, Some(true))
                        done=said("Now an operator.")
                    />
                }
                .into_any()
            }}
            {shown.totp_enabled.then(|| view! {
                <Action
                    label="Turn two-step sign-in off"
                    question="Turn their two-step sign-in off? Their password alone will sign them in, until they set it up again."
                    change=plain(client, "DELETE", paths::admin_user_part(id, "totp/"))
                    done=reload("Two-step sign-in is off.")
                />
            })}
            <Action
                label="End every session"
                question="Sign this person out everywhere?"
                change=plain(client, "DELETE", paths::admin_user_part(id, "sessions/"))
                done=reload("Every session has ended.")
            />
            <Action
                label="Delete the account"
                question="Delete this account with all of its notes? This cannot be undone."
                change=plain(client, "DELETE", paths::admin_user(id))
                done=gone
            />
        </section>
        <Quota id used=shown.storage_used quota_mb=shown.storage_quota_mb person status />
        <SetPassword id username=shown.username.clone() done=reload("Password set: their sessions have ended.") />
    }
}

/// What their files take, and the quota they have of their own (empty: the server's).
#[component]
fn Quota(
    id: i64,
    used: u64,
    quota_mb: Option<u32>,
    person: RwSignal<Option<Result<AdminUser, ClientError>>>,
    status: RwSignal<String>,
) -> impl IntoView {
    let client = use_client();
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let typed = RwSignal::new(quota_mb.map(|mb| mb.to_string()).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let quota = match typed.get_untracked().trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(mb) if mb <= MAX_STORAGE_QUOTA_MB => Some(mb),
                _ => {
                    let message =
                        format!("A whole number of MB from 0 to {MAX_STORAGE_QUOTA_MB}, or empty.");
                    form.begin(FieldErrors::single("storage_quota_mb", message));
                    return;
                }
            },
        };
        let change = patch(
            client,
            id,
            AdminUserPatch {
                storage_quota_mb: Some(quota),
                ..Default::default()
            },
            person,
        );
        let finished = Callback::new(move |()| status.set("Quota saved.".to_owned()));
        reauth.send(form, change, finished);
    };
    view! {
        <section class="panel" aria-labelledby="quota-heading">
            <h2 id="quota-heading">"Storage"</h2>
            <p>{format!("Their files take {}.", in_bytes(used as f64))}</p>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <TextField
                    form
                    field="storage_quota_mb"
                    id="storage-quota".to_owned()
                    label="Quota in MB"
                    value=typed
                    autocomplete="off"
                    hint=Some("Empty: the server's quota. Under what they use, they can add no more files.")
                />
                <FormMessage form />
                <SubmitButton form label="Save the quota" busy_label="Saving…" />
            </form>
        </section>
    }
}

/// A button that asks first, then sends its change.
#[component]
fn Action(
    label: &'static str,
    question: &'static str,
    change: Change,
    done: Callback<()>,
) -> impl IntoView {
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let asking = RwSignal::new(false);
    let finished = Callback::new(move |()| {
        asking.set(false);
        done.try_run(());
    });
    move || {
        if asking.get() {
            view! {
                <ConfirmForm
                    form
                    question
                    label
                    busy_label="Working…"
                    cancel_label="Cancel"
                    on_confirm=Callback::new(move |()| reauth.send(form, change, finished))
                    on_cancel=Callback::new(move |()| asking.set(false))
                />
            }
            .into_any()
        } else {
            view! { <p><button type="button" on:click=move |_| asking.set(true)>{label}</button></p> }
                .into_any()
        }
    }
}

#[component]
fn SetPassword(id: i64, username: String, done: Callback<()>) -> impl IntoView {
    let client = use_client();
    let reauth = expect_context::<Reauth>();
    let form = FormState::new();
    let new = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = new.get_untracked();
        if let Err(errors) = Password::parse(&typed, &username) {
            let mut found = FieldErrors::default();
            found.extend("new_password", errors);
            form.begin(found);
            return;
        }
        let body = crate::json::to_string(&NewPassword {
            new_password: typed,
        });
        let change = Callback::new(move |()| -> Reply<()> {
            request::<serde::de::IgnoredAny>(
                client,
                "POST",
                paths::admin_user_part(id, "password/"),
                body.clone(),
            )
            .map(|answer| answer.map(drop))
            .boxed_local()
        });
        let finished = Callback::new(move |()| {
            new.set(String::new());
            done.try_run(());
        });
        reauth.send(form, change, finished);
    };
    view! {
        <section class="panel" aria-labelledby="set-password-heading">
            <h2 id="set-password-heading">"Set a password"</h2>
            <p>"For someone locked out: tell them the new password; every session of theirs ends."</p>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <TextField
                    form
                    field="new_password"
                    id="new-password".to_owned()
                    label="New password"
                    value=new
                    kind="password"
                    autocomplete="new-password"
                    hint=Some("At least 8 characters, not only digits, not a common password.")
                />
                <FormMessage form />
                <SubmitButton form label="Set the password" busy_label="Setting…" />
            </form>
        </section>
    }
}
