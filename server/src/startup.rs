//! Building the application from its configuration and serving it until told to stop.

use crate::accounts::liveness::Liveness;
use crate::accounts::passwords::Passwords;
use crate::accounts::throttle::LoginThrottle;
use crate::accounts::tokens::Tokens;
use crate::accounts::totp::SecretKeys;
use crate::accounts::{operators, registration, two_step};
use crate::http::state::{AppState, Shared};
use crate::http::{self, serve};
use crate::notes::attachments::Limits;
use crate::notes::group_commit::GroupCommit;
use crate::notes::inline_reads::InlineReads;
use crate::ops::settings::{Config, ConnectionLimits, Environment, MetricsListener};
use crate::storage::blobs::Blobs;
use crate::storage::{db, pruning};
use app::validation::{Password, Username};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Why the server could not start; `main` prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database (DATABASE_URL or DB_*): {0}")]
    Connect(sea_orm::DbErr),
    #[error(
        "cannot create the SQLite database {0}: its directory is not writable (make it \
         writable, or set DATABASE_URL or DB_* for PostgreSQL)"
    )]
    SqliteDirectoryReadOnly(std::path::PathBuf),
    #[error("cannot apply database migrations: {0}")]
    Migrate(sea_orm::DbErr),
    #[error("cannot listen on {0} (HOST, PORT): {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("cannot listen on {0} (METRICS_ADDR): {1}")]
    BindMetrics(SocketAddr, std::io::Error),
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    /// The limit on one client's connections, unless the peers are trusted proxies.
    per_client: Option<usize>,
    metrics_addr: Option<SocketAddr>,
    pub state: AppState,
}

/// Moves two-step secrets sealed with an earlier key to the current one. Replicas starting
/// together may both do it; each secret ends sealed with the current key either way.
async fn reseal_totp_secrets(db: &sea_orm::DatabaseConnection, keys: &SecretKeys) {
    match two_step::reseal(db, keys).await {
        Ok((0, 0)) => {}
        Ok((resealed, 0)) => {
            tracing::info!(
                resealed,
                "two-step sign-in secrets now sealed with TOTP_ENCRYPTION_KEY"
            );
        }
        Ok((resealed, unreadable)) => tracing::warn!(
            resealed,
            unreadable,
            "two-step sign-in secrets that no key opens (TOTP_ENCRYPTION_KEY, \
             TOTP_PREVIOUS_ENCRYPTION_KEY or JWT_SECRET changed): those people cannot finish signing in"
        ),
        Err(err) => tracing::warn!(error = %err, "two-step sign-in secrets could not be resealed"),
    }
}

/// `SUPERUSER_USERNAME`: the first operator, made once, logged without its password.
async fn create_first_operator(
    db: &sea_orm::DatabaseConnection,
    passwords: &Passwords,
    username: &Username,
    password: Password,
) -> Result<(), StartupError> {
    match operators::create_first(db, passwords, username, password).await {
        Ok(Some(user)) => {
            tracing::info!(
                username = %user.username,
                id = user.id,
                "made the first operator from SUPERUSER_USERNAME and SUPERUSER_PASSWORD"
            );
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(StartupError::Other(format!(
            "cannot make the operator SUPERUSER_USERNAME names: {e}"
        ))),
    }
}

/// Opens of notes' links a minute from one address: a class behind one address opening a
/// shared note together gets through; a script reloading it does not.
const LINK_OPENS_PER_MINUTE: std::num::NonZeroU32 = std::num::NonZeroU32::new(60).unwrap();
/// Sign-ins through the provider one address may start a minute (each writes a row that
/// lives ten minutes).
const SIGN_IN_STARTS_PER_MINUTE: std::num::NonZeroU32 = std::num::NonZeroU32::new(30).unwrap();

/// Everything the pruner deletes: what accounts leave behind, and the trash past its
/// retention.
pub fn prunable(state: &AppState) -> Vec<Arc<dyn pruning::Prune>> {
    let mut kinds = crate::accounts::prunable(&state.login_throttle, state.audit_retention);
    kinds.push(Arc::new(crate::events::hub::OldEvents));
    kinds.push(Arc::new(crate::notes::trash::ExpiredTrash {
        retention: state.trash_retention,
    }));
    use crate::notes::sharing::{Leftover, Orphaned};
    for leftover in [
        Leftover::Links,
        Leftover::Shares,
        Leftover::Pins,
        Leftover::Revisions,
    ] {
        kinds.push(Arc::new(Orphaned(leftover)));
    }
    kinds
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        if config.jwt_secret_generated {
            tracing::warn!(
                "JWT_SECRET is not set: development generated one; tokens (and, without \
                 TOTP_ENCRYPTION_KEY, two-step sign-in secrets) end with this process"
            );
        }
        // Before the pools open: no pooled connection can keep a view of the database
        // from before the migrations.
        migrate(config).await?;
        let db = db::connect_syncing(&config.database_url, config.sqlite_synchronous)
            .await
            .map_err(StartupError::Connect)?;
        let writer = db::connect_writer(&config.database_url, &db, config.sqlite_synchronous)
            .await
            .map_err(StartupError::Connect)?;
        let inline_reads =
            db::sqlite_file(&config.database_url).map(|file| InlineReads::for_file(&file));
        let passwords = Passwords::new()
            .await
            .map_err(|e| StartupError::Other(e.to_string()))?;
        let totp_keys = SecretKeys::new(
            config.totp_encryption_key.as_ref(),
            config.totp_previous_encryption_key.as_ref(),
            &config.jwt_secret,
        );
        reseal_totp_secrets(&writer, &totp_keys).await;
        registration::seed(&writer, config.registration)
            .await
            .map_err(|e| {
                StartupError::Other(format!("cannot read the registration setting: {e}"))
            })?;
        if let Some((username, password)) = &config.superuser {
            create_first_operator(&writer, &passwords, username, password.clone()).await?;
        }
        let blobs = Arc::new(Blobs::new(&config.attachments, db.clone(), writer.clone()));
        blobs
            .objects(&blobs.default)
            .map_err(|e| StartupError::Other(format!("ATTACHMENT_STORAGE: {e}")))?;
        let events = crate::events::hub::Hub::start(db.clone(), config.max_streams)
            .await
            .map_err(StartupError::Connect)?;
        let oidc = crate::accounts::oidc::Provider::from_settings(&config.oidc)
            .map_err(StartupError::Other)?;
        if let Some(provider) = &oidc {
            provider.keep_discovered();
        }
        let state = AppState::new(Shared {
            oidc,
            events,
            stream_keepalive: config.streams.stream_keepalive,
            blobs,
            attachment_limits: Limits {
                max_bytes: config.attachments.attachment_max_mb as u64 * 1_000_000,
                quota_bytes: config.attachments.storage_quota_mb as u64 * 1_000_000,
                timeout: config.attachments.upload_timeout,
            },
            db,
            login_throttle: LoginThrottle::for_database(
                &writer,
                config.login_max_failures,
                config.login_lockout,
            ),
            note_batches: (writer.get_database_backend() == sea_orm::DbBackend::Sqlite)
                .then(|| GroupCommit::spawn(writer.clone())),
            writer,
            inline_reads,
            tokens: Tokens::new(&config.jwt_secret, &config.jwt),
            liveness: Liveness::default(),
            admin_reauth_window: config.admin_reauth_window,
            totp_keys,
            passwords,
            trusted_proxy_hops: config.trusted_proxy_hops,
            request_body_timeout: config.connections.request_body_timeout,
            import_max_bytes: config.import_max_mb * 1_000_000,
            trash_retention: config.trash_retention,
            history_retention: config.history_retention,
            audit_retention: config.audit_retention,
            exports: Arc::new(tokio::sync::Semaphore::new(crate::notes::export::AT_ONCE)),
            link_opens: crate::http::per_client::PerClient::new(LINK_OPENS_PER_MINUTE),
            sign_in_starts: crate::http::per_client::PerClient::new(SIGN_IN_STARTS_PER_MINUTE),
            link_views: crate::notes::links::Views::default(),
        });
        pruning::spawn(state.writer.clone(), prunable(&state));
        crate::notes::history::thinning::spawn(state.writer.clone(), state.history_retention);
        crate::notes::attachments::pruning::spawn(
            state.writer.clone(),
            state.blobs.clone(),
            state.attachment_limits.timeout,
        );
        let metrics_addr = match config.metrics {
            Some(listener) => serve_metrics(listener, state.clone()).await?,
            None => None,
        };

        let address = config.address;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| StartupError::Bind(address, e))?;
        let router = http::router(config, state.clone());
        Ok(Self {
            listener,
            router,
            limits: config.connections,
            per_client: (config.trusted_proxy_hops == 0)
                .then_some(config.connections.max_connections_per_client),
            metrics_addr,
            state,
        })
    }

    /// Where `/metrics` answers, when it does.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        tracing::info!(address = %self.local_addr(), "listening");
        let events = self.state.events.clone();
        // Streams end at once: a connection closes once its answer is complete, and a
        // stream's is complete only when it ends.
        let shutdown = async move {
            shutdown.await;
            events.close_all();
        };
        serve::serve(
            self.listener,
            self.router,
            self.limits,
            self.per_client,
            shutdown,
        )
        .await;
    }
}

/// Brings the schema up to date on connections of its own, closed when done (closing
/// checkpoints SQLite's write-ahead log into the file): `server migrate`, and `serve`
/// before its pools open.
pub async fn migrate(config: &Config) -> Result<(), StartupError> {
    let migrator = db::connect_syncing(&config.database_url, config.sqlite_synchronous)
        .await
        .map_err(|e| cannot_connect(&config.database_url, e))?;
    db::migrate(&migrator)
        .await
        .map_err(StartupError::Migrate)?;
    migrator.close().await.map_err(StartupError::Migrate)
}

/// SQLite cannot create its file (and the write-ahead log beside it) in a directory it
/// may not write to, such as a container's read-only data directory: say so, with the
/// path, rather than SQLite's "unable to open database file".
fn cannot_connect(url: &str, error: sea_orm::DbErr) -> StartupError {
    let Some(file) = db::sqlite_file(url) else {
        return StartupError::Connect(error);
    };
    let directory = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => ".".into(),
    };
    let writable = std::ffi::CString::new(directory.as_os_str().as_encoded_bytes())
        // SAFETY: access(2) only reads the NUL-terminated path it is given.
        .map(|path| unsafe { libc::access(path.as_ptr(), libc::W_OK) } == 0)
        .unwrap_or(true);
    if writable {
        StartupError::Connect(error)
    } else {
        // Absolute, so the line says where, whatever the working directory was.
        StartupError::SqliteDirectoryReadOnly(std::path::absolute(&file).unwrap_or(file))
    }
}

/// Serves `/metrics` on a listener of its own for as long as the process runs: a scrape
/// in progress at shutdown does not hold the server up.
async fn serve_metrics(
    metrics: MetricsListener,
    state: AppState,
) -> Result<Option<SocketAddr>, StartupError> {
    let address = metrics.address;
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(e) if metrics.required => return Err(StartupError::BindMetrics(address, e)),
        Err(e) => {
            tracing::warn!(%address, error = %e, "metrics are off: the default METRICS_ADDR is taken");
            return Ok(None);
        }
    };
    let bound = listener
        .local_addr()
        .map_err(|e| StartupError::BindMetrics(address, e))?;
    let router = http::metrics::router(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!(address = %bound, "metrics at /metrics");
    Ok(Some(bound))
}

/// Resolves on Ctrl-C or SIGTERM (what a container platform sends before stopping).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

pub fn describe(config: &Config) -> &'static str {
    match config.environment {
        Environment::Development => "development",
        Environment::Production => "production",
    }
}
