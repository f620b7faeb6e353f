//! Connecting to SQLite or PostgreSQL, and bringing the schema up to date.

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlxSqliteConnector};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How much of a SQLite file is memory-mapped; address space, not memory.
const MMAP_BYTES: u64 = 256 << 20;

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, 8).await
}

/// Where reads and writes go, the schema brought up to date: `(reads, writes)`.
///
/// SQLite takes one writer at a time: with several pooled connections, writers would wait
/// in SQLite's busy handler, which sleeps in growing steps (long tails under a write
/// load), so SQLite gets one writer connection of its own and writers queue for it in
/// order. It also migrates, before any reader connects: a reader that connected while a
/// new file's schema was being written could go on seeing it empty ("no such table").
/// PostgreSQL locks rows, and reads and writes share one pool.
pub async fn connect_migrated(
    url: &str,
) -> Result<(DatabaseConnection, DatabaseConnection), StartupDbError> {
    if url.starts_with("sqlite:") {
        let writer = connect_with(url, 1)
            .await
            .map_err(StartupDbError::Connect)?;
        migrate(&writer).await.map_err(StartupDbError::Migrate)?;
        let readers = connect(url).await.map_err(StartupDbError::Connect)?;
        Ok((readers, writer))
    } else {
        let pool = connect(url).await.map_err(StartupDbError::Connect)?;
        migrate(&pool).await.map_err(StartupDbError::Migrate)?;
        Ok((pool.clone(), pool))
    }
}

/// Which step of [`connect_migrated`] failed.
#[derive(Debug)]
pub enum StartupDbError {
    Connect(DbErr),
    Migrate(DbErr),
}

async fn connect_with(url: &str, sqlite_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        // WAL lets readers run beside the one writer; NORMAL is durable under WAL except
        // on power loss; foreign keys make deleting a user delete their notes.
        options
            .max_connections(sqlite_connections)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
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

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
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

/// The file a `sqlite:` URL names, if the URL names one.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty() && path != Path::new(":memory:")).then(|| path.to_owned())
}
