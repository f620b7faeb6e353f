//! Sign-in attempts per client address and username. Each attempt is counted before its
//! password is checked, so concurrent guesses cannot all slip in before the first
//! failure is recorded; after too many in a window the answer is `429` until the window
//! ends, without checking the password. Success forgets the count, so a busy honest user
//! is never throttled.

use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Past this many tracked keys, expired windows are swept; a flood of distinct usernames
/// cannot grow the map without bound.
const SWEEP_AT: usize = 10_000;

/// Failures so far and when the window began, per client address and username.
type Failures = HashMap<(IpAddr, String), (u32, Instant)>;

#[derive(Clone)]
pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: Arc<Mutex<Failures>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Arc::default(),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding the lock leaves only counters behind; keep using them.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an attempt, or `Err(seconds to wait)` when this client has used up its
    /// attempts at this username.
    pub fn attempt(&self, ip: IpAddr, username: &str) -> Result<(), u64> {
        let mut map = self.map();
        if map.len() >= SWEEP_AT {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = map
            .entry((ip, username.to_owned()))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        if entry.0 >= self.max_failures {
            let left = self.window.saturating_sub(entry.1.elapsed());
            return Err(left.as_secs().max(1));
        }
        entry.0 += 1;
        Ok(())
    }

    /// The attempt succeeded: the slate is clean.
    pub fn succeeded(&self, ip: IpAddr, username: &str) {
        self.map().remove(&(ip, username.to_owned()));
    }

    /// Runs a password check as one counted attempt: refused with `429` when none are
    /// left, forgotten when it succeeds.
    pub async fn guard<T>(
        &self,
        ip: IpAddr,
        username: &str,
        check: impl Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        self.attempt(ip, username)
            .map_err(|retry_after_secs| ApiError::TooManyAttempts { retry_after_secs })?;
        let outcome = check.await;
        if outcome.is_ok() {
            self.succeeded(ip, username);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn locks_out_after_the_limit_and_only_that_username() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.attempt(IP, "alice").is_ok());
        }
        let wait = t.attempt(IP, "alice").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(t.attempt(IP, "bob").is_ok());
    }

    #[test]
    fn success_clears_the_count_and_windows_end() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        t.attempt(IP, "alice").unwrap();
        t.succeeded(IP, "alice");
        t.attempt(IP, "alice").unwrap();
        assert!(t.attempt(IP, "alice").is_ok());

        let short = LoginThrottle::new(1, Duration::from_millis(1));
        short.attempt(IP, "alice").unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.attempt(IP, "alice").is_ok());
    }
}
