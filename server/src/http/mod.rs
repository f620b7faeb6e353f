//! The HTTP layer: the routes and their extractors, the accept loop (`serve`), overload
//! shedding (`shed`), the SPA's files, the OpenAPI document, paging links, what proxies
//! say (`forwarded`) and `/metrics`; and here, the router with the layers every answer passes through. It may
//! use every room below it.

pub mod extract;
pub mod forwarded;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod per_client;
pub mod public;
pub mod reach;
pub mod routes;
pub mod serve;
pub mod shed;
pub mod spa;
pub mod state;

use crate::ops::settings::Config;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::response::IntoResponse;
use spa::Spa;
use state::AppState;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The public router: the API, the SPA, and the security headers, CORS, compression,
/// request ids, logs and panic answer around them.
pub fn router(config: &Config, state: AppState) -> Router {
    let spa = Spa::load(&config.static_dir);
    let csp = spa.csp.clone();
    let site = spa::routes(spa);

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
    let in_flight = shed::InFlight::new(config.connections.max_requests_in_flight);
    let sqlite = state.db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let hub = state.events.clone();
    let api = routes::api()
        .route("/api/{*rest}", axum::routing::any(routes::api_not_found))
        .merge(public::routes())
        .with_state(state);
    let api = if sqlite {
        api.layer(axum::middleware::from_fn_with_state(
            hub,
            routes::events::wake_after_writes,
        ))
    } else {
        api
    };
    let mut app = api
        .merge(site)
        .layer(axum::middleware::from_fn_with_state(in_flight, shed::shed))
        .layer(axum::middleware::from_fn(metrics::track));
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    if !config.allowed_origins().is_empty() {
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(config.allowed_origins().to_vec()))
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
                    extract::IDEMPOTENCY_KEY,
                ])
                // A script on another origin may read a response header only when told.
                .expose_headers([
                    header::ETAG,
                    header::CONTENT_DISPOSITION,
                    extract::IDEMPOTENT_REPLAYED,
                ])
                .max_age(Duration::from_secs(3600)),
        );
    }
    let request_id = HeaderName::from_static("x-request-id");
    // A zip export is deflated already.
    // Nor is an attachment: it is served in ranges of its own bytes, by its length.
    let compress = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/zip"))
        .and(
            |_: axum::http::StatusCode,
             _: axum::http::Version,
             _: &axum::http::HeaderMap,
             extensions: &axum::http::Extensions| {
                extensions.get::<routes::attachments::AsStored>().is_none()
            },
        );
    app.layer(CompressionLayer::new().compress_when(compress))
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
                    tracing::info_span!("request", id, method = %request.method(), path = %logged_path(request.uri().path()))
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// A path as the log keeps it: a note link's token is a secret, so it is cut.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    for secret in ["/s/", "/api/shared/"] {
        if let Some(rest) = path.strip_prefix(secret)
            && !rest.is_empty()
        {
            let after = rest.find('/').map_or("", |at| &rest[at..]);
            return format!("{secret}…{after}").into();
        }
    }
    path.into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_links_token_is_not_logged() {
        assert_eq!(super::logged_path("/s/k3Jq0vX9mB2wRz7tYc5nLp"), "/s/…");
        assert_eq!(
            super::logged_path("/api/shared/k3Jq0vX9mB2wRz7tYc5nLp/"),
            "/api/shared/…/"
        );
        assert_eq!(super::logged_path("/api/notes/3/"), "/api/notes/3/");
    }
}
