//! The Notes browser app: mounts `app`'s route tree and gives it the browser, through the
//! `app::client::Client` context: the token store in `localStorage` and the HTTP client.

mod api;
mod device;
mod download;
mod drafts;
mod files;
mod js;
mod live;
mod markdown;
mod notes;
mod reachability;
mod renewal;
mod session;
mod stream;
mod sync;
mod theme;
mod transport;
mod updates;

use app::client::Client;
use leptos::prelude::*;

// Talc instead of Rust's default dlmalloc: the same job for a few kilobytes less wasm.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    leptos::mount::mount_to_body(|| {
        provide_context(Client::new(&api::Browser));
        session::follow_other_tabs();
        renewal::keep_fresh();
        updates::start();
        // The probe's answer, like any, is recorded by `transport::send`.
        reachability::watch(|| wasm_bindgen_futures::spawn_local(transport::probe()));
        device::follow();
        sync::start();
        // One stream for all of this browser's tabs; without its chunk the app works as
        // before, without live changes.
        app::task::spawn(async {
            if stream::start().await.is_err() {
                leptos::logging::warn!("live changes are off: their code did not load");
            }
        });
        view! { <app::App /> }
    });
}
