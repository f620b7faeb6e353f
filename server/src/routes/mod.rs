//! The HTTP API's routes: thin handlers that parse, call the function that does the
//! work, and map its result.

mod account;
mod auth;
mod health;
mod notes;

use crate::error::ApiError;
use crate::state::AppState;
use app::api::paths;
use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{delete, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn api() -> Router<AppState> {
    Router::new()
        .route(paths::REGISTER, post(auth::register))
        .route(paths::PASSWORD, post(auth::change_password))
        .route(paths::ACCOUNT, get(account::show).delete(account::delete))
        .route(paths::SESSIONS, delete(account::end_sessions))
        .route(paths::TOKEN, post(auth::obtain_pair))
        .route(paths::TOKEN_REFRESH, post(auth::refresh))
        .route(paths::TOKEN_VERIFY, post(auth::verify))
        .route(paths::TOKEN_BLACKLIST, post(auth::blacklist))
        .route(paths::NOTES, get(notes::list).post(notes::create))
        .route(
            "/api/notes/{id}/",
            get(notes::get)
                .put(notes::replace)
                .patch(notes::patch)
                .delete(notes::delete),
        )
        .route("/api/notes/delete/{id}/", delete(notes::delete))
        .method_not_allowed_fallback(method_not_allowed)
        // Tokens and private notes must not be kept by any cache on the way.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}

/// Any other `/api/...` path.
pub async fn api_not_found() -> ApiError {
    ApiError::NotFound
}
