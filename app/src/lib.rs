//! What the Notes server and its browser app share: the JSON that crosses the wire, the
//! rules a valid username, password or note obeys, the JWT claims, and the SPA itself:
//! its route tree, guards and pages. It builds for `wasm32-unknown-unknown` (feature
//! `csr`, mounted by the frontend crate) and natively (feature `ssr`: the server lists
//! the client routes from the same tree), so the two sides cannot drift.

// The native build's view types are nested as deep as the pages (the browser build
// erases them, `--cfg erase_components`): the operator's area is past the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod claims;
pub mod client;
pub mod devices;
pub mod errors;
pub mod guard;
pub mod json;
pub mod markdown;
pub mod offline;
pub mod refresh;
pub mod routes;
pub mod task;
pub mod validation;

mod common_passwords;
mod components;
mod lazy;
mod pages;
mod protect;
mod shell;
mod unsaved;

pub use components::in_bytes;
pub use shell::App;
