//! The SPA's token-refresh decisions, pure so that they are tested natively; the API
//! client in `frontend` performs them. The rules: one refresh in flight per tab however
//! many requests wait for it, a pair renewed by another tab is used rather than renewed
//! again, every request is retried at most once, and a session ends only when the server
//! says the refresh token is no good (not when the network blinks).

use crate::guard::{EXPIRY_MARGIN_SECS, refresh_due_in};

/// What a request the server answered `401` knew when it came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected<'a> {
    /// The access token the request carried.
    pub sent: Option<&'a str>,
    /// The access token in storage now: another request or tab may have renewed it.
    pub stored: Option<&'a str>,
    /// Whether a refresh token is stored.
    pub has_refresh: bool,
    /// Whether this tab is already refreshing.
    pub in_flight: bool,
    /// Whether this request was already sent a second time.
    pub retried: bool,
}

/// What that request does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send again with the access token now stored, which someone else renewed.
    Retry,
    /// Wait for the refresh already in flight, then send again.
    Wait,
    /// Start the one refresh, then send again.
    Refresh,
    /// Nothing can renew the session: clear the tokens and sign in again.
    GiveUp,
}

pub fn on_unauthorized(r: Rejected<'_>) -> Next {
    if r.retried {
        // A renewed token that is refused too means the session is gone; looping
        // would only hammer the server.
        return Next::GiveUp;
    }
    match r.stored {
        Some(stored) if Some(stored) != r.sent => Next::Retry,
        _ if r.in_flight => Next::Wait,
        _ if r.has_refresh => Next::Refresh,
        _ => Next::GiveUp,
    }
}

/// Whether a refresh should go to the server, or whether the access token it was meant
/// to replace (`stale`) has meanwhile been replaced by one that is still good, typically by
/// another tab whose new pair arrived through the `storage` event.
pub fn already_renewed(stale: Option<&str>, stored: Option<&str>, stored_is_active: bool) -> bool {
    stored.is_some() && stored != stale && stored_is_active
}

/// How a `POST /api/token/refresh/` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new pair: store it and carry on.
    Renewed,
    /// The server refused the refresh token: the session is over.
    SignedOut,
    /// No answer, or one that says nothing about the token (rate limit, server error):
    /// keep the tokens, fail this attempt, let a later one try again.
    TryLater,
}

/// Reads the refresh endpoint's status; `None` when the request never got an answer.
pub fn refresh_outcome(status: Option<u16>) -> RefreshOutcome {
    match status {
        Some(200..=299) => RefreshOutcome::Renewed,
        // 400: no or malformed token; 401: expired, spent, blacklisted or forged.
        Some(400 | 401 | 403) => RefreshOutcome::SignedOut,
        _ => RefreshOutcome::TryLater,
    }
}

/// What to do with a refresh's answer, by what storage holds once it is back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle<T> {
    /// Store the new pair: the session goes on.
    Store(T),
    /// Another tab rotated the refresh token while ours was on its way, and stored its
    /// pair: use that one, whatever the server said of ours.
    AdoptStored,
    /// The session is over: the server refused the token, or this tab or another
    /// signed out meanwhile (storing a pair then would sign every tab back in).
    SignOut,
}

/// `sent` is the refresh token the request carried, `stored_now` the one in storage
/// when the answer came, `renewed` the new pair if the server gave one.
pub fn settle<T>(sent: &str, stored_now: Option<&str>, renewed: Option<T>) -> Settle<T> {
    match (stored_now, renewed) {
        (Some(now), _) if now != sent => Settle::AdoptStored,
        (Some(_), Some(pair)) => Settle::Store(pair),
        _ => Settle::SignOut,
    }
}

/// Milliseconds until this tab should renew the access token ahead of its expiry, or
/// `None` when it should not schedule a renewal: no readable expiry, or a token that
/// is already inside the margin (a short-lived token would otherwise be renewed in a
/// tight loop; requests and the guard renew such tokens when they need them).
///
/// `jitter_ms` (0 to [`MAX_JITTER_MS`]) spreads tabs apart so that the first to renew
/// hands its pair to the others through storage instead of each renewing its own.
pub fn proactive_delay_ms(access_expiry: Option<i64>, now: i64, jitter_ms: u32) -> Option<u64> {
    let exp = access_expiry?;
    if exp - EXPIRY_MARGIN_SECS <= now {
        return None;
    }
    let due_ms = refresh_due_in(exp, now).saturating_mul(1000);
    let delay = due_ms
        .saturating_sub(i64::from(jitter_ms.min(MAX_JITTER_MS)))
        .max(0) as u64;
    Some(delay.min(MAX_TIMER_MS))
}

/// Browsers fire a longer `setTimeout` at once, which would renew in a loop.
pub const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// The widest spread between tabs' scheduled renewals.
pub const MAX_JITTER_MS: u32 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected<'a>(sent: Option<&'a str>, stored: Option<&'a str>) -> Rejected<'a> {
        Rejected {
            sent,
            stored,
            has_refresh: true,
            in_flight: false,
            retried: false,
        }
    }

    #[test]
    fn the_first_rejected_request_starts_the_refresh() {
        assert_eq!(
            on_unauthorized(rejected(Some("a1"), Some("a1"))),
            Next::Refresh
        );
    }

    #[test]
    fn requests_rejected_during_a_refresh_wait_for_it() {
        let r = Rejected {
            in_flight: true,
            ..rejected(Some("a1"), Some("a1"))
        };
        assert_eq!(on_unauthorized(r), Next::Wait);
    }

    #[test]
    fn a_token_renewed_elsewhere_is_used_without_refreshing_again() {
        assert_eq!(
            on_unauthorized(rejected(Some("a1"), Some("a2"))),
            Next::Retry
        );
        // Even when this tab is refreshing too: the stored token is already newer.
        let r = Rejected {
            in_flight: true,
            ..rejected(Some("a1"), Some("a2"))
        };
        assert_eq!(on_unauthorized(r), Next::Retry);
        // A request that left with no token at all retries once one has arrived.
        assert_eq!(on_unauthorized(rejected(None, Some("a2"))), Next::Retry);
    }

    #[test]
    fn a_request_is_retried_only_once() {
        let r = Rejected {
            retried: true,
            ..rejected(Some("a1"), Some("a2"))
        };
        assert_eq!(on_unauthorized(r), Next::GiveUp);
        let r = Rejected {
            retried: true,
            in_flight: true,
            ..rejected(Some("a2"), Some("a2"))
        };
        assert_eq!(on_unauthorized(r), Next::GiveUp);
    }

    #[test]
    fn without_a_refresh_token_the_session_is_over() {
        let r = Rejected {
            has_refresh: false,
            ..rejected(Some("a1"), Some("a1"))
        };
        assert_eq!(on_unauthorized(r), Next::GiveUp);
        let r = Rejected {
            has_refresh: false,
            ..rejected(Some("a1"), None)
        };
        assert_eq!(on_unauthorized(r), Next::GiveUp);
        // Signed out in another tab while a request was out: the tokens are gone.
        let r = Rejected {
            has_refresh: false,
            ..rejected(None, None)
        };
        assert_eq!(on_unauthorized(r), Next::GiveUp);
    }

    #[test]
    fn a_pair_renewed_by_another_tab_replaces_the_refresh() {
        assert!(already_renewed(Some("a1"), Some("a2"), true));
        assert!(!already_renewed(Some("a1"), Some("a1"), true));
        assert!(!already_renewed(Some("a1"), Some("a2"), false));
        assert!(!already_renewed(Some("a1"), None, false));
        assert!(already_renewed(None, Some("a2"), true));
    }

    #[test]
    fn an_answer_is_kept_only_while_the_token_it_renewed_is_still_the_stored_one() {
        assert_eq!(
            settle("r1", Some("r1"), Some("pair")),
            Settle::Store("pair")
        );
        assert_eq!(settle("r1", Some("r2"), Some("pair")), Settle::AdoptStored);
        assert_eq!(settle("r1", Some("r2"), None::<&str>), Settle::AdoptStored);
        assert_eq!(settle("r1", None, Some("pair")), Settle::SignOut);
        assert_eq!(settle("r1", Some("r1"), None::<&str>), Settle::SignOut);
        assert_eq!(settle("r1", None, None::<&str>), Settle::SignOut);
    }

    #[test]
    fn only_the_servers_refusal_ends_the_session() {
        assert_eq!(refresh_outcome(Some(200)), RefreshOutcome::Renewed);
        assert_eq!(refresh_outcome(Some(401)), RefreshOutcome::SignedOut);
        assert_eq!(refresh_outcome(Some(400)), RefreshOutcome::SignedOut);
        assert_eq!(refresh_outcome(Some(429)), RefreshOutcome::TryLater);
        assert_eq!(refresh_outcome(Some(500)), RefreshOutcome::TryLater);
        assert_eq!(refresh_outcome(Some(503)), RefreshOutcome::TryLater);
        assert_eq!(refresh_outcome(None), RefreshOutcome::TryLater);
    }

    #[test]
    fn renewal_is_scheduled_ahead_of_expiry_and_spread_between_tabs() {
        let now = 1_000_000;
        let exp = now + 1800;
        let ahead = (1800 - EXPIRY_MARGIN_SECS) as u64 * 1000;
        assert_eq!(proactive_delay_ms(Some(exp), now, 0), Some(ahead));
        assert_eq!(proactive_delay_ms(Some(exp), now, 2500), Some(ahead - 2500));
        // Jitter is bounded and never makes the delay negative.
        assert_eq!(
            proactive_delay_ms(Some(exp), now, u32::MAX),
            Some(ahead - MAX_JITTER_MS as u64)
        );
        assert_eq!(
            proactive_delay_ms(Some(now + EXPIRY_MARGIN_SECS + 1), now, 5000),
            Some(0)
        );
        // A token that lives for months is renewed after the longest timer a browser keeps.
        assert_eq!(
            proactive_delay_ms(Some(now + 90 * 86_400), now, 0),
            Some(MAX_TIMER_MS)
        );
    }

    #[test]
    fn short_lived_or_unreadable_tokens_are_not_renewed_in_a_loop() {
        let now = 1_000_000;
        assert_eq!(proactive_delay_ms(Some(now + 5), now, 0), None);
        assert_eq!(
            proactive_delay_ms(Some(now + EXPIRY_MARGIN_SECS), now, 0),
            None
        );
        assert_eq!(proactive_delay_ms(Some(now - 1), now, 0), None);
        assert_eq!(proactive_delay_ms(None, now, 0), None);
    }
}
