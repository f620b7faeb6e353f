//! The Notes browser app: a Leptos single-page application rendered in the browser.

mod api;
mod app_shell;
mod components;
mod guard;
mod pages;
mod renewal;
mod session;
mod task;

fn main() {
    leptos::mount::mount_to_body(app_shell::App);
}
