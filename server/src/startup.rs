//! Building the application from its configuration and serving it until told to stop.

use crate::config::{Config, ConnectionLimits, Environment};
use crate::passwords::Passwords;
use crate::spa::{self, Spa};
use crate::state::AppState;
use crate::throttle::LoginThrottle;
use crate::tokens::Tokens;
use crate::{db, routes, serve, sessions};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::response::IntoResponse;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// How often records of expired refresh tokens are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Why the server could not start; `main` prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database (DATABASE_URL or DB_*): {0}")]
    Connect(sea_orm::DbErr),
    #[error("cannot apply database migrations: {0}")]
    Migrate(sea_orm::DbErr),
    #[error("cannot listen on {0} (HOST, PORT): {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    pub state: AppState,
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        if config.jwt.secret_generated {
            tracing::warn!(
                "JWT_SECRET is not set: development generated one; tokens end with this process"
            );
        }
        let (db, writer) =
            db::connect_migrated(&config.database_url)
                .await
                .map_err(|e| match e {
                    db::StartupDbError::Connect(e) => StartupError::Connect(e),
                    db::StartupDbError::Migrate(e) => StartupError::Migrate(e),
                })?;
        let passwords = Passwords::new()
            .await
            .map_err(|e| StartupError::Other(e.to_string()))?;
        let state = AppState {
            db,
            writer,
            tokens: Tokens::new(&config.jwt),
            passwords,
            login_throttle: LoginThrottle::new(config.login_max_failures, config.login_lockout),
            trusted_proxy_hops: config.trusted_proxy_hops,
            request_body_timeout: config.connections.request_body_timeout,
        };
        spawn_pruner(state.writer.clone());

        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| StartupError::Bind(address, e))?;
        let router = router(config, state.clone());
        Ok(Self {
            listener,
            router,
            limits: config.connections,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        tracing::info!(address = %self.local_addr(), "listening");
        serve::serve(self.listener, self.router, self.limits, shutdown).await;
    }
}

fn spawn_pruner(db: sea_orm::DatabaseConnection) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            match sessions::prune_expired(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "pruned expired refresh tokens"),
                Err(e) => tracing::warn!(error = %e, "pruning refresh tokens failed"),
            }
        }
    });
}

pub fn router(config: &Config, state: AppState) -> Router {
    let spa = Spa::load(&config.static_dir);
    let csp = spa.csp.clone();
    let site = spa::routes(spa);
    let api = routes::api()
        .route("/api/{*rest}", axum::routing::any(routes::api_not_found))
        .with_state(state);

    let security_headers = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ];
    let mut app = api.merge(site);
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    if !config.cors_allowed_origins.is_empty() {
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(config.cors_allowed_origins.clone()))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                ])
                // A script on another origin may read a response header only when told.
                .expose_headers([header::ETAG])
                .max_age(Duration::from_secs(3600)),
        );
    }
    let request_id = HeaderName::from_static("x-request-id");
    app.layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(|_| {
            crate::error::ApiError::Internal("a handler panicked".into()).into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
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
