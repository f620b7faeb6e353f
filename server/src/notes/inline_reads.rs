//! The plain notes list on SQLite, read in the request's own thread.
//!
//! sqlx gives every SQLite connection a worker thread and hands each statement, and each
//! row back, across a channel: a list of 20 notes costs two dozen thread wake-ups, which
//! a profile of the list under load showed as most of its time (futex wait and wake),
//! far more than SQLite's own work. Here the same query runs on a plain SQLite
//! connection in the calling thread: with the file memory-mapped, reading a few dozen
//! rows takes tens of microseconds, less than one hand-off. The rows are written out as
//! the response's JSON straight from SQLite's memory, without a string of their own.
//!
//! It is an optimisation with the same answers, never a second source of truth: every
//! read is one statement in its own WAL snapshot, so it sees every write committed before
//! it (the writer commits before its request is answered) and no cache can go stale.
//! Whatever it cannot answer exactly as the sea-orm path would (more than [`MAX_ROWS`]
//! notes, which would hold the thread too long; no notes, where the user's existence must
//! be checked; a time in a form it does not parse; any SQLite error) it declines, and the
//! caller reads the usual way.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Lists longer than this are read through the pool, off this thread.
pub const MAX_ROWS: usize = 100;

/// Idle connections kept; one per runtime thread is the usual need.
const KEEP_IDLE: usize = 8;

/// `notes::list` without filters: the author's notes, pinned first, then newest first.
const LIST: &str = "SELECT id, title, content, created_at, updated_at, author_id, pinned \
                    FROM notes WHERE author_id = ?1 \
                    ORDER BY pinned DESC, created_at DESC, id DESC LIMIT ?2";

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

    /// The author's notes, newest first, as the JSON body of the list, or `None` when
    /// the caller should read them through the pool (see the module's note).
    pub fn notes_json(&self, author: i64) -> Option<Vec<u8>> {
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
        // SQLite (built with STAT4) marks a statement whose plan could depend on a bound
        // value, and clearing its bindings, as the statement cache does after each use,
        // then makes it re-prepare at the next step: the list's statement was compiled
        // anew on every request. One plan for every author is the plan anyway.
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        // Mapped as the pooled connections map it.
        connection.pragma_update(None, "mmap_size", crate::storage::db::MMAP_BYTES)?;
        Ok(connection)
    }
}

/// `app::api::Note`'s wire form, borrowing from the row.
#[derive(Serialize)]
struct NoteRow<'a> {
    id: i64,
    title: &'a str,
    content: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    author: i64,
    pinned: bool,
}

fn list(connection: &Connection, author: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut statement = connection.prepare_cached(LIST)?;
    let mut rows = statement.query((author, MAX_ROWS as i64 + 1))?;
    let mut json = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::new(&mut json);
    let mut list = serializer.serialize_seq(None).map_err(to_sqlite)?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        if count == MAX_ROWS {
            return Ok(None);
        }
        count += 1;
        let (mut created, mut updated) = (TimeBuffer::default(), TimeBuffer::default());
        let (Some(created_at), Some(updated_at)) = (
            created.api_time(row.get_ref(3)?.as_str()?),
            updated.api_time(row.get_ref(4)?.as_str()?),
        ) else {
            return Ok(None);
        };
        let note = NoteRow {
            id: row.get(0)?,
            title: row.get_ref(1)?.as_str()?,
            content: row.get_ref(2)?.as_str()?,
            created_at,
            updated_at,
            author: row.get(5)?,
            pinned: row.get(6)?,
        };
        list.serialize_element(&note).map_err(to_sqlite)?;
    }
    SerializeSeq::end(list).map_err(to_sqlite)?;
    Ok((count > 0).then_some(json))
}

fn to_sqlite(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// `2026-11-26T10:11:12.345678Z`: RFC 3339 in UTC with microseconds, as the API writes
/// every time.
const API_TIME_LEN: usize = 27;

/// Room for one time as the API shows it, on the stack.
#[derive(Default)]
struct TimeBuffer([u8; API_TIME_LEN]);

impl TimeBuffer {
    /// A stored time as the API shows it. sea-orm stores RFC 3339 text in UTC
    /// (`2026-11-26T10:11:12.345678901+00:00`, with 0, 3, 6 or 9 digits of fraction):
    /// that is rewritten in place. Another offset goes through chrono; anything else is
    /// left to sqlx's more forgiving decoder on the pooled path.
    fn api_time(&mut self, stored: &str) -> Option<&str> {
        let written = utc_in_place(stored, &mut self.0).or_else(|| {
            let at = DateTime::parse_from_rfc3339(stored).ok()?;
            let text = at
                .with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Micros, true);
            let bytes = self.0.get_mut(..text.len())?;
            bytes.copy_from_slice(text.as_bytes());
            Some(text.len())
        })?;
        std::str::from_utf8(&self.0[..written]).ok()
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]+00:00` into `out` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`,
/// the fraction cut (not rounded) to microseconds as chrono cuts it.
fn utc_in_place(stored: &str, out: &mut [u8; API_TIME_LEN]) -> Option<usize> {
    let bytes = stored.as_bytes();
    let rest = bytes.strip_suffix(b"+00:00")?;
    let (seconds, fraction) = match rest.get(19) {
        None => (rest, &b""[..]),
        Some(b'.') => (&rest[..19], &rest[20..]),
        Some(_) => return None,
    };
    let shape = b"dddd-dd-ddTdd:dd:dd";
    let fits = seconds.len() == shape.len()
        && seconds.iter().zip(shape).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            _ => c == s,
        })
        && fraction.len() <= 9
        && fraction.iter().all(u8::is_ascii_digit);
    if !fits {
        return None;
    }
    out[..19].copy_from_slice(seconds);
    out[19] = b'.';
    let micros = &mut out[20..26];
    micros.fill(b'0');
    let kept = fraction.len().min(6);
    micros[..kept].copy_from_slice(&fraction[..kept]);
    out[26] = b'Z';
    Some(API_TIME_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(stored: &str) -> Option<String> {
        TimeBuffer::default().api_time(stored).map(str::to_owned)
    }

    /// What the pooled path shows for a time sea-orm stored.
    fn as_pooled(at: DateTime<Utc>) -> String {
        at.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    #[test]
    fn stored_times_read_as_the_pooled_path_shows_them() {
        use chrono::TimeZone;
        let second = Utc.with_ymd_and_hms(2026, 11, 26, 10, 11, 12).unwrap();
        for nanos in [0, 345_000_000, 345_678_000, 345_678_901, 999_999_999] {
            let at = second + chrono::Duration::nanoseconds(nanos);
            // As sqlx encodes a `DateTime<Utc>` for SQLite.
            let stored = at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
            assert_eq!(time(&stored), Some(as_pooled(at)), "{stored}");
        }
        assert_eq!(
            time("2026-11-26T12:11:12.5+02:00").as_deref(),
            Some("2026-11-26T10:11:12.500000Z")
        );
        // Forms sqlx also accepts are declined here, and read the pooled way.
        for declined in [
            "2026-11-26 10:11:12.345678",
            "2026-11-26T10:11:1x+00:00",
            "1764151872",
            "",
        ] {
            assert_eq!(time(declined), None, "{declined}");
        }
    }
}
