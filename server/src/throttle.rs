//! Failed sign-ins per client address and username. After too many in a window the
//! answer is `429` until the window ends, without checking the password, so guessing is
//! slow and costs the server nothing. Success does not count, so a busy honest user is
//! never throttled.

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

    /// `Err(seconds to wait)` while this client is locked out of this username.
    pub fn check(&self, ip: IpAddr, username: &str) -> Result<(), u64> {
        let map = self.map();
        match map.get(&(ip, username.to_owned())) {
            Some((count, since)) if *count >= self.max_failures => {
                let left = self.window.saturating_sub(since.elapsed());
                if left.is_zero() {
                    Ok(())
                } else {
                    Err(left.as_secs().max(1))
                }
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, ip: IpAddr, username: &str) {
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
        entry.0 += 1;
    }

    pub fn record_success(&self, ip: IpAddr, username: &str) {
        self.map().remove(&(ip, username.to_owned()));
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
            assert!(t.check(IP, "alice").is_ok());
            t.record_failure(IP, "alice");
        }
        let wait = t.check(IP, "alice").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(t.check(IP, "bob").is_ok());
    }

    #[test]
    fn success_clears_the_count_and_windows_end() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        t.record_failure(IP, "alice");
        t.record_success(IP, "alice");
        t.record_failure(IP, "alice");
        assert!(t.check(IP, "alice").is_ok());

        let short = LoginThrottle::new(1, Duration::from_millis(1));
        short.record_failure(IP, "alice");
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.check(IP, "alice").is_ok());
    }
}
