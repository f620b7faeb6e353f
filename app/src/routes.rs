//! The SPA's paths, and where sign-in leads. The route tree itself is the `<FlatRoutes>`
//! in `shell`; the server answers exactly the paths leptos_axum lists from it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The client routes' paths, for links and redirects.
pub mod paths {
    pub const NOTES: &str = "/";
    pub const ACCOUNT: &str = "/account";
    pub const LOGIN: &str = "/login";
    pub const REGISTER: &str = "/register";
    pub const LOGOUT: &str = "/logout";
    pub const TRASH: &str = "/trash";
    /// The operator's area: its own code, loaded when first opened.
    pub const ADMIN: &str = "/admin";
    /// The notes others shared with the person.
    pub const SHARED: &str = "/shared";
    /// One note's page is this and its id (`/notes/{id}`).
    pub const NOTE: &str = "/notes/";

    /// Every client route, as the tree declares them (a note's page by its prefix).
    pub const ALL: [&str; 9] = [
        NOTES, ACCOUNT, LOGIN, REGISTER, LOGOUT, TRASH, ADMIN, SHARED, NOTE,
    ];

    /// Note `id`'s page.
    pub fn note(id: i64) -> String {
        format!("{NOTE}{id}")
    }
}

/// Who may see a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Signed-in users only; others go to `/login?next=…`.
    Protected,
    /// Signed-out users only; signed-in users go on to where signing in leads.
    GuestsOnly,
    Anyone,
}

/// Where the sign-in page sends a user afterwards: only a path of this site, so a
/// crafted `?next=https://evil.example` cannot turn sign-in into an open redirect, and
/// never back to sign-out, which would undo it.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with(paths::LOGOUT) => paths::NOTES,
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => paths::NOTES,
    }
}

/// What `next` keeps as it is: unreserved characters and the path separator.
const NEXT_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `/login?next=<path>` with the path percent-encoded.
pub fn login_url(next: &str) -> String {
    [
        paths::LOGIN,
        "?next=",
        &utf8_percent_encode(next, NEXT_KEEPS).to_string(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/?q=1")), "/?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/logout")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(login_url("/"), "/login?next=/");
        assert_eq!(login_url("/?a=1&b=2"), "/login?next=/%3Fa%3D1%26b%3D2");
        assert_eq!(login_url("/?q=ü"), "/login?next=/%3Fq%3D%C3%BC");
    }
}
