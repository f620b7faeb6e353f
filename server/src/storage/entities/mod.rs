//! sea-orm entities for the tables the `migrations` crate creates.

pub mod access_token;
pub mod attachment;
pub mod attachment_chunk;
pub mod attachment_use;
pub mod audit_entry;
pub mod event;
pub mod identity;
pub mod invite;
pub mod note;
pub mod note_creation_key;
pub mod note_link;
pub mod note_pin;
pub mod note_revision;
pub mod note_share;
pub mod note_tag;
pub mod oidc_code;
pub mod oidc_login;
pub mod recovery_code;
pub mod refresh_token;
pub mod sign_in_challenge;
pub mod site_setting;
pub mod totp_secret;
pub mod trashed_note;
pub mod user;
