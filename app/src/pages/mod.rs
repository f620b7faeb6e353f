//! One module per route of the tree in `shell`, plus the page for every other path.

mod credentials;
mod logout;
mod not_found;
mod notes;

pub use credentials::{LoginPage, RegisterPage};
pub use logout::LogoutPage;
pub use not_found::NotFoundPage;
pub use notes::NotesPage;

fn set_title(title: &str) {
    leptos::prelude::document().set_title(&[title, " · Notes"].concat());
}
