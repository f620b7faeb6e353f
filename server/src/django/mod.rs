//! Moving from the Django REST framework original: its users and notes imported
//! (`import`), and the password hashes Django wrote accepted at sign-in (`hashers`).

pub mod hashers;
pub mod import;
pub mod progress;
mod source;
