//! "Sign-in providers" on the account page: the identities at the provider linked to the
//! account, linking one (through the provider's page) and unlinking one; and, for an
//! account without a password, the fresh sign-in at the provider that stands in for it
//! where a form asks for the password. Part of the account page's chunk.

use crate::api::{Identities, Identity, ProviderRedirect, ProviderReturn, Providers, paths};
use crate::client::{ClientError, request, use_client};
use crate::components::{FormState, RetryPanel, TextField, in_reader_locale};
use crate::task::spawn;
use leptos::prelude::*;

/// What the account page knows of its sign-in: the provider's name (none without one),
/// the identities, and a proof brought back from the provider (`#provider_proof=`).
#[derive(Clone, Copy)]
pub struct SignInWays {
    client: crate::client::Client,
    pub provider: RwSignal<Option<String>>,
    pub found: RwSignal<Option<Result<Identities, ClientError>>>,
    pub proof: RwSignal<Option<String>>,
}

impl SignInWays {
    /// Read once when the account page opens, and again after an unlink.
    pub fn provide() -> Self {
        let client = use_client();
        let ways = Self {
            client,
            provider: RwSignal::new(None),
            found: RwSignal::new(None),
            proof: RwSignal::new(None),
        };
        let message = match super::browser::take_fragment() {
            Some((key, value)) if key == "provider_proof" => {
                ways.proof.set(Some(value));
                None
            }
            Some((key, _)) if key == "oidc_linked" => Some("Linked.".to_owned()),
            Some((key, value)) if key == "oidc_error" => Some(value),
            _ => None,
        };
        provide_context(ways);
        provide_context(LinkMessage(RwSignal::new(message)));
        spawn(async move {
            if let Ok(found) =
                request::<Providers>(client, "GET", paths::PROVIDERS.into(), None).await
            {
                ways.provider
                    .try_set(found.providers.into_iter().next().map(|p| p.name));
            }
        });
        ways.load();
        ways
    }

    /// Reads the identities (and whether there is a password) again.
    pub fn load(self) {
        spawn(async move {
            let answer = request(self.client, "GET", paths::IDENTITIES.into(), None).await;
            self.found.try_set(Some(answer));
        });
    }

    /// What a form sends in place of the password typed in `field`: `None` where the
    /// account has one, the proof (spent by the form that sends it) where it has none.
    /// Without a proof yet, or without a password typed, the field says so in `found`.
    pub fn proof_or_password(
        self,
        found: &mut crate::errors::FieldErrors,
        field: &str,
        password: &str,
    ) -> Option<String> {
        use crate::errors::messages;
        if !self.passwordless() {
            if password.is_empty() {
                found.add(field, messages::BLANK);
            }
            return None;
        }
        let proof = self.proof.try_update(Option::take).flatten();
        if proof.is_none() {
            found.add(field, messages::PROOF_INVALID);
        }
        proof
    }

    /// Whether the account signs in only through the provider; `false` until known.
    pub fn passwordless(self) -> bool {
        self.found
            .with(|found| matches!(found, Some(Ok(ids)) if !ids.has_password))
    }
}

#[derive(Clone, Copy)]
struct LinkMessage(RwSignal<Option<String>>);

/// The body of a request that proves the person with the provider's proof instead of
/// a password, and a two-step code where one is asked.
#[derive(serde::Serialize)]
struct ProofBody {
    provider_proof: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
}

/// A request proved by the provider's proof instead of a password, sent from this chunk.
pub async fn with_proof(
    client: crate::client::Client,
    method: &'static str,
    path: &'static str,
    proof: String,
    code: Option<String>,
) -> Result<(), ClientError> {
    let body = ProofBody {
        provider_proof: proof,
        code,
    };
    request(client, method, path.into(), crate::json::to_string(&body)).await
}

/// Sends the browser to the provider's page that `path` (linking, or a proof) starts,
/// coming back to the account page.
fn to_provider(client: crate::client::Client, form: FormState, path: &'static str) {
    form.busy.set(true);
    spawn(async move {
        let body = crate::json::to_string(&ProviderReturn {
            next: Some(crate::routes::paths::ACCOUNT.to_owned()),
        });
        match request::<ProviderRedirect>(client, "POST", path.into(), body).await {
            Ok(to) => drop(window().location().assign(&to.authorization_url)),
            Err(error) => form.fail(error),
        }
    });
}

#[component]
pub fn SignInProviders() -> impl IntoView {
    let ways = expect_context::<SignInWays>();
    let message = expect_context::<LinkMessage>().0;
    let client = use_client();
    let form = FormState::new();
    let unlink = move |identity: Identity| {
        spawn(async move {
            let path = paths::IDENTITY.replace("{id}", &identity.id.to_string());
            match request::<()>(client, "DELETE", path, None).await {
                Ok(()) | Err(ClientError::NotFound) => ways.load(),
                Err(error) => message.set(Some(error.message())),
            }
        });
    };
    let row = move |identity: Identity| {
        let when = |at: &str| in_reader_locale(at, js_sys::Date::to_locale_date_string);
        let used = identity
            .last_used_at
            .as_deref()
            .map(when)
            .unwrap_or_default();
        let label = ["Unlink ", &identity.username].concat();
        view! {
            <li class="session">
                <div>
                    <strong>{identity.provider.clone()}</strong> " · " {identity.username.clone()}
                    <br />
                    "linked " {when(&identity.created_at)} " · last used " {used}
                </div>
                <button type="button" aria-label=label on:click=move |_| unlink(identity.clone())>
                    "Unlink"
                </button>
            </li>
        }
    };
    // Shown where the server has a provider, or the account still has identities.
    let shown = move || {
        ways.provider.get().is_some()
            || ways
                .found
                .with(|f| matches!(f, Some(Ok(ids)) if !ids.identities.is_empty()))
    };
    view! {
        <section class="panel" aria-labelledby="providers-heading" hidden=move || !shown()>
            <h2 id="providers-heading">"Sign-in providers"</h2>
            <p class="status" role="status" aria-live="polite">{move || message.get()}</p>
            {move || match ways.found.get() {
                None => view! { <p class="checking" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <RetryPanel message=error.message() on_retry=Callback::new(move |()| ways.load()) />
                }
                .into_any(),
                Some(Ok(found)) => view! {
                    <ul class="sessions">{found.identities.into_iter().map(row).collect_view()}</ul>
                }
                .into_any(),
            }}
            {move || ways.provider.get().map(|name| view! {
                <button type="button" disabled=move || form.busy.get() on:click=move |_| to_provider(client, form, paths::IDENTITIES)>
                    "Link " {name}
                </button>
            })}
        </section>
    }
}

/// Where a form asks for the password: the field; for an account without one, "Confirm
/// with …" instead (a fresh sign-in at the provider), and the form sends the proof it
/// brings back.
#[component]
pub fn PasswordOrProof(
    form: FormState,
    field: &'static str,
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let ways = expect_context::<SignInWays>();
    let client = use_client();
    let asking = FormState::new();
    move || {
        match (ways.passwordless(), ways.proof.get(), ways.provider.get()) {
        (false, _, _) => view! {
            <TextField form field id=id.to_owned() label value kind="password" autocomplete="current-password" />
        }
        .into_any(),
        (true, Some(_), Some(name)) => view! { <p class="status">"Confirmed with " {name} "."</p> }.into_any(),
        (true, None, Some(name)) => view! {
            <p>
                <button type="button" disabled=move || asking.busy.get() on:click=move |_| to_provider(client, asking, paths::OIDC_PROOF)>
                    "Confirm with " {name}
                </button>
            </p>
        }
        .into_any(),
        (true, _, None) => ().into_any(),
    }
    }
}
