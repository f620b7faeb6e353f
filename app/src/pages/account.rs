//! The signed-in person's account: who they are and since when, a new password,
//! two-step sign-in, where they are signed in, access tokens for scripts, signing out
//! everywhere, and deleting the account.

use super::identities::{PasswordOrProof, SignInWays};
use super::me::Me;
use crate::api::{Attachments, ImportResult, PasswordChange};
use crate::client::{ClientError, request, use_client};
use crate::components::{
    ConfirmForm, FormMessage, FormState, SubmitButton, TextField, in_bytes, in_reader_locale,
};
use crate::errors::FieldErrors;
use crate::lazy::{LazyPage, Page};
use crate::routes::paths;
use crate::task::spawn;
use crate::validation::Password;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// The route's page: the account's code is a chunk of its own, fetched when the page is
/// first opened (see `lazy`).
pub fn account_page() -> AnyView {
    view! { <LazyPage load=|| Box::pin(account()) what="your account" /> }.into_any()
}

#[wasm_split(account, wasm_split_path = ::leptos::wasm_split, fallible)]
fn account() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <AccountPage /> }.into_any())
}

#[component]
fn AccountPage() -> impl IntoView {
    super::browser::set_title("Your account");
    let me = expect_context::<Me>().0;
    let username = move || me.with(|a| a.as_ref().map(|a| a.username.clone()));
    let since = move || {
        me.with(|a| {
            a.as_ref()
                .map(|a| in_reader_locale(&a.date_joined, js_sys::Date::to_locale_date_string))
                .unwrap_or_default()
        })
    };
    // A new password ends every other session: the list reloads.
    let sessions_changed = Trigger::new();
    let ways = SignInWays::provide();
    view! {
        <div class="account-page">
            <section class="panel">
                <h1>"Your account"</h1>
                {move || match username() {
                    Some(name) => view! {
                        <p>"Signed in as " <strong class="username">{name}</strong> ", with us since " {since} "."</p>
                    }.into_any(),
                    None => view! { <p class="checking" role="status">"Loading your account…"</p> }.into_any(),
                }}
            </section>
            <ChangePassword username sessions_changed ways />
            <super::identities::SignInProviders />
            <super::security::TwoStep />
            <super::security::Sessions changed=sessions_changed />
            <super::security::RecentActivity changed=sessions_changed />
            <super::access_tokens::AccessTokens />
            <YourNotes />
            <YourFiles />
            <EndSessions />
            <DeleteAccount />
        </div>
    }
}

/// The space the person's files (attachments) take, of what they may use.
#[component]
fn YourFiles() -> impl IntoView {
    let client = use_client();
    let files = RwSignal::new(None::<Result<Attachments, ClientError>>);
    spawn(async move {
        let answer = request(client, "GET", crate::api::paths::ATTACHMENTS.into(), None).await;
        files.try_set(Some(answer));
    });
    let shown = move || match files.get() {
        None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
        Some(Err(error)) => view! { <p class="error">{error.message()}</p> }.into_any(),
        Some(Ok(files)) => {
            let (used, quota) = (files.used as f64, files.quota as f64);
            let count = match files.results.len() {
                1 => "1 file".to_owned(),
                n => format!("{n} files"),
            };
            view! {
                <p class="files-used">
                    {count} " take " <strong>{in_bytes(used)}</strong> " of your "
                    {in_bytes(quota)} "."
                </p>
                <meter min="0" max=quota value=used high=quota * 0.9 aria-label="Space used">
                    {in_bytes(used)}
                </meter>
            }
            .into_any()
        }
    };
    view! {
        <section class="panel" aria-labelledby="files-heading">
            <h2 id="files-heading">"Your files"</h2>
            <p>"Images and files you add to notes. One that no note has used for a day is deleted."</p>
            {shown}
        </section>
    }
}

#[component]
fn ChangePassword(
    username: impl Fn() -> Option<String> + Send + Sync + 'static,
    sessions_changed: Trigger,
    ways: SignInWays,
) -> impl IntoView {
    let client = use_client();
    let form = FormState::new();
    let old = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        done.set(false);
        let (old_password, new_password) = (old.get_untracked(), new.get_untracked());
        let mut found = FieldErrors::default();
        let provider_proof = ways.proof_or_password(&mut found, "old_password", &old_password);
        // The same rules as at sign-up, against the name the server compares with.
        if let Err(errors) = Password::parse(&new_password, &username().unwrap_or_default()) {
            found.extend("new_password", errors);
        }
        if !form.begin(found) {
            return;
        }
        let change = PasswordChange {
            old_password,
            new_password,
            provider_proof,
        };
        spawn(async move {
            match client.change_password(change).await {
                Ok(()) => {
                    form.done();
                    old.set(String::new());
                    new.set(String::new());
                    done.set(true);
                    sessions_changed.notify();
                    // A first password: the form asks for it from now on.
                    ways.load();
                }
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="password-heading">
            <h2 id="password-heading">
                {move || if ways.passwordless() { "Set a password" } else { "Change your password" }}
            </h2>
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <PasswordOrProof form field="old_password" id="old-password" label="Current password" value=old />
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
                <p class="status" role="status" aria-live="polite">
                    {move || done.get().then_some("Your password has been changed. Every other device has been signed out.")}
                </p>
                <SubmitButton form label="Change password" busy_label="Changing…" />
            </form>
        </section>
    }
}

/// After the server has ended the session(s): through `/logout`, which forgets the
/// tokens in every tab once this page is gone.
fn sign_out_here(navigate: impl Fn(&str, NavigateOptions)) {
    super::browser::replace_with(navigate, paths::LOGOUT);
}

/// An import's result in words.
fn imported(result: ImportResult) -> String {
    let notes = |n: u64| match n {
        1 => "1 note".to_owned(),
        n => format!("{n} notes"),
    };
    match (result.created, result.skipped) {
        (0, 0) => "The file held no notes.".into(),
        (0, skipped) => format!("Nothing new: you have all {} already.", notes(skipped)),
        (created, 0) => format!("Imported {}.", notes(created)),
        (created, skipped) => format!(
            "Imported {}; {} you have already were left out.",
            notes(created),
            notes(skipped)
        ),
    }
}

/// Every problem the server named, each with where it is: an import's errors are many.
fn every_problem(error: ClientError) -> String {
    match error {
        ClientError::Fields(fields) => fields
            .0
            .into_iter()
            .flat_map(|(place, messages)| {
                messages
                    .into_iter()
                    .map(move |m| [&place, ": ", &m].concat())
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.message(),
    }
}

/// Taking one's notes out as a file, and bringing an export's notes in.
#[component]
fn YourNotes() -> impl IntoView {
    let client = use_client();
    let exporting = RwSignal::new(false);
    let importing = RwSignal::new(None::<String>);
    let said = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let export = move |markdown: bool| {
        exporting.set(true);
        said.set("Preparing your download…".into());
        spawn(async move {
            let done = client.export_notes(markdown).await;
            exporting.set(false);
            match done {
                Ok(()) => said.set("Your notes are downloaded.".into()),
                Err(ClientError::SignedOut) => {}
                Err(error) => said.set(error.message()),
            }
        });
    };
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            said.set("Choose a file exported from Notes first (.json or .zip).".into());
            return;
        };
        let megabytes = file.size() / 1e6;
        importing.set(Some(format!(
            "Importing {} ({megabytes:.1} MB)…",
            file.name()
        )));
        said.set(String::new());
        spawn(async move {
            let result = client.import_notes(file).await;
            importing.set(None);
            match result {
                Ok(result) => said.set(imported(result)),
                Err(ClientError::SignedOut) => {}
                Err(error) => said.set(["Nothing was imported. ", &every_problem(error)].concat()),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="your-notes-heading">
            <h2 id="your-notes-heading">"Your notes"</h2>
            <p>
                "Take all your notes with you, as one JSON file or as Markdown files in a zip, or bring in notes from such a file. Deleted notes wait in the "
                <a href=paths::TRASH>"Trash"</a> "."
            </p>
            <div class="actions">
                <button type="button" on:click=move |_| export(false) disabled=move || exporting.get()>"Download as JSON"</button>
                <button type="button" on:click=move |_| export(true) disabled=move || exporting.get()>"Download as Markdown"</button>
            </div>
            <form class="import" on:submit=import>
                <label for="import-file">"Import notes from a file (.json or .zip)"</label>
                <input id="import-file" type="file" accept=".json,.zip,application/json,application/zip" node_ref=file_input />
                <button type="submit" disabled=move || importing.with(Option::is_some)>"Import"</button>
            </form>
            {move || importing.get().map(|what| view! {
                <p class="importing"><progress aria-label="Importing"></progress> " " {what}</p>
            })}
            <p class="status" role="status" aria-live="polite">{move || said.get()}</p>
        </section>
    }
}

#[component]
fn EndSessions() -> impl IntoView {
    let client = use_client();
    let navigate = use_navigate();
    let form = FormState::new();
    let confirming = RwSignal::new(false);
    let end = Callback::new(move |()| {
        let navigate = navigate.clone();
        spawn(async move {
            match client.end_sessions().await {
                Ok(()) => sign_out_here(navigate),
                Err(ClientError::SignedOut) => {}
                Err(error) => form.fail(error),
            }
        });
    });
    let cancel = Callback::new(move |()| confirming.set(false));
    view! {
        <section class="panel" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sign out everywhere"</h2>
            <p>"Ends your session on every device and browser where you are signed in, this one included."</p>
            {move || match confirming.get() {
                false => view! {
                    <button type="button" on:click=move |_| confirming.set(true)>"Sign out everywhere…"</button>
                }
                .into_any(),
                true => view! {
                    <ConfirmForm
                        form
                        question="Sign out on every device now?"
                        label="Sign out everywhere"
                        busy_label="Signing out…"
                        cancel_label="Cancel"
                        on_confirm=end
                        on_cancel=cancel
                    />
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn DeleteAccount() -> impl IntoView {
    let client = use_client();
    let ways = expect_context::<SignInWays>();
    let navigate = use_navigate();
    // How many of the person's notes others would lose with it: counted now, not when
    // the header first read the account.
    let shared = RwSignal::new(0u64);
    spawn(async move {
        if let Ok(account) = client.account().await {
            shared.try_set(account.notes_shared);
        }
    });
    let form = FormState::new();
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let password = password.get_untracked();
        let mut found = FieldErrors::default();
        let provider_proof = ways.proof_or_password(&mut found, "password", &password);
        if !form.begin(found) {
            return;
        }
        let navigate = navigate.clone();
        spawn(async move {
            let deleted = match provider_proof {
                Some(proof) => {
                    let path = crate::api::paths::ACCOUNT;
                    super::identities::with_proof(client, "DELETE", path, proof, None).await
                }
                None => client.delete_account(password).await,
            };
            match deleted {
                Ok(()) => sign_out_here(navigate),
                Err(ClientError::SignedOut) => {}
                Err(error) => form.fail(error),
            }
        });
    };
    view! {
        <section class="panel danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <p>"Your account and every note in it are deleted for good. This cannot be undone."</p>
            {move || {
                let shared = shared.get();
                (shared > 0).then(|| view! {
                    <p class="warning">
                        {match shared {
                            1 => "1 of your notes is shared: the people you shared it with will lose it too.".to_owned(),
                            n => format!("{n} of your notes are shared: the people you shared them with will lose them too."),
                        }}
                    </p>
                })
            }}
            <form on:submit=submit novalidate aria-busy=move || form.busy.get().to_string()>
                <PasswordOrProof form field="password" id="delete-password" label="Type your password to confirm" value=password />
                <FormMessage form />
                <SubmitButton form label="Delete my account" busy_label="Deleting…" class="danger" />
            </form>
        </section>
    }
}
