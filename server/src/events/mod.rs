//! Events: what a write announces to the open streams of the people it concerns
//! (`GET /api/events/`), on every replica.
//!
//! - `record`: a write's transaction adds its events as its last statements. They are
//!   rows of the `events` table with ids in commit order, so a stream that resumes from
//!   the last id it saw can never pass one that commits later.
//! - `hub`: each replica reads what was committed since it last looked, once for all its
//!   streams, and hands each event to the streams of its person. On PostgreSQL a
//!   `NOTIFY` sent at commit wakes every replica's hub (one listening connection each);
//!   on SQLite the one process wakes its hub after each write it answers.
//!
//! Uses `storage`, `ops` and `error`.

pub mod hub;
pub mod record;
