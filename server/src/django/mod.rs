//! Moving from the Django REST framework original: `import-django` reads its users and
//! notes (`source`) and writes them here in one transaction (`import`). Uses `accounts`
//! (to tell which Django password hashes sign-in takes), `storage` and `error`.

mod error;
pub mod import;
pub mod progress;
mod source;
