//! sea-orm entities for the tables the `migrations` crate creates.

pub mod note;
pub mod refresh_token;
pub mod user;
