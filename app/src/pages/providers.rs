//! What the sign-in and register pages ask the server as anyone: "Sign in with …", where
//! the server has an identity provider, the way back from it (`#oidc_code=`,
//! `#oidc_error=`), and who may register. A chunk of its own (see `lazy`), fetched as the
//! page comes up, so the first download pays nothing for it.

use crate::api::{Providers, RegistrationMode, RegistrationStatus, paths};
use crate::client::{ClientError, SignIn, use_client};
use crate::components::FormState;
use crate::lazy::Page;
use crate::routes::login_url;
use crate::task::spawn;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::hooks::use_query_map;

#[wasm_split(providers, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn links() -> Result<Page, SplitLoaderError> {
    Ok(|| view! { <ProviderLinks /> }.into_any())
}

/// What the page's form does with a sign-in's answer, for the one the provider's
/// one-time code brings.
#[derive(Clone, Copy)]
pub struct Back {
    pub form: FormState,
    pub signed_in: Callback<Result<SignIn, ClientError>>,
    /// On the register page: who may register, for the page to say.
    pub mode: Option<RwSignal<Option<RegistrationMode>>>,
}

/// What the server answers anyone at `path`: no token goes with it, so a stale one is not
/// refreshed and a missing one does not end a session. A fetch of this chunk's own
/// rather than a `Backend` method, whose code would be in the first download.
async fn ask<T: serde::de::DeserializeOwned>(path: &str) -> Option<T> {
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let answer = JsFuture::from(window().fetch_with_str(path)).await.ok()?;
    let response: web_sys::Response = answer.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    crate::json::from_str(&text)
}

/// A link per provider to its start, which comes back to where this page leads (`next`)
/// and carries the page's invitation, for a first sign-in where registration needs one.
#[component]
fn ProviderLinks() -> impl IntoView {
    let client = use_client();
    let back = expect_context::<Back>();
    match super::browser::take_fragment() {
        Some((key, code)) if key == "oidc_code" => {
            back.form.busy.set(true);
            spawn(async move { back.signed_in.run(client.sign_in_with_provider(code).await) });
        }
        Some((key, why)) if key == "oidc_error" => back.form.message.set(Some(why)),
        _ => {}
    }
    let (next, invite) = use_query_map().with_untracked(|q| (q.get("next"), q.get("invite")));
    let mut query = login_url(next.as_deref().unwrap_or("/"));
    if let Some(code) = invite {
        let code = String::from(js_sys::encode_uri_component(&code));
        query = [&query, "&invite=", &code].concat();
    }
    let found = RwSignal::new(None::<Providers>);
    spawn(async move {
        found.try_set(ask(paths::PROVIDERS).await);
    });
    if let Some(mode) = back.mode {
        spawn(async move {
            if let Some(status) = ask::<RegistrationStatus>(paths::REGISTER).await {
                mode.try_set(Some(status.registration));
            }
        });
    }
    move || {
        found.get().map(|found| {
            found
                .providers
                .into_iter()
                .map(|p| {
                    let href = query.replacen(crate::routes::paths::LOGIN, &p.start_url, 1);
                    view! { <a class="button provider" href=href rel="external">"Sign in with " {p.name}</a> }
                })
                .collect_view()
        })
    }
}
