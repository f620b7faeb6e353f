//! What every handler may reach.

use crate::passwords::Passwords;
use crate::throttle::LoginThrottle;
use crate::tokens::Tokens;
use sea_orm::DatabaseConnection;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    /// Reads, and PostgreSQL's writes.
    pub db: DatabaseConnection,
    /// Writes (see `db::connect_migrated`).
    pub writer: DatabaseConnection,
    pub tokens: Tokens,
    pub passwords: Passwords,
    pub login_throttle: LoginThrottle,
    pub trusted_proxy_hops: usize,
    /// How long a JSON body may take to arrive (`REQUEST_BODY_TIMEOUT`).
    pub request_body_timeout: Duration,
}
