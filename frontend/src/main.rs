//! The Notes browser app: a Leptos single-page application rendered in the browser.

mod api;
mod app_shell;
mod components;
mod guard;
mod pages;
mod renewal;
mod router;
mod session;
mod task;

// Talc instead of Rust's default dlmalloc: the same job for a few kilobytes less wasm.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    leptos::mount::mount_to_body(app_shell::App);
}
