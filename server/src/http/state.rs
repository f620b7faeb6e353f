//! What every handler may reach.

use crate::accounts::liveness::Liveness;
use crate::accounts::passwords::Passwords;
use crate::accounts::throttle::LoginThrottle;
use crate::accounts::tokens::Tokens;
use crate::accounts::totp::SecretKeys;
use crate::notes::group_commit::GroupCommit;
use crate::notes::inline_reads::InlineReads;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Behind one `Arc`: axum's extractors clone the state for every request (a list
/// request twice), and the pools, keys and validation rules would be copied each time.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    /// Reads, and PostgreSQL's writes.
    pub db: DatabaseConnection,
    /// Writes (see `storage::db::connect_writer`).
    pub writer: DatabaseConnection,
    /// SQLite's new notes, many to a commit.
    pub note_batches: Option<GroupCommit>,
    /// SQLite's plain notes list, read without leaving the request's thread.
    pub inline_reads: Option<InlineReads>,
    pub tokens: Tokens,
    /// Whether a token's account is active and its session live, as this replica last saw.
    pub liveness: Liveness,
    /// How recent an operator's sign-in must be for their changes (`ADMIN_REAUTH_WINDOW`).
    pub admin_reauth_window: Duration,
    /// What two-step sign-in secrets are sealed with.
    pub totp_keys: SecretKeys,
    pub passwords: Passwords,
    pub login_throttle: LoginThrottle,
    pub trusted_proxy_hops: usize,
    /// How long a JSON body may take to arrive (`REQUEST_BODY_TIMEOUT`).
    pub request_body_timeout: Duration,
    /// The largest import (`IMPORT_MAX_MB`), in bytes.
    pub import_max_bytes: usize,
    /// How long a deleted note can be restored (`TRASH_RETENTION`).
    pub trash_retention: Duration,
    /// How much of notes' history is kept (`HISTORY_RETENTION`).
    pub history_retention: crate::ops::settings::HistoryRetention,
    /// How long the audit log keeps a line (`AUDIT_RETENTION`).
    pub audit_retention: Duration,
    /// Requests to a note's links, per address (`/s/…`, `/api/shared/…`).
    pub link_opens: crate::http::per_client::PerClient,
    /// Who opened which link lately, so reloads count once.
    pub link_views: crate::notes::links::Views,
    /// Attachments' bytes, wherever they are kept.
    pub blobs: Arc<crate::storage::blobs::Blobs>,
    /// `ATTACHMENT_MAX_MB`, `STORAGE_QUOTA_MB`, `UPLOAD_TIMEOUT`.
    pub attachment_limits: crate::notes::attachments::Limits,
    /// Exports running now, at most `notes::export::AT_ONCE`.
    pub exports: Arc<tokio::sync::Semaphore>,
    /// This replica's event streams.
    pub events: Arc<crate::events::hub::Hub>,
    /// Sign-ins through the provider started, per address: each writes a row.
    pub sign_in_starts: crate::http::per_client::PerClient,
    /// The OpenID Connect provider `OIDC_*` configure, if any.
    pub oidc: Option<Arc<crate::accounts::oidc::Provider>>,
    /// How often a quiet stream sends a comment (`STREAM_KEEPALIVE`).
    pub stream_keepalive: Duration,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
