//! One module per route of the tree in `shell`, plus the page for every other path.

mod account;
mod credentials;
mod logout;
mod not_found;
mod notes;

pub use account::{AccountPage, Me};
pub use credentials::{LoginPage, RegisterPage};
pub use logout::LogoutPage;
pub use not_found::NotFoundPage;
pub use notes::NotesPage;

fn set_title(title: &str) {
    leptos::prelude::document().set_title(&[title, " · Notes"].concat());
}

/// The day of an RFC 3339 time, in the reader's locale and time zone.
fn local_date(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&rfc3339.into());
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    date.to_locale_date_string("default", &leptos::wasm_bindgen::JsValue::UNDEFINED)
        .into()
}
