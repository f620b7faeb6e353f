//! The plain notes list on SQLite, read in the request's own thread.
//!
//! sqlx gives every SQLite connection a worker thread and hands each statement, and each
//! row back, across a channel: a list of 20 notes costs two dozen thread wake-ups, which
//! a profile of the list under load showed as most of its time (futex wait and wake),
//! far more than SQLite's own work. Here the same query runs on a plain SQLite
//! connection in the calling thread: with the file memory-mapped, reading a few dozen
//! rows takes tens of microseconds, less than one hand-off.
//!
//! It is an optimisation with the same answers, never a second source of truth: every
//! read is one statement in its own WAL snapshot, so it sees every write committed before
//! it (the writer commits before its request is answered) and no cache can go stale.
//! Whatever it cannot answer exactly as the sea-orm path would (more than [`MAX_ROWS`]
//! notes, which would hold the thread too long; no notes, where the user's existence must
//! be checked; a time in a form it does not parse; any SQLite error) it declines, and the
//! caller reads the usual way.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Lists longer than this are read through the pool, off this thread.
pub const MAX_ROWS: usize = 100;

/// Idle connections kept; one per runtime thread is the usual need.
const KEEP_IDLE: usize = 8;

/// How much of the file each connection maps, as `db::connect` does.
const MMAP_BYTES: i64 = 256 << 20;

/// `notes::list` without search terms: the author's notes, newest first.
const LIST: &str = "SELECT id, title, content, created_at, updated_at, author_id FROM notes \
                    WHERE author_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2";

pub struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    /// For a SQLite database file; `None` for an in-memory one, which another connection
    /// could not see.
    pub fn for_file(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The author's notes, newest first, or `None` when the caller should read them
    /// through the pool (see the module's note).
    pub fn notes(&self, author: i64) -> Option<Vec<app::api::Note>> {
        let connection = match self.take() {
            Ok(connection) => connection,
            Err(e) => {
                tracing::warn!(error = %e, "opening an inline SQLite reader");
                return None;
            }
        };
        let notes = list(&connection, author);
        self.put_back(connection);
        match notes {
            Ok(notes) => notes,
            Err(e) => {
                tracing::debug!(error = %e, "inline list declined");
                None
            }
        }
    }

    /// Connections kept for the next read, for `/metrics`.
    pub fn idle_connections(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }

    fn take(&self) -> rusqlite::Result<Connection> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(connection) => Ok(connection),
            None => self.open(),
        }
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEEP_IDLE {
            idle.push(connection);
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        // Read-write without create, as sqlx opens it, so the WAL files are shared the
        // usual way; `query_only` refuses any write on this connection.
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.pragma_update(None, "query_only", true)?;
        connection.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        Ok(connection)
    }
}

fn list(connection: &Connection, author: i64) -> rusqlite::Result<Option<Vec<app::api::Note>>> {
    let mut statement = connection.prepare_cached(LIST)?;
    let mut rows = statement.query((author, MAX_ROWS as i64 + 1))?;
    let mut notes = Vec::new();
    while let Some(row) = rows.next()? {
        if notes.len() == MAX_ROWS {
            return Ok(None);
        }
        let (Some(created_at), Some(updated_at)) = (
            time(row.get_ref(3)?.as_str()?),
            time(row.get_ref(4)?.as_str()?),
        ) else {
            return Ok(None);
        };
        notes.push(app::api::Note {
            id: row.get(0)?,
            title: row.get(1)?,
            content: row.get(2)?,
            created_at,
            updated_at,
            author: row.get(5)?,
        });
    }
    Ok((!notes.is_empty()).then_some(notes))
}

/// A stored time as the API shows it. sea-orm stores RFC 3339 text; anything else is left
/// to sqlx's more forgiving decoder on the pooled path.
fn time(stored: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(stored).ok()?;
    Some(
        at.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Micros, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_sqlx_reads_them_or_not_at_all() {
        assert_eq!(
            time("2026-11-26T10:11:12.345678+00:00").as_deref(),
            Some("2026-11-26T10:11:12.345678Z")
        );
        assert_eq!(
            time("2026-11-26T12:11:12+02:00").as_deref(),
            Some("2026-11-26T10:11:12.000000Z")
        );
        // Forms sqlx also accepts are declined here, and read the pooled way.
        assert_eq!(time("2026-11-26 10:11:12.345678"), None);
        assert_eq!(time("1764151872"), None);
    }
}
