//! `GET /metrics` (on the metrics listener), and the middleware that counts and times
//! every request of the public router; what is kept and how is `ops::metrics`.

use crate::http::state::AppState;
use crate::ops::metrics;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::{DatabaseConnection, DbBackend};
use std::time::Instant;

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
    metrics::request_answered(method, route, response.status().as_str(), started.elapsed());
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
        metrics::pool_connections("inline", "idle", inline.idle_connections() as f64);
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
        metrics::pool_connections(name, state, f64::from(value));
    }
}

/// The metrics listener's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state((metrics::handle(), state))
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
