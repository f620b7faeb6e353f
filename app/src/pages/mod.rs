//! One module per route of the tree in `shell`, plus the page for every other path.

mod account;
mod admin;
mod credentials;
mod history;
mod logout;
mod not_found;
mod note;
mod notes;
mod security;
mod share;
mod shared;
mod trash;

pub use account::{Me, account_page};
pub use admin::AdminPage;
pub use credentials::{LoginPage, RegisterPage};
pub use logout::LogoutPage;
pub use not_found::NotFoundPage;
pub use note::note_page;
pub use notes::NotesPage;
pub use shared::shared_page;
pub use trash::trash_page;

fn set_title(title: &str) {
    leptos::prelude::document().set_title(&[title, " · Notes"].concat());
}

/// Moves on to `path` in place of this page's history entry, so Back does not return to
/// a page whose purpose is over.
fn replace_with(navigate: impl Fn(&str, leptos_router::NavigateOptions), path: &str) {
    let options = leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    };
    navigate(path, options);
}
