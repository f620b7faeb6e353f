//! The HTTP API's routes: thin handlers that parse, call the function that does the
//! work, and map its result. Each handler also describes its operation for the OpenAPI
//! document, and the router and the document are built from the one list below.

mod access_tokens;
mod account;
mod admin;
pub(crate) mod attachments;
pub(crate) mod auth;
pub mod docs;
pub(crate) mod events;
mod export;
mod health;
mod history;
mod notes;
mod oidc;
mod sharing;
mod trash;
mod two_step;

use crate::error::ApiError;
use crate::http::openapi::ApiDoc;
use crate::http::state::AppState;
use axum::http::{HeaderValue, Method, header};
use axum::{Extension, Router};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every documented operation, each registered with the router and the document at once.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::register, auth::registration_status))
        .routes(routes!(auth::change_password))
        .routes(routes!(account::show, account::delete))
        .routes(routes!(account::sessions, account::end_sessions))
        .routes(routes!(account::end_session))
        .routes(routes!(account::activity))
        .routes(routes!(access_tokens::list, access_tokens::create))
        .routes(routes!(access_tokens::revoke))
        .routes(routes!(auth::reauthenticate))
        .routes(routes!(admin::users))
        .routes(routes!(admin::user, admin::update_user, admin::delete_user))
        .routes(routes!(admin::set_password))
        .routes(routes!(admin::reset_two_step))
        .routes(routes!(admin::end_sessions))
        .routes(routes!(admin::settings, admin::change_settings))
        .routes(routes!(admin::invites, admin::create_invite))
        .routes(routes!(admin::delete_invite))
        .routes(routes!(admin::audit_log))
        .routes(routes!(two_step::start, two_step::disable))
        .routes(routes!(two_step::confirm))
        .routes(routes!(two_step::recovery_codes))
        .routes(routes!(oidc::providers))
        .routes(routes!(oidc::start))
        .routes(routes!(oidc::callback))
        .routes(routes!(oidc::proof))
        .routes(routes!(oidc::redeem))
        .routes(routes!(oidc::identities, oidc::link))
        .routes(routes!(oidc::unlink))
        .routes(routes!(auth::obtain_pair))
        .routes(routes!(auth::second_step))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::verify))
        .routes(routes!(auth::blacklist))
        .routes(routes!(notes::list, notes::create))
        .routes(routes!(notes::tags))
        .routes(routes!(
            notes::get,
            notes::replace,
            notes::patch,
            notes::delete
        ))
        .routes(routes!(notes::delete_at_original_path))
        .routes(routes!(history::list, history::set_aside))
        .routes(routes!(history::get))
        .routes(routes!(history::diff))
        .routes(routes!(history::restore))
        .routes(routes!(sharing::shared))
        .routes(routes!(sharing::leave))
        .routes(routes!(sharing::create_link, sharing::links))
        .routes(routes!(sharing::revoke_link))
        .routes(routes!(sharing::share, sharing::shares))
        .routes(routes!(sharing::change_share, sharing::end_share))
        .routes(routes!(sharing::public))
        .routes(routes!(trash::list, trash::empty))
        .routes(routes!(trash::purge))
        .routes(routes!(trash::restore))
        .routes(routes!(export::export))
        .routes(routes!(export::import))
        .routes(routes!(attachments::list, attachments::upload))
        .routes(routes!(events::stream))
        .routes(routes!(docs::schema))
        // Tokens and private notes must not be kept by any cache on the way.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // A file is the caller's own copy to keep (revalidated by its ETag), and an
        // upload streams past the JSON body limit.
        .routes(routes!(attachments::download, attachments::delete))
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
}

/// The OpenAPI document of [`api`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut openapi = documented().into_openapi();
    finish(&mut openapi);
    openapi
}

/// What the document says of every operation, added once they are all in.
fn finish(openapi: &mut utoipa::openapi::OpenApi) {
    crate::http::openapi::shed_everywhere(openapi);
    crate::http::openapi::tokens_where_they_reach(openapi);
}

pub fn api() -> Router<AppState> {
    let (router, mut openapi) = documented().split_for_parts();
    finish(&mut openapi);
    router
        .merge(docs::page())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(Arc::new(docs::Document::new(&openapi))))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}

/// Any other `/api/...` path.
pub async fn api_not_found() -> ApiError {
    ApiError::NotFound
}
