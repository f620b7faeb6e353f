//! Deleting records that can never matter again: refresh tokens past their expiry and
//! sign-in counts whose window has ended.
//!
//! Every replica runs the pruner. Each delete is idempotent (a row goes once, whoever
//! deletes it), and on PostgreSQL a pass first takes a transaction-scoped advisory lock:
//! while one replica prunes, the others skip their pass instead of queueing on the same
//! rows' locks (or deadlocking, should two plans walk the rows in different orders).

use crate::error::ApiResult;
use crate::sessions;
use crate::throttle::LoginThrottle;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use std::time::Duration;

/// How often each replica prunes.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// The advisory lock's key: any constant no other code of this database uses ("notes
/// prune" in ASCII).
const LOCK_KEY: i64 = 0x6e6f_7465_7370_7275;

/// What one pass deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub refresh_tokens: u64,
    pub login_attempts: u64,
}

/// One pass, in one transaction; `None` when another replica is pruning.
pub async fn prune(db: &DatabaseConnection, throttle: &LoginThrottle) -> ApiResult<Option<Pruned>> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        let locked = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1)",
                [LOCK_KEY.into()],
            ))
            .await?
            .map(|row| row.try_get_by_index::<bool>(0))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(None);
        }
    }
    let pruned = Pruned {
        refresh_tokens: sessions::prune_expired(&txn).await?,
        login_attempts: throttle.prune(&txn).await?,
    };
    txn.commit().await?;
    Ok(Some(pruned))
}

/// Prunes every [`EVERY`] for as long as the process runs, the first pass one period
/// after start: replicas started together do not all prune at once, start-up does not
/// wait on a pass, and a pass never races the writes of a database just created (the
/// tests' own prunes count exactly what they delete).
pub fn spawn(db: DatabaseConnection, throttle: LoginThrottle) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + EVERY;
        let mut every = tokio::time::interval_at(start, EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match prune(&db, &throttle).await {
                Ok(Some(pruned)) if pruned.refresh_tokens + pruned.login_attempts > 0 => {
                    tracing::info!(
                        refresh_tokens = pruned.refresh_tokens,
                        login_attempts = pruned.login_attempts,
                        "pruned expired records"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning expired records failed"),
            }
        }
    });
}
