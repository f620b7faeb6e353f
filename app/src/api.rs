//! Request and response bodies of the HTTP API, shaped as the Django REST framework +
//! simplejwt original shapes them so that clients of either server work with both.

use serde::{Deserialize, Serialize};

/// API paths, with the original's trailing slashes.
pub mod paths {
    pub const REGISTER: &str = "/api/user/register/";
    /// Not in the original: changing one's password, which ends every other session.
    pub const PASSWORD: &str = "/api/user/password/";
    pub const TOKEN: &str = "/api/token/";
    pub const TOKEN_REFRESH: &str = "/api/token/refresh/";
    pub const TOKEN_VERIFY: &str = "/api/token/verify/";
    pub const TOKEN_BLACKLIST: &str = "/api/token/blacklist/";
    pub const NOTES: &str = "/api/notes/";

    pub fn note(id: i64) -> String {
        format!("/api/notes/{id}/")
    }

    /// The original's delete-only path, kept for its clients.
    pub fn note_delete(id: i64) -> String {
        format!("/api/notes/delete/{id}/")
    }
}

/// `POST /api/user/register/` and `POST /api/token/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// `POST /api/user/password/`; answered with a new [`TokenPair`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

/// `201` answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
}

/// The token pair handed out at sign-in and at every refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

/// `POST /api/token/refresh/` and `POST /api/token/blacklist/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh: String,
}

/// `POST /api/token/verify/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub token: String,
}

/// A note as the API returns it. Times are RFC 3339 in UTC; `author` is the owner's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub created_at: String,
    pub updated_at: String,
    pub author: i64,
}

/// `POST /api/notes/` and `PUT /api/notes/<id>/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteInput {
    pub title: String,
    pub content: String,
}

/// `PATCH /api/notes/<id>/`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}
