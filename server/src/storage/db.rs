//! Connecting to SQLite or PostgreSQL, and bringing the schema up to date.

use crate::ops::settings::SqliteSync;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqlxSqliteConnector, Statement, TransactionTrait,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How much of a SQLite file is memory-mapped; address space, not memory.
pub(crate) const MMAP_BYTES: i64 = 256 << 20;

/// SQLite's pragma for when a commit is on disk.
fn synchronous(sync: SqliteSync) -> SqliteSynchronous {
    match sync {
        SqliteSync::Full => SqliteSynchronous::Full,
        SqliteSync::Normal => SqliteSynchronous::Normal,
    }
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, 8, SqliteSync::default()).await
}

/// The main pool with SQLite's commits synced as `sync` says.
pub async fn connect_syncing(url: &str, sync: SqliteSync) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, 8, sync).await
}

/// Where writes go. SQLite takes one writer at a time: with several pooled connections,
/// writers would wait in SQLite's busy handler, which sleeps in growing steps (long tails
/// under a write load), so SQLite gets one writer connection of its own and writers
/// queue for it in order. PostgreSQL locks rows, and writes share the main pool.
pub async fn connect_writer(
    url: &str,
    main: &DatabaseConnection,
    sync: SqliteSync,
) -> Result<DatabaseConnection, DbErr> {
    if url.starts_with("sqlite:") {
        connect_with(url, 1, sync).await
    } else {
        Ok(main.clone())
    }
}

/// What every connection of this server's shares: no statement logging, and five seconds
/// to connect or to get a pooled connection before a request hears an error.
pub fn options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    options
}

async fn connect_with(
    url: &str,
    sqlite_connections: u32,
    sync: SqliteSync,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = options(url);
    if url.starts_with("sqlite:") {
        // WAL lets readers run beside the one writer; see `SqliteSync` for when a commit
        // is on disk; foreign keys make deleting a user delete their notes.
        options
            .max_connections(sqlite_connections)
            .min_connections(1)
            .map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous(sync))
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    // A search walks every note of its author; mapped, the file is read
                    // from the OS page cache shared by all connections, instead of
                    // being copied into each connection's small page cache by read().
                    .pragma("mmap_size", MMAP_BYTES.to_string())
            });
    } else {
        // Statements are prepared once per connection; after five runs PostgreSQL may
        // settle on one generic plan for all of them. For a search that would be one
        // plan for every term: the trigram index for a term in every note, or a full
        // scan for one in a handful. Planning each run costs a fraction of a
        // millisecond and lets the planner see the term.
        options
            .max_connections(16)
            .min_connections(1)
            .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
    }
    Database::connect(options).await
}

/// The advisory lock replicas take to migrate one at a time ("notes migrate" in ASCII).
const MIGRATION_LOCK: i64 = 0x6e6f_7465_736d_6967;

/// Applies pending migrations. On PostgreSQL, replicas starting together would each find
/// the same migrations pending and collide applying them; a transaction holding an
/// advisory lock makes them take turns, and the later ones find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let turn = db.begin().await?;
    turn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [MIGRATION_LOCK.into()],
    ))
    .await?;
    let migrated = Migrator::up(db, None).await;
    turn.commit().await?;
    migrated
}

/// A SQLite file opened so that nothing can change it: no journal mode set, no file
/// created, every write refused.
pub async fn open_sqlite_read_only(path: &Path) -> Result<DatabaseConnection, DbErr> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// The file a `sqlite:` URL names, if the URL names one. (sqlx would read a
/// `postgres://` URL as a file name too, and names in-memory databases like files.)
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !url.starts_with("sqlite:") || in_memory {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty() && path != Path::new(":memory:")).then(|| path.to_owned())
}

/// A read-only transaction that reads one snapshot throughout: several reads that must
/// agree (a count and its page, a text and the deltas that rebuild an older one).
pub async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        // A deferred SQLite transaction reads one WAL snapshot from its first read on.
        DbBackend::Sqlite => db.begin().await,
        _ => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_urls_name_files() {
        assert_eq!(
            sqlite_file("sqlite://data/notes.sqlite3?mode=rwc"),
            Some("data/notes.sqlite3".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://app:pw@db:5432/notes"), None);
    }
}
