//! Metrics in Prometheus's text format, served at `GET /metrics` on a listener of its own
//! (`METRICS_ADDR`, loopback by default), never on the public port.
//!
//! Requests are counted and timed by route template (axum's `MatchedPath`, so
//! `/api/notes/{id}/` however many notes there are; paths no route matches, such as the
//! SPA's files, are one `unmatched` series) with method and status. Beside them: the
//! database pools' connections, failed and refused password checks, refresh tokens caught
//! being replayed, and how long password hashing waited for a core.

use crate::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REQUESTS: &str = "http_requests_total";
const REQUEST_SECONDS: &str = "http_request_duration_seconds";
const POOL_CONNECTIONS: &str = "db_pool_connections";
const LOGIN_FAILURES: &str = "login_failures_total";
const LOGIN_THROTTLED: &str = "login_throttled_total";
const REFRESH_REUSE: &str = "refresh_token_reuse_detected_total";
const HASH_QUEUE_SECONDS: &str = "password_hash_queue_wait_seconds";

/// From a fraction of a millisecond (a list) to seconds (a queue of sign-ins).
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Histogram samples wait in a buffer until drained; without a scrape, this bounds it.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. The `metrics` facade has one global
/// recorder per process, so every application built in it (tests build many) shares it.
pub fn handle() -> PrometheusHandle {
    HANDLE.get_or_init(install).clone()
}

fn install() -> PrometheusHandle {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .expect("the buckets are not empty")
        .build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        tracing::warn!("another metrics recorder was installed first; /metrics stays empty");
    }
    describe();
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .expect("a thread for metrics upkeep");
    handle
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        REQUEST_SECONDS,
        Unit::Seconds,
        "Time to answer an HTTP request (until the response head), by method, route template and status"
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections by pool and state (in_use, idle, max), at scrape time"
    );
    describe_counter!(
        LOGIN_FAILURES,
        "Password checks that failed: sign-in, password change and account deletion"
    );
    describe_counter!(
        LOGIN_THROTTLED,
        "Password checks refused with 429 because the client used up its attempts"
    );
    describe_counter!(
        REFRESH_REUSE,
        "Spent refresh tokens presented again: their families were revoked"
    );
    describe_histogram!(
        HASH_QUEUE_SECONDS,
        Unit::Seconds,
        "Time a password hash or check waited for a free core"
    );
}

pub fn login_failed() {
    metrics::counter!(LOGIN_FAILURES).increment(1);
}

pub fn login_throttled() {
    metrics::counter!(LOGIN_THROTTLED).increment(1);
}

pub fn refresh_reuse_detected() {
    metrics::counter!(REFRESH_REUSE).increment(1);
}

pub fn hash_queue_waited(waited: Duration) {
    metrics::histogram!(HASH_QUEUE_SECONDS).record(waited);
}

/// Middleware: counts and times each request by its route template.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let response = next.run(request).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_str().to_owned()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(REQUEST_SECONDS, &labels).record(started.elapsed());
    response
}

/// The methods this server answers; any other is one label, so a client inventing
/// methods cannot create series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The pools' connections, sampled when scraped.
fn sample_pools(state: &AppState) {
    sample_pool("main", &state.db);
    if state.db.get_database_backend() == DbBackend::Sqlite {
        sample_pool("writer", &state.writer);
    }
    if let Some(inline) = &state.inline_reads {
        metrics::gauge!(POOL_CONNECTIONS, "pool" => "inline", "state" => "idle")
            .set(inline.idle_connections() as f64);
    }
}

fn sample_pool(name: &'static str, db: &DatabaseConnection) {
    fn sizes<D: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<D>) -> (u32, usize, u32) {
        let max = pool.options().get_max_connections();
        (pool.size(), pool.num_idle(), max)
    }
    let (size, idle, max) = match db.get_database_backend() {
        DbBackend::Sqlite => sizes(db.get_sqlite_connection_pool()),
        DbBackend::Postgres => sizes(db.get_postgres_connection_pool()),
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    for (state, value) in [
        ("in_use", size.saturating_sub(idle)),
        ("idle", idle),
        ("max", max),
    ] {
        metrics::gauge!(POOL_CONNECTIONS, "pool" => name, "state" => state).set(f64::from(value));
    }
}

/// The metrics listener's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state((handle(), state))
}

async fn scrape(State((handle, state)): State<(PrometheusHandle, AppState)>) -> impl IntoResponse {
    sample_pools(&state);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&invented), "other");
    }
}
