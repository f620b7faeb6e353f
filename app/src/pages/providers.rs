//! "Sign in with …" on the sign-in and register pages, where the server has an identity
//! provider, and the way back from it (`#oidc_code=`, `#oidc_error=`): a chunk of its own
//! (see `lazy`), fetched once the page is up, so the first download pays nothing for it.

use crate::api::{Providers, paths};
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
    // Whoever is (or is not) signed in: no token goes with it.
    spawn(async move {
        let answer = client.public(paths::PROVIDERS).await;
        found.try_set(answer.ok().and_then(|text| crate::json::from_str(&text)));
    });
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
