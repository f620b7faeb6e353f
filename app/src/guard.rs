//! The route guard's decision, pure so that it is tested natively; the SPA's router
//! applies it.

use crate::routes::Access;

/// An access token this close to expiry is treated as expired, so a request does not
/// leave with a token that dies on the way.
pub const EXPIRY_MARGIN_SECS: i64 = 30;

/// What the browser holds, reduced to what the guard needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// No tokens, or nothing that could yield an access token.
    SignedOut,
    /// An access token that is still good.
    Active,
    /// The access token is missing or expired but a refresh token may renew it.
    NeedsRefresh,
}

impl Session {
    /// `access_expiry` is the access token's `exp` (None when there is none or it is
    /// unreadable); `has_refresh` whether a refresh token is stored.
    pub fn from_tokens(access_expiry: Option<i64>, has_refresh: bool, now: i64) -> Self {
        match access_expiry {
            Some(exp) if exp - EXPIRY_MARGIN_SECS > now => Self::Active,
            _ if has_refresh => Self::NeedsRefresh,
            _ => Self::SignedOut,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Render,
    /// Refresh the access token once, then decide again.
    RefreshFirst,
    /// Go to `/login?next=<this page>`.
    SignIn,
    /// Go to `/`.
    GoHome,
}

pub fn decide(access: Access, session: Session) -> Decision {
    match (access, session) {
        (Access::Anyone, _) => Decision::Render,
        (Access::Protected, Session::Active) => Decision::Render,
        (Access::Protected, Session::NeedsRefresh) => Decision::RefreshFirst,
        (Access::Protected, Session::SignedOut) => Decision::SignIn,
        // A stale session still belongs to someone signed in: `/` refreshes it, or
        // sends them back here with the tokens cleared.
        (Access::GuestsOnly, Session::Active | Session::NeedsRefresh) => Decision::GoHome,
        (Access::GuestsOnly, Session::SignedOut) => Decision::Render,
    }
}

/// Seconds until the access token should be refreshed ahead of its expiry.
pub fn refresh_due_in(access_expiry: i64, now: i64) -> i64 {
    (access_expiry - EXPIRY_MARGIN_SECS - now).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::ClientRoute;

    const NOW: i64 = 1_000_000;

    #[test]
    fn session_follows_the_tokens() {
        assert_eq!(
            Session::from_tokens(Some(NOW + 600), true, NOW),
            Session::Active
        );
        assert_eq!(
            Session::from_tokens(Some(NOW + 600), false, NOW),
            Session::Active
        );
        assert_eq!(
            Session::from_tokens(Some(NOW - 1), true, NOW),
            Session::NeedsRefresh
        );
        assert_eq!(
            Session::from_tokens(Some(NOW + 5), true, NOW),
            Session::NeedsRefresh
        );
        assert_eq!(Session::from_tokens(None, true, NOW), Session::NeedsRefresh);
        assert_eq!(
            Session::from_tokens(Some(NOW - 1), false, NOW),
            Session::SignedOut
        );
        assert_eq!(Session::from_tokens(None, false, NOW), Session::SignedOut);
    }

    #[test]
    fn protected_routes_render_refresh_or_send_to_sign_in() {
        let notes = ClientRoute::Notes.access();
        assert_eq!(decide(notes, Session::Active), Decision::Render);
        assert_eq!(decide(notes, Session::NeedsRefresh), Decision::RefreshFirst);
        assert_eq!(decide(notes, Session::SignedOut), Decision::SignIn);
    }

    #[test]
    fn guest_pages_send_signed_in_users_home() {
        for route in [ClientRoute::Login, ClientRoute::Register] {
            assert_eq!(decide(route.access(), Session::Active), Decision::GoHome);
            assert_eq!(
                decide(route.access(), Session::NeedsRefresh),
                Decision::GoHome
            );
            assert_eq!(decide(route.access(), Session::SignedOut), Decision::Render);
        }
    }

    #[test]
    fn logout_always_renders() {
        for s in [Session::Active, Session::NeedsRefresh, Session::SignedOut] {
            assert_eq!(decide(ClientRoute::Logout.access(), s), Decision::Render);
        }
    }

    #[test]
    fn refresh_is_due_ahead_of_expiry() {
        assert_eq!(refresh_due_in(NOW + 100, NOW), 100 - EXPIRY_MARGIN_SECS);
        assert_eq!(refresh_due_in(NOW + 10, NOW), 0);
    }
}
