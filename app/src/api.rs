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
    /// Not in the original: the signed-in account (`GET`, and `DELETE` with [`super::AccountDeletion`]).
    pub const ACCOUNT: &str = "/api/user/";
    /// Not in the original: `DELETE` ends every session of the caller, this one included.
    pub const SESSIONS: &str = "/api/user/sessions/";

    pub fn note(id: i64) -> String {
        format!("/api/notes/{id}/")
    }

    /// The original's delete-only path, kept for its clients.
    pub fn note_delete(id: i64) -> String {
        format!("/api/notes/delete/{id}/")
    }
}

/// Query parameters of `GET /api/notes/`, each opt-in: without them the answer is the
/// original's plain list.
pub mod query {
    /// White-space-separated terms; a note matches when its title or content contains
    /// every one, ignoring case (Django REST framework's `SearchFilter`).
    pub const SEARCH: &str = "search";
    /// Turns the answer into a [`super::Page`]; a number from 1, or `last`.
    pub const PAGE: &str = "page";
    /// Turns the answer into a [`super::Page`] too; 20 by default, at most 100.
    pub const PAGE_SIZE: &str = "page_size";
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

/// One page of a list: Django REST framework's `PageNumberPagination` answer. `next` and
/// `previous` are absolute URLs, `null` at either end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// `GET /api/user/`: the signed-in account. `date_joined` is RFC 3339 in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub date_joined: String,
}

/// `DELETE /api/user/`: the password again, so a borrowed session cannot delete the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeletion {
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_reads_as_drfs_page_number_pagination() {
        let body = r#"{"count":3,"next":"http://h/api/notes/?page=2","previous":null,
            "results":[{"id":1,"title":"t","content":"c","created_at":"a","updated_at":"u","author":2}]}"#;
        let page: Page<Note> = serde_json::from_str(body).unwrap();
        assert_eq!((page.count, page.previous.as_deref()), (3, None));
        assert_eq!(page.results[0].author, 2);
        let written = serde_json::to_string(&page).unwrap();
        let keys: Vec<usize> = ["count", "next", "previous", "results"]
            .iter()
            .map(|k| written.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(keys.is_sorted(), "DRF's key order: {written}");
        let account = Account {
            id: 1,
            username: "alice".into(),
            date_joined: "2026-11-24T19:30:22.123456Z".into(),
        };
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            json!({"id": 1, "username": "alice", "date_joined": "2026-11-24T19:30:22.123456Z"})
        );
        let deletion: AccountDeletion = serde_json::from_str(r#"{"password":"p"}"#).unwrap();
        assert_eq!(deletion.password, "p");
    }
}
