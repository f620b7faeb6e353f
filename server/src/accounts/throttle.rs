//! Sign-in attempts per client address and username. Each attempt is counted before its
//! password is checked, so concurrent guesses cannot all slip in before the first
//! failure is recorded; after too many in a window the answer is `429` until the window
//! ends, without checking the password. Success forgets the count, so a busy honest user
//! is never throttled.
//!
//! On PostgreSQL the count lives in the database (`login_attempts`), one row per client
//! and username, counted by one atomic upsert on the database's clock: replicas of the
//! server share it, so alternating between them buys no extra guesses. On SQLite there
//! is one process, and the count stays in its memory.

use crate::error::{ApiError, ApiResult};
use crate::ops::metrics;
use crate::storage::pruning::Prune;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Past this many tracked keys, expired windows are swept; a flood of distinct usernames
/// cannot grow the map without bound.
const SWEEP_AT: usize = 10_000;

/// The address the account-wide count of [`LoginThrottle::guard_everywhere`] is kept
/// under: no client has it.
const EVERY_CLIENT: IpAddr = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);

/// The name attempts at an account are counted under: the name sign-in will look up, so
/// " alice" or a full-width "ａｌｉｃｅ" is not a fresh set of guesses at alice's password.
/// Names that cannot exist share one count, so they cannot grow the throttle's memory.
pub fn key_for(username: &str) -> String {
    app::validation::Username::parse(username).map_or_else(
        |_| "\0invalid".to_owned(),
        app::validation::Username::into_inner,
    )
}

/// Failures so far and when the window began, per client address and username.
type Failures = HashMap<(IpAddr, String), (u32, Instant)>;

#[derive(Clone)]
enum Store {
    Memory(Arc<Mutex<Failures>>),
    Database(DatabaseConnection),
}

#[derive(Clone)]
pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    store: Store,
}

/// Counts the attempt and answers the attempts now used and the seconds left in the
/// window. A window that has ended starts again at this attempt.
const COUNT_ATTEMPT: &str = "\
INSERT INTO login_attempts (key, attempts, window_start) VALUES ($1, 1, now())
ON CONFLICT (key) DO UPDATE SET
  attempts = CASE WHEN login_attempts.window_start <= now() - $2 * interval '1 second'
    THEN 1 ELSE login_attempts.attempts + 1 END,
  window_start = CASE WHEN login_attempts.window_start <= now() - $2 * interval '1 second'
    THEN now() ELSE login_attempts.window_start END
RETURNING attempts,
  CEIL(EXTRACT(EPOCH FROM window_start + $2 * interval '1 second' - now()))::bigint";

impl LoginThrottle {
    /// Counting in memory: one process.
    pub fn in_memory(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            store: Store::Memory(Arc::default()),
        }
    }

    /// Where `db` is shared by several processes (PostgreSQL), the count lives there;
    /// SQLite's one process counts in memory.
    pub fn for_database(db: &DatabaseConnection, max_failures: u32, window: Duration) -> Self {
        match db.get_database_backend() {
            DbBackend::Postgres => Self {
                max_failures,
                window,
                store: Store::Database(db.clone()),
            },
            _ => Self::in_memory(max_failures, window),
        }
    }

    fn map(failures: &Mutex<Failures>) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding the lock leaves only counters behind; keep using them.
        failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an attempt: `Ok(Err(seconds to wait))` when this client has used up its
    /// attempts at this username.
    pub async fn attempt(&self, ip: IpAddr, username: &str) -> ApiResult<Result<(), u64>> {
        match &self.store {
            Store::Memory(failures) => Ok(self.attempt_in_memory(failures, ip, username)),
            Store::Database(db) => {
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        COUNT_ATTEMPT,
                        [key(ip, username).into(), self.window_secs().into()],
                    ))
                    .await?
                    .ok_or_else(|| {
                        ApiError::Internal("the attempt upsert returned no row".into())
                    })?;
                let attempts: i32 = row.try_get_by_index(0)?;
                let left: i64 = row.try_get_by_index(1)?;
                if attempts.unsigned_abs() > self.max_failures {
                    return Ok(Err(left.max(1).unsigned_abs()));
                }
                Ok(Ok(()))
            }
        }
    }

    fn attempt_in_memory(
        &self,
        failures: &Mutex<Failures>,
        ip: IpAddr,
        username: &str,
    ) -> Result<(), u64> {
        let mut map = Self::map(failures);
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
    pub async fn succeeded(&self, ip: IpAddr, username: &str) -> ApiResult<()> {
        match &self.store {
            Store::Memory(failures) => {
                Self::map(failures).remove(&(ip, username.to_owned()));
            }
            Store::Database(db) => {
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "DELETE FROM login_attempts WHERE key = $1",
                    [key(ip, username).into()],
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// Runs a password check as one counted attempt: refused with `429` when none are
    /// left, forgotten when it succeeds.
    pub async fn guard<T>(
        &self,
        ip: IpAddr,
        username: &str,
        check: impl Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        if let Err(retry_after_secs) = self.attempt(ip, username).await? {
            metrics::login_throttled();
            return Err(ApiError::TooManyAttempts { retry_after_secs });
        }
        let outcome = check.await;
        match &outcome {
            Ok(_) => self.succeeded(ip, username).await?,
            Err(ApiError::BadCredentials | ApiError::Fields(_)) => metrics::login_failed(),
            Err(_) => {}
        }
        outcome
    }

    /// Runs a second-factor check as one attempt of this client's and one of the
    /// account's from every client together: the window's attempts at a code are the
    /// account's, however many addresses (every /64 of a /48) the guesses come from.
    pub async fn guard_everywhere<T>(
        &self,
        ip: IpAddr,
        username: &str,
        check: impl Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        self.guard(ip, username, self.guard(EVERY_CLIENT, username, check))
            .await
    }

    fn window_secs(&self) -> f64 {
        self.window.as_secs_f64()
    }
}

/// Counts whose window has ended, for the pruner (PostgreSQL; memory sweeps itself).
/// Safe beside other replicas doing the same: each row goes once, whoever deletes it.
impl Prune for LoginThrottle {
    fn what(&self) -> &'static str {
        "login_attempts"
    }

    fn statement(&self, _: DbBackend) -> Option<Statement> {
        matches!(self.store, Store::Database(_)).then(|| {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM login_attempts WHERE window_start <= now() - $1 * interval '1 second'",
                [self.window_secs().into()],
            )
        })
    }
}

/// The row's key: a digest of the address and the name, with a separator no address
/// holds.
fn key(ip: IpAddr, username: &str) -> String {
    let digest = Sha256::new()
        .chain_update(ip.to_string())
        .chain_update([0u8])
        .chain_update(username)
        .finalize();
    hex::encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[tokio::test]
    async fn locks_out_after_the_limit_and_only_that_username() {
        let t = LoginThrottle::in_memory(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(t.attempt(IP, "alice").await.unwrap(), Ok(()));
        }
        let wait = t.attempt(IP, "alice").await.unwrap().unwrap_err();
        assert!((1..=60).contains(&wait));
        assert_eq!(t.attempt(IP, "bob").await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn success_clears_the_count_and_windows_end() {
        let t = LoginThrottle::in_memory(2, Duration::from_secs(60));
        t.attempt(IP, "alice").await.unwrap().unwrap();
        t.succeeded(IP, "alice").await.unwrap();
        t.attempt(IP, "alice").await.unwrap().unwrap();
        assert_eq!(t.attempt(IP, "alice").await.unwrap(), Ok(()));

        let short = LoginThrottle::in_memory(1, Duration::from_millis(1));
        short.attempt(IP, "alice").await.unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.attempt(IP, "alice").await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn a_second_factor_is_counted_for_the_account_from_every_client_together() {
        let t = LoginThrottle::in_memory(2, Duration::from_secs(60));
        let wrong = || async { Err::<(), _>(ApiError::BadCredentials) };
        for n in 1..=2u8 {
            let client = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n));
            let outcome = t.guard_everywhere(client, "alice", wrong()).await;
            assert!(matches!(outcome, Err(ApiError::BadCredentials)));
        }
        let fresh_client = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 3));
        let outcome = t
            .guard_everywhere(fresh_client, "alice", async { Ok(()) })
            .await;
        assert!(matches!(outcome, Err(ApiError::TooManyAttempts { .. })));
        assert!(
            t.guard(fresh_client, "alice", async { Ok(()) })
                .await
                .is_ok()
        );
    }

    #[test]
    fn keys_are_fixed_length_and_tell_clients_and_names_apart() {
        let other = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(key(IP, "alice").len(), 64);
        assert_eq!(key(IP, "\0invalid").len(), 64);
        assert_ne!(key(IP, "alice"), key(other, "alice"));
        assert_ne!(key(IP, "alice"), key(IP, "alicf"));
    }
}
