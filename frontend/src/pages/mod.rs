//! One module per route of `app::routes`, plus the page for every other path.

mod login;
mod logout;
mod not_found;
mod notes;
mod register;

pub use login::LoginPage;
pub use logout::LogoutPage;
pub use not_found::NotFoundPage;
pub use notes::NotesPage;
pub use register::RegisterPage;

fn set_title(title: &str) {
    leptos::prelude::document().set_title(&format!("{title} · Notes"));
}

/// `app::validation::Username::parse`, normalising with the browser's own NFKC so that
/// the wasm does not carry Unicode normalisation tables.
fn parse_username(raw: &str) -> Result<app::validation::Username, Vec<String>> {
    let normalized: String = js_sys::JsString::from(raw.trim()).normalize("NFKC").into();
    app::validation::Username::parse_normalized(normalized)
}
