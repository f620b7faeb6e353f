//! Deleting records that can never matter again. What they are is for the rooms that own
//! them to say (a [`Prune`] each: expired refresh tokens, ended sign-in windows); when
//! and how safely is said here.
//!
//! Every replica runs the pruner. Each delete is idempotent (a row goes once, whoever
//! deletes it), and on PostgreSQL a pass first takes a transaction-scoped advisory lock:
//! while one replica prunes, the others skip their pass instead of queueing on the same
//! rows' locks (or deadlocking, should two plans walk the rows in different orders).

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How often each replica prunes.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// The advisory lock's key: any constant no other code of this database uses ("notes
/// prune" in ASCII).
const LOCK_KEY: i64 = 0x6e6f_7465_7370_7275;

/// Records a room deletes once they can never matter again.
pub trait Prune: Send + Sync {
    /// What the records are, as the log names them.
    fn what(&self) -> &'static str;
    /// The statement that deletes them now, or `None` when nothing of this kind is kept
    /// in the database.
    fn statement(&self, backend: DbBackend) -> Option<Statement>;
}

/// What one pass deleted, of each kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned(Vec<(&'static str, u64)>);

impl Pruned {
    /// How many records of this kind went.
    pub fn of(&self, what: &str) -> u64 {
        self.0
            .iter()
            .filter(|(kind, _)| *kind == what)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

impl fmt::Display for Pruned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (what, n)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{what}: {n}")?;
        }
        Ok(())
    }
}

/// One pass, in one transaction; `None` when another replica is pruning.
pub async fn prune(
    db: &DatabaseConnection,
    kinds: &[Arc<dyn Prune>],
) -> Result<Option<Pruned>, DbErr> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    if !alone(&txn, LOCK_KEY).await? {
        return Ok(None);
    }
    let mut pruned = Pruned::default();
    for kind in kinds {
        if let Some(statement) = kind.statement(backend) {
            let deleted = txn.execute_raw(statement).await?.rows_affected();
            pruned.0.push((kind.what(), deleted));
        }
    }
    txn.commit().await?;
    Ok(Some(pruned))
}

/// Whether this replica is the one running pass `key` now: on PostgreSQL it takes the
/// transaction-scoped advisory lock `key`, or learns another replica holds it; SQLite has
/// one process.
pub async fn alone(txn: &DatabaseTransaction, key: i64) -> Result<bool, DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    Ok(txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<bool>(0))
        .transpose()?
        .unwrap_or(false))
}

/// Prunes every [`EVERY`] for as long as the process runs (see [`periodically`]).
pub fn spawn(db: DatabaseConnection, kinds: Vec<Arc<dyn Prune>>) {
    periodically(EVERY, move || {
        let (db, kinds) = (db.clone(), kinds.clone());
        async move {
            match prune(&db, &kinds).await {
                Ok(Some(pruned)) if pruned.total() > 0 => {
                    tracing::info!(%pruned, "pruned expired records");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning expired records failed"),
            }
        }
    });
}

/// Runs `pass` every `period` for as long as the process runs, the first one period
/// after start: replicas started together do not all run at once, start-up does not
/// wait on a pass, and a pass never races the writes of a database just created (the
/// tests' own passes count exactly what they delete).
pub fn periodically<F, Pass>(period: Duration, mut pass: F)
where
    F: FnMut() -> Pass + Send + 'static,
    Pass: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + period;
        let mut every = tokio::time::interval_at(start, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            pass().await;
        }
    });
}
