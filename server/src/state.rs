//! What every handler may reach.

use crate::group_commit::GroupCommit;
use crate::inline_reads::InlineReads;
use crate::passwords::Passwords;
use crate::throttle::LoginThrottle;
use crate::tokens::Tokens;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// Reads, and PostgreSQL's writes.
    pub db: DatabaseConnection,
    /// Writes (see `db::connect_writer`).
    pub writer: DatabaseConnection,
    /// SQLite's new notes, many to a commit.
    pub note_batches: Option<GroupCommit>,
    /// SQLite's plain notes list, read without leaving the request's thread.
    pub inline_reads: Option<Arc<InlineReads>>,
    /// Behind an `Arc`: extractors clone the state for every request, and the keys and
    /// validation rules would be copied each time.
    pub tokens: Arc<Tokens>,
    pub passwords: Passwords,
    pub login_throttle: LoginThrottle,
    pub trusted_proxy_hops: usize,
}
