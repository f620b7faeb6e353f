//! The route guard's decision, pure so that it is tested natively; `protect` applies it
//! to the route tree.

use crate::claims::Lifetime;
use crate::routes::Access;

/// An access token this close to expiry is treated as expired, so a request does not
/// leave with a token that dies on the way.
pub const EXPIRY_MARGIN_SECS: i64 = 30;

/// When an access token stops counting as good: [`EXPIRY_MARGIN_SECS`] before it expires,
/// or halfway through its life if that is shorter than twice the margin, so that a token
/// the server has just issued is always good (renewing it would only bring another like
/// it).
fn stale_at(lifetime: Lifetime) -> i64 {
    let margin = match lifetime.iat {
        Some(iat) => EXPIRY_MARGIN_SECS.min((lifetime.exp - iat) / 2),
        None => EXPIRY_MARGIN_SECS,
    };
    lifetime.exp - margin.max(0)
}

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
    /// `access` is the access token's lifetime (None when there is none or it is
    /// unreadable); `has_refresh` whether a refresh token is stored.
    pub fn from_tokens(access: Option<Lifetime>, has_refresh: bool, now: i64) -> Self {
        match access {
            Some(lifetime) if stale_at(lifetime) > now => Self::Active,
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
    /// Go on to where signing in leads (`/`, or the page that sent the person to sign in).
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

    const NOW: i64 = 1_000_000;

    /// A 30-minute token expiring at `exp`.
    fn expiring(exp: i64) -> Option<Lifetime> {
        Some(Lifetime {
            iat: Some(exp - 1800),
            exp,
            user_id: None,
        })
    }

    #[test]
    fn session_follows_the_tokens() {
        assert_eq!(
            Session::from_tokens(expiring(NOW + 600), true, NOW),
            Session::Active
        );
        assert_eq!(
            Session::from_tokens(expiring(NOW + 600), false, NOW),
            Session::Active
        );
        assert_eq!(
            Session::from_tokens(expiring(NOW - 1), true, NOW),
            Session::NeedsRefresh
        );
        assert_eq!(
            Session::from_tokens(expiring(NOW + 5), true, NOW),
            Session::NeedsRefresh
        );
        assert_eq!(Session::from_tokens(None, true, NOW), Session::NeedsRefresh);
        assert_eq!(
            Session::from_tokens(expiring(NOW - 1), false, NOW),
            Session::SignedOut
        );
        assert_eq!(Session::from_tokens(None, false, NOW), Session::SignedOut);
    }

    #[test]
    fn a_token_shorter_lived_than_the_margin_is_good_for_half_its_life() {
        let five_seconds = |iat| {
            Some(Lifetime {
                iat: Some(iat),
                exp: iat + 5,
                user_id: None,
            })
        };
        assert_eq!(
            Session::from_tokens(five_seconds(NOW), true, NOW),
            Session::Active
        );
        assert_eq!(
            Session::from_tokens(five_seconds(NOW - 3), true, NOW),
            Session::NeedsRefresh
        );
        // Without `iat`, the margin is all there is to go by.
        let no_iat = Some(Lifetime {
            iat: None,
            exp: NOW + 5,
            user_id: None,
        });
        assert_eq!(
            Session::from_tokens(no_iat, true, NOW),
            Session::NeedsRefresh
        );
    }

    #[test]
    fn protected_routes_render_refresh_or_send_to_sign_in() {
        let notes = Access::Protected;
        assert_eq!(decide(notes, Session::Active), Decision::Render);
        assert_eq!(decide(notes, Session::NeedsRefresh), Decision::RefreshFirst);
        assert_eq!(decide(notes, Session::SignedOut), Decision::SignIn);
    }

    #[test]
    fn guest_pages_send_signed_in_users_home() {
        let guests = Access::GuestsOnly;
        assert_eq!(decide(guests, Session::Active), Decision::GoHome);
        assert_eq!(decide(guests, Session::NeedsRefresh), Decision::GoHome);
        assert_eq!(decide(guests, Session::SignedOut), Decision::Render);
    }

    #[test]
    fn logout_always_renders() {
        for s in [Session::Active, Session::NeedsRefresh, Session::SignedOut] {
            assert_eq!(decide(Access::Anyone, s), Decision::Render);
        }
    }

    #[test]
    fn refresh_is_due_ahead_of_expiry() {
        assert_eq!(refresh_due_in(NOW + 100, NOW), 100 - EXPIRY_MARGIN_SECS);
        assert_eq!(refresh_due_in(NOW + 10, NOW), 0);
    }
}
