//! The server's metrics: their names, the events every room reports (through the
//! `metrics` facade's global recorder, so a room reports without knowing who reads), and
//! the Prometheus recorder that keeps them. `http::metrics` serves them at `GET /metrics`
//! on a listener of its own (`METRICS_ADDR`, loopback by default), never on the public
//! port.
//!
//! Requests are counted and timed by route template (`/api/notes/{id}/` however many
//! notes there are; paths no route matches, such as the SPA's files, are one `unmatched`
//! series) with method and status. Beside them: the database pools' connections, failed
//! and refused password checks, refresh tokens caught being replayed, and how long
//! password hashing waited for a core.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

const REQUESTS: &str = "http_requests_total";
const REQUEST_SECONDS: &str = "http_request_duration_seconds";
const POOL_CONNECTIONS: &str = "db_pool_connections";
const LOGIN_FAILURES: &str = "login_failures_total";
const LOGIN_THROTTLED: &str = "login_throttled_total";
const REFRESH_REUSE: &str = "refresh_token_reuse_detected_total";
const HASH_QUEUE_SECONDS: &str = "password_hash_queue_wait_seconds";
const REQUESTS_SHED: &str = "http_requests_shed_total";
const CONNECTIONS_REFUSED: &str = "connections_refused_total";
const CONNECTIONS_CLOSED_FOR_ROOM: &str = "connections_closed_for_room_total";
const STREAMS_OPEN: &str = "event_streams_open";
const OIDC_DISCOVERY_FAILURES: &str = "oidc_discovery_failures_total";
const OIDC_PROVIDER_UP: &str = "oidc_provider_up";

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
    describe_counter!(
        REQUESTS_SHED,
        "Requests answered 503 at once because MAX_REQUESTS_IN_FLIGHT were being served"
    );
    describe_counter!(
        CONNECTIONS_REFUSED,
        "Connections closed at once: their client had MAX_CONNECTIONS_PER_CLIENT open"
    );
    describe_counter!(
        CONNECTIONS_CLOSED_FOR_ROOM,
        "Connections waiting for their client closed at MAX_CONNECTIONS to let a new one in"
    );
    describe_gauge!(
        STREAMS_OPEN,
        "Event streams (GET /api/events/) open on this replica"
    );
    describe_counter!(
        OIDC_DISCOVERY_FAILURES,
        "Attempts to read the OpenID Connect provider's discovery document and keys that failed"
    );
    describe_gauge!(
        OIDC_PROVIDER_UP,
        "1 once the OpenID Connect provider's discovery document and keys are read, else 0"
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

pub fn oidc_discovery(succeeded: bool) {
    if !succeeded {
        metrics::counter!(OIDC_DISCOVERY_FAILURES).increment(1);
    }
    metrics::gauge!(OIDC_PROVIDER_UP).set(f64::from(u8::from(succeeded)));
}

pub fn login_throttled() {
    metrics::counter!(LOGIN_THROTTLED).increment(1);
}

pub fn refresh_reuse_detected() {
    metrics::counter!(REFRESH_REUSE).increment(1);
}

pub fn request_shed() {
    metrics::counter!(REQUESTS_SHED).increment(1);
}

pub fn connection_refused() {
    metrics::counter!(CONNECTIONS_REFUSED).increment(1);
}

pub fn connection_closed_for_room() {
    metrics::counter!(CONNECTIONS_CLOSED_FOR_ROOM).increment(1);
}

pub fn streams_open(open: usize) {
    metrics::gauge!(STREAMS_OPEN).set(open as f64);
}

pub fn hash_queue_waited(waited: Duration) {
    metrics::histogram!(HASH_QUEUE_SECONDS).record(waited);
}

/// An answered request, by method, route template and status.
pub fn request_answered(method: &'static str, route: String, status: &str, took: Duration) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.to_owned()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(REQUEST_SECONDS, &labels).record(took);
}

/// A database pool's connections in one `state` (`in_use`, `idle`, `max`), when sampled.
pub fn pool_connections(pool: &'static str, state: &'static str, connections: f64) {
    metrics::gauge!(POOL_CONNECTIONS, "pool" => pool, "state" => state).set(connections);
}
