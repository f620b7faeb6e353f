//! One module per route of the tree in `shell`, plus the page for every other path.

mod access_tokens;
mod account;
mod admin;
mod browser;
mod credentials;
mod history;
mod identities;
mod logout;
mod me;
mod not_found;
mod note;
mod notes;
mod panels;
mod providers;
mod security;
mod share;
mod shared;
mod trash;

pub use account::account_page;
pub use admin::AdminPage;
pub use credentials::{LoginPage, RegisterPage};
pub use logout::LogoutPage;
pub use me::Me;
pub use not_found::NotFoundPage;
pub use note::note_page;
pub use notes::NotesPage;
pub use shared::shared_page;
pub use trash::trash_page;
