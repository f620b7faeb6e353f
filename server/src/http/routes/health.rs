//! Probes for the hosting platform.

use crate::http::openapi::tags;
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

/// A probe's answer.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"status": "ok"})))]
pub struct Health {
    /// `ok`, or `unavailable` from `/readyz` while the database does not answer.
    #[schema(examples("ok", "unavailable"))]
    status: &'static str,
    /// Why not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    detail: Option<&'static str>,
}

const OK: Health = Health {
    status: "ok",
    detail: None,
};

/// Liveness
///
/// The process is up and answering.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz_retrieve",
    tag = tags::HEALTH,
    responses((status = OK, description = "Up.", body = Health)),
)]
pub async fn live() -> Json<Health> {
    Json(OK)
}

/// Readiness
///
/// The database answers too; until it does, the platform should send no traffic here.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz_retrieve",
    tag = tags::HEALTH,
    responses(
        (status = OK, description = "Ready.", body = Health),
        (status = SERVICE_UNAVAILABLE, description = "The database does not answer.", body = Health,
            example = json!({"status": "unavailable", "detail": "The database is unreachable."})),
    ),
)]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(OK)),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    detail: Some("The database is unreachable."),
                }),
            )
        }
    }
}
