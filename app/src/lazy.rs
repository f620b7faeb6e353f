//! Pages whose code is not in the first download. Each is a function under `wasm_split`
//! (the macro Leptos's `#[lazy]` expands to), which the build moves with whatever only
//! it reaches into a wasm chunk of its own (scripts/post-build.mjs); calling it fetches
//! the chunk first, once. `fallible`, because `#[lazy]` expects the fetch to succeed and,
//! with `panic = "abort"`, a failed one traps in the middle of the executor: here it is an
//! error the page shows, with a way to try again.

use crate::components::RetryPanel;
use crate::task::spawn;
use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// What a chunk holds: the function that builds its page's view (in the chunk, called
/// once it is loaded).
pub type Page = fn() -> AnyView;

/// A page's chunk, fetched once.
pub type Chunk = fn() -> LocalBoxFuture<'static, Result<Page, SplitLoaderError>>;

/// Shows what `load` brings once it has it: "Loading …" meanwhile, and an error with
/// "Try again" if the chunk cannot be had. Not a `Suspense`, whose code the rest of the
/// app does not use and would be in the first download: the view arrives in a signal,
/// taken out once to be shown.
#[component]
pub fn LazyPage(load: Chunk, what: &'static str) -> impl IntoView {
    // The view is built under this page's owner, so it finds the app's context; and only
    // while the page is still shown: a person sent elsewhere meanwhile (signed out, say)
    // has no page left to build it for.
    let owner = Owner::current().expect("a page renders under an owner");
    let page = RwSignal::new_local(None::<AnyView>);
    let failed = RwSignal::new(false);
    let fetch = Callback::new(move |()| {
        failed.set(false);
        let owner = owner.clone();
        spawn(async move {
            match load().await {
                Ok(build) if failed.try_get_untracked().is_some() => {
                    page.try_set(Some(owner.with(build)));
                }
                Ok(_) => {}
                Err(SplitLoaderError { .. }) => drop(failed.try_set(true)),
            }
        });
    });
    fetch.run(());
    move || {
        page.track();
        match page.try_update_untracked(Option::take).flatten() {
            Some(view) => view,
            None if failed.get() => view! {
                <RetryPanel
                    message=[
                        "Could not load ",
                        what,
                        ". Check your connection and try again, or reload the page: a new version may be out.",
                    ]
                    .concat()
                    on_retry=fetch
                />
            }
            .into_any(),
            None => view! { <p class="checking" role="status">"Loading " {what} "…"</p> }.into_any(),
        }
    }
}
