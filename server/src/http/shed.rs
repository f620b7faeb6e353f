//! Overload shed: past `MAX_REQUESTS_IN_FLIGHT` requests being served, a new request is
//! answered 503 with `Retry-After` at once, rather than queueing behind the others for
//! the database or a core until its client gives up. The requests that are served keep
//! their time; the rest learn at once to come back. The probes are never shed: a busy
//! server is alive and ready, and a platform that restarted it for being busy would
//! only make it busier.

use crate::error::ApiError;
use crate::ops::metrics;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Places for requests being served.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max)))
    }
}

/// Middleware: serves the request if there is a place for it (held until its answer's
/// head is ready), else answers 503.
pub async fn shed(State(places): State<InFlight>, request: Request, next: Next) -> Response {
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let Ok(_place) = places.0.try_acquire() else {
        metrics::request_shed();
        return ApiError::Overloaded.into_response();
    };
    next.run(request).await
}
