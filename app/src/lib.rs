//! What the Notes server and its browser app must agree on: the JSON that crosses the
//! wire, the rules a valid username, password or note obeys, the JWT claims, and which
//! client routes exist and who may see them. It builds for native and for
//! `wasm32-unknown-unknown`, so the two sides cannot drift.

pub mod api;
pub mod claims;
pub mod errors;
pub mod guard;
pub mod refresh;
pub mod routes;
pub mod validation;

mod common_passwords;
