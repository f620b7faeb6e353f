//! Storage: connecting to SQLite or PostgreSQL and migrating it, the tables' entities,
//! paging a list as Django REST framework does, and pruning rows that can never matter
//! again (what to prune, the rooms above say).
//! Uses `ops` and `error`.

pub mod blobs;
pub mod db;
pub mod entities;
pub mod paging;
pub mod pruning;

/// A stored time as the API writes times: RFC 3339, in UTC, to the microsecond (as Django
/// REST framework does).
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
