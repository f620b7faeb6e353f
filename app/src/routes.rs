//! The SPA's routes. The router in `frontend` renders them and the server answers
//! exactly these paths with the app shell and `200` (any other non-API path gets the
//! shell with `404`), so both read the table from here.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRoute {
    Notes,
    Login,
    Register,
    Logout,
}

/// Who may see a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Signed-in users only; others go to `/login?next=…`.
    Protected,
    /// Signed-out users only; signed-in users go to `/`.
    GuestsOnly,
    Anyone,
}

impl ClientRoute {
    pub const ALL: [ClientRoute; 4] = [Self::Notes, Self::Login, Self::Register, Self::Logout];

    pub const fn path(self) -> &'static str {
        match self {
            Self::Notes => "/",
            Self::Login => "/login",
            Self::Register => "/register",
            Self::Logout => "/logout",
        }
    }

    pub const fn access(self) -> Access {
        match self {
            Self::Notes => Access::Protected,
            Self::Login | Self::Register => Access::GuestsOnly,
            Self::Logout => Access::Anyone,
        }
    }

    /// The route a request path names; a trailing slash is tolerated.
    pub fn from_path(path: &str) -> Option<Self> {
        let path = match path.strip_suffix('/') {
            Some("") | None => path,
            Some(trimmed) => trimmed,
        };
        Self::ALL.into_iter().find(|r| r.path() == path)
    }
}

/// Where the sign-in page sends a user afterwards: only a path of this site, so a
/// crafted `?next=https://evil.example` cannot turn sign-in into an open redirect.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => ClientRoute::Notes.path(),
    }
}

/// `/login?next=<path>` with the path percent-encoded.
pub fn login_url(next: &str) -> String {
    let mut url = String::from("/login?next=");
    for byte in next.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_by_its_path() {
        for route in ClientRoute::ALL {
            assert_eq!(ClientRoute::from_path(route.path()), Some(route));
        }
        assert_eq!(ClientRoute::from_path("/login/"), Some(ClientRoute::Login));
        assert_eq!(ClientRoute::from_path("/nope"), None);
        assert_eq!(ClientRoute::from_path("/api/notes/"), None);
    }

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/?q=1")), "/?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_url_encodes_the_return_path() {
        assert_eq!(login_url("/"), "/login?next=/");
        assert_eq!(login_url("/?a=1&b=2"), "/login?next=/%3Fa%3D1%26b%3D2");
    }
}
