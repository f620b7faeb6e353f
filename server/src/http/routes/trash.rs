//! The trash: deleted notes, restored or deleted for good.

use crate::error::ApiResult;
use crate::http::extract::{AuthUser, NoteId, PagingQuery};
use crate::http::openapi::{NotFound, Unauthorized, tags};
use crate::http::paging::Links;
use crate::http::routes::notes::Tagged;
use crate::http::state::AppState;
use crate::notes::trash;
use app::api::{Page, TrashedNote, paths};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The caller's trash: every deleted note, or with `page` or `page_size` a page of them.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TrashList {
    List(Vec<TrashedNote>),
    Page(Page<TrashedNote>),
}

/// List the trash
///
/// The caller's deleted notes, most recently deleted first, each with when it was
/// deleted; paged as the notes list is. A note stays for the server's `TRASH_RETENTION`
/// (30 days unless set), then is deleted for good.
#[utoipa::path(
    get,
    path = paths::TRASH,
    operation_id = "api_notes_trash_list",
    tag = tags::NOTES,
    params(PagingQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The trash, or a page of it.", body = TrashList),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, description = "`page` is not a number from 1 to the last page.",
            body = app::errors::Detail, example = json!({"detail": app::errors::messages::INVALID_PAGE})),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    PagingQuery(paging): PagingQuery,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let page = trash::page(&state.db, user.id, paging.as_ref()).await?;
    if paging.is_none() {
        return Ok(Json(TrashList::List(page.results)).into_response());
    }
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok(Json(TrashList::Page(links.page(page)?)).into_response())
}

/// Empty the trash
///
/// Deletes every note in the caller's trash for good.
#[utoipa::path(
    delete,
    path = paths::TRASH,
    operation_id = "api_notes_trash_destroy",
    tag = tags::NOTES,
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The trash is empty."),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn empty(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    trash::empty(&state.writer, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a note for good
///
/// Removes one note from the caller's trash; it cannot be restored after this.
#[utoipa::path(
    delete,
    path = paths::TRASHED,
    operation_id = "api_notes_trash_item_destroy",
    tag = tags::NOTES,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The note is deleted for good."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn purge(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<StatusCode> {
    trash::purge(&state.writer, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a note
///
/// Brings a note back from the caller's trash with its id, text, tags, pin and version
/// (its `ETag` is the one it had). Restoring a note that is back already answers it as
/// it is, so a retry is safe.
#[utoipa::path(
    post,
    path = paths::RESTORE,
    operation_id = "api_notes_restore_create",
    tag = tags::NOTES,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The note, back in the list.", body = app::api::Note,
            headers(("ETag" = String, description = "The note's version, for `If-Match`."))),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, description = "The caller has no such note, in the trash or out.",
            body = app::errors::Detail, example = json!({"detail": app::errors::messages::NOT_FOUND})),
    ),
)]
pub async fn restore(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<impl IntoResponse> {
    Ok(Tagged(trash::restore(&state.writer, user.id, id).await?))
}
